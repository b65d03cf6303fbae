//! Per-process caches of the add-only tables (categories and zones): their
//! rows are never changed or deleted, so a cached row is never wrong, and a
//! miss reloads the table (a row added by another process is found then).
//! If editing zones or categories is ever added, these caches must go.
//!
//! The fee rule in force is cached too, but never trusted: an order's insert
//! checks that its version is still the one in force (`orders::insert_order`).

use super::entities::{categories, zones};
use domain::fee::FeeRule;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use uuid::Uuid;

static ZONES: RwLock<Option<Arc<Vec<zones::Model>>>> = RwLock::new(None);
/// A fee rule version and its rule.
type VersionedRule = (i32, Arc<FeeRule>);

static FEE_RULE: RwLock<Option<Arc<VersionedRule>>> = RwLock::new(None);
static CATEGORY_SLUGS: RwLock<Option<Arc<HashMap<Uuid, String>>>> = RwLock::new(None);

fn cached<T>(lock: &RwLock<Option<Arc<T>>>) -> Option<Arc<T>> {
    lock.read().ok().and_then(|c| c.clone())
}

fn store<T>(lock: &RwLock<Option<Arc<T>>>, value: Arc<T>) {
    if let Ok(mut c) = lock.write() {
        *c = Some(value);
    }
}

/// Every zone; `fresh` reloads them first.
pub async fn zones(
    db: &impl ConnectionTrait,
    fresh: bool,
) -> Result<Arc<Vec<zones::Model>>, DbErr> {
    if !fresh {
        if let Some(z) = cached(&ZONES) {
            return Ok(z);
        }
    }
    let all = Arc::new(zones::Entity::find().all(db).await?);
    store(&ZONES, all.clone());
    Ok(all)
}

/// The slug of a category.
pub async fn category_slug(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<String>, DbErr> {
    if let Some(slug) = cached(&CATEGORY_SLUGS).and_then(|m| m.get(&id).cloned()) {
        return Ok(Some(slug));
    }
    let all: HashMap<Uuid, String> = categories::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.slug))
        .collect();
    let slug = all.get(&id).cloned();
    store(&CATEGORY_SLUGS, Arc::new(all));
    Ok(slug)
}

/// The last fee rule read (version and rule), if any.
pub fn fee_rule() -> Option<VersionedRule> {
    cached(&FEE_RULE).map(|c| (c.0, c.1.clone()))
}

pub fn store_fee_rule(version: i32, rule: Arc<FeeRule>) {
    store(&FEE_RULE, Arc::new((version, rule)));
}
