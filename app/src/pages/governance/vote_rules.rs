//! `/governance/vote-rules`: who votes on what, quorum and majority, and
//! the proposal to change them.

use super::{kind_name, threshold_name, voters_name, VoteRulesTable, RULE_INPUTS};
use crate::api::governance::{load_governance, ProposeVoteRules};
use crate::components::form::{Field, FormError, FormMessage, Select, TextArea};
use crate::components::format::percent_number;
use crate::components::listing::load_error;
use crate::i18n::{use_i18n, use_locale};
use domain::governance::{Body, Threshold, VoteRuleSet};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

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
