//! `/governance`: open and closed proposals, and the form to open one with
//! the fee change's preview.

use super::{choice_name, kind_name, status_name, ResultLine, RuleTable, VoteRulesTable};
use crate::api::governance::{
    fee_preview, load_governance, GovernanceHome, ImpactView, ProposalSummary, Propose,
};
use crate::components::form::{Field, FormError, FormMessage, Select, TextArea};
use crate::components::format::{moment, percent_number};
use crate::components::listing::load_error;
use crate::error::AppError;
use crate::i18n::{use_i18n, use_locale, Locale};
use domain::fee::FeeRule;
use domain::money::Money;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

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
            <h4>{t.gov_impact}" ("{t.gov_days.count(i.days)}", "{t.gov_lines.count(i.lines)}")"</h4>
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
