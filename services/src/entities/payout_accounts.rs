//! Where a member is paid: bank account, and a Stripe connected account
//! (`stripe_ready` once Stripe says it can receive transfers).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "payout_accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: Uuid,
    pub holder_name: String,
    pub iban: Option<String>,
    pub stripe_account_id: Option<String>,
    pub stripe_ready: bool,
    pub updated_at: DateTimeUtc,
    /// When the IBAN last changed (payouts to it wait).
    pub iban_changed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
