//! Calls to the card processor that failed (a refund Stripe refuses, a
//! transfer, a fee read, cancelling a payment): each is tried again after a
//! growing pause and, after `MAX_ATTEMPTS`, set aside ("parked") for the
//! board to look at. A failing call never holds back the calls queued
//! behind it. Rows live in `processor_retries`, by the call's key.

use super::entities::processor_retries;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

/// Failures before a call is parked.
pub const MAX_ATTEMPTS: i32 = 8;

/// What a call does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    Refund,
    Transfer,
    Fee,
    Cancel,
    /// Booking a lost card dispute against its order (waits for the order
    /// to be finished).
    Chargeback,
}

impl Call {
    pub fn as_str(self) -> &'static str {
        match self {
            Call::Refund => "refund",
            Call::Transfer => "transfer",
            Call::Fee => "fee",
            Call::Cancel => "cancel",
            Call::Chargeback => "chargeback",
        }
    }
}

/// The pause after the `attempts`-th failure: a minute, doubling, at most
/// six hours.
pub fn pause_after(attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(16);
    Duration::minutes(1i64 << doublings).min(Duration::hours(6))
}

/// Whether the call `key` may be made at `now` (never failed, or its pause
/// is over and it is not parked): its generation, to be part of its
/// idempotency key, or `None` when it must wait.
pub async fn due(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<i32>, DbErr> {
    Ok(
        match processor_retries::Entity::find_by_id(key).one(db).await? {
            None => Some(0),
            Some(r) => (r.parked_at.is_none() && r.next_attempt_at <= now).then_some(r.generation),
        },
    )
}

/// An idempotency key for generation `generation` of a call: the base
/// key, then `/<generation>` once the board asked for it again.
pub fn keyed(base: String, generation: i32) -> String {
    if generation == 0 {
        base
    } else {
        format!("{base}/{generation}")
    }
}

/// Makes the call `key` (about `order`) if it is due, with its generation:
/// a failure is remembered (tried again after a pause, or parked), a
/// success forgets the failures before. Answers what the call answered, or
/// `None` when it was not due or failed.
pub async fn attempt<T, E, Fut>(
    db: &impl ConnectionTrait,
    (key, call, order): (&str, Call, Uuid),
    now: DateTime<Utc>,
    make: impl FnOnce(i32) -> Fut,
) -> Result<Option<T>, DbErr>
where
    E: std::fmt::Display,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let Some(generation) = due(db, key, now).await? else {
        return Ok(None);
    };
    match make(generation).await {
        Ok(answer) => {
            succeeded(db, key).await?;
            Ok(Some(answer))
        }
        Err(e) => {
            failed(db, (key, call, order), &e.to_string(), now).await?;
            Ok(None)
        }
    }
}

/// The call `key` failed with `error`: it waits, or is parked.
pub async fn failed(
    db: &impl ConnectionTrait,
    (key, call, order): (&str, Call, Uuid),
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let error: String = error.chars().take(500).collect();
    let before = processor_retries::Entity::find_by_id(key).one(db).await?;
    let attempts = before.as_ref().map_or(0, |r| r.attempts) + 1;
    let generation = before.map_or(0, |r| r.generation);
    let parked = (attempts >= MAX_ATTEMPTS).then_some(now);
    tracing::warn!(
        call = key,
        attempts,
        parked = parked.is_some(),
        "processor call failed: {error}"
    );
    let row = processor_retries::ActiveModel {
        call_key: Set(key.to_owned()),
        kind: Set(call.as_str().to_owned()),
        order_id: Set(order),
        attempts: Set(attempts),
        next_attempt_at: Set(now + pause_after(attempts)),
        last_error: Set(Some(error)),
        parked_at: Set(parked),
        updated_at: Set(now),
        generation: Set(generation),
    };
    processor_retries::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(processor_retries::Column::CallKey)
                .update_columns([
                    processor_retries::Column::Attempts,
                    processor_retries::Column::NextAttemptAt,
                    processor_retries::Column::LastError,
                    processor_retries::Column::ParkedAt,
                    processor_retries::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The call `key` went through: nothing is remembered of its failures.
pub async fn succeeded(db: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    processor_retries::Entity::delete_by_id(key)
        .exec(db)
        .await?;
    Ok(())
}

/// Calls that failed and are waiting or parked, parked first.
pub async fn open(db: &impl ConnectionTrait) -> Result<Vec<processor_retries::Model>, DbErr> {
    processor_retries::Entity::find()
        .order_by_desc(processor_retries::Column::ParkedAt)
        .order_by_asc(processor_retries::Column::NextAttemptAt)
        .all(db)
        .await
}

/// A board member asks for a parked call to be tried again at once (its
/// count starts over, under a new idempotency key: the board has put
/// right what made the processor refuse it). False when there is no such
/// call.
pub async fn try_again(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let res = processor_retries::Entity::update_many()
        .col_expr(processor_retries::Column::Attempts, Expr::value(0))
        .col_expr(
            processor_retries::Column::Generation,
            Expr::col(processor_retries::Column::Generation).add(1),
        )
        .col_expr(
            processor_retries::Column::ParkedAt,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(processor_retries::Column::NextAttemptAt, Expr::value(now))
        .col_expr(processor_retries::Column::UpdatedAt, Expr::value(now))
        .filter(processor_retries::Column::CallKey.eq(key))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_up_to_six_hours() {
        assert_eq!(pause_after(1), Duration::minutes(1));
        assert_eq!(pause_after(2), Duration::minutes(2));
        assert_eq!(pause_after(4), Duration::minutes(8));
        assert_eq!(pause_after(9), Duration::hours(4) + Duration::minutes(16));
        assert_eq!(pause_after(10), Duration::hours(6));
        assert_eq!(pause_after(1000), Duration::hours(6));
        assert_eq!(pause_after(0), Duration::minutes(1));
    }
}
