//! The audit log: who changed the cooperative's rules, members or money,
//! and when. Append-only (triggers); written in the same transaction as
//! the change it records.

use super::entities::audit_events;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use uuid::Uuid;

pub async fn record(
    db: &impl ConnectionTrait,
    at: DateTime<Utc>,
    actor: Option<Uuid>,
    kind: &str,
    subject: &str,
    detail: &str,
) -> Result<(), DbErr> {
    audit_events::Entity::insert(audit_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(at),
        actor_id: Set(actor),
        kind: Set(kind.chars().take(40).collect()),
        subject: Set(subject.chars().take(80).collect()),
        detail: Set(detail.to_owned()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}
