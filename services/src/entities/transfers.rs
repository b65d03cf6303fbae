//! A provider line of a card-paid order paid out through Stripe Connect:
//! `owed` when the order completes, `sent` once Stripe made the transfer.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "transfers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub line_id: Uuid,
    pub member_id: Uuid,
    /// The member's connected account.
    pub destination: String,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub external_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
