//! `/listings/{id}`: pictures, description, price explained, provider card,
//! next openings and the order button.

use crate::api::catalog::{listing_detail, ListingView};
use crate::components::listing::{
    class_name, display_url, kind_name, load_error, price_text, status_name,
};
use crate::error::AppError;
use crate::i18n::{format_date, use_i18n, use_locale};
use domain::availability::format_time;
use domain::listing::{paragraphs, ListingStatus, PriceModel};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

/// The id in the path, or `None` when it is not a UUID (the page is then a 404).
pub fn path_id(name: &'static str) -> Memo<Option<Uuid>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get(name).and_then(|s| Uuid::parse_str(&s).ok())))
}

#[component]
pub fn ListingPage() -> impl IntoView {
    let id = path_id("id");
    let listing = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => listing_detail(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=|| ()>
            {move || listing.get().map(|r| match r {
                Ok(l) => view! { <ListingDetails listing=l/> }.into_any(),
                Err(e) => load_error(e),
            })}
        </Suspense>
    }
}

#[component]
fn ListingDetails(listing: ListingView) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let card = listing.card.clone();
    let explanation = match card.price {
        PriceModel::Fixed { .. } => None,
        PriceModel::Hourly {
            min_hours,
            max_hours,
            ..
        } => Some(format!("{}: {min_hours}–{max_hours}", t.hours_range)),
        PriceModel::Distance { max_km, .. } => Some(format!("{}: {max_km} km", t.max_distance)),
    };
    let provider = listing.provider.clone();
    let profile = format!("/members/{}", provider.id);
    view! {
        <Title text=card.title.clone()/>
        <article class="listing-page">
            {(listing.status != ListingStatus::Active).then(|| view! {
                <p class="alert alert-info" role="status">{t.listing_not_public}" ("{status_name(t, listing.status)}")"</p>
            })}
            <header class="listing-head">
                <p class="muted">{kind_name(t, card.kind)}" · "<a href=format!("/search?category={}", card.category)>{card.category_name.clone()}</a></p>
                <h1>{card.title.clone()}</h1>
            </header>
            // On a phone the price, the next openings and "Order" come
            // first; on a desktop they stand beside the pictures.
            <div class="listing-columns">
                <aside class="listing-side">
                    <section class="card price-card">
                        <h2>{t.listing_price}</h2>
                        <p class="price price-big" data-testid="price">{price_text(t, locale, &card.price)}</p>
                        {explanation.map(|e| view! { <p class="muted">{e}</p> })}
                        {listing.duration_minutes.map(|d| view! { <p class="muted">{t.duration}": "{d}" "{t.minutes}</p> })}
                        {listing.at_customer.then(|| view! { <p class="muted" data-testid="at-customer">{t.listing_at_customer}</p> })}
                        {(!listing.is_owner && listing.status == ListingStatus::Active).then(|| view! {
                            <a class="button button-wide" href=format!("/listings/{}/order", card.id) data-testid="order-link">{t.listing_order}</a>
                        })}
                    </section>
                    <section class="card">
                        <h2>{t.listing_next_slots}</h2>
                        {if listing.openings.is_empty() {
                            view! { <p class="muted">{t.listing_no_slots}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="openings" data-testid="openings">
                                    {listing.openings.iter().map(|o| view! {
                                        <li>
                                            <time datetime=o.date.to_string()>{t.weekdays[domain::availability::weekday_of(o.date) as usize]}" "{format_date(locale, o.date)}</time>
                                            " "{format_time(o.start)}"–"{format_time(o.end)}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                    <section class="card provider-card" data-testid="provider">
                        <h2>{t.listing_provider}</h2>
                        <p><a href=profile>{provider.name.clone()}</a></p>
                        <p><span class="badge">{class_name(t, &provider.class, provider.form)}</span></p>
                        <p class="muted">{t.member_since}" "{format_date(locale, provider.since.date_naive())}</p>
                        {provider.bio.clone().map(|b| view! { <p>{b}</p> })}
                    </section>
                    {listing.is_owner.then(|| view! {
                        <p><a class="button button-secondary" href=format!("/dashboard/listings/{}", card.id)>{t.action_edit}</a></p>
                    })}
                </aside>
                <div class="listing-main">
                    {(!listing.images.is_empty()).then(|| view! {
                        <div class="gallery">
                            {listing.images.iter().enumerate().map(|(i, img)| view! {
                                <img src=display_url(*img) alt=format!("{} {}", t.image_alt, i + 1) loading=if i == 0 { "eager" } else { "lazy" }/>
                            }).collect_view()}
                        </div>
                    })}
                    <section class="card description" data-testid="description">
                        {paragraphs(&listing.description).into_iter().map(|p| view! { <p>{p}</p> }).collect_view()}
                    </section>
                    {(!listing.zones.is_empty()).then(|| view! {
                        <section class="card">
                            <h2>{t.listing_zones_served}</h2>
                            <p>{listing.zones.join(", ")}</p>
                        </section>
                    })}
                </div>
            </div>
        </article>
    }
}
