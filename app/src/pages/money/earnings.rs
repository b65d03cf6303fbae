//! `/earnings`: pending, available and paid-out money with the entries
//! behind each figure, the month's statement, and where to be paid.

use super::EntryTable;
use crate::api::money::{load_earnings, Earnings, SavePayoutAccount};
use crate::components::form::{Field, FormError, FormMessage};
use crate::components::listing::load_error;
use crate::i18n::{format_month, use_i18n, use_locale};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn EarningsPage() -> impl IntoView {
    let t = use_i18n();
    let query = use_query_map();
    let save = ServerAction::<SavePayoutAccount>::new();
    // Only a save that went through changes the figures: a refused one
    // keeps the form (and its errors) where it is, rather than rebuilding
    // it while its own submit is still settling.
    let saves = Memo::new(move |prev: Option<&usize>| {
        if save.value().with(|v| matches!(v, Some(Ok(_)))) {
            save.version().get()
        } else {
            prev.copied().unwrap_or(0)
        }
    });
    let earnings = Resource::new(
        move || {
            (
                query.with(|q| q.get("month")),
                query.with(|q| q.get("show")),
                saves.get(),
            )
        },
        |(month, show, _)| load_earnings(month, show),
    );
    // Made here, not in the view the resource rebuilds: a save refetches
    // the page's figures and replaces the form, and what its old fields
    // still read must outlive them.
    let error: FormError = Signal::derive(move || save.value().get().and_then(Result::err));
    let just_saved = Signal::derive(move || save.value().get().is_some_and(|r| r.is_ok()));
    view! {
        <Title text=t.earnings_title/>
        <h1>{t.earnings_title}</h1>
        <Suspense fallback=|| ()>
            {move || earnings.get().map(|r| match r {
                Ok(e) => view! { <EarningsView e save error just_saved/> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

#[component]
fn EarningsView(
    e: Earnings,
    save: ServerAction<SavePayoutAccount>,
    error: FormError,
    just_saved: Signal<bool>,
) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let month = e.month.clone();
    let figure = |label: &'static str, amount: String, show: &'static str| {
        view! {
            <a class="figure card" href=format!("/earnings?show={show}#detail") data-testid=format!("earnings-{show}")>
                <span class="figure-label">{label}</span>
                <strong class="figure-value">{amount}</strong>
            </a>
        }
    };
    let detail = match e.show.as_deref() {
        Some("pending") => Some(view! {
            <section class="card" id="detail">
                <h2>{t.earnings_pending_list}</h2>
                <ul class="plain">
                    {e.pending_lines.iter().map(|l| view! {
                        <li><span class="order-number">{l.order_number.clone()}</span>" "<a href=format!("/orders/{}", l.order_id)>{l.title.clone()}</a>" · "{l.net.format(locale)}</li>
                    }).collect_view()}
                </ul>
            </section>
        }.into_any()),
        Some(_) => Some(view! {
            <section class="card" id="detail">
                <h2>{t.earnings_entries}</h2>
                <EntryTable entries=e.detail.clone() testid="earnings-detail"/>
            </section>
        }.into_any()),
        None => None,
    };
    view! {
        <div class="figures">
            {figure(t.earnings_pending, e.pending.format(locale), "pending")}
            {figure(t.earnings_available, e.available.format(locale), "available")}
            {figure(t.earnings_paid_out, e.paid_out.format(locale), "paid")}
        </div>
        {(e.owed_to_coop.minor() > 0).then(|| view! {
            <p class="alert" data-testid="earnings-owed">{t.earnings_owed}": "{e.owed_to_coop.format(locale)}</p>
        })}
        {detail}
        <section class="card" id="statement">
            <h2>{t.earnings_statement}" · "<span data-testid="statement-month">{format_month(locale, &month)}</span></h2>
            <form method="get" action="/earnings" class="filters">
                <label for="month">{t.earnings_month}</label>
                <input id="month" name="month" type="month" value=month.clone()/>
                <button type="submit" class="button button-secondary">{t.earnings_show}</button>
                <a href=format!("/earnings/statement.csv?month={month}") download="" data-testid="statement-csv">{t.earnings_csv}</a>
            </form>
            {if e.statement.is_empty() {
                view! { <p class="muted">{t.earnings_none}</p> }.into_any()
            } else {
                view! {
                    <EntryTable entries=e.statement.clone() testid="statement"/>
                    <p class="num"><strong>{t.earnings_month_total}": "<span data-testid="month-total">{e.month_total.format(locale)}</span></strong></p>
                }.into_any()
            }}
        </section>
        <PayoutDetails account=e.account.clone() save error just_saved/>
        {e.connect.clone().map(|c| view! { <StripeConnect standing=c/> })}
    }
    .into_any()
}

/// Where the member's Stripe connected account stands, and the way to
/// Stripe's onboarding (a plain form: Stripe's page is another site).
#[component]
fn StripeConnect(standing: String) -> impl IntoView {
    let t = use_i18n();
    let (text, button) = match standing.as_str() {
        "ready" => (t.connect_ready, None),
        "pending" => (t.connect_pending, Some(t.connect_continue)),
        _ => (t.connect_none, Some(t.connect_start)),
    };
    view! {
        <section class="card narrow" id="stripe-connect" data-testid="stripe-connect" data-standing=standing>
            <h2>{t.connect_title}</h2>
            <p>{text}</p>
            {button.map(|label| view! {
                <form method="post" action="/fn/payout-connect">
                    <button type="submit" class="button" data-testid="connect-start">{label}</button>
                </form>
            })}
        </section>
    }
}

#[component]
fn PayoutDetails(
    account: Option<crate::api::money::PayoutAccountView>,
    save: ServerAction<SavePayoutAccount>,
    error: FormError,
    just_saved: Signal<bool>,
) -> impl IntoView {
    let t = use_i18n();
    let query = use_query_map();
    let saved = move || query.with(|q| q.get("saved").is_some()) || just_saved.get();
    let holder = account.as_ref().map(|a| a.holder_name.clone());
    view! {
        <section class="card narrow" id="payout-details">
            <h2>{t.payout_details}</h2>
            {match &account {
                Some(a) => view! { <p data-testid="payout-current">{t.payout_current}": "{a.holder_name.clone()}" · "<code>{a.iban_masked.clone()}</code></p> }.into_any(),
                None => view! { <p class="alert" data-testid="payout-none">{t.payout_none}</p> }.into_any(),
            }}
            {move || saved().then(|| view! { <p class="alert alert-success" role="status">{t.payout_saved}</p> })}
            <ActionForm action=save>
                <FormMessage error/>
                <Field error name="holder" label=t.payout_holder autocomplete="name" value=holder.unwrap_or_default()/>
                <Field error name="iban" label=t.payout_iban autocomplete="off"/>
                <Field error name="password" label=t.field_current_password input_type="password" autocomplete="current-password" hint=t.payout_password_hint/>
                <button type="submit" class="button" data-testid="payout-save">{t.save}</button>
            </ActionForm>
        </section>
    }
}
