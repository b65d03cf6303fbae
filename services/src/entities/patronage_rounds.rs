//! One patronage refund per year: the surplus the board declared, the
//! statute's cash share, and the earnings it was allocated over.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "patronage_rounds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub year: i32,
    pub currency: String,
    pub surplus_minor: i64,
    pub cash_bps: i32,
    pub earnings_minor: i64,
    pub decided_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
