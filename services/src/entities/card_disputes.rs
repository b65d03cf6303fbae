//! A card dispute (chargeback) as the card processor reports it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "card_disputes")]
pub struct Model {
    /// The processor's id (`dp_…`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub dispute_id: String,
    pub order_id: Uuid,
    pub payment_id: Uuid,
    pub amount_minor: i64,
    pub currency: String,
    /// The processor's status: needs_response, under_review, won, lost, …
    pub status: String,
    pub reason: Option<String>,
    pub opened_at: DateTimeUtc,
    pub closed_at: Option<DateTimeUtc>,
    /// When the loss of a lost dispute was booked against the order.
    pub booked_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
