//! Proposals, ballots and their closing. Voters are fixed when a proposal
//! opens; ballots change until `closes_at` and never after (a ballot and
//! the closing both lock the proposal's row first); the job runner closes
//! due proposals, tallies them and enacts what passed in the same
//! transaction: a fee rule change becomes a fee rule version in force from
//! its `effective_from`, an admission activates the membership.

use crate::audit;
use crate::entities::{
    ballot_history, ballots, board_seats, fee_rule_versions, memberships, proposal_voters,
    proposals, users, vote_rule_versions,
};
use crate::notify;
use crate::service::ServiceError;
use chrono::{DateTime, Duration, Utc};
use domain::calendar::{parse_day, start_of};
use domain::fee::FeeRule;
use domain::governance::{
    whole_percent_bps, Body, Choice, ProposalKind, Tally, Threshold, VoteRuleSet, VoteRules,
    ENTRENCHED, MIN_DAYS_MAX, QUORUM_MIN_BPS,
};
use domain::order_form::parse_text;
use domain::validation::FieldError;
use domain::validation::FieldProblem;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use std::collections::HashMap;
use uuid::Uuid;
use wire::governance::{ProposalForm, ProposalSummary, ProposalView, ResultView, VoteRulesForm};
use wire::viewer::Viewer;

mod enact;
mod preview;
mod propose;
mod read;
mod voting;

pub use enact::*;
pub use preview::*;
pub use propose::*;
pub use read::*;
pub use voting::*;

pub const TITLE_MAX: usize = 140;
pub const BODY_MAX: usize = 5_000;
/// Voting lasts at most this long.
pub const MAX_DAYS: i64 = 60;
