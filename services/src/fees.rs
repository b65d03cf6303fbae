//! The fee rule in force: the newest version already effective, and the
//! version an order is priced with.

use super::entities::fee_rule_versions;
use chrono::{DateTime, Utc};
use domain::fee::FeeRule;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use std::sync::Arc;

/// The fee rule in force at `now`: the newest version already effective.
pub async fn active_rule(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<(i32, FeeRule), DbErr> {
    let row = fee_rule_versions::Entity::find()
        .filter(fee_rule_versions::Column::EffectiveFrom.lte(now))
        .order_by_desc(fee_rule_versions::Column::EffectiveFrom)
        .order_by_desc(fee_rule_versions::Column::Version)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::Custom("no fee rule in force".into()))?;
    let rule: FeeRule = serde_json::from_str(&row.rule)
        .map_err(|e| DbErr::Custom(format!("fee rule {} unreadable: {e}", row.version)))?;
    Ok((row.version, rule))
}

/// The fee rule to price with: the cached one, or (`fresh`) the one in force.
pub(crate) async fn fee_rule(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    fresh: bool,
) -> Result<(i32, Arc<FeeRule>), DbErr> {
    if !fresh {
        if let Some(cached) = super::cache::fee_rule() {
            return Ok(cached);
        }
    }
    let (version, rule) = active_rule(db, now).await?;
    let rule = Arc::new(rule);
    super::cache::store_fee_rule(version, rule.clone());
    Ok((version, rule))
}
