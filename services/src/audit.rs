//! The audit log: who changed the cooperative's rules, members or money,
//! and when. Append-only (triggers); written in the same transaction as
//! the change it records.

use super::entities::{audit_events, proposals};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;
use uuid::Uuid;
use wire::governance::{AuditLog, AuditRow};

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
    let ids = |prefixes: &[&str]| -> Vec<Uuid> {
        rows.iter()
            .filter_map(|r| {
                let (p, id) = r.subject.split_once(':')?;
                prefixes
                    .contains(&p)
                    .then(|| Uuid::parse_str(id).ok())
                    .flatten()
            })
            .collect()
    };
    let people = ids(&["user", "member"]);
    let names =
        super::accounts::display_names(db, rows.iter().filter_map(|r| r.actor_id).chain(people))
            .await?;
    let proposals: HashMap<Uuid, String> = {
        let wanted = ids(&["proposal"]);
        if wanted.is_empty() {
            HashMap::new()
        } else {
            proposals::Entity::find()
                .filter(proposals::Column::Id.is_in(wanted))
                .all(db)
                .await?
                .into_iter()
                .map(|p| (p.id, p.title))
                .collect()
        }
    };
    let orders = super::orders::numbers(db, ids(&["order"])).await?;
    Ok(AuditLog {
        kinds,
        kind,
        events: rows
            .into_iter()
            .map(|r| {
                let (label, href) = subject_words(&r.subject, &names, &proposals, &orders);
                AuditRow {
                    at: r.at,
                    actor: r.actor_id.and_then(|a| names.get(&a).cloned()),
                    kind: r.kind,
                    subject: r.subject,
                    subject_label: label,
                    subject_href: href,
                    detail: r.detail,
                }
            })
            .collect(),
    })
}

/// A subject (`proposal:<id>`, `order:<id>`, `user:<id>`, `patronage:2026`,
/// …) in words, and the page it has.
fn subject_words(
    subject: &str,
    names: &HashMap<Uuid, String>,
    proposals: &HashMap<Uuid, String>,
    orders: &HashMap<Uuid, String>,
) -> (Option<String>, Option<String>) {
    let Some((kind, rest)) = subject.split_once(':') else {
        return (None, None);
    };
    let id = Uuid::parse_str(rest).ok();
    match (kind, id) {
        ("proposal", Some(id)) => (
            proposals.get(&id).map(|t| format!("«{t}»")),
            Some(format!("/governance/{id}")),
        ),
        ("order", Some(id)) => (orders.get(&id).cloned(), Some(format!("/orders/{id}"))),
        ("user" | "member", Some(id)) => (names.get(&id).cloned(), Some(format!("/members/{id}"))),
        ("payout_batch", _) => (None, Some("/board/money".to_owned())),
        ("patronage", None) => (Some(rest.to_owned()), Some("/board/patronage".to_owned())),
        ("fee_rule", None) => (Some(format!("v{rest}")), Some("/transparency".to_owned())),
        ("vote_rules", None) => (
            Some(format!("v{rest}")),
            Some("/governance/vote-rules".to_owned()),
        ),
        _ => (None, None),
    }
}
