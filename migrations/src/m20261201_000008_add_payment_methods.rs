//! Payment methods told apart: cash to the member who does the work (a
//! `placed` order, worked on before it is paid; the collector is stored),
//! a bank transfer to the cooperative (a deadline and a unique payment
//! reference) or a card. The ledger gains the entries that settle a
//! member's cash: `collection`, `netting` and `receivable_paid`. Orders
//! paid `manual` before were money held by the cooperative: they become
//! `bank`.

use crate::m20261123_000003_create_orders::STATUSES;
use crate::m20261124_000007_create_patronage::ENTRY_KINDS;
use crate::schema::index;
use crate::schema::widen_check;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    CollectorId,
    PayBy,
    PaymentReference,
    RemindedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut statuses = STATUSES.to_vec();
        statuses.push("placed");
        widen_check(manager, "orders", "status", &statuses, 1).await?;
        widen_check(manager, "order_lines", "status", &statuses, 1).await?;
        let mut kinds = ENTRY_KINDS.to_vec();
        kinds.extend(["collection", "netting", "receivable_paid"]);
        widen_check(manager, "ledger_entries", "kind", &kinds, 3).await?;
        // SQLite adds one column per statement.
        for mut col in [
            uuid_null(Orders::CollectorId),
            timestamp_with_time_zone_null(Orders::PayBy),
            string_len_null(Orders::PaymentReference, 32),
            timestamp_with_time_zone_null(Orders::RemindedAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Orders::Table)
                        .add_column(&mut col)
                        .to_owned(),
                )
                .await?;
        }
        index(
            manager,
            "uq_orders_payment_reference",
            Orders::Table,
            vec![Orders::PaymentReference.into_iden()],
            true,
        )
        .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE orders SET payment_provider = 'bank' WHERE payment_provider = 'manual'",
        )
        .await?;
        db.execute_unprepared("UPDATE payments SET provider = 'bank' WHERE provider = 'manual'")
            .await?;
        Ok(())
    }
}
