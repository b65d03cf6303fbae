//! `/board/audit`: the audit log in sentences, for the board.

use crate::components::format::moment;
use crate::components::listing::load_error;
use crate::i18n::{use_i18n, use_locale, Strings};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

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
