//! Governance: proposals, ballots, results; and the public transparency
//! figures (fee rule history with the votes behind it, fees by month).
// Form-shaped server functions take one argument per field.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::respond::IntoApp;
#[cfg(feature = "ssr")]
use domain::money::Money;
use leptos::prelude::*;
use uuid::Uuid;
pub use wire::governance::*;

#[server(prefix = "/fn", endpoint = "governance")]
pub async fn load_governance() -> Result<GovernanceHome, AppError> {
    use crate::server::{auth, respond};
    use services::governance;
    let viewer = auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    let proposals = governance::list(&state.db, viewer.id)
        .await
        .map_err(respond::internal)?;
    let (current_version, current_rule) = services::fees::active_rule(&state.db, state.clock.now())
        .await
        .map_err(respond::internal)?;
    let (vote_rules_version, vote_rules) = governance::current_rules(&state.db)
        .await
        .map_err(respond::internal)?;
    Ok(GovernanceHome {
        proposals,
        current_rule,
        current_version,
        vote_rules,
        vote_rules_version,
        board: viewer.board,
    })
}

/// Opens a change of the vote rules (assembly, two thirds).
#[server(prefix = "/fn", endpoint = "propose-vote-rules")]
pub async fn propose_vote_rules(
    title: String,
    body: String,
    closes_on: String,
    #[server(default)] rules: std::collections::BTreeMap<String, String>,
) -> Result<Uuid, AppError> {
    use crate::server::{auth, respond};
    use services::governance;
    let form = VoteRulesForm {
        title,
        body,
        closes_on,
        rules,
    };
    let viewer = auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    crate::server::respond::rate_check(services::rate::Action::Proposal, &viewer.id.to_string())
        .await?;
    let echo = form.echo();
    let echo: Vec<(&str, &str)> = echo.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let id = governance::propose_vote_rules(&state.db, state.clock.now(), &viewer, &form)
        .await
        .map_err(|e| e.into_app(&echo))?;
    leptos_axum::redirect(&format!("/governance/{id}"));
    Ok(id)
}

#[server(prefix = "/fn", endpoint = "proposal")]
pub async fn load_proposal(id: Uuid) -> Result<ProposalView, AppError> {
    use crate::server::{auth, respond};
    use services::governance;
    let viewer = auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    governance::view(&state.db, state.clock.now(), viewer.id, id)
        .await
        .map_err(|e| e.into_app(&[]))
}

/// Opens a proposal; its voters are fixed now.
#[server(prefix = "/fn", endpoint = "propose")]
pub async fn propose(
    kind: String,
    title: String,
    body: String,
    closes_on: String,
    #[server(default)] effective_on: String,
    #[server(default)] service_percent: String,
    #[server(default)] service_fixed: String,
    #[server(default)] service_min: String,
    #[server(default)] service_max: String,
    #[server(default)] delivery_percent: String,
    #[server(default)] delivery_fixed: String,
    #[server(default)] delivery_min: String,
    #[server(default)] delivery_max: String,
) -> Result<Uuid, AppError> {
    use crate::server::{auth, respond};
    use services::governance;
    let form = ProposalForm {
        kind,
        title,
        body,
        closes_on,
        effective_on,
        service_percent,
        service_fixed,
        service_min,
        service_max,
        delivery_percent,
        delivery_fixed,
        delivery_min,
        delivery_max,
    };
    let viewer = auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    crate::server::respond::rate_check(services::rate::Action::Proposal, &viewer.id.to_string())
        .await?;
    let id = governance::propose(&state.db, state.clock.now(), &viewer, &form)
        .await
        .map_err(|e| e.into_app(&form.echo()))?;
    leptos_axum::redirect(&format!("/governance/{id}"));
    Ok(id)
}

/// Casts or changes the viewer's ballot while the proposal is open.
#[server(prefix = "/fn", endpoint = "vote")]
pub async fn vote(id: Uuid, choice: String) -> Result<(), AppError> {
    use crate::server::{auth, respond};
    use services::governance;
    let viewer = auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    governance::vote(&state.db, &state.clock, viewer.id, id, &choice)
        .await
        .map_err(|e| e.into_app(&[("choice", &choice)]))?;
    leptos_axum::redirect(&format!("/governance/{id}#vote"));
    Ok(())
}

#[server(prefix = "/fn", endpoint = "fee-preview")]
pub async fn fee_preview(
    #[server(default)] service_percent: String,
    #[server(default)] service_fixed: String,
    #[server(default)] service_min: String,
    #[server(default)] service_max: String,
    #[server(default)] delivery_percent: String,
    #[server(default)] delivery_fixed: String,
    #[server(default)] delivery_min: String,
    #[server(default)] delivery_max: String,
) -> Result<ImpactView, AppError> {
    use crate::server::{auth, respond};
    use services::{catalog, governance};
    let viewer = auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    crate::server::respond::rate_check(services::rate::Action::FeePreview, &viewer.id.to_string())
        .await?;
    let form = ProposalForm {
        service_percent,
        service_fixed,
        service_min,
        service_max,
        delivery_percent,
        delivery_fixed,
        delivery_min,
        delivery_max,
        ..ProposalForm::default()
    };
    let i = governance::preview(&state.db, state.clock.now(), &form)
        .await
        .map_err(|e| e.into_app(&form.echo()))?;
    let names: std::collections::HashMap<String, String> =
        catalog::categories(&state.db, viewer.locale)
            .await
            .map_err(respond::internal)?
            .into_iter()
            .map(|c| (c.slug, c.name))
            .collect();
    Ok(ImpactView {
        days: u32::try_from(governance::PREVIEW_DAYS).unwrap_or(90),
        lines: i.lines,
        now: Money::eur(i.now),
        proposed: Money::eur(i.proposed),
        categories: i
            .categories
            .into_iter()
            .map(|(slug, n, p)| {
                let name = names.get(&slug).cloned().unwrap_or(slug);
                (name, Money::eur(n), Money::eur(p))
            })
            .collect(),
        median_member: i.median_member.map(|(n, p)| (Money::eur(n), Money::eur(p))),
    })
}

/// The audit log for the board, optionally of one kind of event.
#[server(prefix = "/fn", endpoint = "audit-log")]
pub async fn load_audit_log(#[server(default)] kind: Option<String>) -> Result<AuditLog, AppError> {
    use crate::server::{auth, respond};
    use services::audit;
    auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    audit::log(&state.db, kind.filter(|k| !k.is_empty()))
        .await
        .map_err(respond::internal)
}

// ---------------------------------------------------------------------------
// Transparency (public)

#[server(prefix = "/fn", endpoint = "transparency")]
pub async fn load_transparency() -> Result<Transparency, AppError> {
    use crate::server::respond;
    use services::transparency;
    let state = respond::state()?;
    transparency::figures(&state.db, state.clock.now())
        .await
        .map_err(respond::internal)
}
