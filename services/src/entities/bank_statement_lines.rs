//! A credited line of an uploaded camt.053 bank statement and what Mutua
//! made of it (`outcome`); lines not confirmed wait for a board member
//! until someone marks them handled.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "bank_statement_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The bank's reference of the entry (unique per account).
    pub entry_key: String,
    pub statement_id: String,
    pub booked_on: Option<Date>,
    pub amount_minor: i64,
    pub currency: String,
    pub reference: Option<String>,
    pub debtor: Option<String>,
    pub order_id: Option<Uuid>,
    pub outcome: String,
    pub uploaded_by: Uuid,
    pub created_at: DateTimeUtc,
    pub handled_by: Option<Uuid>,
    pub handled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
