use crate::api::catalog::{list_categories, recent_listings};
use crate::api::coop::public_members;
use crate::components::listing::{class_name, ListingCardView};
use crate::i18n::{use_i18n, use_locale};
use domain::money::Money;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn HomePage() -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let members = Resource::new(|| (), |_| public_members());
    let categories = Resource::new(|| (), |_| list_categories());
    let recent = Resource::new(|| (), |_| recent_listings());
    // A worked example of the seeded fee rule (8 % on services).
    let price = Money::eur(5_000);
    let fee = Money::eur(400);
    view! {
        <Title text=""/>
        <section class="hero">
            <h1>{t.home_title}</h1>
            <p class="lead">{t.home_lead}</p>
            <form method="get" action="/search" class="hero-search" role="search">
                <label for="home-q" class="visually-hidden">{t.home_search_label}</label>
                <input id="home-q" type="search" name="q" placeholder=t.home_search_label/>
                <button type="submit" class="button">{t.submit_search}</button>
            </form>
            <p class="hero-actions">
                <a href="/join" class="button button-secondary">{t.home_cta_join}</a>
            </p>
        </section>
        <Suspense fallback=|| ()>
            {move || categories.get().and_then(Result::ok).map(|list| view! {
                <section class="card">
                    <h2>{t.home_categories}</h2>
                    <ul class="category-list" data-testid="categories">
                        {list.into_iter().map(|c| view! {
                            <li><a class="chip" href=format!("/search?category={}", c.slug)>{c.name}</a></li>
                        }).collect_view()}
                    </ul>
                </section>
            })}
            {move || recent.get().and_then(Result::ok).filter(|l| !l.is_empty()).map(|list| view! {
                <section>
                    <h2>{t.home_recent}</h2>
                    <ul class="listing-grid" data-testid="recent">
                        {list.into_iter().map(|card| view! { <ListingCardView card/> }).collect_view()}
                    </ul>
                </section>
            })}
        </Suspense>
        <section class="card">
            <h2>{t.home_how_title}</h2>
            <ol class="steps">
                <li>{t.home_how_1}</li>
                <li>{t.home_how_2}</li>
                <li>{t.home_how_3}</li>
            </ol>
            <p class="example" data-testid="fee-example">
                {t.home_example_price}" "<strong>{price.format(locale)}</strong>", "
                {t.home_example_fee}" "<strong>{fee.format(locale)}</strong>"."
            </p>
        </section>
        <section class="card">
            <h2>{t.home_members_title}</h2>
            <Suspense fallback=|| ()>
                {move || members.get().map(|r| match r {
                    Ok(list) => view! {
                        <p class="muted" data-testid="member-count">{t.home_stats_members.count(list.len() as u64)}</p>
                        <ul class="member-grid">
                            {list.into_iter().map(|m| view! {
                                <li class="member-card">
                                    <span class="avatar" aria-hidden="true">{m.display_name.chars().next().unwrap_or('?').to_string()}</span>
                                    <span class="member-name">{m.display_name.clone()}</span>
                                    <span class="badge">{class_name(t, &m.class, m.form)}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <p class="alert alert-error">{e.message(t)}</p> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
