//! A booked opening of a service listing; its key forbids double booking.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "slot_bookings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub listing_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub slot_date: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub slot_start: i16,
    pub line_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
