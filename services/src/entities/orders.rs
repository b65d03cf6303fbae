//! A customer's order: one or more lines, priced once with a pinned fee rule.

use sea_orm::entity::prelude::*;

use super::stored::Stored;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub customer_id: Uuid,
    pub status: Stored<domain::order::Status>,
    pub fee_rule_version: i32,
    pub currency: String,
    pub total_minor: i64,
    pub fee_minor: i64,
    /// How it is paid: `cash`, `bank` or `stripe` (`domain::order::Method`).
    pub payment_provider: String,
    pub idempotency_key: String,
    pub note: Option<String>,
    /// How a dispute was settled: `release` or `refund`.
    pub resolution: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub paid_at: Option<DateTimeUtc>,
    pub fulfilled_at: Option<DateTimeUtc>,
    /// When the order reached a final state.
    pub closed_at: Option<DateTimeUtc>,
    /// Bumped by every transition (optimistic concurrency).
    pub revision: i32,
    /// Cash orders: the member the customer pays (the courier on a
    /// composite order, else the provider).
    pub collector_id: Option<Uuid>,
    /// Bank and card orders: when an unpaid order expires.
    pub pay_by: Option<DateTimeUtc>,
    /// Bank orders: the structured creditor reference (ISO 11649) the
    /// customer writes on the transfer.
    pub payment_reference: Option<String>,
    /// When the customer was reminded to pay.
    pub reminded_at: Option<DateTimeUtc>,
    /// The human number, `2026-0042` (`domain::order_number`).
    pub number: String,
}

// Lines name their order (`order_lines::Relation::Order`); an order does
// not name its lines back, so the two entities do not depend on each other.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
