//! Public catalog server functions: categories, zones, search, a listing's
//! page. Anyone may call them; only public data leaves the server.

use crate::domain::availability::Opening;
use crate::domain::listing::{ListingKind, ListingStatus, PriceModel};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: Uuid,
    pub slug: String,
    /// In the viewer's language.
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Zone {
    pub id: Uuid,
    pub name: String,
    pub postcodes: String,
    pub latitude: f64,
    pub longitude: f64,
}

/// A listing as a search result or a card on the home page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingCard {
    pub id: Uuid,
    pub title: String,
    pub kind: ListingKind,
    pub category: String,
    pub category_name: String,
    pub price: PriceModel,
    /// Image id of the first picture, if any (`/images/{id}-thumb.jpg`).
    pub thumb: Option<Uuid>,
    pub provider_id: Uuid,
    pub provider_name: String,
    pub created_at: DateTime<Utc>,
}

/// The query string of `/search` (and `/api/v1/listings`), as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchParams {
    pub q: Option<String>,
    pub kind: Option<String>,
    pub category: Option<String>,
    pub zone: Option<String>,
    pub min: Option<String>,
    pub max: Option<String>,
    pub date: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchPage {
    pub items: Vec<ListingCard>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provider {
    pub id: Uuid,
    pub name: String,
    pub class: String,
    /// The grammatical form the member chose (for the class name).
    #[serde(default)]
    pub form: crate::domain::account::AddressForm,
    pub since: DateTime<Utc>,
    pub bio: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingView {
    pub card: ListingCard,
    pub description: String,
    pub status: ListingStatus,
    pub duration_minutes: Option<u16>,
    /// Done at the customer's place.
    pub at_customer: bool,
    pub zones: Vec<String>,
    pub images: Vec<Uuid>,
    pub openings: Vec<Opening>,
    pub provider: Provider,
    /// The viewer owns this listing (and may see it while not active).
    pub is_owner: bool,
}

#[server(prefix = "/fn", endpoint = "categories")]
pub async fn list_categories() -> Result<Vec<Category>, AppError> {
    use crate::server::fresh::Fresh;
    use crate::server::{catalog, respond};
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
    use crate::server::fresh::Fresh;
    use crate::server::{catalog, respond};
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
    use crate::server::{respond, search};
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
    use crate::server::{respond, search};
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
    use crate::server::fresh::Fresh;
    use crate::server::{auth, listings, respond};
    // As a visitor sees it (members may see their own drafts: never kept).
    static PUBLIC: Fresh<Option<ListingView>> = Fresh::new();
    let state = respond::state()?;
    let viewer = auth::viewer().await?;
    let locale = crate::i18n::request_locale();
    let now = chrono::Utc::now().naive_utc();
    let view = match viewer {
        Some(v) => listings::detail(&state.db, Some(v.id), id, locale, now).await,
        None => PUBLIC
            .get(format!("{id}{locale:?}"), || {
                listings::detail(&state.db, None, id, locale, now)
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
    use crate::server::{respond, search};
    let state = respond::state()?;
    search::by_provider(&state.db, id, crate::i18n::request_locale())
        .await
        .map_err(respond::internal)
}
