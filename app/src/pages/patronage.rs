//! Patronage refunds: the board's page (`/board/patronage`: allocate a
//! closed year's surplus, every round with every member's part) and a
//! member's statement (`/earnings/patronage/:year`).

use crate::api::patronage::{
    load_board_patronage, load_statement, AllocatePatronage, BoardPatronage, RoundView, Statement,
};
use crate::components::form::{Field, FormError, FormMessage};
use crate::components::format::moment;
use crate::components::format::percent;
use crate::components::listing::load_error;
use crate::error::AppError;
use crate::i18n::{use_i18n, use_locale};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn BoardPatronagePage() -> impl IntoView {
    let t = use_i18n();
    let allocate = ServerAction::<AllocatePatronage>::new();
    let data = Resource::new(move || allocate.version().get(), |_| load_board_patronage());
    view! {
        <Title text=t.pat_title/>
        <h1>{t.pat_title}</h1>
        <p class="lead">{t.pat_intro}</p>
        <Suspense fallback=|| ()>
            {move || data.get().map(|r| match r {
                Ok(b) => view! { <BoardPatronageView b allocate/> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

#[component]
fn BoardPatronageView(
    b: BoardPatronage,
    allocate: ServerAction<AllocatePatronage>,
) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let error: FormError = Signal::derive(move || allocate.value().get().and_then(Result::err));
    view! {
        <section class="card narrow" id="allocate">
            <h2>{t.pat_allocate}</h2>
            <dl class="facts">
                <dt>{t.pat_fees_held}</dt><dd data-testid="fees-held">{b.fee_revenue.format(locale)}</dd>
                <dt>{t.pat_last_year}" ("{b.last_year}")"</dt><dd data-testid="last-year-earnings">{b.last_year_earnings.format(locale)}</dd>
            </dl>
            <ActionForm action=allocate>
                <FormMessage error/>
                <Field error name="year" label=t.pat_year input_type="number" value=b.last_year.to_string() autocomplete="off"/>
                <Field error name="surplus" label=t.pat_surplus autocomplete="off"/>
                <Field error name="cash_percent" label=t.pat_cash_percent hint=t.pat_cash_hint autocomplete="off"/>
                <button type="submit" class="button" data-testid="allocate">{t.pat_allocate}</button>
            </ActionForm>
        </section>
        {if b.rounds.is_empty() {
            view! { <p class="muted card">{t.pat_none}</p> }.into_any()
        } else {
            b.rounds.into_iter().map(|r| view! { <RoundCard r/> }).collect_view().into_any()
        }}
    }
}

#[component]
fn RoundCard(r: RoundView) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    view! {
        <section class="card" id=format!("year-{}", r.year) data-testid="round" data-year=r.year.to_string()>
            <h2>{t.pat_year}" "{r.year}</h2>
            <p class="muted">
                {t.pat_surplus_label}": "<strong>{r.surplus.format(locale)}</strong>
                " · "{t.pat_members.count(r.members)}" · "{t.pat_cash}" "{percent(locale, r.cash_bps)}
                " · "{t.pat_decided}" "{r.decided_by.clone()}" "{t.pat_on}" "{moment(locale, r.created_at)}
            </p>
            <table class="entries" data-testid="shares">
                <thead><tr>
                    <th scope="col">{t.pat_member}</th>
                    <th scope="col" class="num">{t.pat_earnings}</th>
                    <th scope="col" class="num">{t.pat_cash}</th>
                    <th scope="col" class="num">{t.pat_retained}</th>
                    <th scope="col" class="num">{t.pat_total}</th>
                </tr></thead>
                <tbody>
                    {r.shares.iter().map(|s| view! {
                        <tr data-member=s.member_id.to_string()>
                            <td>{s.name.clone()}</td>
                            <td class="num">{s.earnings.format(locale)}</td>
                            <td class="num">{s.cash.format(locale)}</td>
                            <td class="num">{s.retained.format(locale)}</td>
                            <td class="num">{domain::money::Money::eur(s.cash.minor() + s.retained.minor()).format(locale)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
                <tfoot><tr>
                    <th scope="row">{t.pat_total}</th>
                    <td class="num">{r.earnings.format(locale)}</td>
                    <td></td><td></td>
                    <td class="num">{r.surplus.format(locale)}</td>
                </tr></tfoot>
            </table>
        </section>
    }
}

#[component]
pub fn StatementPage() -> impl IntoView {
    let params = use_params_map();
    let year =
        Memo::new(move |_| params.with(|p| p.get("year").and_then(|y| y.parse::<i32>().ok())));
    let statement = Resource::new(
        move || year.get(),
        |year| async move {
            match year {
                Some(y) => load_statement(y).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || statement.get().map(|r| match r {
                Ok(s) => view! { <StatementView s/> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

#[component]
fn StatementView(s: Statement) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let total = domain::money::Money::eur(s.cash.minor() + s.retained.minor());
    view! {
        <Title text=format!("{} {}", t.pat_statement, s.year)/>
        <h1>{t.pat_statement}" "{s.year}</h1>
        <p class="lead">{s.member.clone()}</p>
        <section class="card narrow" data-testid="statement">
            <dl class="facts">
                <dt>{t.pat_surplus_label}</dt><dd>{s.surplus.format(locale)}</dd>
                <dt>{t.pat_all_earnings}</dt><dd>{s.total_earnings.format(locale)}</dd>
                <dt>{t.pat_your_earnings}</dt><dd data-testid="my-earnings">{s.earnings.format(locale)}</dd>
                <dt>{t.pat_your_share}</dt><dd data-testid="my-share"><strong>{total.format(locale)}</strong></dd>
                <dt>{t.pat_cash}" ("{percent(locale, s.cash_bps)}")"</dt><dd data-testid="my-cash">{s.cash.format(locale)}</dd>
                <dt>{t.pat_retained}</dt><dd data-testid="my-retained">{s.retained.format(locale)}</dd>
            </dl>
            <p class="hint">{t.pat_cash_note}</p>
            {s.entry_id.map(|id| view! { <p><a href=format!("/ledger/{id}")>{t.pat_entry}</a></p> })}
        </section>
    }
}
