//! Versions of the fee rule; the active one is the latest whose
//! `effective_from` has passed. Orders pin the version they were priced with.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "fee_rule_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    pub effective_from: DateTimeUtc,
    /// `domain::fee::FeeRule` as JSON.
    pub rule: String,
    pub proposal_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
