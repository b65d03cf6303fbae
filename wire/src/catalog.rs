//! What pages show of the catalog: categories, zones, listing cards and
//! pages, search parameters and results.

use chrono::{DateTime, Utc};
use domain::availability::Opening;
use domain::listing::{ListingKind, ListingStatus, PriceModel};
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
    pub form: domain::account::AddressForm,
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
