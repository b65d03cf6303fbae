//! Money the card processor gives back to customers without Mutua asking:
//! refunds made at Stripe (its dashboard) and card disputes (chargebacks).
//!
//! The webhook records what Stripe says (`charge.refunded`: how much of the
//! charge is refunded in all; `charge.dispute.*`: the dispute, and each
//! balance transaction that took money from, or gave it back to, the
//! cooperative's balance). The job runner then books the customer's gain
//! against the order (`ledger::clawback`): a refund still owed, then the
//! members' shares (receivables, netted from their next payouts) and the
//! cooperative's fee. A lost dispute on an order still open waits for the
//! order to be finished, listed for the board.

use crate::clock::Clock;
use crate::entities::{card_disputes, orders, payments};
use crate::money::ph;
use crate::retries::{self, Call};
use chrono::{DateTime, Utc};
use domain::ledger::{self as book, Account, EntryKind, Released};
use domain::money::Currency;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, Set, Statement,
};
use uuid::Uuid;

/// What a webhook about a charge did.
pub(super) enum Told {
    /// Recorded something new.
    Recorded,
    /// Nothing new (an older or repeated report).
    Nothing,
    /// Not this order's money (amount or currency).
    Mismatch,
}

/// `charge.refunded`: Stripe has refunded `amount_refunded` of the charge
/// in all. Kept as the highest total heard (events come in any order).
pub(super) async fn refunded(
    txn: &DatabaseTransaction,
    order: &orders::Model,
    payment: &payments::Model,
    charge: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<Told, DbErr> {
    let amount = charge["amount_refunded"].as_i64().unwrap_or(-1);
    let currency = charge["currency"].as_str().unwrap_or_default();
    if !(0..=order.total_minor).contains(&amount) || !currency.eq_ignore_ascii_case(&order.currency)
    {
        return Ok(Told::Mismatch);
    }
    let res = payments::Entity::update_many()
        .col_expr(
            payments::Column::ProcessorRefundedMinor,
            Expr::value(amount),
        )
        .col_expr(payments::Column::UpdatedAt, Expr::value(now))
        .filter(payments::Column::Id.eq(payment.id))
        .filter(payments::Column::ProcessorRefundedMinor.lt(amount))
        .exec(txn)
        .await?;
    Ok(if res.rows_affected > 0 {
        Told::Recorded
    } else {
        Told::Nothing
    })
}

/// The statuses after which Stripe's decision on a dispute is final.
fn closed(status: &str) -> bool {
    matches!(status, "won" | "lost" | "warning_closed")
}

/// `charge.dispute.*`: the dispute is recorded (a closed one keeps its
/// final status whatever older event arrives after), and each balance
/// transaction it carries is booked once: money taken from the
/// cooperative's balance into `card_disputes` (and the dispute fee as a
/// processor cost), or given back.
pub(super) async fn dispute(
    txn: &DatabaseTransaction,
    order: &orders::Model,
    payment: &payments::Model,
    dispute: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<Told, DbErr> {
    let id = dispute["id"].as_str().unwrap_or_default();
    let amount = dispute["amount"].as_i64().unwrap_or(-1);
    let currency = dispute["currency"].as_str().unwrap_or_default();
    let currency_ok = currency.eq_ignore_ascii_case(&order.currency);
    if id.is_empty() || id.len() > 255 || !(0..=order.total_minor).contains(&amount) || !currency_ok
    {
        return Ok(Told::Mismatch);
    }
    let Some(currency) = Currency::parse(&order.currency) else {
        return Ok(Told::Mismatch);
    };
    let status: String = dispute["status"]
        .as_str()
        .unwrap_or("needs_response")
        .chars()
        .take(32)
        .collect();
    let reason = dispute["reason"]
        .as_str()
        .map(|r| r.chars().take(64).collect::<String>());
    let ended = closed(&status).then_some(now);
    card_disputes::Entity::insert(card_disputes::ActiveModel {
        dispute_id: Set(id.to_owned()),
        order_id: Set(order.id),
        payment_id: Set(payment.id),
        amount_minor: Set(amount),
        currency: Set(order.currency.clone()),
        status: Set(status),
        reason: Set(reason),
        opened_at: Set(now),
        closed_at: Set(ended),
        booked_at: Set(None),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(card_disputes::Column::DisputeId)
            .value(
                card_disputes::Column::Status,
                Expr::cust(
                    "CASE WHEN card_disputes.closed_at IS NULL \
                     THEN excluded.status ELSE card_disputes.status END",
                ),
            )
            .value(
                card_disputes::Column::ClosedAt,
                Expr::cust("COALESCE(card_disputes.closed_at, excluded.closed_at)"),
            )
            .update_columns([
                card_disputes::Column::AmountMinor,
                card_disputes::Column::Reason,
                card_disputes::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(txn)
    .await?;
    let movements = dispute["balance_transactions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for bt in movements {
        let Some(bt_id) = bt["id"]
            .as_str()
            .filter(|b| !b.is_empty() && b.len() <= 100)
        else {
            continue;
        };
        let (moved, fee) = (
            bt["amount"].as_i64().unwrap_or(0),
            bt["fee"].as_i64().unwrap_or(0),
        );
        if moved.abs() > order.total_minor || !(-100_000..=100_000).contains(&fee) {
            continue;
        }
        // A balance transaction is negative when money leaves the balance.
        let entry = book::dispute_funds(
            book::dispute_funds_key(id, bt_id),
            order.id,
            currency,
            -moved,
            fee,
        );
        if !entry.postings.is_empty() {
            crate::ledger::post(txn, &entry, crate::ledger::Context::default(), now).await?;
        }
    }
    Ok(Told::Recorded)
}

#[derive(FromQueryResult)]
struct Sum {
    kind: String,
    account_code: String,
    total: i64,
}

/// What the order's entries say of its money: the refund still owed, what
/// was released to each provider and kept as fee (less what was taken back
/// before), and what the processor already handed back from the
/// cooperative's balance (refunds and earlier clawbacks).
async fn released(db: &impl ConnectionTrait, order: Uuid) -> Result<(Released, i64), DbErr> {
    let backend = db.get_database_backend();
    let rows = Sum::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT e.kind, p.account_code, CAST(SUM(p.amount_minor) AS BIGINT) AS total \
             FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id \
             WHERE e.order_id = {} GROUP BY e.kind, p.account_code",
            ph(backend, 1)
        ),
        [order.into()],
    ))
    .all(db)
    .await?;
    let mut out = Released::default();
    let mut handed_back = 0;
    let mut shares: Vec<(Account, i64)> = Vec::new();
    let mut share =
        |account: Account, amount: i64| match shares.iter_mut().find(|(a, _)| *a == account) {
            Some((_, a)) => *a += amount,
            None => shares.push((account, amount)),
        };
    for r in rows {
        let Some(account) = Account::parse(&r.account_code) else {
            continue;
        };
        let kind = EntryKind::parse(&r.kind);
        if account == Account::RefundsPayable {
            out.refund_owed -= r.total;
        }
        match (kind, account) {
            (Some(EntryKind::Completion), Account::MemberPayable(_) | Account::CoopFeeRevenue) => {
                share(account, -r.total)
            }
            (Some(EntryKind::Clawback), Account::MemberReceivable(m)) => {
                share(Account::MemberPayable(m), -r.total)
            }
            (Some(EntryKind::Clawback), Account::CoopFeeRevenue) => share(account, -r.total),
            (Some(EntryKind::RefundPaid | EntryKind::Clawback), Account::PlatformCash) => {
                handed_back -= r.total
            }
            _ => {}
        }
    }
    out.parts = shares;
    Ok((out, handed_back))
}

/// Books `amount` the customer got back outside Mutua against `order`,
/// out of `from`, under `key` (once). Answers whether it was new.
async fn book_one(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    (order, currency): (Uuid, Currency),
    key: String,
    amount: i64,
    from: Account,
) -> Result<bool, DbErr> {
    let txn = crate::txn::begin_write(db).await?;
    let (shares, _) = released(&txn, order).await?;
    let entry = book::clawback(key, order, currency, amount, from, &shares)
        .map_err(|e| DbErr::Custom(format!("clawback of order {order}: {e}")))?;
    let new = crate::ledger::post(&txn, &entry, crate::ledger::Context::default(), now).await?;
    txn.commit().await?;
    if new {
        tracing::warn!(order = %order, amount, from = %from.code(), "customer's money taken back by the card processor: booked");
    }
    Ok(new)
}

/// Books what the processor gave back to customers outside Mutua: refunds
/// made at Stripe beyond what Mutua handed back itself, and lost disputes.
/// Run by the job runner after it sent its own refunds; answers how many
/// entries it wrote.
pub async fn book(db: &DatabaseConnection, clock: &Clock) -> Result<usize, DbErr> {
    let mut booked = 0;
    let refunded = payments::Entity::find()
        .filter(payments::Column::Provider.eq(super::PROVIDER))
        .filter(payments::Column::ProcessorRefundedMinor.gt(0))
        .all(db)
        .await?;
    for p in refunded {
        let Some(currency) = Currency::parse(&p.currency) else {
            continue;
        };
        let (shares, handed_back) = released(db, p.order_id).await?;
        let extra = p.processor_refunded_minor - handed_back;
        if extra <= 0 {
            continue;
        }
        let key = format!(
            "order/{}/clawback/refunded/{}",
            p.order_id, p.processor_refunded_minor
        );
        if book_one(
            db,
            clock.now(),
            (p.order_id, currency),
            key,
            extra,
            Account::PlatformCash,
        )
        .await?
        {
            booked += 1;
        }
        // A refund of Mutua's that failed without an answer may be this
        // one: once nothing is owed, it is not tried again.
        if extra >= shares.refund_owed {
            retries::succeeded(db, &format!("refund:{}", p.order_id)).await?;
        }
    }
    let lost = card_disputes::Entity::find()
        .filter(card_disputes::Column::Status.eq("lost"))
        .filter(card_disputes::Column::BookedAt.is_null())
        .all(db)
        .await?;
    for d in lost {
        let call = format!("chargeback:{}", d.dispute_id);
        let Some(currency) = Currency::parse(&d.currency) else {
            continue;
        };
        let open = orders::Entity::find_by_id(d.order_id)
            .one(db)
            .await?
            .is_none_or(|o| !o.status.is_final());
        if open {
            if retries::due(db, &call, clock.now()).await?.is_some() {
                let why = "the order is still open: finish it (complete, resolve or cancel), then try again";
                retries::failed(db, (&call, Call::Chargeback, d.order_id), why, clock.now())
                    .await?;
            }
            continue;
        }
        let held = held(db, &d.dispute_id).await?;
        if held > 0
            && book_one(
                db,
                clock.now(),
                (d.order_id, currency),
                format!("dispute/{}/loss", d.dispute_id),
                held,
                Account::CardDisputes,
            )
            .await?
        {
            booked += 1;
        }
        card_disputes::Entity::update_many()
            .col_expr(card_disputes::Column::BookedAt, Expr::value(clock.now()))
            .filter(card_disputes::Column::DisputeId.eq(d.dispute_id.as_str()))
            .exec(db)
            .await?;
        retries::succeeded(db, &call).await?;
    }
    Ok(booked)
}

/// What the processor still holds of a dispute: the balance of its funds
/// entries on `card_disputes`.
async fn held(db: &impl ConnectionTrait, dispute: &str) -> Result<i64, DbErr> {
    #[derive(FromQueryResult)]
    struct Held {
        total: Option<i64>,
    }
    let backend = db.get_database_backend();
    let prefix = book::dispute_funds_key(dispute, "");
    let row = Held::find_by_statement(Statement::from_sql_and_values(
        backend,
        format!(
            "SELECT CAST(SUM(p.amount_minor) AS BIGINT) AS total \
             FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id \
             WHERE p.account_code = {} AND substr(e.idempotency_key, 1, {}) = {}",
            ph(backend, 1),
            prefix.len(),
            ph(backend, 2)
        ),
        [Account::CardDisputes.code().into(), prefix.clone().into()],
    ))
    .one(db)
    .await?;
    Ok(row.and_then(|r| r.total).unwrap_or(0))
}
