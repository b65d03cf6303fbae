//! Board-only catalog management: delivery zones and categories.

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::server::respond::IntoApp;
use leptos::prelude::*;

#[server(prefix = "/fn", endpoint = "zone-add")]
pub async fn add_zone(
    name: String,
    postcodes: String,
    latitude: String,
    longitude: String,
) -> Result<(), AppError> {
    use crate::server::{auth, respond};
    use services::catalog;
    auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    let echo = [
        ("name", name.as_str()),
        ("postcodes", postcodes.as_str()),
        ("latitude", latitude.as_str()),
        ("longitude", longitude.as_str()),
    ];
    catalog::add_zone(
        &state.db,
        catalog::NewZone {
            name: &name,
            postcodes: &postcodes,
            latitude: &latitude,
            longitude: &longitude,
        },
    )
    .await
    .map_err(|e| e.into_app(&echo))?;
    leptos_axum::redirect("/board/catalog?saved=zone");
    Ok(())
}

#[server(prefix = "/fn", endpoint = "category-add")]
pub async fn add_category(
    slug: String,
    name_it: String,
    name_en: String,
    name_es: String,
) -> Result<(), AppError> {
    use crate::server::{auth, respond};
    use services::catalog;
    auth::require(crate::viewer::Role::Board).await?;
    let state = respond::state()?;
    let echo = [
        ("slug", slug.as_str()),
        ("name_it", name_it.as_str()),
        ("name_en", name_en.as_str()),
        ("name_es", name_es.as_str()),
    ];
    catalog::add_category(
        &state.db,
        catalog::NewCategory {
            slug: &slug,
            name_it: &name_it,
            name_en: &name_en,
            name_es: &name_es,
        },
    )
    .await
    .map_err(|e| e.into_app(&echo))?;
    leptos_axum::redirect("/board/catalog?saved=category");
    Ok(())
}
