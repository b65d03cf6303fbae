//! The member's own listings (dashboard): only active worker members, only
//! their own listings. Someone else's listing answers 404, like a missing one.

// The listing form has eleven fields and a server function takes a form's
// fields as arguments.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::respond::IntoApp;
#[cfg(feature = "ssr")]
use domain::listing::{ListingInput, ListingStatus};
use leptos::prelude::*;
use uuid::Uuid;
pub use wire::listings::*;

#[cfg(feature = "ssr")]
pub(crate) mod imp {
    use crate::error::AppError;

    use crate::server::{auth, respond};
    use crate::viewer::{Role, Viewer};

    /// An active member of class `worker`: 401 for visitors, 403 for others.
    pub async fn require_worker() -> Result<Viewer, AppError> {
        let viewer = auth::require(Role::Member).await?;
        if viewer.is_worker() {
            Ok(viewer)
        } else {
            Err(respond::fail(AppError::Forbidden))
        }
    }
}

#[server(prefix = "/fn", endpoint = "my-listings")]
pub async fn my_listings() -> Result<Vec<MyListing>, AppError> {
    use crate::server::respond;
    use services::listings;
    let viewer = imp::require_worker().await?;
    let state = respond::state()?;
    listings::mine(&state.db, viewer.id, crate::i18n::request_locale())
        .await
        .map_err(respond::internal)
}

#[server(prefix = "/fn", endpoint = "listing-editor")]
pub async fn listing_editor(id: Uuid) -> Result<EditableListing, AppError> {
    use crate::server::respond;
    use services::listings;
    let viewer = imp::require_worker().await?;
    let state = respond::state()?;
    listings::editor(&state.db, viewer.id, id, crate::i18n::request_locale())
        .await
        .map_err(|e| e.into_app(&[]))
}

/// Saves the listing form: without `id` it creates a draft and opens its
/// edit page (pictures, zones, availability, publishing); with `id` it
/// updates that listing, if it is the viewer's.
#[server(prefix = "/fn", endpoint = "listing-save")]
pub async fn save_listing(
    #[server(default)] id: Option<Uuid>,
    kind: String,
    category: String,
    title: String,
    description: String,
    price_model: String,
    price: String,
    #[server(default)] per_km: String,
    #[server(default)] min_hours: String,
    #[server(default)] max_hours: String,
    #[server(default)] max_km: String,
    #[server(default)] duration_minutes: String,
    #[server(default)] at_customer: String,
) -> Result<(), AppError> {
    use crate::server::respond;
    use services::listings;
    let viewer = imp::require_worker().await?;
    let state = respond::state()?;
    if id.is_none() {
        crate::server::respond::rate_check(
            services::rate::Action::NewListing,
            &viewer.id.to_string(),
        )
        .await?;
    }
    let input = ListingInput {
        kind,
        category,
        title,
        description,
        price_model,
        price,
        per_km,
        min_hours,
        max_hours,
        max_km,
        duration_minutes,
        at_customer,
    };
    let refused = |e: services::service::ServiceError| e.into_app(&input.echo());
    match id {
        None => {
            let id = listings::create(&state.db, viewer.id, &input)
                .await
                .map_err(refused)?;
            tracing::info!(listing = %id, "listing created");
            leptos_axum::redirect(&format!("/dashboard/listings/{id}?saved=created"));
        }
        Some(id) => {
            listings::update(&state.db, viewer.id, id, &input)
                .await
                .map_err(refused)?;
            leptos_axum::redirect(&format!("/dashboard/listings/{id}?saved=details"));
        }
    }
    Ok(())
}

/// `status`: `active` (publish or resume), `paused` or `archived`.
#[server(prefix = "/fn", endpoint = "listing-status")]
pub async fn set_listing_status(id: Uuid, status: String) -> Result<(), AppError> {
    use crate::server::respond;
    use services::listings;
    let viewer = imp::require_worker().await?;
    let state = respond::state()?;
    let Some(next) = ListingStatus::parse(&status) else {
        return Err(respond::fail(AppError::Conflict));
    };
    listings::set_status(&state.db, viewer.id, id, next)
        .await
        .map_err(|e| e.into_app(&[]))?;
    leptos_axum::redirect(&format!("/dashboard/listings/{id}?saved=status"));
    Ok(())
}

#[server(prefix = "/fn", endpoint = "listing-slot-add")]
pub async fn add_slot(
    id: Uuid,
    weekday: String,
    start: String,
    end: String,
) -> Result<(), AppError> {
    use crate::server::respond;
    use services::listings;
    let viewer = imp::require_worker().await?;
    let state = respond::state()?;
    let echo = [
        ("weekday", weekday.as_str()),
        ("start", start.as_str()),
        ("end", end.as_str()),
    ];
    listings::parts::add_slot(&state.db, viewer.id, id, &weekday, &start, &end)
        .await
        .map_err(|e| e.into_app(&echo))?;
    leptos_axum::redirect(&format!(
        "/dashboard/listings/{id}?saved=availability#availability"
    ));
    Ok(())
}

#[server(prefix = "/fn", endpoint = "listing-closed-add")]
pub async fn add_closed(id: Uuid, closed_on: String) -> Result<(), AppError> {
    use crate::server::respond;
    use services::listings;
    let viewer = imp::require_worker().await?;
    let state = respond::state()?;
    listings::parts::add_closed(
        &state.db,
        viewer.id,
        id,
        &closed_on,
        state.clock.now().date_naive(),
    )
    .await
    .map_err(|e| e.into_app(&[("closed_on", closed_on.as_str())]))?;
    leptos_axum::redirect(&format!(
        "/dashboard/listings/{id}?saved=availability#availability"
    ));
    Ok(())
}

#[server(prefix = "/fn", endpoint = "listing-zone-add")]
pub async fn add_zone(id: Uuid, zone: String) -> Result<(), AppError> {
    use crate::server::respond;
    use services::listings;
    let viewer = imp::require_worker().await?;
    let state = respond::state()?;
    listings::parts::add_zone(&state.db, viewer.id, id, &zone)
        .await
        .map_err(|e| e.into_app(&[]))?;
    leptos_axum::redirect(&format!("/dashboard/listings/{id}?saved=zones#zones"));
    Ok(())
}

/// Removes one picture, weekly slot, closed day or zone of a listing.
#[server(prefix = "/fn", endpoint = "listing-part-remove")]
pub async fn remove_part(id: Uuid, part: ListingPart, item: Uuid) -> Result<(), AppError> {
    use crate::server::respond;
    use services::listings;
    let viewer = imp::require_worker().await?;
    let state = respond::state()?;
    listings::parts::remove_part(&state.db, &state.data_dir, viewer.id, id, part, item)
        .await
        .map_err(|e| e.into_app(&[]))?;
    leptos_axum::redirect(&format!(
        "/dashboard/listings/{id}?saved={section}#{section}",
        section = part.section()
    ));
    Ok(())
}
