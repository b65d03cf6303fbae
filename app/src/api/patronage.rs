//! Patronage refunds: the board allocates a year's surplus; each member
//! reads their own statement.

use crate::domain::money::Money;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
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

#[server(prefix = "/fn", endpoint = "board-patronage")]
pub async fn load_board_patronage() -> Result<BoardPatronage, AppError> {
    use crate::server::{auth, patronage, respond};
    auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    patronage::board(&state.db, state.clock.now())
        .await
        .map_err(respond::internal)
}

/// Allocates a year's surplus to the members (board).
#[server(prefix = "/fn", endpoint = "patronage-allocate")]
pub async fn allocate_patronage(
    year: String,
    surplus: String,
    cash_percent: String,
) -> Result<(), AppError> {
    use crate::server::{auth, patronage, respond};
    let viewer = auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    let year_n = patronage::allocate(
        &state.db,
        state.clock.now(),
        viewer.id,
        &year,
        &surplus,
        &cash_percent,
    )
    .await
    .map_err(|e| {
        e.into_app(&[
            ("year", &year),
            ("surplus", &surplus),
            ("cash_percent", &cash_percent),
        ])
    })?;
    leptos_axum::redirect(&format!("/board/patronage#year-{year_n}"));
    Ok(())
}

/// The viewer's own patronage statement for `year`.
#[server(prefix = "/fn", endpoint = "patronage-statement")]
pub async fn load_statement(year: i32) -> Result<Statement, AppError> {
    use crate::server::{auth, patronage, respond};
    let viewer = auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    patronage::statement(&state.db, viewer.id, year)
        .await
        .map_err(|e| e.into_app(&[]))
}

/// The viewer's own parts of every year, for `/transparency`; nothing for
/// visitors and customers.
#[server(prefix = "/fn", endpoint = "my-patronage")]
pub async fn load_my_patronage() -> Result<Option<Vec<MyShare>>, AppError> {
    use crate::server::{auth, patronage, respond};
    let Some(viewer) = auth::viewer().await? else {
        return Ok(None);
    };
    if viewer.member_class.is_none() {
        return Ok(None);
    }
    let state = respond::state()?;
    patronage::my_shares(&state.db, viewer.id)
        .await
        .map(Some)
        .map_err(respond::internal)
}
