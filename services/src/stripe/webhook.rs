//! What a verified Stripe event does: the order moves and the ledger is
//! written exactly once, whatever the duplicates and their order of arrival.

use super::chargebacks::{self, Told};
use super::{connect, PROVIDER};
use crate::clock::Clock;
use crate::entities::{orders, payments, payout_accounts, webhook_events};
use crate::orders::{apply_in, load, Loaded};
use crate::service::ServiceError;
use domain::order::{Action, Status, Who};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

/// What one webhook delivery did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The order moved (and the ledger with it).
    Applied,
    /// Recorded, nothing to move (unknown payment, an order already past
    /// this point, an event type we do not act on).
    Ignored,
    /// This event id was handled before: acknowledged, nothing done.
    Duplicate,
    /// Paid for an order no longer payable: booked and owed back.
    Refunded,
    /// The money is not the order's (amount, currency or order named):
    /// recorded for the board, nothing paid.
    Mismatch,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Ignored => "ignored",
            Outcome::Duplicate => "duplicate",
            Outcome::Refunded => "refunded",
            Outcome::Mismatch => "mismatch",
        }
    }
}

impl From<Told> for Outcome {
    fn from(t: Told) -> Self {
        match t {
            Told::Recorded => Outcome::Applied,
            Told::Nothing => Outcome::Ignored,
            Told::Mismatch => Outcome::Mismatch,
        }
    }
}

/// The longest event id stored (`webhook_events.event_id`).
pub const EVENT_ID_MAX: usize = 255;

/// The part of a Stripe event Mutua reads.
#[derive(Debug, serde::Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: EventData,
}

#[derive(Debug, serde::Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
}

/// Whether a PaymentIntent's money is the order's: the amount received,
/// the currency and the order it names (when it names one).
fn matches_order(intent: &serde_json::Value, order: &orders::Model) -> bool {
    let amount = intent["amount_received"]
        .as_i64()
        .or_else(|| intent["amount"].as_i64());
    let currency = intent["currency"].as_str().unwrap_or_default();
    let named = intent["metadata"]["order_id"].as_str();
    amount == Some(order.total_minor)
        && currency.eq_ignore_ascii_case(&order.currency)
        && named.is_none_or(|n| n == order.id.to_string())
}

/// Handles a verified event in one transaction: the order moves if the
/// event still applies to it, as read inside the transaction (two events
/// for one order at once: the second finds it moved and is recorded as
/// ignored), then the event id is recorded with what it did (a duplicate
/// delivery finds the id taken and its transaction is dropped). An order
/// never moves backwards: money for an order no longer payable is booked and owed back
/// (the job runner refunds it); money that does not match the order (the
/// amount, the currency or the order it names) is recorded as a mismatch
/// for the board, and nothing is paid.
pub async fn handle_event(
    db: &DatabaseConnection,
    clock: &Clock,
    event: &Event,
) -> Result<Outcome, ServiceError> {
    let now = clock.now();
    let object = &event.data.object;
    // The PaymentIntent the event is about: the object itself, or the one
    // a charge or a dispute names (an id, or the object expanded).
    let intent = if event.kind.starts_with("payment_intent.") {
        object["id"].as_str()
    } else if event.kind.starts_with("charge.") {
        object["payment_intent"]
            .as_str()
            .or_else(|| object["payment_intent"]["id"].as_str())
    } else {
        None
    }
    .unwrap_or_default();
    let txn = crate::txn::begin_write(db).await?;
    let payment = if !intent.is_empty() {
        payments::Entity::find()
            .filter(payments::Column::ExternalId.eq(intent))
            .one(&txn)
            .await?
    } else {
        None
    };
    let order = match &payment {
        Some(p) => load(&txn, p.order_id).await?,
        None => None,
    };
    let account = match object["id"].as_str() {
        Some(id) if event.kind == "account.updated" => payout_accounts::Entity::find()
            .filter(payout_accounts::Column::StripeAccountId.eq(id))
            .one(&txn)
            .await?
            .map(|_| id),
        _ => None,
    };
    let outcome = match (event.kind.as_str(), &order, &payment) {
        _ if account.is_some() => {
            // Whether the connected account can be paid, as Stripe says now.
            let enabled = object["payouts_enabled"].as_bool() == Some(true);
            connect::account_updated(&txn, account.unwrap_or_default(), enabled, now).await?;
            Outcome::Applied
        }
        ("payment_intent.succeeded", Some(loaded), Some(payment)) => {
            succeeded(&txn, now, loaded, payment, object).await?
        }
        ("payment_intent.payment_failed", Some(_), Some(payment)) => {
            set_payment_status(&txn, payment.id, "failed", now).await?;
            Outcome::Applied
        }
        ("charge.refunded", Some(loaded), Some(payment)) => {
            chargebacks::refunded(&txn, &loaded.order, payment, object, now)
                .await?
                .into()
        }
        (kind, Some(loaded), Some(payment)) if kind.starts_with("charge.dispute.") => {
            chargebacks::dispute(&txn, &loaded.order, payment, object, now)
                .await?
                .into()
        }
        _ => Outcome::Ignored,
    };
    // Recorded last, with what it did: the table is append-only.
    let recorded = webhook_events::Entity::insert(webhook_events::ActiveModel {
        provider: Set(PROVIDER.to_owned()),
        event_id: Set(event.id.clone()),
        event_type: Set(event.kind.chars().take(100).collect()),
        order_id: Set(order.as_ref().map(|o| o.order.id)),
        outcome: Set(outcome.as_str().to_owned()),
        received_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            webhook_events::Column::Provider,
            webhook_events::Column::EventId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if recorded == 0 {
        // Handled before (or by a delivery that committed meanwhile):
        // whatever this one did is dropped with its transaction.
        return Ok(Outcome::Duplicate);
    }
    txn.commit().await?;
    tracing::info!(event = %event.id, kind = %event.kind, outcome = outcome.as_str(), "stripe webhook");
    Ok(outcome)
}

async fn set_payment_status(
    txn: &sea_orm::DatabaseTransaction,
    payment: Uuid,
    status: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    payments::Entity::update_many()
        .col_expr(payments::Column::Status, Expr::value(status))
        .col_expr(payments::Column::UpdatedAt, Expr::value(now))
        .filter(payments::Column::Id.eq(payment))
        .filter(payments::Column::Status.eq("pending"))
        .exec(txn)
        .await?;
    Ok(())
}

/// A card payment arrived for `loaded`.
async fn succeeded(
    txn: &sea_orm::DatabaseTransaction,
    now: chrono::DateTime<chrono::Utc>,
    loaded: &Loaded,
    payment: &payments::Model,
    intent: &serde_json::Value,
) -> Result<Outcome, ServiceError> {
    if !matches_order(intent, &loaded.order) {
        tracing::warn!(order = %loaded.order.id, "card payment does not match its order");
        return Ok(Outcome::Mismatch);
    }
    if *loaded.order.status == Status::PendingPayment {
        return match apply_in(txn, now, loaded, Action::ConfirmPayment, Who::SYSTEM, None).await {
            Ok(()) => {
                set_payment_status(txn, payment.id, "succeeded", now).await?;
                Ok(Outcome::Applied)
            }
            // Moved meanwhile by another event or a person: nothing to do.
            Err(ServiceError::Conflict) => Ok(Outcome::Ignored),
            Err(e) => Err(e),
        };
    }
    // Paid after it expired or was cancelled unpaid: the money is booked
    // as the cooperative's and owed straight back to the customer.
    if *loaded.order.status == Status::Cancelled && payment.status == "pending" {
        let currency = domain::money::Currency::parse(&loaded.order.currency)
            .unwrap_or(domain::money::Currency::Eur);
        let lines = crate::orders::line_money(&loaded.lines);
        let ctx = crate::ledger::Context::default();
        let paid = domain::ledger::payment(
            loaded.order.id,
            currency,
            &lines,
            domain::ledger::Account::PlatformCash,
        );
        let back = domain::ledger::full_refund(loaded.order.id, currency, &lines);
        let posted = crate::ledger::post(txn, &paid, ctx, now).await?
            && crate::ledger::post(txn, &back, ctx, now).await?;
        if posted {
            payments::Entity::update_many()
                .col_expr(payments::Column::Status, Expr::value("refunded"))
                .col_expr(
                    payments::Column::RefundedMinor,
                    Expr::value(loaded.order.total_minor),
                )
                .col_expr(payments::Column::UpdatedAt, Expr::value(now))
                .filter(payments::Column::Id.eq(payment.id))
                .exec(txn)
                .await?;
            tracing::warn!(order = %loaded.order.id, "card payment after cancellation: refund owed");
            return Ok(Outcome::Refunded);
        }
    }
    Ok(Outcome::Ignored)
}
