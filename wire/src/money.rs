//! Earnings, ledger entries, the board's money page and card payments.

use chrono::{DateTime, NaiveDate, Utc};
use domain::money::Money;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One ledger entry as a list shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntryRow {
    pub id: Uuid,
    /// `payment`, `completion`, `refund`, `refund_paid`, `processor_fee`, `payout`.
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub order_id: Option<Uuid>,
    pub order_number: Option<String>,
    /// What the entry means for the list's reader (a member's statement:
    /// positive earned, negative paid out), or what it moves.
    pub amount: Money,
}

/// A line of a member's work not yet completed: its money is held.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingLine {
    pub order_id: Uuid,
    pub order_number: String,
    pub title: String,
    pub status: String,
    pub net: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PayoutAccountView {
    pub holder_name: String,
    /// Masked: country, check digits and the last four characters.
    pub iban_masked: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Earnings {
    pub pending: Money,
    pub available: Money,
    /// Cash the member collected that is the cooperative's (its fee, other
    /// members' shares): netted from their next payouts.
    pub owed_to_coop: Money,
    pub paid_out: Money,
    /// `YYYY-MM` of the statement shown.
    pub month: String,
    pub statement: Vec<EntryRow>,
    pub month_total: Money,
    /// `pending`, `available` or `paid`: the figure whose detail is listed.
    pub show: Option<String>,
    pub pending_lines: Vec<PendingLine>,
    pub detail: Vec<EntryRow>,
    pub account: Option<PayoutAccountView>,
    /// With Stripe configured: `none`, `pending` or `ready`, where the
    /// member's connected account stands (card-paid work is transferred
    /// to it once `ready`).
    pub connect: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostingView {
    pub account: String,
    pub account_kind: String,
    /// The member of a payable account.
    pub member_name: Option<String>,
    pub debit: Option<Money>,
    pub credit: Option<Money>,
    pub line_title: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EntryView {
    pub id: Uuid,
    pub key: String,
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub order_id: Option<Uuid>,
    pub order_number: Option<String>,
    pub memo: Option<String>,
    pub postings: Vec<PostingView>,
    /// Only the viewer's own part is shown (a co-provider of the order).
    pub partial: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BalanceView {
    pub account: String,
    pub kind: String,
    pub member_name: Option<String>,
    /// On the account's normal side (cash held, money owed, fees earned).
    pub balance: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PayeeView {
    pub member_id: Uuid,
    pub name: String,
    pub available: Money,
    pub iban_masked: Option<String>,
    /// The IBAN changed lately: no payout to it before this.
    pub held_until: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchView {
    pub id: Uuid,
    pub period_end: NaiveDate,
    pub execution_date: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub count: i32,
    pub total: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefundOwed {
    pub order_id: Uuid,
    pub order_number: String,
    pub customer_name: String,
    pub amount: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DisputeOutcome {
    pub order_id: Uuid,
    pub order_number: String,
    pub resolution: String,
    pub refunded: Money,
    pub released: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reconciliation {
    pub payments_recorded: Money,
    pub payments_in_ledger: Money,
    pub payouts_recorded: Money,
    pub payouts_in_ledger: Money,
    /// Every breach `ledger verify` finds, and any total above that differs.
    pub problems: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoopBank {
    pub name: String,
    pub iban: String,
    pub bic: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReceivableView {
    pub member_id: Uuid,
    pub name: String,
    /// Cash the member collected that belongs to the cooperative.
    pub owed: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BoardMoney {
    pub balances: Vec<BalanceView>,
    pub until: NaiveDate,
    pub execution: NaiveDate,
    pub payees: Vec<PayeeView>,
    pub batches: Vec<BatchView>,
    pub refunds_owed: Vec<RefundOwed>,
    pub disputes: Vec<DisputeOutcome>,
    /// Members holding cash that is the cooperative's, most first.
    pub receivables: Vec<ReceivableView>,
    pub reconciliation: Reconciliation,
    pub bank: Option<CoopBank>,
    /// Bank statement credits waiting for a person, oldest first.
    pub bank_lines: Vec<BankLineView>,
    /// Card payments whose amount, currency or order did not match (none
    /// was booked), newest first.
    pub card_mismatches: Vec<CardMismatch>,
    /// Card processor calls that failed and wait to be tried again, or
    /// were set aside after too many failures.
    pub processor_problems: Vec<ProcessorProblem>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProcessorProblem {
    pub call: String,
    /// refund | transfer | fee | cancel
    pub kind: String,
    pub order_id: Uuid,
    pub order_number: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    /// Set aside: tried again only when a board member asks.
    pub parked: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CardMismatch {
    pub event_id: String,
    pub order_id: Option<Uuid>,
    pub order_number: Option<String>,
    pub received_at: DateTime<Utc>,
}

/// A credit on the cooperative's bank statement that Mutua did not
/// confirm by itself, and why (`outcome`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BankLineView {
    pub id: Uuid,
    /// The bank's entry reference.
    pub entry: String,
    pub booked_on: Option<NaiveDate>,
    /// In the cooperative's currency when it is the statement's; the
    /// `currency` says what the bank booked.
    pub amount: Money,
    pub currency: String,
    pub reference: Option<String>,
    pub debtor: Option<String>,
    pub order_id: Option<Uuid>,
    pub order_number: Option<String>,
    pub outcome: String,
}

/// What the browser needs to confirm a card payment with Stripe.js.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CardPayment {
    pub payment_intent: String,
    pub client_secret: Option<String>,
}
