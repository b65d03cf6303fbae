//! What happened to the cooperative's rules, members and money, and who
//! did it (append-only).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    /// `None` for the system (the job runner).
    pub actor_id: Option<Uuid>,
    /// e.g. `proposal_opened`, `proposal_closed`, `fee_rule_enacted`.
    pub kind: String,
    /// What it concerns, e.g. `proposal:<id>`.
    pub subject: String,
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
