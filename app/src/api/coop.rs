//! Public facts about the cooperative.

use crate::error::AppError;
use leptos::prelude::*;
pub use wire::coop::*;

/// Active members, oldest first (public: names and classes only).
#[server(prefix = "/fn", endpoint = "members")]
pub async fn public_members() -> Result<Vec<PublicMember>, AppError> {
    use crate::server::respond;
    let state = respond::state()?;
    let members = services::accounts::public_members(&state.db)
        .await
        .map_err(respond::internal)?;
    Ok(members.to_vec())
}
