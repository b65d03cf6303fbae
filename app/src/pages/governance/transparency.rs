//! `/transparency`: the fee rules with the votes behind them, the months'
//! fees and payouts, the ledger's totals and a member's own patronage.

use super::{ResultLine, RuleTable};
use crate::api::governance::{load_transparency, MonthFigures, Transparency};
use crate::components::format::moment;
use crate::components::listing::load_error;
use crate::i18n::{format_month, month_abbr, use_i18n, use_locale};
use domain::money::Money;
use leptos::prelude::*;
use leptos_meta::Title;

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
