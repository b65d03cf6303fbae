//! Patronage refunds: the board allocates a year's surplus; each member
//! reads their own statement.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::respond::IntoApp;
use leptos::prelude::*;
pub use wire::patronage::*;

#[server(prefix = "/fn", endpoint = "board-patronage")]
pub async fn load_board_patronage() -> Result<BoardPatronage, AppError> {
    use crate::server::{auth, respond};
    use services::patronage;
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
    use crate::server::{auth, respond};
    use services::patronage;
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
    use crate::server::{auth, respond};
    use services::patronage;
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
    use crate::server::{auth, respond};
    use services::patronage;
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
