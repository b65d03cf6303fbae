//! How listings look: price in words, the card in results, status badges,
//! and the one view of a failed load.

use crate::api::catalog::ListingCard;
use crate::error::AppError;
use crate::i18n::{use_i18n, use_locale, Locale, Strings};
use domain::account::AddressForm;
use domain::listing::{ListingKind, ListingStatus, PriceModel};
use leptos::prelude::*;

/// The price as a sentence fragment: `45,00 €`, `18,00 € all'ora`,
/// `3,00 € base + 0,80 € al km`.
pub fn price_text(t: &Strings, locale: Locale, price: &PriceModel) -> String {
    match price {
        PriceModel::Fixed { price } => price.format(locale),
        PriceModel::Hourly { rate, .. } => format!("{} {}", rate.format(locale), t.per_hour),
        PriceModel::Distance { base, per_km, .. } => format!(
            "{} {} + {} {}",
            base.format(locale),
            t.base_price,
            per_km.format(locale),
            t.per_km
        ),
    }
}

pub fn kind_name(t: &Strings, kind: ListingKind) -> &'static str {
    match kind {
        ListingKind::Service => t.kind_service,
        ListingKind::Delivery => t.kind_delivery,
    }
}

pub fn status_name(t: &Strings, status: ListingStatus) -> &'static str {
    match status {
        ListingStatus::Draft => t.status_draft,
        ListingStatus::Active => t.status_active,
        ListingStatus::Paused => t.status_paused,
        ListingStatus::Archived => t.status_archived,
    }
}

/// A member class's name, agreeing with the member's chosen form.
pub fn class_name(t: &Strings, class: &str, form: AddressForm) -> &'static str {
    match (class, form) {
        ("worker", AddressForm::Feminine) => t.class_worker_f,
        ("worker", AddressForm::Masculine) => t.class_worker,
        ("worker", AddressForm::Neutral) => t.class_worker_n,
        ("user", AddressForm::Feminine) => t.class_user_f,
        ("user", AddressForm::Masculine) => t.class_user,
        ("user", AddressForm::Neutral) => t.class_user_n,
        (_, AddressForm::Feminine) => t.class_supporter_f,
        (_, AddressForm::Masculine) => t.class_supporter,
        (_, AddressForm::Neutral) => t.class_supporter_n,
    }
}

pub fn thumb_url(id: uuid::Uuid) -> String {
    wire::picture::url(id, wire::picture::Variant::Thumb)
}

pub fn display_url(id: uuid::Uuid) -> String {
    wire::picture::url(id, wire::picture::Variant::Display)
}

#[component]
pub fn ListingCardView(card: ListingCard) -> impl IntoView {
    let t = use_i18n();
    let locale = use_locale();
    let href = format!("/listings/{}", card.id);
    view! {
        <li class="listing-card">
            {match card.thumb {
                Some(img) => view! { <img src=thumb_url(img) alt="" width="480" height="360" loading="lazy"/> }.into_any(),
                None => view! { <div class="thumb-placeholder" aria-hidden="true">{card.category_name.chars().next().unwrap_or('·').to_string()}</div> }.into_any(),
            }}
            <div class="listing-card-body">
                <h3><a href=href class="listing-link">{card.title.clone()}</a></h3>
                <p class="muted">{kind_name(t, card.kind)}" · "{card.category_name.clone()}</p>
                <p class="price" data-testid="price">{price_text(t, locale, &card.price)}</p>
                <p class="provider">{t.listing_provider}" "{card.provider_name.clone()}</p>
            </div>
        </li>
    }
}

/// Whether the viewer may open a page, from the viewer already loaded for
/// the header: `Unauthorized` for visitors, `Forbidden` when `allowed` says
/// no; `None` while loading. The server functions behind the page check again.
pub fn viewer_allowed(
    allowed: impl Fn(&crate::viewer::Viewer) -> bool,
) -> Option<Result<(), AppError>> {
    crate::components::layout::use_viewer()
        .and_then(|v| v.get())
        .map(|r| match r {
            Ok(Some(v)) if allowed(&v) => Ok(()),
            Ok(Some(_)) => Err(AppError::Forbidden),
            Ok(None) => Err(AppError::Unauthorized),
            Err(e) => Err(e),
        })
}

/// What a page shows when its data did not load: a login redirect for
/// visitors, a real 404/403 status during server rendering, or the message.
pub fn load_error(e: AppError) -> AnyView {
    let t = use_i18n();
    match e {
        AppError::Unauthorized => {
            crate::pages::account::redirect_to_login();
            view! { <p><a href="/login">{t.nav_login}</a></p> }.into_any()
        }
        AppError::NotFound => view! { <crate::pages::not_found::NotFound/> }.into_any(),
        AppError::Forbidden => {
            #[cfg(feature = "ssr")]
            if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                res.set_status(http::StatusCode::FORBIDDEN);
            }
            view! { <section class="card narrow"><p class="alert alert-error" data-testid="forbidden">{t.err_forbidden}</p></section> }.into_any()
        }
        other => view! { <p class="alert alert-error">{other.message(t)}</p> }.into_any(),
    }
}
