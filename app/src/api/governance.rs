//! Governance: proposals, ballots, results; and the public transparency
//! figures (fee rule history with the votes behind it, fees by month).
// Form-shaped server functions take one argument per field.
#![allow(clippy::too_many_arguments)]

use crate::domain::fee::FeeRule;
use crate::domain::governance::VoteRuleSet;
use crate::domain::money::Money;
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A closed proposal's counts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResultView {
    pub eligible: u32,
    pub yes: u32,
    pub no: u32,
    pub abstain: u32,
    pub turnout_bps: u32,
    pub quorum_met: bool,
    pub passed: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposalSummary {
    pub id: Uuid,
    pub kind: String,
    pub title: String,
    /// `open`, `passed`, `rejected`.
    pub status: String,
    pub closes_at: DateTime<Utc>,
    pub effective_from: Option<DateTime<Utc>>,
    pub my_choice: Option<String>,
    /// Only once closed.
    pub result: Option<ResultView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProposalView {
    pub id: Uuid,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub proposer: String,
    /// `assembly` or `board`.
    pub voters: String,
    pub quorum_bps: u32,
    pub threshold: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub effective_from: Option<DateTime<Utc>>,
    pub status: String,
    pub eligible: u32,
    /// The rule a fee change proposes.
    pub fee_rule: Option<FeeRule>,
    /// The rule in force now, with its version.
    pub current_rule: Option<(i32, FeeRule)>,
    /// The vote rules a change of them proposes, and those in force.
    pub vote_rules: Option<VoteRuleSet>,
    pub current_vote_rules: VoteRuleSet,
    pub can_vote: bool,
    pub i_am_eligible: bool,
    pub my_choice: Option<String>,
    pub result: Option<ResultView>,
    pub enacted_version: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GovernanceHome {
    pub proposals: Vec<ProposalSummary>,
    /// The rule in force, to start a fee change from.
    pub current_rule: FeeRule,
    pub current_version: i32,
    /// The vote rules in force (version 0: the statute's).
    pub vote_rules: VoteRuleSet,
    pub vote_rules_version: i32,
    pub board: bool,
}

/// The form proposing new vote rules: title, text, closing day and, per
/// kind, `{kind}_voters`, `{kind}_quorum` (whole percent) and
/// `{kind}_threshold`, sent as `rules[…]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VoteRulesForm {
    pub title: String,
    pub body: String,
    pub closes_on: String,
    #[serde(default)]
    pub rules: std::collections::BTreeMap<String, String>,
}

impl VoteRulesForm {
    /// What was typed, by input name (`rules[…]` for the rules).
    pub fn echo(&self) -> Vec<(String, String)> {
        let mut out = vec![
            ("title".to_owned(), self.title.clone()),
            ("body".to_owned(), self.body.clone()),
            ("closes_on".to_owned(), self.closes_on.clone()),
        ];
        out.extend(
            self.rules
                .iter()
                .map(|(k, v)| (format!("rules[{k}]"), v.clone())),
        );
        out
    }
}

/// The proposal form, as typed (kept whole so a mistake loses nothing).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProposalForm {
    pub kind: String,
    pub title: String,
    pub body: String,
    /// `YYYY-MM-DD`: voting is open through this day (UTC).
    pub closes_on: String,
    /// `YYYY-MM-DD`: a passed fee change is in force from this day.
    #[serde(default)]
    pub effective_on: String,
    #[serde(default)]
    pub service_percent: String,
    #[serde(default)]
    pub service_fixed: String,
    #[serde(default)]
    pub service_min: String,
    #[serde(default)]
    pub service_max: String,
    #[serde(default)]
    pub delivery_percent: String,
    #[serde(default)]
    pub delivery_fixed: String,
    #[serde(default)]
    pub delivery_min: String,
    #[serde(default)]
    pub delivery_max: String,
}

impl ProposalForm {
    pub fn echo(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("kind", &self.kind),
            ("title", &self.title),
            ("body", &self.body),
            ("closes_on", &self.closes_on),
            ("effective_on", &self.effective_on),
            ("service_percent", &self.service_percent),
            ("service_fixed", &self.service_fixed),
            ("service_min", &self.service_min),
            ("service_max", &self.service_max),
            ("delivery_percent", &self.delivery_percent),
            ("delivery_fixed", &self.delivery_fixed),
            ("delivery_min", &self.delivery_min),
            ("delivery_max", &self.delivery_max),
        ]
    }
}

#[server(prefix = "/fn", endpoint = "governance")]
pub async fn load_governance() -> Result<GovernanceHome, AppError> {
    use crate::server::{auth, governance, orders, respond};
    let viewer = auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    let proposals = governance::list(&state.db, viewer.id)
        .await
        .map_err(respond::internal)?;
    let (current_version, current_rule) = orders::active_rule(&state.db, state.clock.now())
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
    use crate::server::{auth, governance, respond};
    let form = VoteRulesForm {
        title,
        body,
        closes_on,
        rules,
    };
    let viewer = auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    crate::server::rate::check(
        crate::server::rate::Action::Proposal,
        &viewer.id.to_string(),
    )
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
    use crate::server::{auth, governance, respond};
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
    use crate::server::{auth, governance, respond};
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
    crate::server::rate::check(
        crate::server::rate::Action::Proposal,
        &viewer.id.to_string(),
    )
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
    use crate::server::{auth, governance, respond};
    let viewer = auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    governance::vote(&state.db, &state.clock, viewer.id, id, &choice)
        .await
        .map_err(|e| e.into_app(&[("choice", &choice)]))?;
    leptos_axum::redirect(&format!("/governance/{id}#vote"));
    Ok(())
}

/// What proposed fee terms would have collected over the last 90 days'
/// completed orders, next to what they paid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImpactView {
    pub days: u32,
    pub lines: u32,
    pub now: Money,
    pub proposed: Money,
    /// (category name, now, proposed).
    pub categories: Vec<(String, Money, Money)>,
    /// What the median member's customers paid in fees, now and proposed.
    pub median_member: Option<(Money, Money)>,
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
    use crate::server::{auth, catalog, governance, respond};
    let viewer = auth::require(crate::viewer::Role::Member).await?;
    let state = respond::state()?;
    crate::server::rate::check(
        crate::server::rate::Action::FeePreview,
        &viewer.id.to_string(),
    )
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

/// One audit event, as the board's log shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    pub at: DateTime<Utc>,
    /// `None`: the system (the job runner).
    pub actor: Option<String>,
    pub kind: String,
    pub subject: String,
    /// What the subject is, in words (a vote's title, a member's name, an
    /// order's number), and its page.
    pub subject_label: Option<String>,
    pub subject_href: Option<String>,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditLog {
    pub kinds: Vec<String>,
    pub kind: Option<String>,
    /// Newest first, at most 200.
    pub events: Vec<AuditRow>,
}

/// The audit log for the board, optionally of one kind of event.
#[server(prefix = "/fn", endpoint = "audit-log")]
pub async fn load_audit_log(#[server(default)] kind: Option<String>) -> Result<AuditLog, AppError> {
    use crate::server::{audit, auth, respond};
    auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    audit::log(&state.db, kind.filter(|k| !k.is_empty()))
        .await
        .map_err(respond::internal)
}

// ---------------------------------------------------------------------------
// Transparency (public)

/// A closed vote, as the transparency page cites it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VoteCitation {
    pub id: Uuid,
    pub title: String,
    pub result: Option<ResultView>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeeVersionView {
    pub version: i32,
    pub effective_from: DateTime<Utc>,
    pub active: bool,
    pub rule: FeeRule,
    /// The vote that enacted it (none for the statute's first rule).
    pub proposal: Option<VoteCitation>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MonthFigures {
    /// `YYYY-MM`.
    pub month: String,
    /// Fees the cooperative kept on orders completed that month.
    pub fees: Money,
    /// Paid out to members that month (bank batches and card transfers).
    pub paid_out: Money,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transparency {
    pub versions: Vec<FeeVersionView>,
    /// The last twelve months, oldest first.
    pub months: Vec<MonthFigures>,
    pub fees_total: Money,
    pub paid_out_total: Money,
    pub processor_fees_total: Money,
    pub completed_orders: u64,
}

#[server(prefix = "/fn", endpoint = "transparency")]
pub async fn load_transparency() -> Result<Transparency, AppError> {
    use crate::server::{respond, transparency};
    let state = respond::state()?;
    transparency::figures(&state.db, state.clock.now())
        .await
        .map_err(respond::internal)
}
