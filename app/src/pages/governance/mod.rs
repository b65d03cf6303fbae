//! Governance pages: proposals and the form to open one (`list`), one
//! proposal with its ballot and result (`proposal`), the vote rules
//! (`vote_rules`), the board's audit log (`audit`) and the public
//! transparency page (`transparency`). Here: the names and tables they share.

pub mod audit;
pub mod list;
pub mod proposal;
pub mod transparency;
pub mod vote_rules;
use crate::api::governance::ResultView;
use crate::components::format::{percent, terms_text};
use crate::i18n::{use_i18n, use_locale, Strings};
use domain::fee::FeeRule;
use domain::governance::{Body, ProposalKind, Threshold, VoteRuleSet, VoteRules};
use leptos::prelude::*;

pub fn kind_name(t: &Strings, kind: &str) -> &'static str {
    match kind {
        "fee_rule_change" => t.kind_fee_rule_change,
        "admit_member" => t.kind_admit_member,
        "platform_rule" => t.kind_platform_rule,
        "vote_rules_change" => t.kind_vote_rules_change,
        _ => t.kind_general_motion,
    }
}

fn status_name(t: &Strings, status: &str) -> &'static str {
    match status {
        "passed" => t.gov_status_passed,
        "rejected" => t.gov_status_rejected,
        _ => t.gov_status_open,
    }
}

fn choice_name(t: &Strings, choice: &str) -> &'static str {
    match choice {
        "yes" => t.choice_yes,
        "no" => t.choice_no,
        _ => t.choice_abstain,
    }
}

#[component]
pub fn RuleTable(rule: FeeRule, #[prop(optional)] testid: &'static str) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    view! {
        <dl class="facts" data-testid=testid>
            <dt>{t.gov_services}</dt><dd data-kind="service">{terms_text(locale, &rule.service)}</dd>
            <dt>{t.gov_deliveries}</dt><dd data-kind="delivery">{terms_text(locale, &rule.delivery)}</dd>
        </dl>
    }
}

#[component]
fn ResultLine(result: ResultView, threshold: Option<Threshold>) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    view! {
        <p class="result" data-testid="result" data-passed=result.passed.to_string()>
            <strong>{if result.passed { t.gov_status_passed } else { t.gov_status_rejected }}</strong>
            ": "{t.choice_yes}" "{result.yes}" · "{t.choice_no}" "{result.no}" · "{t.choice_abstain}" "{result.abstain}
            " · "{t.gov_turnout}" "{percent(locale, result.turnout_bps)}" ("{t.gov_eligible.count(result.eligible)}")"
            " · "{t.gov_quorum}" "{if result.quorum_met { t.gov_quorum_met } else { t.gov_quorum_missed }}
            {threshold.map(|th| format!(" · {}", threshold_name(t, th)))}
        </p>
    }
}

fn voters_name(t: &Strings, body: Body) -> &'static str {
    match body {
        Body::Board => t.gov_voters_board,
        Body::Assembly => t.gov_voters_assembly,
    }
}

fn threshold_name(t: &Strings, th: Threshold) -> &'static str {
    match th {
        Threshold::TwoThirds => t.gov_threshold_two_thirds,
        Threshold::Majority => t.gov_threshold_majority,
    }
}

/// Each kind's voters, quorum and threshold; the last row, the rules of a
/// change of the rules, is fixed.
#[component]
pub fn VoteRulesTable(rules: VoteRuleSet, #[prop(optional)] testid: &'static str) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let row = move |kind: ProposalKind, r: VoteRules| {
        view! {
            <tr data-kind=kind.as_str()>
                <th scope="row">{kind_name(t, kind.as_str())}</th>
                <td>{voters_name(t, r.body)}</td>
                <td class="num">{percent(locale, r.quorum_bps)}</td>
                <td>{threshold_name(t, r.threshold)}</td>
                <td class="num">{r.min_days_for(kind)}</td>
            </tr>
        }
    };
    view! {
        <table class="ledger" data-testid=testid>
            <thead><tr>
                <th scope="col">{t.vr_kind}</th><th scope="col">{t.vr_voters}</th>
                <th scope="col" class="num">{t.vr_quorum}</th><th scope="col">{t.vr_threshold}</th>
                <th scope="col" class="num">{t.vr_min_days}</th>
            </tr></thead>
            <tbody>
                {ProposalKind::ALL.into_iter().map(|k| row(k, rules.of(k))).collect_view()}
            </tbody>
        </table>
    }
}

/// The inputs of one kind's rules in the vote rules form.
const RULE_INPUTS: [(ProposalKind, &str, &str, &str, &str); 4] = [
    (
        ProposalKind::FeeRuleChange,
        "rules[fee_rule_change_voters]",
        "rules[fee_rule_change_quorum]",
        "rules[fee_rule_change_threshold]",
        "rules[fee_rule_change_min_days]",
    ),
    (
        ProposalKind::AdmitMember,
        "rules[admit_member_voters]",
        "rules[admit_member_quorum]",
        "rules[admit_member_threshold]",
        "rules[admit_member_min_days]",
    ),
    (
        ProposalKind::PlatformRule,
        "rules[platform_rule_voters]",
        "rules[platform_rule_quorum]",
        "rules[platform_rule_threshold]",
        "rules[platform_rule_min_days]",
    ),
    (
        ProposalKind::GeneralMotion,
        "rules[general_motion_voters]",
        "rules[general_motion_quorum]",
        "rules[general_motion_threshold]",
        "rules[general_motion_min_days]",
    ),
];
