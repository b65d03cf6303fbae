//! Votes, their results, the vote rules and proposal forms as typed, the
//! audit log and the transparency figures.

use chrono::{DateTime, Utc};
use domain::fee::FeeRule;
use domain::governance::VoteRuleSet;
use domain::money::Money;
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
    pub voters: domain::governance::Body,
    pub quorum_bps: u32,
    pub threshold: domain::governance::Threshold,
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

/// A closed vote, as the transparency page cites it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VoteCitation {
    pub id: Uuid,
    pub title: String,
    pub result: Option<ResultView>,
}
