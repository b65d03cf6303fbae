//! Money: a member's earnings and payout details, ledger entries, and the
//! board's money page (balances, payout batches, refunds owed,
//! reconciliation). Every figure comes from the ledger.

use leptos::prelude::*;
use uuid::Uuid;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::respond::IntoApp;
pub use wire::money::*;

/// The viewer's earnings: pending, available and paid-out figures, the
/// statement of `month` (`YYYY-MM`, default this month), and the detail
/// behind one figure when `show` names it.
#[server(prefix = "/fn", endpoint = "earnings")]
pub async fn load_earnings(
    #[server(default)] month: Option<String>,
    #[server(default)] show: Option<String>,
) -> Result<Earnings, AppError> {
    use crate::server::{auth, respond};
    use services::money;
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
        use services::stripe::connect::{standing, Standing};
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
    use crate::server::{auth, respond};
    use services::service::ServiceError;
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
    use crate::server::{auth, respond};
    use services::money;
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
    use crate::server::{auth, respond};
    use services::money;
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
    use crate::server::{auth, respond};
    use services::money;
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
    use crate::server::{auth, respond};
    use services::money;
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
    use crate::server::{auth, respond};
    use services::money;
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
    use crate::server::{auth, respond};
    use services::money;
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
    use crate::server::{auth, respond};
    use services::money;
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
    use crate::server::{auth, respond};
    use services::bank_statements;
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
    use crate::server::{auth, respond};
    use services::retries;
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

/// Starts (or resumes) the card payment of the viewer's unpaid order: its
/// PaymentIntent, created once whatever the retries.
#[server(prefix = "/fn", endpoint = "order-pay")]
pub async fn start_card_payment(id: Uuid) -> Result<CardPayment, AppError> {
    use crate::server::{auth, respond};
    use services::{orders, service::ServiceError};
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
    if o.payment_provider != services::stripe::PROVIDER
        || *o.status != domain::order::Status::PendingPayment
    {
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
