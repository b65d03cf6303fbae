//! Money: a member's earnings and payout details, ledger entries, and the
//! board's money page (balances, payout batches, refunds owed,
//! reconciliation). Every figure comes from the ledger.

use crate::domain::money::Money;
use chrono::{DateTime, NaiveDate, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;

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

/// The viewer's earnings: pending, available and paid-out figures, the
/// statement of `month` (`YYYY-MM`, default this month), and the detail
/// behind one figure when `show` names it.
#[server(prefix = "/fn", endpoint = "earnings")]
pub async fn load_earnings(
    #[server(default)] month: Option<String>,
    #[server(default)] show: Option<String>,
) -> Result<Earnings, AppError> {
    use crate::server::{auth, money, respond};
    let viewer = auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    let mut earnings = money::earnings(
        &state.db,
        state.clock.now(),
        viewer.id,
        month.as_deref(),
        show.as_deref(),
    )
    .await
    .map_err(|e| e.into_app(&[]))?;
    if state.stripe.is_some() {
        use crate::server::connect::{standing, Standing};
        let s = standing(&state.db, viewer.id)
            .await
            .map_err(respond::internal)?;
        earnings.connect = Some(
            match s {
                Standing::None => "none",
                Standing::Pending => "pending",
                Standing::Ready => "ready",
            }
            .to_owned(),
        );
    }
    Ok(earnings)
}

/// Sends the member to Stripe's hosted onboarding of their connected
/// account (created on first use); Stripe returns them to `/earnings`.
#[server(prefix = "/fn", endpoint = "payout-connect")]
pub async fn connect_stripe() -> Result<(), AppError> {
    use crate::server::{auth, respond, service::ServiceError};
    let viewer = auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    let Some(stripe) = state.stripe.as_ref() else {
        return Err(ServiceError::Conflict.into_app(&[]));
    };
    let url = stripe
        .onboarding_link(&state.db, state.clock.now(), viewer.id)
        .await
        .map_err(respond::internal)?;
    leptos_axum::redirect(&url);
    Ok(())
}

/// Where the member is paid: account holder and IBAN (checked, mod 97),
/// with the current password; a changed IBAN holds payouts for 72 hours.
#[server(prefix = "/fn", endpoint = "payout-account")]
pub async fn save_payout_account(
    holder: String,
    iban: String,
    #[server(default)] password: String,
) -> Result<(), AppError> {
    use crate::server::{auth, money, respond};
    let viewer = auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    money::save_payout_account(
        &state.db,
        &state.hasher,
        state.clock.now(),
        viewer.id,
        &holder,
        &iban,
        &password,
    )
    .await
    .map_err(|e| e.into_app(&[("holder", &holder), ("iban", &iban)]))?;
    leptos_axum::redirect("/earnings?saved=1#payout-details");
    Ok(())
}

/// One ledger entry with its postings: for the board, and for the people
/// it concerns (the order's customer and providers, the member paid).
#[server(prefix = "/fn", endpoint = "ledger-entry")]
pub async fn load_ledger_entry(id: Uuid) -> Result<EntryView, AppError> {
    use crate::server::{auth, money, respond};
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    money::entry(&state.db, &viewer, id)
        .await
        .map_err(|e| e.into_app(&[]))
}

/// The board's money page; `until` is the end of the payout period shown.
#[server(prefix = "/fn", endpoint = "board-money")]
pub async fn load_board_money(
    #[server(default)] until: Option<String>,
) -> Result<BoardMoney, AppError> {
    use crate::server::{auth, money, respond};
    auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    money::board(&state.db, state.clock.now(), until.as_deref())
        .await
        .map_err(|e| e.into_app(&[]))
}

/// Creates a payout batch: every member with bank details is paid what
/// they earned up to `until` and have not been paid yet.
#[server(prefix = "/fn", endpoint = "payout-batch")]
pub async fn create_payout_batch(until: String, execution: String) -> Result<Uuid, AppError> {
    use crate::server::{auth, money, respond};
    let viewer = auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    let id = money::create_batch(&state.db, state.clock.now(), viewer.id, &until, &execution)
        .await
        .map_err(|e| e.into_app(&[("until", &until), ("execution", &execution)]))?;
    leptos_axum::redirect(&format!("/board/money?batch={id}#batches"));
    Ok(id)
}

/// The cooperative's own bank account, the debtor of SEPA files.
#[server(prefix = "/fn", endpoint = "coop-bank")]
pub async fn save_coop_bank(name: String, iban: String, bic: String) -> Result<(), AppError> {
    use crate::server::{auth, money, respond};
    let viewer = auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    money::save_coop_bank(
        &state.db,
        state.clock.now(),
        Some(viewer.id),
        &name,
        &iban,
        &bic,
    )
    .await
    .map_err(|e| e.into_app(&[("name", &name), ("iban", &iban), ("bic", &bic)]))?;
    leptos_axum::redirect("/board/money#bank");
    Ok(())
}

/// A refund owed to a customer was handed back (manual payments).
#[server(prefix = "/fn", endpoint = "refund-returned")]
pub async fn mark_refund_returned(order: Uuid) -> Result<(), AppError> {
    use crate::server::{auth, money, respond};
    let viewer = auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    money::refund_returned(&state.db, state.clock.now(), viewer.id, order)
        .await
        .map_err(|e| e.into_app(&[]))?;
    leptos_axum::redirect("/board/money#refunds");
    Ok(())
}

/// A member paid what they owed the cooperative (cash they collected) into
/// its bank: a board member other than that member records it.
#[server(prefix = "/fn", endpoint = "receivable-paid")]
pub async fn record_receivable_paid(member: Uuid, amount: String) -> Result<(), AppError> {
    use crate::server::{auth, money, respond};
    let viewer = auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    money::receivable_paid(&state.db, state.clock.now(), viewer.id, member, &amount)
        .await
        .map_err(|e| e.into_app(&[("amount", &amount)]))?;
    leptos_axum::redirect("/board/money#receivables");
    Ok(())
}

/// A board member marks a bank statement line as dealt with.
#[server(prefix = "/fn", endpoint = "bank-line-handled")]
pub async fn bank_line_handled(line: Uuid) -> Result<(), AppError> {
    use crate::server::{auth, bank_statements, respond};
    let viewer = auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    bank_statements::mark_handled(&state.db, state.clock.now(), &viewer, line)
        .await
        .map_err(|e| e.into_app(&[]))?;
    leptos_axum::redirect("/board/money#bank-statement");
    Ok(())
}

/// A board member has a set-aside card processor call tried again now.
#[server(prefix = "/fn", endpoint = "processor-retry")]
pub async fn processor_retry(call: String) -> Result<(), AppError> {
    use crate::server::{auth, respond, retries};
    let viewer = auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    let found = retries::try_again(&state.db, &call, state.clock.now())
        .await
        .map_err(respond::internal)?;
    if !found {
        return Err(respond::fail(AppError::NotFound));
    }
    tracing::info!(user = %viewer.id, "processor call tried again");
    leptos_axum::redirect("/board/money#processor-problems");
    Ok(())
}

/// What the browser needs to confirm a card payment with Stripe.js.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CardPayment {
    pub payment_intent: String,
    pub client_secret: Option<String>,
}

/// Starts (or resumes) the card payment of the viewer's unpaid order: its
/// PaymentIntent, created once whatever the retries.
#[server(prefix = "/fn", endpoint = "order-pay")]
pub async fn start_card_payment(id: Uuid) -> Result<CardPayment, AppError> {
    use crate::server::{auth, orders, respond, service::ServiceError};
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    let loaded = orders::load(&state.db, id)
        .await
        .map_err(respond::internal)?
        .filter(|l| l.order.customer_id == viewer.id)
        .ok_or_else(|| ServiceError::NotFound.into_app(&[]))?;
    let o = &loaded.order;
    let Some(stripe) = state.stripe.as_ref() else {
        return Err(ServiceError::Conflict.into_app(&[]));
    };
    if o.payment_provider != crate::server::stripe::PROVIDER || o.status != "pending_payment" {
        return Err(ServiceError::Conflict.into_app(&[]));
    }
    let (payment_intent, client_secret) = stripe
        .payment_intent(&state.db, state.clock.now(), o)
        .await
        .map_err(respond::internal)?;
    Ok(CardPayment {
        payment_intent,
        client_secret,
    })
}
