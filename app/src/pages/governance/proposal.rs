//! `/governance/:id`: one proposal, its ballot and, once closed, its result.

use super::{
    choice_name, kind_name, status_name, threshold_name, voters_name, ResultLine, RuleTable,
    VoteRulesTable,
};
use crate::api::governance::{load_proposal, ProposalView, Vote};
use crate::components::form::{FormError, FormMessage};
use crate::components::format::{moment, percent};
use crate::components::listing::load_error;
use crate::error::AppError;
use crate::i18n::{use_i18n, use_locale};
use crate::pages::listing::path_id;
use domain::fee::FeeRule;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

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
    let voters = voters_name(t, p.voters);
    let threshold = threshold_name(t, p.threshold);
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
                <p class="muted">{voters}" ("{t.gov_eligible.count(p.eligible)}") · "{t.gov_quorum}" "{percent(locale, p.quorum_bps)}" · "{threshold}</p>
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
                    Some(r) => view! { <ResultLine result=r threshold=Some(p.threshold)/> }.into_any(),
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
