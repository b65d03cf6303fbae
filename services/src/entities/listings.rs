//! Services and deliveries offered by worker members.

use sea_orm::entity::prelude::*;

use super::stored::Stored;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "listings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub owner_id: Uuid,
    pub kind: Stored<domain::listing::ListingKind>,
    pub category_id: Uuid,
    pub title: String,
    pub description: String,
    /// fixed | hourly | distance
    pub price_model: String,
    pub currency: String,
    /// Fixed price, hourly rate or delivery base, in minor units.
    pub price_minor: i64,
    pub per_km_minor: Option<i64>,
    pub min_hours: Option<i32>,
    pub max_hours: Option<i32>,
    pub max_km: Option<i32>,
    pub duration_minutes: Option<i32>,
    /// A service done at the customer's place: its orders ask for the address.
    pub at_customer: bool,
    pub status: Stored<domain::listing::ListingStatus>,
    /// Normalised title and full text (`domain::search::normalize`).
    pub search_title: String,
    pub search_text: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::users::Entity",
        from = "Column::OwnerId",
        to = "super::users::Column::Id"
    )]
    Owner,
    #[sea_orm(
        belongs_to = "super::categories::Entity",
        from = "Column::CategoryId",
        to = "super::categories::Column::Id"
    )]
    Category,
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Owner.def()
    }
}

impl Related<super::categories::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Category.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

/// A listing's price model, read from its columns (`None` when they do not
/// make one).
pub fn price_of(row: &Model) -> Option<domain::listing::PriceModel> {
    domain::listing::PriceModel::from_columns(
        &row.price_model,
        domain::money::Currency::parse(&row.currency)?,
        row.price_minor,
        row.per_km_minor,
        row.min_hours,
        row.max_hours,
        row.max_km,
    )
}
