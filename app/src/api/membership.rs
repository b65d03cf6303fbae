//! Membership server functions: apply, see my membership, the board's
//! decisions, the members' directory and public profiles, my bio.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::respond::IntoApp;
use leptos::prelude::*;
use uuid::Uuid;
pub use wire::membership::*;

/// The viewer's membership (any logged-in person).
#[server(prefix = "/fn", endpoint = "my-membership")]
pub async fn my_membership() -> Result<MembershipInfo, AppError> {
    use crate::server::{auth, respond};
    use services::membership;
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    membership::mine(&state.db, viewer.id)
        .await
        .map_err(respond::internal)
}

#[server(prefix = "/fn", endpoint = "apply")]
pub async fn apply_membership(
    class: String,
    motivation: String,
    shares: String,
) -> Result<(), AppError> {
    use crate::server::{auth, respond};
    use services::membership;
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    let echo = [
        ("class", class.as_str()),
        ("motivation", motivation.as_str()),
        ("shares", shares.as_str()),
    ];
    membership::apply(
        &state.db,
        viewer.id,
        membership::NewApplication {
            class: &class,
            motivation: &motivation,
            shares: &shares,
        },
    )
    .await
    .map_err(|e| e.into_app(&echo))?;
    tracing::info!(user = %viewer.id, "membership application");
    leptos_axum::redirect("/join?saved=applied");
    Ok(())
}

/// Open applications (board only).
#[server(prefix = "/fn", endpoint = "applications")]
pub async fn pending_applications() -> Result<Vec<Application>, AppError> {
    use crate::server::{auth, respond};
    use services::membership;
    auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    membership::pending(&state.db)
        .await
        .map_err(respond::internal)
}

/// Puts an application to a board vote (`decision = "vote"`; the vote,
/// once passed, admits) or rejects it (`"reject"`, with a reason). There is
/// no direct admission: only a passed `admit_member` vote activates a
/// membership.
#[server(prefix = "/fn", endpoint = "decide-application")]
pub async fn decide_application(
    user_id: Uuid,
    decision: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{auth, respond};
    use services::membership;
    use services::membership::Decision;
    let viewer = auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    if decision == "vote" {
        // The board decides by vote: the membership is activated by the
        // job runner if the vote passes.
        let id =
            services::governance::propose_admission(&state.db, state.clock.now(), &viewer, user_id)
                .await
                .map_err(|e| e.into_app(&[]))?;
        leptos_axum::redirect(&format!("/governance/{id}"));
        return Ok(());
    }
    let reason = reason.unwrap_or_default();
    let decision = match decision.as_str() {
        "reject" => Decision::Reject {
            reason: reason.clone(),
        },
        _ => {
            return Err(respond::fail(AppError::invalid(
                vec![AppError::field(
                    "decision",
                    domain::validation::FieldProblem::ChoiceInvalid,
                )],
                &[],
            )))
        }
    };
    let echo = [("reason", reason.as_str())];
    membership::decide(&state.db, viewer.id, user_id, decision)
        .await
        .map_err(|e| e.into_app(&echo))?;
    tracing::info!(board = %viewer.id, applicant = %user_id, "membership decided");
    leptos_axum::redirect("/board/applications?saved=decided");
    Ok(())
}

/// Active members with their bios (members only).
#[server(prefix = "/fn", endpoint = "directory")]
pub async fn member_directory() -> Result<Vec<DirectoryEntry>, AppError> {
    use crate::server::{auth, respond};
    use services::membership;
    auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    membership::directory(&state.db)
        .await
        .map_err(respond::internal)
}

/// A member's public profile: 404 unless the person is an active member.
#[server(prefix = "/fn", endpoint = "member")]
pub async fn member_profile(id: Uuid) -> Result<DirectoryEntry, AppError> {
    use crate::server::respond;
    use services::membership;
    let state = respond::state()?;
    membership::profile(&state.db, id)
        .await
        .map_err(respond::internal)?
        .ok_or_else(|| respond::fail(AppError::NotFound))
}

#[server(prefix = "/fn", endpoint = "bio")]
pub async fn update_bio(bio: String) -> Result<(), AppError> {
    use crate::server::{auth, respond};
    use services::membership;
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    membership::set_bio(&state.db, viewer.id, &bio)
        .await
        .map_err(|e| e.into_app(&[("bio", bio.as_str())]))?;
    leptos_axum::redirect("/account?saved=bio");
    Ok(())
}
