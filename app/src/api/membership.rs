//! Membership server functions: apply, see my membership, the board's
//! decisions, the members' directory and public profiles, my bio.

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MembershipStatus {
    Applicant,
    Active,
    Suspended,
    Withdrawn,
}

impl MembershipStatus {
    pub fn parse(s: &str) -> Option<MembershipStatus> {
        match s {
            "applicant" => Some(MembershipStatus::Applicant),
            "active" => Some(MembershipStatus::Active),
            "suspended" => Some(MembershipStatus::Suspended),
            "withdrawn" => Some(MembershipStatus::Withdrawn),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MembershipInfo {
    pub status: Option<MembershipStatus>,
    pub class: Option<String>,
    pub shares: i32,
    pub since: Option<DateTime<Utc>>,
    pub share_value_minor: i64,
    /// The board's reason when the last application was rejected.
    pub last_rejection: Option<String>,
    /// The grammatical form the member chose (for the class name).
    #[serde(default)]
    pub form: crate::domain::account::AddressForm,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub user_id: Uuid,
    pub display_name: String,
    pub class: String,
    /// The grammatical form the member chose (for the class name).
    #[serde(default)]
    pub form: crate::domain::account::AddressForm,
    pub shares: i32,
    pub motivation: String,
    pub applied_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryEntry {
    pub id: Uuid,
    pub display_name: String,
    pub class: String,
    /// The grammatical form the member chose (for the class name).
    #[serde(default)]
    pub form: crate::domain::account::AddressForm,
    pub since: DateTime<Utc>,
    pub bio: Option<String>,
    pub active_listings: i64,
}

#[cfg(feature = "ssr")]
fn membership_error(
    e: crate::server::membership::MembershipError,
    echo: &[(&str, &str)],
) -> AppError {
    use crate::server::membership::MembershipError as E;
    use crate::server::respond::{fail, internal};
    match e {
        E::Invalid(fields) => fail(AppError::invalid(fields, echo)),
        E::NotFound => fail(AppError::NotFound),
        E::Conflict => fail(AppError::Conflict),
        E::Db(e) => internal(e),
    }
}

/// The viewer's membership (any logged-in person).
#[server(prefix = "/fn", endpoint = "my-membership")]
pub async fn my_membership() -> Result<MembershipInfo, AppError> {
    use crate::server::{auth, membership, respond};
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
    use crate::server::{auth, membership, respond};
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
    .map_err(|e| membership_error(e, &echo))?;
    tracing::info!(user = %viewer.id, "membership application");
    leptos_axum::redirect("/join?saved=applied");
    Ok(())
}

/// Open applications (board only).
#[server(prefix = "/fn", endpoint = "applications")]
pub async fn pending_applications() -> Result<Vec<Application>, AppError> {
    use crate::server::{auth, membership, respond};
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
    use crate::server::membership::Decision;
    use crate::server::{auth, membership, respond};
    let viewer = auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    if decision == "vote" {
        // The board decides by vote: the membership is activated by the
        // job runner if the vote passes.
        let id = crate::server::governance::propose_admission(
            &state.db,
            state.clock.now(),
            &viewer,
            user_id,
        )
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
                    crate::domain::account::FieldProblem::ChoiceInvalid,
                )],
                &[],
            )))
        }
    };
    let echo = [("reason", reason.as_str())];
    membership::decide(&state.db, viewer.id, user_id, decision)
        .await
        .map_err(|e| membership_error(e, &echo))?;
    tracing::info!(board = %viewer.id, applicant = %user_id, "membership decided");
    leptos_axum::redirect("/board/applications?saved=decided");
    Ok(())
}

/// Active members with their bios (members only).
#[server(prefix = "/fn", endpoint = "directory")]
pub async fn member_directory() -> Result<Vec<DirectoryEntry>, AppError> {
    use crate::server::{auth, membership, respond};
    auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    membership::directory(&state.db)
        .await
        .map_err(respond::internal)
}

/// A member's public profile: 404 unless the person is an active member.
#[server(prefix = "/fn", endpoint = "member")]
pub async fn member_profile(id: Uuid) -> Result<DirectoryEntry, AppError> {
    use crate::server::{membership, respond};
    let state = respond::state()?;
    membership::profile(&state.db, id)
        .await
        .map_err(respond::internal)?
        .ok_or_else(|| respond::fail(AppError::NotFound))
}

#[server(prefix = "/fn", endpoint = "bio")]
pub async fn update_bio(bio: String) -> Result<(), AppError> {
    use crate::server::{auth, membership, respond};
    let viewer = auth::require(crate::viewer::Role::Customer).await?;
    let state = respond::state()?;
    membership::set_bio(&state.db, viewer.id, &bio)
        .await
        .map_err(|e| membership_error(e, &[("bio", bio.as_str())]))?;
    leptos_axum::redirect("/account?saved=bio");
    Ok(())
}
