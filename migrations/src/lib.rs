//! Mutua's schema. Migrations never import the live entities, so they keep
//! compiling while the application's models change.

use sea_orm_migration::prelude::*;
pub use sea_orm_migration::MigratorTrait;

mod m20261123_000001_create_accounts;
mod m20261123_000002_create_catalog;
mod m20261123_000003_create_orders;
mod m20261123_000004_create_ledger;
mod m20261124_000005_create_transfers;
mod m20261124_000006_create_governance;
mod m20261124_000007_create_patronage;
mod m20261201_000008_add_payment_methods;
mod m20261202_000009_add_bank_statements;
mod m20261202_000010_add_work_notices;
mod m20261202_000011_add_card_disputes;
mod m20261203_000012_add_registration_requests;
mod m20261203_000013_add_order_numbers;
mod m20261203_000014_add_registration_next;
mod m20261204_000015_add_booking_units;
mod m20261205_000016_add_address_form;
mod schema;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_accounts::Migration),
            Box::new(m20261123_000002_create_catalog::Migration),
            Box::new(m20261123_000003_create_orders::Migration),
            Box::new(m20261123_000004_create_ledger::Migration),
            Box::new(m20261124_000005_create_transfers::Migration),
            Box::new(m20261124_000006_create_governance::Migration),
            Box::new(m20261124_000007_create_patronage::Migration),
            Box::new(m20261201_000008_add_payment_methods::Migration),
            Box::new(m20261202_000009_add_bank_statements::Migration),
            Box::new(m20261202_000010_add_work_notices::Migration),
            Box::new(m20261202_000011_add_card_disputes::Migration),
            Box::new(m20261203_000012_add_registration_requests::Migration),
            Box::new(m20261203_000013_add_order_numbers::Migration),
            Box::new(m20261203_000014_add_registration_next::Migration),
            Box::new(m20261204_000015_add_booking_units::Migration),
            Box::new(m20261205_000016_add_address_form::Migration),
        ]
    }
}
