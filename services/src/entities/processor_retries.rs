//! A call to the card processor that failed: when it is tried again, or
//! that it was set aside for the board.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "processor_retries")]
pub struct Model {
    /// What the call is, e.g. `refund:<order id>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub call_key: String,
    /// refund | transfer | fee | cancel | chargeback
    pub kind: String,
    pub order_id: Uuid,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub last_error: Option<String>,
    pub parked_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
    /// How often the board asked for it again: part of its idempotency
    /// key, so a refusal the processor remembers is not replayed.
    pub generation: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
