//! `/ledger/:id`: one ledger entry with its debits and credits.

use super::{account_kind_name, entry_kind_name};
use crate::api::money::{load_ledger_entry, EntryView};
use crate::components::format::moment;
use crate::components::listing::load_error;
use crate::error::AppError;
use crate::i18n::{use_i18n, use_locale};
use crate::pages::listing::path_id;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn LedgerEntryPage() -> impl IntoView {
    let id = path_id("id");
    let entry = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => load_ledger_entry(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || entry.get().map(|r| match r {
                Ok(e) => view! { <EntryDetails e/> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

#[component]
fn EntryDetails(e: EntryView) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    view! {
        <Title text=t.ledger_entry_title/>
        <article class="card" data-testid="ledger-entry" data-kind=e.kind.clone()>
            <h1>{t.ledger_entry_title}": "{entry_kind_name(t, &e.kind)}</h1>
            <p class="muted">{moment(locale, e.created_at)}" · "{t.ledger_key}" "<code>{e.key.clone()}</code></p>
            {e.order_id.map(|o| view! { <p><a href=format!("/orders/{o}")>{t.ledger_for_order}" "{e.order_number.clone().unwrap_or_default()}</a></p> })}
            {e.memo.clone().map(|m| view! { <p>{m}</p> })}
            {e.partial.then(|| view! { <p class="muted" data-testid="postings-partial">{t.ledger_partial}</p> })}
            <table class="entries" data-testid="postings">
                <thead><tr><th scope="col">{t.ledger_account}</th><th scope="col" class="num">{t.ledger_debit}</th><th scope="col" class="num">{t.ledger_credit}</th></tr></thead>
                <tbody>
                    {e.postings.iter().map(|p| view! {
                        <tr data-account=p.account_kind.clone()>
                            <td>
                                {account_kind_name(t, &p.account_kind)}
                                {p.member_name.clone().map(|n| format!(": {n}"))}
                                {p.line_title.clone().map(|l| view! { <span class="muted small">" · "{l}</span> })}
                            </td>
                            <td class="num">{p.debit.map(|m| m.format(locale))}</td>
                            <td class="num">{p.credit.map(|m| m.format(locale))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </article>
    }
    .into_any()
}
