//! The double-entry ledger, pure: which accounts exist, the entries each
//! money event writes, and the checks `mutua ledger verify` runs.
//!
//! Postings are signed minor units: a debit is positive, a credit negative,
//! so every entry — and the whole ledger — sums to zero. The server writes
//! these entries in the same transaction as the change that caused them.
//!
//! ```text
//! payment received   Dr platform_cash          / Cr order_clearing (per line)
//!   in cash          Dr member_cash_held:collector (the member took it)
//! order completed    Dr order_clearing (line)  / Cr member_payable:provider (net)
//!                                              / Cr coop_fee_revenue (fee)
//! refund (owed)      Dr order_clearing (line)  / Cr refunds_payable
//! cash order done    Dr member_payable:collector (their own net, kept)
//!   (collection)     Dr member_receivable:collector (the rest, owed to the coop)
//!                                              / Cr member_cash_held:collector
//! refund paid back   Dr refunds_payable        / Cr platform_cash
//!                                                (cash orders: member_cash_held)
//! netting (payouts)  Dr member_payable:member  / Cr member_receivable:member
//! receivable paid    Dr platform_cash          / Cr member_receivable:member
//! processor fee      Dr processor_fees         / Cr platform_cash
//! payout             Dr member_payable:member  / Cr platform_cash
//! patronage (year)   Dr coop_fee_revenue       / Cr patronage_reserve
//!   then per member  Dr patronage_reserve      / Cr member_payable:member (cash)
//!                                              / Cr member_capital:member (retained)
//! ```
//! A partial refund (a dispute settled in part) writes a refund of that
//! amount, split across the lines in proportion to their prices, and a
//! completion of what is left, each line's remainder split between its fee
//! and its net in the same proportion (largest remainder everywhere, so the
//! parts always sum to the whole).

use super::money::{Currency, MoneyError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

mod checks;
mod members;
mod orders;

pub use checks::{check_order, floor, Book, OrderFacts, OrderMoney};
pub use members::{
    netting, patronage_reserve, patronage_reserve_key, patronage_share, patronage_share_key,
    payout, payout_key, receivable_paid, transfer, transfer_key,
};
pub use orders::{
    clawback, collection, completion, dispute_funds, dispute_funds_key, full_refund, payment,
    processor_fee, refund_paid, settlement, Released,
};

/// An account of the chart. Members each have their own payable account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Account {
    /// The money the cooperative holds (bank, cash box, processor balance).
    PlatformCash,
    /// Customers' money held for orders not yet completed or refunded.
    OrderClearing,
    /// What the cooperative owes a member for completed work.
    MemberPayable(Uuid),
    /// The cooperative's fees.
    CoopFeeRevenue,
    /// What payment processors charged.
    ProcessorFees,
    /// Refunds owed to customers, not yet handed back.
    RefundsPayable,
    /// Set aside for patronage refunds (governance decides).
    PatronageReserve,
    /// A member's share capital grown by retained patronage refunds.
    MemberCapital(Uuid),
    /// Customers' cash in a member's hands for orders not yet done.
    MemberCashHeld(Uuid),
    /// What a member owes the cooperative: the fee and the other members'
    /// shares of cash they collected. Netted from their next payouts.
    MemberReceivable(Uuid),
    /// Money the card processor took back from the cooperative's balance
    /// while a customer's card dispute is open.
    CardDisputes,
}

/// Which way an account's balance normally lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Debit,
    Credit,
}

impl Account {
    /// The account's kind: its code without the member.
    pub fn kind(self) -> &'static str {
        match self {
            Account::PlatformCash => "platform_cash",
            Account::OrderClearing => "order_clearing",
            Account::MemberPayable(_) => "member_payable",
            Account::CoopFeeRevenue => "coop_fee_revenue",
            Account::ProcessorFees => "processor_fees",
            Account::RefundsPayable => "refunds_payable",
            Account::PatronageReserve => "patronage_reserve",
            Account::MemberCapital(_) => "member_capital",
            Account::MemberCashHeld(_) => "member_cash_held",
            Account::MemberReceivable(_) => "member_receivable",
            Account::CardDisputes => "card_disputes",
        }
    }

    /// The stored code: the kind, and for payables `:member-id`.
    pub fn code(self) -> String {
        match self {
            Account::MemberPayable(m) => format!("member_payable:{m}"),
            Account::MemberCapital(m) => format!("member_capital:{m}"),
            Account::MemberCashHeld(m) => format!("member_cash_held:{m}"),
            Account::MemberReceivable(m) => format!("member_receivable:{m}"),
            other => other.kind().to_owned(),
        }
    }

    pub fn parse(code: &str) -> Option<Account> {
        if let Some(id) = code.strip_prefix("member_payable:") {
            return Uuid::parse_str(id).ok().map(Account::MemberPayable);
        }
        if let Some(id) = code.strip_prefix("member_capital:") {
            return Uuid::parse_str(id).ok().map(Account::MemberCapital);
        }
        if let Some(id) = code.strip_prefix("member_cash_held:") {
            return Uuid::parse_str(id).ok().map(Account::MemberCashHeld);
        }
        if let Some(id) = code.strip_prefix("member_receivable:") {
            return Uuid::parse_str(id).ok().map(Account::MemberReceivable);
        }
        Some(match code {
            "platform_cash" => Account::PlatformCash,
            "order_clearing" => Account::OrderClearing,
            "coop_fee_revenue" => Account::CoopFeeRevenue,
            "processor_fees" => Account::ProcessorFees,
            "refunds_payable" => Account::RefundsPayable,
            "patronage_reserve" => Account::PatronageReserve,
            "card_disputes" => Account::CardDisputes,
            _ => return None,
        })
    }

    pub fn member(self) -> Option<Uuid> {
        match self {
            Account::MemberPayable(m)
            | Account::MemberCapital(m)
            | Account::MemberCashHeld(m)
            | Account::MemberReceivable(m) => Some(m),
            _ => None,
        }
    }

    pub fn normal_side(self) -> Side {
        match self {
            Account::PlatformCash
            | Account::ProcessorFees
            | Account::MemberCashHeld(_)
            | Account::MemberReceivable(_)
            | Account::CardDisputes => Side::Debit,
            _ => Side::Credit,
        }
    }

    /// The balance as people read it: positive on the account's normal side
    /// (cash held, money owed to a member, fees earned).
    pub fn natural(self, signed: i64) -> i64 {
        match self.normal_side() {
            Side::Debit => signed,
            Side::Credit => -signed,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EntryKind {
    Payment,
    Completion,
    Refund,
    RefundPaid,
    ProcessorFee,
    Payout,
    Patronage,
    Collection,
    Netting,
    ReceivablePaid,
    DisputeFunds,
    Clawback,
}

impl EntryKind {
    pub const ALL: [EntryKind; 12] = [
        EntryKind::Payment,
        EntryKind::Completion,
        EntryKind::Refund,
        EntryKind::RefundPaid,
        EntryKind::ProcessorFee,
        EntryKind::Payout,
        EntryKind::Patronage,
        EntryKind::Collection,
        EntryKind::Netting,
        EntryKind::ReceivablePaid,
        EntryKind::DisputeFunds,
        EntryKind::Clawback,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Payment => "payment",
            EntryKind::Completion => "completion",
            EntryKind::Refund => "refund",
            EntryKind::RefundPaid => "refund_paid",
            EntryKind::ProcessorFee => "processor_fee",
            EntryKind::Payout => "payout",
            EntryKind::Patronage => "patronage",
            EntryKind::Collection => "collection",
            EntryKind::Netting => "netting",
            EntryKind::ReceivablePaid => "receivable_paid",
            EntryKind::DisputeFunds => "dispute_funds",
            EntryKind::Clawback => "clawback",
        }
    }
    pub fn parse(s: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Posting {
    pub account: Account,
    /// Debit positive, credit negative.
    pub amount: i64,
    /// The order line this posting is about, when it is about one.
    pub line: Option<Uuid>,
}

/// One balanced money event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Unique: writing an entry whose key exists is a no-op.
    pub key: String,
    pub kind: EntryKind,
    pub currency: Currency,
    pub order: Option<Uuid>,
    pub payout: Option<Uuid>,
    pub postings: Vec<Posting>,
}

impl Entry {
    fn new(key: String, kind: EntryKind, currency: Currency) -> Entry {
        Entry {
            key,
            kind,
            currency,
            order: None,
            payout: None,
            postings: Vec::new(),
        }
    }

    /// Adds a posting; zero amounts are left out.
    fn post(&mut self, account: Account, amount: i64, line: Option<Uuid>) {
        if amount != 0 {
            self.postings.push(Posting {
                account,
                amount,
                line,
            });
        }
    }

    /// Debits minus credits, in a type wide enough never to overflow.
    pub fn sum(&self) -> i128 {
        self.postings.iter().map(|p| i128::from(p.amount)).sum()
    }

    pub fn is_balanced(&self) -> bool {
        self.sum() == 0
    }

    /// What the entry moves (the sum of its debits).
    pub fn amount(&self) -> i64 {
        self.postings.iter().map(|p| p.amount.max(0)).sum()
    }
}

/// The money of one order line as pinned when it was ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineMoney {
    pub id: Uuid,
    pub provider: Uuid,
    /// What the customer pays for the line.
    pub price: i64,
    /// The cooperative's part of it; the provider's is `price - fee`.
    pub fee: i64,
}

impl LineMoney {
    pub fn net(self) -> i64 {
        self.price - self.fee
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("amount out of range")]
    OutOfRange,
    #[error(transparent)]
    Money(#[from] MoneyError),
}

pub fn order_key(order: Uuid, kind: EntryKind) -> String {
    format!("order/{order}/{}", kind.as_str())
}

fn total(lines: &[LineMoney]) -> i64 {
    lines.iter().map(|l| l.price).sum()
}

/// Where a customer's money is: the cooperative's bank or processor
/// balance, or, for cash, the pocket of the member who took it.
pub fn holder(cash_collector: Option<Uuid>) -> Account {
    cash_collector.map_or(Account::PlatformCash, Account::MemberCashHeld)
}

#[cfg(test)]
mod tests;
