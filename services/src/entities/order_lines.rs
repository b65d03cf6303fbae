//! One provider's part of an order: a service at a slot or a delivery leg.

use sea_orm::entity::prelude::*;

use super::stored::Stored;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "order_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub position: i16,
    pub kind: Stored<domain::listing::ListingKind>,
    pub listing_id: Uuid,
    pub provider_id: Uuid,
    /// The listing's title when ordered.
    pub title: String,
    pub category_slug: String,
    pub status: Stored<domain::order::Status>,
    pub price_minor: i64,
    pub fee_minor: i64,
    pub net_minor: i64,
    pub hours: Option<i16>,
    pub slot_date: Option<Date>,
    pub slot_start: Option<i16>,
    pub slot_end: Option<i16>,
    /// A service at the customer's place: where, and how to get in.
    pub place_address: Option<String>,
    pub place_postcode: Option<String>,
    pub access_notes: Option<String>,
    pub pickup_address: Option<String>,
    pub pickup_postcode: Option<String>,
    pub pickup_zone_id: Option<Uuid>,
    pub pickup_lat: Option<f64>,
    pub pickup_lon: Option<f64>,
    pub dropoff_address: Option<String>,
    pub dropoff_postcode: Option<String>,
    pub dropoff_zone_id: Option<Uuid>,
    pub dropoff_lat: Option<f64>,
    pub dropoff_lon: Option<f64>,
    pub distance_km: Option<i32>,
    /// small | medium | large
    pub package_size: Option<String>,
    pub weight_kg: Option<i32>,
    pub window_start: Option<DateTimeUtc>,
    pub window_end: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::orders::Entity",
        from = "Column::OrderId",
        to = "super::orders::Column::Id"
    )]
    Order,
}

impl Related<super::orders::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Order.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
