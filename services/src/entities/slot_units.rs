//! A quarter hour of a service booked by an order line; its key forbids
//! two bookings sharing any of their time.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "slot_units")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub listing_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub slot_date: Date,
    /// Minutes since midnight, a multiple of the unit.
    #[sea_orm(primary_key, auto_increment = false)]
    pub unit_start: i16,
    pub line_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
