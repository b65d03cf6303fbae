//! Patronage refunds: the board's rounds and a member's statement.

use chrono::{DateTime, Utc};
use domain::money::Money;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One member's part of a round.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShareRow {
    pub member_id: Uuid,
    pub name: String,
    pub earnings: Money,
    pub cash: Money,
    pub retained: Money,
}

/// A year's patronage refund.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundView {
    pub year: i32,
    pub surplus: Money,
    pub cash_bps: u32,
    /// What the members earned that year, in total: the base of the shares.
    pub earnings: Money,
    pub members: u32,
    pub decided_by: String,
    pub created_at: DateTime<Utc>,
    /// Every member's part (the board's page only).
    pub shares: Vec<ShareRow>,
}

/// The board's patronage page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BoardPatronage {
    pub rounds: Vec<RoundView>,
    /// The fees the cooperative holds: the most a surplus can be.
    pub fee_revenue: Money,
    /// The last closed year, offered in the form.
    pub last_year: i32,
    /// What members earned in `last_year`, to see before allocating.
    pub last_year_earnings: Money,
}

/// A member's statement for one year.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    pub year: i32,
    pub member: String,
    pub surplus: Money,
    pub cash_bps: u32,
    pub total_earnings: Money,
    pub earnings: Money,
    pub cash: Money,
    pub retained: Money,
    /// The ledger entry that credited it.
    pub entry_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// A member's part of one year, as `/transparency` lists them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MyShare {
    pub year: i32,
    pub cash: Money,
    pub retained: Money,
}
