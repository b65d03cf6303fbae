//! Governance pages: proposals and the form to open one (`/governance`),
//! one proposal with its ballot and result (`/governance/:id`), and the
//! public transparency page (`/transparency`).

use crate::api::governance::{
    fee_preview, load_governance, load_proposal, load_transparency, GovernanceHome, ImpactView,
    MonthFigures, ProposalSummary, ProposalView, Propose, ProposeVoteRules, ResultView,
    Transparency, Vote,
};
use crate::components::form::{Field, FormError, FormMessage, Select, TextArea};
use crate::components::listing::load_error;
use crate::error::AppError;
use crate::i18n::{format_month, month_abbr, use_i18n, use_locale, Locale, Strings};
use crate::pages::listing::path_id;
use crate::pages::orders::moment;
use domain::fee::{FeeRule, FeeTerms};
use domain::governance::{Body, ProposalKind, Threshold, VoteRuleSet, VoteRules};
use domain::money::Money;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

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

/// `8`, `6,5` (`6.5` in English): basis points as a percentage number.
pub fn percent_number(locale: Locale, bps: u32) -> String {
    let (whole, frac) = (bps / 100, bps % 100);
    let sep = if locale == Locale::En { '.' } else { ',' };
    match frac {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}{sep}{}", f / 10),
        f => format!("{whole}{sep}{f:02}"),
    }
}

/// `8 %`, `6,5 %` in Italian and Spanish, `8%` in English: never with a
/// currency sign.
pub fn percent(locale: Locale, bps: u32) -> String {
    let n = percent_number(locale, bps);
    match locale {
        Locale::En => format!("{n}%"),
        Locale::It | Locale::Es => format!("{n} %"),
    }
}

/// One kind's fee terms in words: `8 % + 0,20 €, min 0,50 €, max 5,00 €`.
pub fn terms_text(locale: Locale, terms: &FeeTerms) -> String {
    let eur = |m: i64| Money::eur(m).format(locale);
    let mut s = percent(locale, terms.percent_bps);
    if terms.fixed_minor != 0 {
        s.push_str(&format!(" + {}", eur(terms.fixed_minor)));
    }
    if terms.min_minor != 0 {
        s.push_str(&format!(", min {}", eur(terms.min_minor)));
    }
    if let Some(max) = terms.max_minor {
        s.push_str(&format!(", max {}", eur(max)));
    }
    s
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
fn ResultLine(result: ResultView, threshold: Option<String>) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    view! {
        <p class="result" data-testid="result" data-passed=result.passed.to_string()>
            <strong>{if result.passed { t.gov_status_passed } else { t.gov_status_rejected }}</strong>
            ": "{t.choice_yes}" "{result.yes}" · "{t.choice_no}" "{result.no}" · "{t.choice_abstain}" "{result.abstain}
            " · "{t.gov_turnout}" "{percent(locale, result.turnout_bps)}" ("{result.eligible}" "{t.gov_eligible}")"
            " · "{t.gov_quorum}" "{if result.quorum_met { t.gov_quorum_met } else { t.gov_quorum_missed }}
            {threshold.map(|th| format!(" · {}", threshold_of(t, &th)))}
        </p>
    }
}

// ---------------------------------------------------------------------------
// The list and the form

#[component]
pub fn GovernancePage() -> impl IntoView {
    let t = use_i18n();
    let propose = ServerAction::<Propose>::new();
    let home = Resource::new(|| (), |_| load_governance());
    // Created here, beside `home`, never inside the Suspense's children:
    // a resource made while a Suspense resolves is re-created on every
    // re-check and can stall server rendering.
    let query = use_query_map();
    let preview: Preview = Resource::new(
        move || (),
        move |_| {
            let v: Vec<String> = values_for_preview(query);
            let previewing = query.with_untracked(|q| q.get("service_percent").is_some());
            async move {
                if !previewing {
                    return None;
                }
                let at = |i: usize| v.get(i).cloned().unwrap_or_default();
                Some(fee_preview(at(0), at(1), at(2), at(3), at(4), at(5), at(6), at(7)).await)
            }
        },
    );
    view! {
        <Title text=t.gov_title/>
        <h1>{t.gov_title}</h1>
        <p class="lead">{t.gov_intro}</p>
        <Suspense fallback=|| ()>
            {move || home.get().map(|r| match r {
                Ok(h) => view! { <GovernanceView h propose preview/> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

#[component]
fn ProposalList(items: Vec<ProposalSummary>, testid: &'static str) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    if items.is_empty() {
        return view! { <p class="muted">{t.gov_none}</p> }.into_any();
    }
    view! {
        <ul class="plain proposals" data-testid=testid>
            {items.into_iter().map(|p| view! {
                <li data-status=p.status.clone()>
                    <a href=format!("/governance/{}", p.id)>{p.title.clone()}</a>
                    <span class="muted">" · "{kind_name(t, &p.kind)}" · "{status_name(t, &p.status)}" · "{t.gov_closes}" "{moment(locale, p.closes_at)}</span>
                    {p.my_choice.clone().map(|c| view! { <span class="badge">{t.gov_you_voted}": "{choice_name(t, &c)}</span> })}
                    {p.result.map(|r| view! { <ResultLine result=r threshold=None/> })}
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The fee terms of the form: from the address (a preview asked for
/// them), else the rule in force.
fn terms_values(
    rule: &FeeRule,
    locale: Locale,
    q: &leptos_router::params::ParamsMap,
) -> Vec<(&'static str, String)> {
    let amount = |m: i64| Money::eur(m).format_input(locale);
    let pct = |bps: u32| percent_number(locale, bps);
    let opt = |m: Option<i64>| m.map(amount).unwrap_or_default();
    let defaults = [
        ("service_percent", pct(rule.service.percent_bps)),
        ("service_fixed", amount(rule.service.fixed_minor)),
        ("service_min", amount(rule.service.min_minor)),
        ("service_max", opt(rule.service.max_minor)),
        ("delivery_percent", pct(rule.delivery.percent_bps)),
        ("delivery_fixed", amount(rule.delivery.fixed_minor)),
        ("delivery_min", amount(rule.delivery.min_minor)),
        ("delivery_max", opt(rule.delivery.max_minor)),
    ];
    defaults
        .into_iter()
        .map(|(k, d)| (k, q.get(k).unwrap_or(d)))
        .collect()
}

/// The impact preview of the fee terms in the address, if any.
type Preview = Resource<Option<Result<ImpactView, AppError>>>;

#[component]
fn GovernanceView(
    h: GovernanceHome,
    propose: ServerAction<Propose>,
    preview: Preview,
) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let query = use_query_map();
    let (open, closed): (Vec<_>, Vec<_>) =
        h.proposals.into_iter().partition(|p| p.status == "open");
    let error: FormError = Signal::derive(move || propose.value().get().and_then(Result::err));
    let mut kinds = vec![
        (
            "fee_rule_change".to_owned(),
            t.kind_fee_rule_change.to_owned(),
        ),
        (
            "general_motion".to_owned(),
            t.kind_general_motion.to_owned(),
        ),
    ];
    if h.board {
        kinds.push(("platform_rule".to_owned(), t.kind_platform_rule.to_owned()));
    }
    let values = query.with_untracked(|q| terms_values(&h.current_rule, locale, q));
    let preview_error: FormError =
        Signal::derive(move || preview.get().flatten().and_then(Result::err));
    let value = |k: &str| {
        values
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let terms = |legend: &'static str, prefix: &'static str| {
        let name = |suffix: &str| -> &'static str {
            match (prefix, suffix) {
                ("service", "percent") => "service_percent",
                ("service", "fixed") => "service_fixed",
                ("service", "min") => "service_min",
                ("service", "max") => "service_max",
                (_, "percent") => "delivery_percent",
                (_, "fixed") => "delivery_fixed",
                (_, "min") => "delivery_min",
                _ => "delivery_max",
            }
        };
        view! {
            <fieldset>
                <legend>{legend}</legend>
                <Field error=preview_error name=name("percent") label=t.gov_percent autocomplete="off" value=value(name("percent"))/>
                <Field error=preview_error name=name("fixed") label=t.gov_fixed required=false autocomplete="off" value=value(name("fixed"))/>
                <Field error=preview_error name=name("min") label=t.gov_min required=false autocomplete="off" value=value(name("min"))/>
                <Field error=preview_error name=name("max") label=t.gov_max required=false autocomplete="off" value=value(name("max"))/>
            </fieldset>
        }
    };
    view! {
        <section class="card">
            <h2>{t.gov_open}</h2>
            <ProposalList items=open testid="open-proposals"/>
        </section>
        <section class="card">
            <h2>{t.gov_closed}</h2>
            <ProposalList items=closed testid="closed-proposals"/>
        </section>
        {h.board.then(|| view! { <p><a href="/board/audit">{t.audit_title}</a></p> })}
        <section class="card" id="vote-rules">
            <h2>{t.vr_title}</h2>
            <VoteRulesTable rules=h.vote_rules.clone() testid="vote-rules-now"/>
            <p><a href="/governance/vote-rules">{t.vr_propose}</a></p>
        </section>
        <section class="card narrow" id="new-proposal">
            <h2>{t.gov_new}</h2>
            <p class="muted">{t.gov_rule_now}" ("{t.gov_version}" "{h.current_version}")"</p>
            <RuleTable rule=h.current_rule.clone() testid="rule-now"/>
            <h3>{t.gov_step_terms}</h3>
            <p class="hint">{t.gov_fee_hint}</p>
            <form method="get" action="/governance#new-proposal" data-testid="preview-form">
                <FormMessage error=preview_error/>
                {terms(t.gov_services, "service")}
                {terms(t.gov_deliveries, "delivery")}
                <button type="submit" class="button button-secondary" data-testid="preview">{t.gov_preview}</button>
            </form>
            <Suspense fallback=|| ()>
                {move || preview.get().flatten().and_then(Result::ok).map(|i| view! { <ImpactTable i/> })}
            </Suspense>
            <h3>{t.gov_step_vote}</h3>
            <ActionForm action=propose>
                <FormMessage error/>
                <Select error name="kind" label=t.gov_kind options=kinds value="fee_rule_change"/>
                <Field error name="title" label=t.gov_field_title autocomplete="off"/>
                <TextArea error name="body" label=t.gov_field_body rows=4/>
                <Field error name="closes_on" label=t.gov_closes_on input_type="date"/>
                <Field error name="effective_on" label=t.gov_effective_on input_type="date" required=false hint=t.gov_effective_hint/>
                {values.iter().map(|(k, v)| view! { <input type="hidden" name=*k value=v.clone()/> }).collect_view()}
                <button type="submit" class="button" data-testid="propose">{t.gov_submit}</button>
            </ActionForm>
        </section>
    }
}

fn values_for_preview(query: Memo<leptos_router::params::ParamsMap>) -> Vec<String> {
    [
        "service_percent",
        "service_fixed",
        "service_min",
        "service_max",
        "delivery_percent",
        "delivery_fixed",
        "delivery_min",
        "delivery_max",
    ]
    .into_iter()
    .map(|k| query.with_untracked(|q| q.get(k)).unwrap_or_default())
    .collect()
}

/// The preview: totals, per category and for the median member, now and
/// under the proposed terms.
#[component]
fn ImpactTable(i: ImpactView) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let row = move |label: String, now: Money, proposed: Money| {
        view! {
            <tr><th scope="row">{label}</th><td class="num">{now.format(locale)}</td><td class="num">{proposed.format(locale)}</td></tr>
        }
    };
    view! {
        <section class="impact" data-testid="impact" aria-live="polite">
            <h4>{t.gov_impact}" ("{i.days}" "{t.gov_days}", "{i.lines}" "{t.gov_lines}")"</h4>
            <table class="ledger">
                <thead><tr><th scope="col"></th><th scope="col" class="num">{t.gov_rule_now}</th><th scope="col" class="num">{t.gov_rule_proposed}</th></tr></thead>
                <tbody>
                    {row(t.gov_impact_total.to_owned(), i.now, i.proposed)}
                    {i.categories.iter().map(|(name, n, p)| row(name.clone(), *n, *p)).collect_view()}
                    {i.median_member.map(|(n, p)| row(t.gov_impact_median.to_owned(), n, p))}
                </tbody>
            </table>
        </section>
    }
}

// ---------------------------------------------------------------------------
// Vote rules

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

/// A stored threshold's name (`two_thirds`, else simple majority).
fn threshold_of(t: &Strings, stored: &str) -> &'static str {
    threshold_name(t, Threshold::parse(stored).unwrap_or(Threshold::Majority))
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

/// `/governance/vote-rules`: the rules in force and the form proposing new
/// ones, started from those in force.
#[component]
pub fn VoteRulesPage() -> impl IntoView {
    let t = use_i18n();
    let action = ServerAction::<ProposeVoteRules>::new();
    let home = Resource::new(|| (), |_| load_governance());
    view! {
        <Title text=t.vr_title/>
        <h1>{t.vr_title}</h1>
        <p class="lead">{t.vr_intro}</p>
        <Suspense fallback=|| ()>
            {move || home.get().map(|r| match r {
                Ok(h) => view! { <VoteRulesForm rules=h.vote_rules version=h.vote_rules_version action/> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

#[component]
fn VoteRulesForm(
    rules: VoteRuleSet,
    version: i32,
    action: ServerAction<ProposeVoteRules>,
) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let error: FormError = Signal::derive(move || action.value().get().and_then(Result::err));
    let bodies: Vec<(String, String)> = [Body::Assembly, Body::Board]
        .map(|b| (b.as_str().to_owned(), voters_name(t, b).to_owned()))
        .into();
    let thresholds: Vec<(String, String)> = [Threshold::Majority, Threshold::TwoThirds]
        .map(|th| (th.as_str().to_owned(), threshold_name(t, th).to_owned()))
        .into();
    view! {
        <section class="card">
            <h2>{t.vr_now}</h2>
            {if version == 0 {
                view! { <p class="muted">{t.vr_statute}</p> }.into_any()
            } else {
                view! { <p class="muted">{t.gov_version}" "{version}</p> }.into_any()
            }}
            <VoteRulesTable rules=rules.clone() testid="vote-rules-now"/>
        </section>
        <section class="card narrow">
            <h2>{t.vr_propose}</h2>
            <ActionForm action>
                <FormMessage error/>
                <Field error name="title" label=t.gov_field_title autocomplete="off"/>
                <TextArea error name="body" label=t.gov_field_body rows=4/>
                <Field error name="closes_on" label=t.gov_closes_on input_type="date"/>
                {RULE_INPUTS.into_iter().map(|(kind, voters, quorum, threshold, min_days)| {
                    let r = rules.of(kind);
                    let q = percent_number(locale, r.quorum_bps);
                    let days = r.min_days_for(kind).to_string();
                    view! {
                        <fieldset data-kind=kind.as_str()>
                            <legend>{kind_name(t, kind.as_str())}</legend>
                            <Select error name=voters label=t.vr_voters options=bodies.clone() value=r.body.as_str()/>
                            <Field error name=quorum label=t.vr_quorum autocomplete="off" value=q/>
                            <Select error name=threshold label=t.vr_threshold options=thresholds.clone() value=r.threshold.as_str()/>
                            <Field error name=min_days label=t.vr_min_days input_type="number" autocomplete="off" value=days/>
                        </fieldset>
                    }
                }).collect_view()}
                <button type="submit" class="button" data-testid="propose-rules">{t.gov_submit}</button>
            </ActionForm>
        </section>
    }
}

// ---------------------------------------------------------------------------
// One proposal

#[component]
pub fn ProposalPage() -> impl IntoView {
    let id = path_id("id");
    let vote = ServerAction::<Vote>::new();
    let proposal = Resource::new(
        move || (id.get(), vote.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_proposal(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || proposal.get().map(|r| match r {
                Ok(p) => view! { <ProposalDetails p vote/> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

#[component]
fn ProposalDetails(p: ProposalView, vote: ServerAction<Vote>) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let error: FormError = Signal::derive(move || vote.value().get().and_then(Result::err));
    let id = p.id.to_string();
    let voters = voters_name(t, Body::parse(&p.voters).unwrap_or(Body::Assembly));
    let threshold = threshold_of(t, &p.threshold);
    let mine = p.my_choice.clone();
    let ballot = if p.can_vote {
        view! {
            <ActionForm action=vote attr:id="vote">
                <FormMessage error/>
                <input type="hidden" name="id" value=id.clone()/>
                <fieldset class="choices">
                    <legend>{t.gov_vote}</legend>
                    {["yes", "no", "abstain"].into_iter().map(|c| {
                        let input_id = format!("choice-{c}");
                        view! {
                            <label class="choice">
                                <input type="radio" id=input_id name="choice" value=c required=true checked=mine.as_deref() == Some(c)/>
                                {choice_name(t, c)}
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <p class="hint">{t.gov_vote_change}</p>
                <button type="submit" class="button" data-testid="vote">{t.gov_vote}</button>
            </ActionForm>
        }
        .into_any()
    } else if p.status == "open" && !p.i_am_eligible {
        view! { <p class="alert" data-testid="not-eligible">{t.gov_not_eligible}</p> }.into_any()
    } else if p.status == "open" {
        view! { <p class="alert">{t.gov_voting_closed}</p> }.into_any()
    } else {
        ().into_any()
    };
    view! {
        <Title text=p.title.clone()/>
        <article class="proposal" data-testid="proposal" data-status=p.status.clone()>
            <header>
                <p class="muted">{kind_name(t, &p.kind)}" · "{status_name(t, &p.status)}</p>
                <h1>{p.title.clone()}</h1>
                <p class="muted">{t.gov_proposed_by}" "{p.proposer.clone()}" · "{t.gov_closes}" "{moment(locale, p.closes_at)}</p>
            </header>
            <section class="card">
                <p class="prose">{p.body.clone()}</p>
                <p class="muted">{voters}" ("{p.eligible}" "{t.gov_eligible}") · "{t.gov_quorum}" "{percent(locale, p.quorum_bps)}" · "{threshold}</p>
            </section>
            {p.fee_rule.clone().map(|rule| view! {
                <FeeChange rule current=p.current_rule.clone() effective=p.effective_from enacted=p.enacted_version/>
            }.into_any())}
            {p.vote_rules.clone().map(|rules| view! {
                <section class="card" data-testid="vote-rules-change">
                    <h2>{t.vr_proposed}</h2>
                    <VoteRulesTable rules testid="vote-rules-proposed"/>
                    {p.enacted_version.map(|v| view! { <p class="alert" data-testid="enacted">{t.vr_enacted}" "{v}")."</p> })}
                    <h3>{t.vr_now}</h3>
                    <VoteRulesTable rules=p.current_vote_rules.clone()/>
                </section>
            }.into_any())}
            <section class="card" id="ballot">
                <h2>{t.gov_result}</h2>
                {match p.result {
                    Some(r) => view! { <ResultLine result=r threshold=Some(p.threshold.clone())/> }.into_any(),
                    None => view! { <p class="muted" data-testid="results-hidden">{t.gov_results_hidden}</p> }.into_any(),
                }}
                {p.my_choice.clone().map(|c| view! { <p data-testid="my-choice" data-choice=c.clone()>{t.gov_you_voted}": "<strong>{choice_name(t, &c)}</strong></p> })}
                {ballot}
            </section>
        </article>
    }
    .into_any()
}

#[component]
fn FeeChange(
    rule: FeeRule,
    current: Option<(i32, FeeRule)>,
    effective: Option<chrono::DateTime<chrono::Utc>>,
    enacted: Option<i32>,
) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    view! {
        <section class="card" data-testid="fee-change">
            <h2>{t.kind_fee_rule_change}</h2>
            <div class="compare">
                {current.map(|(v, now)| view! {
                    <div><h3>{t.gov_rule_now}" ("{t.gov_version}" "{v}")"</h3><RuleTable rule=now testid="rule-now"/></div>
                })}
                <div><h3>{t.gov_rule_proposed}</h3><RuleTable rule testid="rule-proposed"/></div>
            </div>
            {effective.map(|e| view! { <p>{t.gov_effective_on}" "{moment(locale, e)}</p> })}
            {enacted.map(|v| view! { <p class="alert alert-success" data-testid="enacted">{t.gov_enacted}" "{v}</p> })}
        </section>
    }
    .into_any()
}

// ---------------------------------------------------------------------------
// The audit log (board)

/// What an audit event's actor did, in the reader's language.
fn audit_action(t: &Strings, kind: &str) -> &'static str {
    match kind {
        "application_rejected" => t.au_application_rejected,
        "bank_line_handled" => t.au_bank_line_handled,
        "bank_statement_uploaded" => t.au_bank_statement_uploaded,
        "dispute_resolved" => t.au_dispute_resolved,
        "fee_rule_enacted" => t.au_fee_rule_enacted,
        "member_admitted" => t.au_member_admitted,
        "member_founded" => t.au_member_founded,
        "order_disputed" => t.au_order_disputed,
        "patronage_allocated" => t.au_patronage_allocated,
        "payout_batch" => t.au_payout_batch,
        "payout_iban_changed" => t.au_payout_iban_changed,
        "proposal_closed" => t.au_proposal_closed,
        "proposal_opened" => t.au_proposal_opened,
        "receivable_paid" => t.au_receivable_paid,
        "settings_changed" => t.au_settings_changed,
        "vote_rules_enacted" => t.au_vote_rules_enacted,
        _ => t.au_other,
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let t = use_i18n();
    let query = use_query_map();
    let log = Resource::new(
        move || query.with(|q| q.get("kind")),
        crate::api::governance::load_audit_log,
    );
    view! {
        <Title text=t.audit_title/>
        <h1>{t.audit_title}</h1>
        <Suspense fallback=|| ()>
            {move || log.get().map(|r| match r {
                Ok(l) => view! { <AuditView l/> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

#[component]
fn AuditView(l: crate::api::governance::AuditLog) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let selected = l.kind.clone().unwrap_or_default();
    view! {
        <form method="get" action="/board/audit" class="filters card">
            <label for="kind">{t.audit_kind}</label>
            <select id="kind" name="kind">
                <option value="" selected=selected.is_empty()>{t.audit_all}</option>
                {l.kinds.iter().map(|k| view! {
                    <option value=k.clone() selected=*k == selected>{audit_action(t, k)}</option>
                }).collect_view()}
            </select>
            <button type="submit" class="button button-secondary">{t.audit_filter}</button>
        </form>
        <section class="card">
            {if l.events.is_empty() {
                view! { <p class="muted">{t.audit_none}</p> }.into_any()
            } else {
                view! {
                    <table class="ledger" data-testid="audit">
                        <thead><tr><th scope="col">{t.audit_when}</th><th scope="col">{t.audit_who}</th><th scope="col">{t.audit_what}</th></tr></thead>
                        <tbody>
                            {l.events.iter().map(|e| view! {
                                <tr data-kind=e.kind.clone()>
                                    <td>{moment(locale, e.at)}</td>
                                    <td>{e.actor.clone().unwrap_or_else(|| t.audit_system.to_owned())}</td>
                                    <td>
                                        {audit_action(t, &e.kind)}
                                        {e.subject_label.clone().map(|label| match e.subject_href.clone() {
                                            Some(href) => view! { " "<a href=href>{label}</a> }.into_any(),
                                            None => view! { " "{label} }.into_any(),
                                        })}
                                        {(!e.detail.is_empty()).then(|| view! { <br/><span class="muted small">{e.detail.clone()}</span> })}
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

// ---------------------------------------------------------------------------
// Transparency

#[component]
pub fn TransparencyPage() -> impl IntoView {
    let t = use_i18n();
    let figures = Resource::new(|| (), |_| load_transparency());
    let mine = Resource::new(|| (), |_| crate::api::patronage::load_my_patronage());
    view! {
        <Title text=t.tr_title/>
        <h1>{t.tr_title}</h1>
        <p class="lead">{t.tr_intro}</p>
        <Suspense fallback=|| ()>
            {move || mine.get().and_then(Result::ok).flatten().map(|shares| view! { <MyPatronage shares/> })}
            {move || figures.get().map(|r| match r {
                Ok(f) => view! { <TransparencyView f/> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

/// A member's own patronage refunds, year by year, each with its statement.
#[component]
fn MyPatronage(shares: Vec<crate::api::patronage::MyShare>) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    view! {
        <section class="card" data-testid="my-patronage">
            <h2>{t.pat_yours}</h2>
            {if shares.is_empty() {
                view! { <p class="muted">{t.pat_none}</p> }.into_any()
            } else {
                view! {
                    <table class="ledger">
                        <thead><tr><th scope="col">{t.pat_year}</th><th scope="col" class="num">{t.pat_cash}</th><th scope="col" class="num">{t.pat_retained}</th></tr></thead>
                        <tbody>
                            {shares.iter().map(|s| view! {
                                <tr data-year=s.year.to_string()>
                                    <td><a href=format!("/earnings/patronage/{}", s.year)>{s.year}</a></td>
                                    <td class="num">{s.cash.format(locale)}</td>
                                    <td class="num">{s.retained.format(locale)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

/// Two bars per month (paid out to members, kept as fees) at the chart's
/// real proportions, with a value axis, month names and the year; the
/// table beside it carries the same numbers for screen readers and text
/// browsers.
#[component]
fn MonthChart(months: Vec<MonthFigures>) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let top = months
        .iter()
        .map(|m| m.fees.minor().max(m.paid_out.minor()))
        .max()
        .unwrap_or(0)
        .max(1);
    // Units of the drawing: bars 24 wide, 120 high, axis labels at the left.
    let (w, gap, h, left, bottom) = (24i64, 10i64, 120i64, 56i64, 30i64);
    let width = left + months.len() as i64 * (w + gap) + gap;
    // A figure above zero is always at least a line, so both series show.
    let bar = |v: i64| if v <= 0 { 0 } else { (v * h / top).max(2) };
    let currency = months
        .first()
        .map(|m| m.fees.currency())
        .unwrap_or(domain::money::Currency::Eur);
    let top_label = Money::new(top, currency).format(locale);
    let zero_label = Money::new(0, currency).format(locale);
    view! {
        <svg class="chart" role="img" aria-label=t.tr_chart_label viewBox=format!("0 0 {width} {}", h + bottom + 8) data-testid="month-chart">
            <line class="chart-axis" x1=left y1=8 x2=left y2=h + 8/>
            <line class="chart-axis" x1=left y1=h + 8 x2=width y2=h + 8/>
            <text x=left - 4 y=12 text-anchor="end" class="chart-label">{top_label}</text>
            <text x=left - 4 y=h + 8 text-anchor="end" class="chart-label">{zero_label}</text>
            {months.iter().enumerate().map(|(i, m)| {
                let x = left + gap + i as i64 * (w + gap);
                let (f, p) = (bar(m.fees.minor()), bar(m.paid_out.minor()));
                let (year, month0) = m
                    .month
                    .split_once('-')
                    .map(|(y, mm)| (y.to_owned(), mm.parse::<usize>().unwrap_or(1).saturating_sub(1)))
                    .unwrap_or_default();
                let show_year = i == 0 || month0 == 0;
                view! {
                    <g data-month=m.month.clone()>
                        <rect class="bar-paid" x=x y=h + 8 - p width=w / 2 height=p/>
                        <rect class="bar-fees" x=x + w / 2 y=h + 8 - f width=w / 2 height=f/>
                        <text x=x + w / 2 y=h + 20 text-anchor="middle" class="chart-label">{month_abbr(locale, month0)}</text>
                        {show_year.then(|| view! { <text x=x + w / 2 y=h + 32 text-anchor="middle" class="chart-label chart-year">{year}</text> })}
                    </g>
                }
            }).collect_view()}
        </svg>
        <p class="legend"><span class="key key-paid"></span>{t.tr_paid}" "<span class="key key-fees"></span>{t.tr_fees}</p>
    }
}

#[component]
fn TransparencyView(f: Transparency) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    view! {
        <section class="card" data-testid="fee-history">
            <h2>{t.tr_history}</h2>
            <ol class="plain versions">
                {f.versions.iter().map(|v| view! {
                    <li data-version=v.version data-active=v.active.to_string()>
                        <h3>{t.gov_version}" "{v.version}" · "{t.gov_effective_on}" "{moment(locale, v.effective_from)}
                            {v.active.then(|| view! { " " <span class="badge">{t.tr_active}</span> })}
                        </h3>
                        <RuleTable rule=v.rule.clone()/>
                        {match &v.proposal {
                            Some(p) => view! {
                                <p>{t.tr_by_vote}": "<a href=format!("/governance/{}", p.id)>{p.title.clone()}</a></p>
                                {p.result.map(|r| view! { <ResultLine result=r threshold=None/> })}
                            }.into_any(),
                            None => view! { <p class="muted">{t.tr_statute}</p> }.into_any(),
                        }}
                    </li>
                }).collect_view()}
            </ol>
        </section>
        <section class="card">
            <h2>{t.tr_months}</h2>
            <MonthChart months=f.months.clone()/>
            <table class="ledger" data-testid="months">
                <thead><tr><th scope="col">{t.tr_month}</th><th scope="col" class="num">{t.tr_fees}</th><th scope="col" class="num">{t.tr_paid}</th></tr></thead>
                <tbody>
                    {f.months.iter().map(|m| view! {
                        <tr><th scope="row">{format_month(locale, &m.month)}</th><td class="num">{m.fees.format(locale)}</td><td class="num">{m.paid_out.format(locale)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <section class="card">
            <h2>{t.tr_totals}</h2>
            <dl class="facts" data-testid="totals">
                <dt>{t.tr_fees}</dt><dd>{f.fees_total.format(locale)}</dd>
                <dt>{t.tr_paid}</dt><dd>{f.paid_out_total.format(locale)}</dd>
                <dt>{t.tr_processor}</dt><dd>{f.processor_fees_total.format(locale)}</dd>
                <dt>{t.tr_orders}</dt><dd>{f.completed_orders}</dd>
            </dl>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_carry_no_currency_sign() {
        let terms = FeeTerms {
            percent_bps: 800,
            fixed_minor: 0,
            min_minor: 50,
            max_minor: None,
        };
        assert_eq!(terms_text(Locale::It, &terms), "8 %, min 0,50\u{a0}€");
        assert_eq!(terms_text(Locale::En, &terms), "8%, min €0.50");
        assert_eq!(terms_text(Locale::Es, &terms), "8 %, min 0,50\u{a0}€");
        assert_eq!(percent(Locale::It, 650), "6,5 %");
        assert_eq!(percent(Locale::En, 1234), "12.34%");
        assert_eq!(percent_number(Locale::Es, 5), "0,05");
    }
}
