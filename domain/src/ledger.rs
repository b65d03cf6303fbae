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

use super::money::{Currency, Money, MoneyError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use uuid::Uuid;

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

/// The customer's money arrived, and is now held by `holder`.
pub fn payment(order: Uuid, currency: Currency, lines: &[LineMoney], holder: Account) -> Entry {
    let mut e = Entry::new(
        order_key(order, EntryKind::Payment),
        EntryKind::Payment,
        currency,
    );
    e.order = Some(order);
    e.post(holder, total(lines), None);
    for l in lines {
        e.post(Account::OrderClearing, -l.price, Some(l.id));
    }
    e
}

/// The order is done: each provider is owed the line's net, the
/// cooperative keeps the fee. `kept` says how much of each line stays with
/// them (the full price unless part was refunded).
fn completion_of(order: Uuid, currency: Currency, lines: &[(LineMoney, i64)]) -> Entry {
    let mut e = Entry::new(
        order_key(order, EntryKind::Completion),
        EntryKind::Completion,
        currency,
    );
    e.order = Some(order);
    for &(l, kept) in lines {
        let (fee, net) = if kept == l.price {
            (l.fee, l.net())
        } else {
            fee_and_net(l, kept)
        };
        e.post(Account::OrderClearing, kept, Some(l.id));
        e.post(Account::MemberPayable(l.provider), -net, Some(l.id));
        e.post(Account::CoopFeeRevenue, -fee, Some(l.id));
    }
    e
}

/// Splits what is kept of a line between fee and net in the proportion the
/// line was priced with.
fn fee_and_net(l: LineMoney, kept: i64) -> (i64, i64) {
    let weights = [l.fee.max(0).unsigned_abs(), l.net().max(0).unsigned_abs()];
    match Money::eur(kept).split(&weights) {
        Ok(parts) => (parts[0].minor(), parts[1].minor()),
        // A line priced at zero keeps nothing to split.
        Err(_) => (0, kept),
    }
}

pub fn completion(order: Uuid, currency: Currency, lines: &[LineMoney]) -> Entry {
    let kept: Vec<_> = lines.iter().map(|&l| (l, l.price)).collect();
    completion_of(order, currency, &kept)
}

/// Refund parts per line: `amount` split across lines by price.
fn refund_parts(lines: &[LineMoney], amount: i64) -> Result<Vec<i64>, LedgerError> {
    let weights: Vec<u64> = lines
        .iter()
        .map(|l| l.price.max(0).unsigned_abs())
        .collect();
    Ok(Money::eur(amount)
        .split(&weights)?
        .into_iter()
        .map(Money::minor)
        .collect())
}

fn refund_of(order: Uuid, currency: Currency, lines: &[LineMoney], parts: &[i64]) -> Entry {
    let mut e = Entry::new(
        order_key(order, EntryKind::Refund),
        EntryKind::Refund,
        currency,
    );
    e.order = Some(order);
    for (l, &r) in lines.iter().zip(parts) {
        e.post(Account::OrderClearing, r, Some(l.id));
    }
    e.post(Account::RefundsPayable, -parts.iter().sum::<i64>(), None);
    e
}

/// The whole order goes back to the customer (cancelled, declined,
/// a dispute settled for the customer).
pub fn full_refund(order: Uuid, currency: Currency, lines: &[LineMoney]) -> Entry {
    let parts: Vec<i64> = lines.iter().map(|l| l.price).collect();
    refund_of(order, currency, lines, &parts)
}

/// A dispute settled in part: `refund` goes back to the customer, split
/// across the lines by price; the rest completes the order, each line's
/// remainder split between its fee and its provider. Answers the refund
/// entry and the completion entry (either may be absent when zero).
pub fn settlement(
    order: Uuid,
    currency: Currency,
    lines: &[LineMoney],
    refund: i64,
) -> Result<Vec<Entry>, LedgerError> {
    let whole = total(lines);
    if refund < 0 || refund > whole {
        return Err(LedgerError::OutOfRange);
    }
    if whole == 0 {
        return Ok(Vec::new());
    }
    let parts = refund_parts(lines, refund)?;
    let mut out = Vec::new();
    if refund > 0 {
        out.push(refund_of(order, currency, lines, &parts));
    }
    if refund < whole {
        let kept: Vec<_> = lines
            .iter()
            .zip(&parts)
            .map(|(&l, &r)| (l, l.price - r))
            .collect();
        out.push(completion_of(order, currency, &kept));
    }
    Ok(out)
}

/// A cash order was released to its providers (`completion` is the entry
/// that did it): the collector keeps their own net out of the cash in
/// hand, and owes the cooperative the rest (its fee, the other providers'
/// shares). `None` when nothing was released.
pub fn collection(order: Uuid, collector: Uuid, completion: &Entry) -> Option<Entry> {
    let kept: i64 = completion
        .postings
        .iter()
        .filter(|p| p.account == Account::OrderClearing)
        .map(|p| p.amount)
        .sum();
    let own: i64 = -completion
        .postings
        .iter()
        .filter(|p| p.account == Account::MemberPayable(collector))
        .map(|p| p.amount)
        .sum::<i64>();
    if kept <= 0 {
        return None;
    }
    let mut e = Entry::new(
        order_key(order, EntryKind::Collection),
        EntryKind::Collection,
        completion.currency,
    );
    e.order = Some(order);
    e.post(Account::MemberPayable(collector), own, None);
    e.post(Account::MemberReceivable(collector), kept - own, None);
    e.post(Account::MemberCashHeld(collector), -kept, None);
    Some(e)
}

/// An owed refund was handed back to the customer out of `from`: the
/// cooperative's money (by hand, or by the processor), or the cash the
/// collecting member still holds for a cash order.
pub fn refund_paid(order: Uuid, currency: Currency, amount: i64, from: Account) -> Entry {
    let mut e = Entry::new(
        order_key(order, EntryKind::RefundPaid),
        EntryKind::RefundPaid,
        currency,
    );
    e.order = Some(order);
    e.post(Account::RefundsPayable, amount, None);
    e.post(from, -amount, None);
    e
}

/// What a member owes the cooperative is taken from what it owes them
/// (in a payout batch), so that no one is paid money they already hold.
pub fn netting(key: String, member: Uuid, amount: Money) -> Entry {
    let mut e = Entry::new(key, EntryKind::Netting, amount.currency());
    e.post(Account::MemberPayable(member), amount.minor(), None);
    e.post(Account::MemberReceivable(member), -amount.minor(), None);
    e
}

/// A member paid what they owed the cooperative into its bank account.
pub fn receivable_paid(key: String, member: Uuid, amount: Money) -> Entry {
    let mut e = Entry::new(key, EntryKind::ReceivablePaid, amount.currency());
    e.post(Account::PlatformCash, amount.minor(), None);
    e.post(Account::MemberReceivable(member), -amount.minor(), None);
    e
}

/// What a payment processor charged for an order's payment.
pub fn processor_fee(order: Uuid, currency: Currency, amount: i64) -> Entry {
    let mut e = Entry::new(
        order_key(order, EntryKind::ProcessorFee),
        EntryKind::ProcessorFee,
        currency,
    );
    e.order = Some(order);
    e.post(Account::ProcessorFees, amount, None);
    e.post(Account::PlatformCash, -amount, None);
    e
}

/// The key of the entry booking a card dispute's money leaving (or coming
/// back to) the cooperative's processor balance: one per balance
/// transaction the processor reports.
pub fn dispute_funds_key(dispute: &str, balance_txn: &str) -> String {
    format!("dispute/{dispute}/funds/{balance_txn}")
}

/// The processor took `amount` of an order's payment back from the
/// cooperative's balance for a customer's card dispute (`amount` < 0: it
/// gave it back), and charged `fee` for the dispute.
pub fn dispute_funds(key: String, order: Uuid, currency: Currency, amount: i64, fee: i64) -> Entry {
    let mut e = Entry::new(key, EntryKind::DisputeFunds, currency);
    e.order = Some(order);
    e.post(Account::CardDisputes, amount, None);
    e.post(Account::ProcessorFees, fee, None);
    e.post(Account::PlatformCash, -(amount + fee), None);
    e
}

/// Where an order's money went, as its entries say, for taking some back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Released {
    /// Refunds owed to the customer, not yet handed back.
    pub refund_owed: i64,
    /// What each provider was credited for the order and the cooperative
    /// kept as its fee, less what was taken back before (`MemberPayable`
    /// or `CoopFeeRevenue`, with the amount).
    pub parts: Vec<(Account, i64)>,
}

/// The customer got `amount` of an order's money back outside Mutua (a
/// card dispute lost, a refund made at the processor), out of `from`. It
/// is borne as the order's money went: first a refund still owed (now
/// handed back), then, split by largest remainder, what was released —
/// each provider owes their part back (netted from their next payouts)
/// and the cooperative gives back its fee; the rest, money the customer
/// got twice, is the cooperative's loss, booked as a processor cost.
pub fn clawback(
    key: String,
    order: Uuid,
    currency: Currency,
    amount: i64,
    from: Account,
    released: &Released,
) -> Result<Entry, LedgerError> {
    if amount < 0 {
        return Err(LedgerError::OutOfRange);
    }
    let mut e = Entry::new(key, EntryKind::Clawback, currency);
    e.order = Some(order);
    let owed = amount.min(released.refund_owed.max(0));
    e.post(Account::RefundsPayable, owed, None);
    let rest = amount - owed;
    let parts: Vec<(Account, i64)> = released
        .parts
        .iter()
        .filter(|(_, a)| *a > 0)
        .copied()
        .collect();
    let available: i64 = parts.iter().map(|(_, a)| a).sum();
    let taken = rest.min(available);
    if taken > 0 {
        let weights: Vec<u64> = parts.iter().map(|(_, a)| a.unsigned_abs()).collect();
        for ((account, _), part) in parts
            .iter()
            .zip(Money::new(taken, currency).split(&weights)?)
        {
            let debit = match *account {
                Account::MemberPayable(m) => Account::MemberReceivable(m),
                other => other,
            };
            e.post(debit, part.minor(), None);
        }
    }
    e.post(Account::ProcessorFees, rest - taken, None);
    e.post(from, -amount, None);
    Ok(e)
}

pub fn payout_key(payout: Uuid) -> String {
    format!("payout/{payout}")
}

/// A member was paid what the cooperative owed them.
pub fn payout(payout: Uuid, member: Uuid, amount: Money) -> Entry {
    let mut e = Entry::new(payout_key(payout), EntryKind::Payout, amount.currency());
    e.payout = Some(payout);
    e.post(Account::MemberPayable(member), amount.minor(), None);
    e.post(Account::PlatformCash, -amount.minor(), None);
    e
}

/// The key of the transfer paying one line of a card-paid order.
pub fn transfer_key(order: Uuid, line: Uuid) -> String {
    format!("order/{order}/transfer/{line}")
}

/// A provider's share of a card-paid order left the platform's Stripe
/// balance for the member's connected account: a payout of one line.
pub fn transfer(order: Uuid, line: Uuid, member: Uuid, amount: Money) -> Entry {
    let mut e = Entry::new(
        transfer_key(order, line),
        EntryKind::Payout,
        amount.currency(),
    );
    e.order = Some(order);
    e.post(Account::MemberPayable(member), amount.minor(), Some(line));
    e.post(Account::PlatformCash, -amount.minor(), None);
    e
}

pub fn patronage_reserve_key(year: i32) -> String {
    format!("patronage/{year}/reserve")
}

pub fn patronage_share_key(year: i32, member: Uuid) -> String {
    format!("patronage/{year}/member/{member}")
}

/// The year's surplus, as the board declared it, leaves the fees earned
/// for the patronage reserve.
pub fn patronage_reserve(year: i32, surplus: Money) -> Entry {
    let mut e = Entry::new(
        patronage_reserve_key(year),
        EntryKind::Patronage,
        surplus.currency(),
    );
    e.post(Account::CoopFeeRevenue, surplus.minor(), None);
    e.post(Account::PatronageReserve, -surplus.minor(), None);
    e
}

/// One member's patronage refund leaves the reserve: the cash part is owed
/// to them (paid with the next payout), the retained part adds to their
/// share capital. One entry per member, so each sees only their own.
pub fn patronage_share(year: i32, member: Uuid, cash: Money, retained: Money) -> Entry {
    let mut e = Entry::new(
        patronage_share_key(year, member),
        EntryKind::Patronage,
        cash.currency(),
    );
    e.post(
        Account::PatronageReserve,
        cash.minor() + retained.minor(),
        None,
    );
    e.post(Account::MemberPayable(member), -cash.minor(), None);
    e.post(Account::MemberCapital(member), -retained.minor(), None);
    e
}

// ---------------------------------------------------------------------------
// Checks

/// The lowest natural balance an account may have. Every account of this
/// chart is bounded below by zero: the cooperative never owes a member less
/// than nothing, never holds negative cash, never earns negative fees.
pub fn floor(_account: Account) -> i64 {
    0
}

/// What one order's entries add up to, by entry kind and account kind
/// (signed sums), as `ledger verify` reads them from the database.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderMoney {
    sums: BTreeMap<(String, String), i64>,
}

impl OrderMoney {
    pub fn add(&mut self, entry_kind: &str, account_kind: &str, amount: i64) {
        *self
            .sums
            .entry((entry_kind.to_owned(), account_kind.to_owned()))
            .or_default() += amount;
    }

    pub fn of(&self, entry: EntryKind, account_kind: &str) -> i64 {
        self.sums
            .get(&(entry.as_str().to_owned(), account_kind.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    fn has(&self, entry: EntryKind) -> bool {
        self.sums.keys().any(|(k, _)| k == entry.as_str())
    }

    fn clearing(&self) -> i64 {
        self.sums
            .iter()
            .filter(|((_, a), _)| a == "order_clearing")
            .map(|(_, v)| v)
            .sum()
    }
}

/// An order as `check_order` reads it.
#[derive(Clone, Copy, Debug)]
pub struct OrderFacts<'a> {
    /// The stored status name.
    pub status: &'a str,
    /// The order's price.
    pub total: i64,
    /// Paid in cash to a member (else to the cooperative).
    pub cash: bool,
    /// When the money was confirmed (cash orders are paid at the end).
    pub paid: bool,
}

/// How an order's money stands, given its status: answers what is wrong,
/// or nothing.
pub fn check_order(o: OrderFacts<'_>, m: &OrderMoney) -> Vec<String> {
    let OrderFacts { status, total, .. } = o;
    let mut out = Vec::new();
    let paid = m.has(EntryKind::Payment);
    let (held_by, not_held_by) = if o.cash {
        ("member_cash_held", "platform_cash")
    } else {
        ("platform_cash", "member_cash_held")
    };
    let received = m.of(EntryKind::Payment, held_by);
    let released = -(m.of(EntryKind::Completion, "member_payable")
        + m.of(EntryKind::Completion, "coop_fee_revenue"));
    let refunded = -m.of(EntryKind::Refund, "refunds_payable");
    let clearing = m.clearing();
    let expect_paid = if o.cash {
        o.paid
    } else {
        !matches!(status, "pending_payment" | "cancelled")
    };
    // A card payment that arrived after the order was cancelled unpaid is
    // booked and owed straight back, whole.
    if !o.cash && status == "cancelled" && paid && total != 0 {
        if received != total || refunded != total || released != 0 || clearing != 0 {
            out.push(format!(
                "is cancelled and was paid {received} late, but {refunded} is owed back"
            ));
        }
        return out;
    }
    // An order of nothing has no money to book (its entries are empty).
    if paid != expect_paid && total != 0 {
        out.push(if paid {
            format!("is {status} but has a payment entry")
        } else {
            format!("is {status} but has no payment entry")
        });
        return out;
    }
    if !paid || total == 0 {
        if !paid && (m.has(EntryKind::Completion) || m.has(EntryKind::Refund)) {
            out.push("has money entries but was never paid".to_owned());
        }
        return out;
    }
    if received != total {
        out.push(format!("received {received}, total is {total}"));
    }
    if m.of(EntryKind::Payment, not_held_by) != 0 {
        out.push(format!("its payment is booked to {not_held_by}"));
    }
    let collected = -m.of(EntryKind::Collection, "member_cash_held");
    if o.cash {
        // The collector's cash for this order is what is still to be
        // handed back to the customer; what was released was settled.
        let still_held: i64 = [
            EntryKind::Payment,
            EntryKind::Collection,
            EntryKind::RefundPaid,
        ]
        .into_iter()
        .map(|k| m.of(k, "member_cash_held"))
        .sum();
        let refund_owed = -(m.of(EntryKind::Refund, "refunds_payable")
            + m.of(EntryKind::RefundPaid, "refunds_payable"));
        if collected != released {
            out.push(format!(
                "released {released} but its collector settled {collected}"
            ));
        }
        if matches!(status, "completed" | "refunded" | "resolved") && still_held != refund_owed {
            out.push(format!(
                "its collector still holds {still_held}, {refund_owed} is owed back"
            ));
        }
    } else if collected != 0 {
        out.push("is not a cash order but has a collection".to_owned());
    }
    match status {
        "completed" | "refunded" | "resolved" => {
            if clearing != 0 {
                out.push(format!("is {status} but {} is still held", -clearing));
            }
            if released + refunded != total {
                out.push(format!(
                    "released {released} and refunded {refunded}, total is {total}"
                ));
            }
            if status == "completed" && refunded != 0 {
                out.push(format!("is completed but refunded {refunded}"));
            }
            if status == "refunded" && released != 0 {
                out.push(format!("is refunded but released {released}"));
            }
        }
        _ => {
            if clearing != -total {
                out.push(format!(
                    "is {status}: holds {}, total is {total}",
                    -clearing
                ));
            }
            if released != 0 || refunded != 0 {
                out.push(format!("is {status} but money left the order"));
            }
        }
    }
    out
}

/// An in-memory ledger with the database's rules: entries must balance, a
/// used key is a no-op. Used by the property tests and the demo checks.
#[derive(Clone, Debug, Default)]
pub struct Book {
    keys: HashSet<String>,
    pub entries: Vec<Entry>,
    balances: BTreeMap<Account, i64>,
}

impl Book {
    /// Writes `e`; `Ok(false)` when its key was already written.
    pub fn post(&mut self, e: Entry) -> Result<bool, LedgerError> {
        if !e.is_balanced() {
            return Err(LedgerError::OutOfRange);
        }
        if !self.keys.insert(e.key.clone()) {
            return Ok(false);
        }
        for p in &e.postings {
            let b = self.balances.entry(p.account).or_default();
            *b = b.checked_add(p.amount).ok_or(LedgerError::OutOfRange)?;
        }
        self.entries.push(e);
        Ok(true)
    }

    /// The signed balance of an account.
    pub fn balance(&self, a: Account) -> i64 {
        self.balances.get(&a).copied().unwrap_or(0)
    }

    pub fn balances(&self) -> impl Iterator<Item = (Account, i64)> + '_ {
        self.balances.iter().map(|(a, b)| (*a, *b))
    }

    /// What an order's entries add up to, for `check_order`.
    pub fn order_money(&self, order: Uuid) -> OrderMoney {
        let mut m = OrderMoney::default();
        for e in self.entries.iter().filter(|e| e.order == Some(order)) {
            for p in &e.postings {
                m.add(e.kind.as_str(), p.account.kind(), p.amount);
            }
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    /// An order paid to the cooperative (bank or card).
    fn facts(status: &str, total: i64) -> OrderFacts<'_> {
        OrderFacts {
            status,
            total,
            cash: false,
            paid: false,
        }
    }

    fn line(n: u128, provider: u128, price: i64, fee: i64) -> LineMoney {
        LineMoney {
            id: id(1000 + n),
            provider: id(provider),
            price,
            fee,
        }
    }

    #[test]
    fn the_design_example_posts_as_described() {
        // Customer pays 50,00; the provider gets 42,50, the coop 7,50.
        let order = id(9);
        let lines = [line(1, 1, 5000, 750)];
        let mut book = Book::default();
        assert_eq!(
            book.post(payment(order, Currency::Eur, &lines, Account::PlatformCash)),
            Ok(true)
        );
        assert_eq!(book.balance(Account::PlatformCash), 5000);
        assert_eq!(book.balance(Account::OrderClearing), -5000);
        assert_eq!(
            book.post(completion(order, Currency::Eur, &lines)),
            Ok(true)
        );
        assert_eq!(book.balance(Account::OrderClearing), 0);
        assert_eq!(book.balance(Account::MemberPayable(id(1))), -4250);
        assert_eq!(book.balance(Account::CoopFeeRevenue), -750);
        let p = payout(id(77), id(1), Money::eur(4250));
        assert_eq!(book.post(p.clone()), Ok(true));
        assert_eq!(book.balance(Account::MemberPayable(id(1))), 0);
        assert_eq!(book.balance(Account::PlatformCash), 750);
        // The same entry again is a no-op.
        assert_eq!(book.post(p), Ok(false));
        assert_eq!(book.balance(Account::PlatformCash), 750);
        assert!(check_order(facts("completed", 5000), &book.order_money(order)).is_empty());
    }

    #[test]
    fn a_partial_refund_reverses_lines_and_fees_proportionally() {
        // Service 30,00 (fee 2,40) and delivery 10,00 (fee 0,50); refund 10,00.
        let order = id(5);
        let lines = [line(1, 1, 3000, 240), line(2, 2, 1000, 50)];
        let Ok(entries) = settlement(order, Currency::Eur, &lines, 1000) else {
            panic!("settlement refused")
        };
        assert_eq!(entries.len(), 2);
        let refund = &entries[0];
        let clearing: Vec<i64> = refund
            .postings
            .iter()
            .filter(|p| p.account == Account::OrderClearing)
            .map(|p| p.amount)
            .collect();
        assert_eq!(clearing, vec![750, 250]);
        let done = &entries[1];
        let credit = |a: Account| -> i64 {
            done.postings
                .iter()
                .filter(|p| p.account == a)
                .map(|p| -p.amount)
                .sum()
        };
        // Line 1 keeps 22,50: fee 1,80, net 20,70. Line 2 keeps 7,50: fee
        // 0,375 → 0,38 (largest remainder), net 7,12.
        assert_eq!(credit(Account::MemberPayable(id(1))), 2070);
        assert_eq!(credit(Account::MemberPayable(id(2))), 712);
        assert_eq!(credit(Account::CoopFeeRevenue), 180 + 38);
        assert!(entries.iter().all(Entry::is_balanced));
        assert_eq!(
            settlement(order, Currency::Eur, &lines, 4001),
            Err(LedgerError::OutOfRange)
        );
    }

    #[test]
    fn order_checks_name_what_is_wrong() {
        let order = id(3);
        let lines = [line(1, 1, 1000, 80)];
        let mut book = Book::default();
        assert!(check_order(facts("pending_payment", 1000), &book.order_money(order)).is_empty());
        assert_eq!(
            check_order(facts("paid", 1000), &book.order_money(order)),
            vec!["is paid but has no payment entry".to_owned()]
        );
        assert_eq!(
            book.post(payment(order, Currency::Eur, &lines, Account::PlatformCash)),
            Ok(true)
        );
        assert!(check_order(facts("accepted", 1000), &book.order_money(order)).is_empty());
        assert!(!check_order(facts("accepted", 1200), &book.order_money(order)).is_empty());
        assert!(!check_order(facts("completed", 1000), &book.order_money(order)).is_empty());
        assert_eq!(
            book.post(full_refund(order, Currency::Eur, &lines)),
            Ok(true)
        );
        assert!(check_order(facts("refunded", 1000), &book.order_money(order)).is_empty());
        assert!(!check_order(facts("completed", 1000), &book.order_money(order)).is_empty());
        // Paid by card after it was cancelled: fine once owed back whole.
        assert!(check_order(facts("cancelled", 1000), &book.order_money(order)).is_empty());
        let late = id(4);
        let mut book = Book::default();
        assert_eq!(
            book.post(payment(late, Currency::Eur, &lines, Account::PlatformCash)),
            Ok(true)
        );
        assert_eq!(
            check_order(facts("cancelled", 1000), &book.order_money(late)),
            vec!["is cancelled and was paid 1000 late, but 0 is owed back".to_owned()]
        );
    }

    #[test]
    fn account_codes_round_trip() {
        for a in [
            Account::PlatformCash,
            Account::OrderClearing,
            Account::MemberPayable(id(42)),
            Account::CoopFeeRevenue,
            Account::ProcessorFees,
            Account::RefundsPayable,
            Account::PatronageReserve,
            Account::MemberCashHeld(id(7)),
            Account::MemberReceivable(id(8)),
            Account::CardDisputes,
        ] {
            assert_eq!(Account::parse(&a.code()), Some(a));
        }
        assert_eq!(Account::parse("member_payable:nope"), None);
    }

    #[test]
    fn a_clawback_takes_the_owed_refund_first_then_the_released_shares() -> Result<(), LedgerError>
    {
        let (anna, carlo) = (id(1), id(2));
        let released = Released {
            refund_owed: 1000,
            parts: vec![
                (Account::MemberPayable(anna), 4140),
                (Account::MemberPayable(carlo), 710),
                (Account::CoopFeeRevenue, 650),
            ],
        };
        let e = clawback(
            "k".into(),
            id(9),
            Currency::Eur,
            3750,
            Account::CardDisputes,
            &released,
        )?;
        assert!(e.is_balanced());
        let of = |a: Account| {
            e.postings
                .iter()
                .filter(|p| p.account == a)
                .map(|p| p.amount)
                .sum::<i64>()
        };
        assert_eq!(of(Account::RefundsPayable), 1000);
        // 2750 split 4140 : 710 : 650 of 5500.
        assert_eq!(of(Account::MemberReceivable(anna)), 2070);
        assert_eq!(of(Account::MemberReceivable(carlo)), 355);
        assert_eq!(of(Account::CoopFeeRevenue), 325);
        assert_eq!(of(Account::ProcessorFees), 0);
        assert_eq!(of(Account::CardDisputes), -3750);
        // More than the order ever released: the rest is the cooperative's loss.
        let e = clawback(
            "k".into(),
            id(9),
            Currency::Eur,
            9000,
            Account::PlatformCash,
            &released,
        )?;
        assert!(e.is_balanced());
        assert_eq!(
            e.postings
                .iter()
                .find(|p| p.account == Account::ProcessorFees)
                .map(|p| p.amount),
            Some(2500)
        );
        assert!(clawback(
            "k".into(),
            id(9),
            Currency::Eur,
            -1,
            Account::PlatformCash,
            &released
        )
        .is_err());
        Ok(())
    }

    proptest! {
        /// A clawback always balances, never takes more from a share than
        /// it holds, and takes from `from` exactly the amount.
        #[test]
        fn clawbacks_balance_and_stay_within_the_shares(
            amount in 0i64..1_000_000,
            owed in -100i64..100_000,
            shares in proptest::collection::vec(0i64..100_000, 0..5),
        ) {
            let parts: Vec<(Account, i64)> = shares
                .iter()
                .enumerate()
                .map(|(n, &a)| (Account::MemberPayable(id(n as u128 + 1)), a))
                .collect();
            let released = Released { refund_owed: owed, parts: parts.clone() };
            let e = clawback("k".into(), id(9), Currency::Eur, amount, Account::PlatformCash, &released)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(e.is_balanced());
            let from: i64 = e.postings.iter().filter(|p| p.account == Account::PlatformCash).map(|p| p.amount).sum();
            prop_assert_eq!(from, -amount);
            for (n, &share) in shares.iter().enumerate() {
                let m = id(n as u128 + 1);
                let taken: i64 = e.postings.iter().filter(|p| p.account == Account::MemberReceivable(m)).map(|p| p.amount).sum();
                prop_assert!((0..=share).contains(&taken));
            }
            prop_assert!(e.postings.iter().all(|p| p.account == Account::PlatformCash || p.amount > 0));
        }
    }

    // -----------------------------------------------------------------------
    // Random histories

    /// What an entry credits to each provider line: (order, line, member,
    /// amount), as the completion of a card-paid order owes in transfers.
    fn released(e: &Entry) -> Vec<(Uuid, Uuid, Uuid, i64)> {
        e.postings
            .iter()
            .filter_map(|p| match (p.account, p.line, e.order) {
                (Account::MemberPayable(m), Some(l), Some(o)) if p.amount < 0 => {
                    Some((o, l, m, -p.amount))
                }
                _ => None,
            })
            .collect()
    }

    #[derive(Clone, Debug)]
    enum Op {
        /// Lines (provider, price, fee in basis points); how it is paid
        /// (0 cash to the last line's provider, 1 bank, 2 card).
        Order(Vec<(u8, i64, u16)>, u8),
        Pay(usize),
        Complete(usize),
        Refund(usize),
        Settle(usize, u16),
        ReturnRefund(usize),
        ProcessorFee(usize, i64),
        Payout(u8),
        /// A member pays what they owe the cooperative into its bank.
        SettleReceivable(u8),
        /// One owed Stripe transfer of a card-paid line is sent.
        Transfer(usize),
        /// A retry: the last entry written once more.
        Retry,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            2 => (proptest::collection::vec((0u8..4, 0i64..200_000, 0u16..=2_000), 1..4), 0u8..3)
                .prop_map(|(ls, method)| Op::Order(ls, method)),
            3 => (0usize..64).prop_map(Op::Pay),
            2 => (0usize..64).prop_map(Op::Complete),
            1 => (0usize..64).prop_map(Op::Refund),
            1 => ((0usize..64), 0u16..=10_000).prop_map(|(o, f)| Op::Settle(o, f)),
            1 => (0usize..64).prop_map(Op::ReturnRefund),
            1 => ((0usize..64), 0i64..500).prop_map(|(o, f)| Op::ProcessorFee(o, f)),
            2 => (0u8..4).prop_map(Op::Payout),
            1 => (0u8..4).prop_map(Op::SettleReceivable),
            2 => (0usize..64).prop_map(Op::Transfer),
            1 => Just(Op::Retry),
        ]
    }

    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    enum St {
        Pending,
        Paid,
        Completed,
        Refunded,
        Resolved,
    }

    impl St {
        fn name(self) -> &'static str {
            match self {
                St::Pending => "pending_payment",
                St::Paid => "accepted",
                St::Completed => "completed",
                St::Refunded => "refunded",
                St::Resolved => "resolved",
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

        /// Whatever happens, in whatever order, with retries: every entry
        /// balances, the ledger sums to zero, no balance falls below its
        /// floor, every order's postings equal its total, and the ledger
        /// says where the money is: each member's cash in hand, the
        /// cooperative's bank, what members owe.
        #[test]
        fn random_histories_keep_every_invariant(ops in proptest::collection::vec(op(), 1..40)) {
            let cur = Currency::Eur;
            let mut book = Book::default();
            let mut orders: Vec<(Uuid, Vec<LineMoney>, St)> = Vec::new();
            let mut card = Vec::new();
            // The cash collector of each order paid in cash.
            let mut cash: Vec<Option<Uuid>> = Vec::new();
            // The world, counted apart from the ledger: cash in each
            // member's pocket that is not theirs, and the cooperative's bank.
            let mut pocket: BTreeMap<Uuid, i64> = BTreeMap::new();
            let mut bank = 0i64;
            let mut paid_out: BTreeMap<Uuid, i64> = BTreeMap::new();
            // Card-paid lines released to their provider and not yet
            // transferred: (order, line, member, amount). A SEPA payout
            // leaves them alone, as `payable_until` does.
            let mut owed: Vec<(Uuid, Uuid, Uuid, i64)> = Vec::new();
            let mut payouts = 0u128;
            let mut last: Option<Entry> = None;
            for op in ops {
                // Answers whether the entry was new (a used key is a no-op).
                let mut write = |book: &mut Book, e: Entry| -> Result<bool, TestCaseError> {
                    prop_assert!(e.is_balanced(), "unbalanced {e:?}");
                    let new = book.post(e.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
                    last = Some(e);
                    Ok(new)
                };
                let pick = |n: usize| if orders.is_empty() { None } else { Some(n % orders.len()) };
                // The bank's money that is the cooperative's to spend: not
                // customers' money for open orders, refunds or card
                // transfers owed (as `due_until` reckons it).
                let free = book.balance(Account::PlatformCash)
                    - Account::RefundsPayable.natural(book.balance(Account::RefundsPayable))
                    - owed.iter().map(|t| t.3).sum::<i64>()
                    - orders.iter().enumerate()
                        .filter(|(n, o)| cash[*n].is_none() && o.2 == St::Paid)
                        .map(|(_, o)| o.1.iter().map(|l| l.price).sum::<i64>())
                        .sum::<i64>();
                match op {
                    Op::Order(ls, method) => {
                        card.push(method == 2);
                        let n = orders.len() as u128;
                        let lines: Vec<LineMoney> = ls.iter().enumerate().map(|(i, &(p, price, bps))| LineMoney {
                            id: id(10_000 + n * 10 + i as u128),
                            provider: id(u128::from(p) + 1),
                            price,
                            fee: price * i64::from(bps) / 10_000,
                        }).collect();
                        cash.push((method == 0).then(|| lines[lines.len() - 1].provider));
                        orders.push((id(500 + n), lines, St::Pending));
                    }
                    Op::Pay(o) => if let Some(o) = pick(o) {
                        if orders[o].2 == St::Pending {
                            write(&mut book, payment(orders[o].0, cur, &orders[o].1, holder(cash[o])))?;
                            let whole: i64 = orders[o].1.iter().map(|l| l.price).sum();
                            match cash[o] {
                                Some(c) => *pocket.entry(c).or_default() += whole,
                                None => bank += whole,
                            }
                            orders[o].2 = St::Paid;
                        }
                    },
                    Op::Complete(o) => if let Some(o) = pick(o) {
                        if orders[o].2 == St::Paid {
                            let e = completion(orders[o].0, cur, &orders[o].1);
                            if card[o] {
                                owed.extend(released(&e));
                            }
                            let collect = cash[o].and_then(|c| collection(orders[o].0, c, &e));
                            write(&mut book, e)?;
                            if let Some(c) = collect {
                                write(&mut book, c)?;
                            }
                            orders[o].2 = St::Completed;
                        }
                    },
                    Op::Refund(o) => if let Some(o) = pick(o) {
                        if orders[o].2 == St::Paid {
                            write(&mut book, full_refund(orders[o].0, cur, &orders[o].1))?;
                            orders[o].2 = St::Refunded;
                        }
                    },
                    Op::Settle(o, share) => if let Some(o) = pick(o) {
                        if orders[o].2 == St::Paid {
                            let whole: i64 = orders[o].1.iter().map(|l| l.price).sum();
                            let refund = whole * i64::from(share) / 10_000;
                            for e in settlement(orders[o].0, cur, &orders[o].1, refund)
                                .map_err(|e| TestCaseError::fail(e.to_string()))? {
                                if card[o] {
                                    owed.extend(released(&e));
                                }
                                let collect = match (cash[o], e.kind) {
                                    (Some(c), EntryKind::Completion) => collection(orders[o].0, c, &e),
                                    _ => None,
                                };
                                write(&mut book, e)?;
                                if let Some(c) = collect {
                                    write(&mut book, c)?;
                                }
                            }
                            orders[o].2 = St::Resolved;
                        }
                    },
                    Op::ReturnRefund(o) => if let Some(o) = pick(o) {
                        let money = book.order_money(orders[o].0);
                        let owed = -(money.of(EntryKind::Refund, "refunds_payable")
                            + money.of(EntryKind::RefundPaid, "refunds_payable"));
                        if owed > 0 && write(&mut book, refund_paid(orders[o].0, cur, owed, holder(cash[o])))? {
                            match cash[o] {
                                Some(c) => *pocket.entry(c).or_default() -= owed,
                                None => bank -= owed,
                            }
                        }
                    },
                    Op::ProcessorFee(o, fee) => if let Some(o) = pick(o) {
                        // A processor only charges for money it received;
                        // the test keeps its fees within the fees earned
                        // (a coop whose costs outrun its fees is flagged
                        // by `ledger verify`, which is the point of it).
                        let earned = Account::CoopFeeRevenue.natural(book.balance(Account::CoopFeeRevenue))
                            - Account::ProcessorFees.natural(book.balance(Account::ProcessorFees));
                        // The fee is paid from the cooperative's own money.
                        if orders[o].2 != St::Pending && card[o] && fee <= earned && fee <= free
                            && write(&mut book, processor_fee(orders[o].0, cur, fee))? {
                            bank -= fee;
                        }
                    },
                    Op::Payout(m) => {
                        let member = id(u128::from(m) + 1);
                        let by_transfer: i64 = owed.iter().filter(|t| t.2 == member).map(|t| t.3).sum();
                        let due = -book.balance(Account::MemberPayable(member)) - by_transfer;
                        let receivable = book.balance(Account::MemberReceivable(member));
                        let netted = due.min(receivable);
                        let sent = (due - netted).min(free.max(0));
                        payouts += 1;
                        if netted > 0 {
                            write(&mut book, netting(format!("netting/{payouts}"), member, Money::eur(netted)))?;
                        }
                        if sent > 0 {
                            write(&mut book, payout(id(90_000 + payouts), member, Money::eur(sent)))?;
                            bank -= sent;
                            *paid_out.entry(member).or_default() += sent;
                        }
                    }
                    Op::SettleReceivable(m) => {
                        let member = id(u128::from(m) + 1);
                        let receivable = book.balance(Account::MemberReceivable(member));
                        if receivable > 0 {
                            payouts += 1;
                            write(&mut book, receivable_paid(format!("receivable/{payouts}"), member, Money::eur(receivable)))?;
                            bank += receivable;
                            *pocket.entry(member).or_default() -= receivable;
                        }
                    }
                    Op::Transfer(n) => if !owed.is_empty() {
                        let (order, line, member, amount) = owed.remove(n % owed.len());
                        write(&mut book, transfer(order, line, member, Money::eur(amount)))?;
                        bank -= amount;
                        *paid_out.entry(member).or_default() += amount;
                    },
                    Op::Retry => if let Some(e) = last.clone() {
                        let before = book.entries.len();
                        prop_assert!(!book.post(e).map_err(|e| TestCaseError::fail(e.to_string()))?);
                        prop_assert_eq!(book.entries.len(), before);
                    },
                }
            }
            let sum: i128 = book.balances().map(|(_, b)| i128::from(b)).sum();
            prop_assert_eq!(sum, 0);
            for (a, b) in book.balances() {
                prop_assert!(a.natural(b) >= floor(a), "{a:?} at {b}");
            }
            for (n, (order, lines, st)) in orders.iter().enumerate() {
                let whole: i64 = lines.iter().map(|l| l.price).sum();
                let facts = OrderFacts {
                    status: if cash[n].is_some() && *st == St::Pending { "placed" } else { st.name() },
                    total: whole,
                    cash: cash[n].is_some(),
                    paid: *st != St::Pending,
                };
                let problems = check_order(facts, &book.order_money(*order));
                prop_assert!(problems.is_empty(), "{order}: {problems:?}");
            }
            // The ledger equals the world. The bank holds platform_cash.
            prop_assert_eq!(book.balance(Account::PlatformCash), bank);
            for m in (1..=4).map(id) {
                // What a member has in hand that is not theirs: the cash of
                // orders not done yet, plus what they owe the cooperative,
                // less what was netted from what it owed them.
                let in_hand = book.balance(Account::MemberCashHeld(m))
                    + book.balance(Account::MemberReceivable(m));
                // The pocket counts all the cash taken, less what was
                // handed back or paid in; their own nets were kept from it.
                let own_kept: i64 = book.entries.iter()
                    .filter(|e| matches!(e.kind, EntryKind::Collection | EntryKind::Netting))
                    .flat_map(|e| e.postings.iter())
                    .filter(|p| p.account == Account::MemberPayable(m))
                    .map(|p| p.amount)
                    .sum();
                prop_assert_eq!(in_hand + own_kept, pocket.get(&m).copied().unwrap_or(0), "member {}", m);
                // Nobody is paid twice: everything a member received in
                // money or kept in hand is at most what they earned.
                let earned: i64 = -book.entries.iter()
                    .filter(|e| matches!(e.kind, EntryKind::Completion))
                    .flat_map(|e| e.postings.iter())
                    .filter(|p| p.account == Account::MemberPayable(m))
                    .map(|p| p.amount)
                    .sum::<i64>();
                let received = paid_out.get(&m).copied().unwrap_or(0) + own_kept;
                prop_assert!(received <= earned, "member {m} received {received} of {earned}");
                prop_assert_eq!(earned - received, -book.balance(Account::MemberPayable(m)));
            }
        }
    }
}
