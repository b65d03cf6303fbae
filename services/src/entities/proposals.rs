//! A proposal put to a vote; its result is filled in when it closes.

use sea_orm::entity::prelude::*;

use super::stored::Stored;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "proposals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: Stored<domain::governance::ProposalKind>,
    pub title: String,
    pub body: String,
    /// Kind-specific JSON: the proposed fee rule, the applicant.
    pub payload: Option<String>,
    pub proposer_id: Uuid,
    pub voters: Stored<domain::governance::Body>,
    pub quorum_bps: i32,
    pub threshold: Stored<domain::governance::Threshold>,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    pub effective_from: Option<DateTimeUtc>,
    /// `open`, `passed` or `rejected`.
    pub status: String,
    /// Voters fixed at opening.
    pub eligible: i32,
    pub yes: Option<i32>,
    pub no: Option<i32>,
    pub abstain: Option<i32>,
    pub quorum_met: Option<bool>,
    pub closed_at: Option<DateTimeUtc>,
    /// The fee rule version a passed fee change created.
    pub enacted_version: Option<i32>,
    /// When the voters who had not voted were reminded (a day before
    /// closing).
    pub reminded_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
