//! Public catalog server functions: categories, zones, search, a listing's
//! page. Anyone may call them; only public data leaves the server.

use crate::error::AppError;
use leptos::prelude::*;
use uuid::Uuid;
pub use wire::catalog::*;

#[server(prefix = "/fn", endpoint = "categories")]
pub async fn list_categories() -> Result<Vec<Category>, AppError> {
    use crate::server::respond;
    use services::catalog;
    use services::fresh::Fresh;
    static CATEGORIES: Fresh<Vec<Category>> = Fresh::new();
    let state = respond::state()?;
    let locale = crate::i18n::request_locale();
    CATEGORIES
        .get(format!("{locale:?}"), || {
            catalog::categories(&state.db, locale)
        })
        .await
        .map(|c| c.to_vec())
        .map_err(respond::internal)
}

#[server(prefix = "/fn", endpoint = "zones")]
pub async fn list_zones() -> Result<Vec<Zone>, AppError> {
    use crate::server::respond;
    use services::catalog;
    use services::fresh::Fresh;
    static ZONES: Fresh<Vec<Zone>> = Fresh::new();
    let state = respond::state()?;
    ZONES
        .get(String::new(), || catalog::zones(&state.db))
        .await
        .map(|z| z.to_vec())
        .map_err(respond::internal)
}

/// Search as on `/search`: bad filters come back as field errors.
#[server(prefix = "/fn", endpoint = "search", input = server_fn::codec::GetUrl)]
pub async fn search_listings(params: SearchParams) -> Result<SearchPage, AppError> {
    use crate::server::respond;
    use services::search;
    let state = respond::state()?;
    let filter = search::parse(&params, search::PAGE_SIZE)
        .map_err(|fields| respond::fail(AppError::invalid(fields, &[])))?;
    search::cached(&state.db, &filter, crate::i18n::request_locale())
        .await
        .map_err(respond::internal)
}

/// The newest active listings, for the home page.
#[server(prefix = "/fn", endpoint = "recent")]
pub async fn recent_listings() -> Result<Vec<ListingCard>, AppError> {
    use crate::server::respond;
    use services::search;
    let state = respond::state()?;
    let filter = search::parse(&SearchParams::default(), 8)
        .map_err(|fields| respond::fail(AppError::invalid(fields, &[])))?;
    Ok(
        search::cached(&state.db, &filter, crate::i18n::request_locale())
            .await
            .map_err(respond::internal)?
            .items,
    )
}

/// A listing's page: 404 unless it is active and its provider an active
/// member, or the viewer owns it.
#[server(prefix = "/fn", endpoint = "listing")]
pub async fn listing_detail(id: Uuid) -> Result<ListingView, AppError> {
    use crate::server::{auth, respond};
    use services::fresh::Fresh;
    use services::listings;
    // As a visitor sees it (members may see their own drafts: never kept).
    static PUBLIC: Fresh<Option<ListingView>> = Fresh::new();
    let state = respond::state()?;
    let viewer = auth::viewer().await?;
    let locale = crate::i18n::request_locale();
    let now = state.clock.now().naive_utc();
    let view = match viewer {
        Some(v) => listings::read::detail(&state.db, Some(v.id), id, locale, now).await,
        None => PUBLIC
            .get(format!("{id}{locale:?}"), || {
                listings::read::detail(&state.db, None, id, locale, now)
            })
            .await
            .map(|v| v.as_ref().clone()),
    };
    view.map_err(respond::internal)?
        .ok_or_else(|| respond::fail(AppError::NotFound))
}

/// Active listings of one member, for their public profile.
#[server(prefix = "/fn", endpoint = "member-listings")]
pub async fn member_listings(id: Uuid) -> Result<Vec<ListingCard>, AppError> {
    use crate::server::respond;
    use services::search;
    let state = respond::state()?;
    search::by_provider(&state.db, id, crate::i18n::request_locale())
        .await
        .map_err(respond::internal)
}
