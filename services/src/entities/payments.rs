//! A customer payment for an order, as its provider reports it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub provider: String,
    /// pending, succeeded, failed (also: an unpaid order's intent, cancelled
    /// at the processor), refunded
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    /// The processor's id (a PaymentIntent); none for manual payments.
    pub external_id: Option<String>,
    pub confirmed_by: Option<Uuid>,
    pub processor_fee_minor: Option<i64>,
    pub refunded_minor: i64,
    /// What the processor says it has refunded of the charge in all (its
    /// `amount_refunded`), asked by Mutua or not.
    pub processor_refunded_minor: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
