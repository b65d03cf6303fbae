//! Versions of the vote rules; the latest is in force. Version 1 is the
//! statute's, written on first use; later ones come from passed
//! `vote_rules_change` proposals.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "vote_rule_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i32,
    /// `domain::governance::VoteRuleSet` as JSON.
    pub rules: String,
    pub proposal_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
