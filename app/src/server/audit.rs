//! The audit log: who changed the cooperative's rules, members or money,
//! and when. Append-only (triggers); written in the same transaction as
//! the change it records.

use super::entities::audit_events;
use crate::api::governance::{AuditLog, AuditRow};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
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

/// The newest 200 events (of `kind`, when given), with actors' names.
pub async fn log(db: &impl ConnectionTrait, kind: Option<String>) -> Result<AuditLog, DbErr> {
    let kinds: Vec<String> = audit_events::Entity::find()
        .select_only()
        .column(audit_events::Column::Kind)
        .distinct()
        .order_by_asc(audit_events::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    let mut q = audit_events::Entity::find()
        .order_by_desc(audit_events::Column::At)
        .order_by_desc(audit_events::Column::Id)
        .limit(200);
    if let Some(k) = &kind {
        q = q.filter(audit_events::Column::Kind.eq(k.as_str()));
    }
    let rows = q.all(db).await?;
    let names = super::accounts::display_names(db, rows.iter().filter_map(|r| r.actor_id)).await?;
    Ok(AuditLog {
        kinds,
        kind,
        events: rows
            .into_iter()
            .map(|r| AuditRow {
                at: r.at,
                actor: r.actor_id.and_then(|a| names.get(&a).cloned()),
                kind: r.kind,
                subject: r.subject,
                detail: r.detail,
            })
            .collect(),
    })
}
