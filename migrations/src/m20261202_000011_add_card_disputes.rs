//! Card disputes (chargebacks) as the card processor reports them, and
//! refunds it made that Mutua did not ask for: what it took back from the
//! cooperative's balance, what it gave back, and whether the loss of a
//! lost dispute was booked. A call tried again by the board gets a new
//! generation (its idempotency key changes, so a refusal is not replayed).
//! The ledger gains `dispute_funds` and `clawback` entries.

use crate::m20261124_000007_create_patronage::ENTRY_KINDS;
use crate::schema::widen_check;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CardDisputes {
    Table,
    DisputeId,
    OrderId,
    PaymentId,
    AmountMinor,
    Currency,
    Status,
    Reason,
    OpenedAt,
    ClosedAt,
    BookedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    ProcessorRefundedMinor,
}

#[derive(DeriveIden)]
enum ProcessorRetries {
    Table,
    Generation,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut kinds = ENTRY_KINDS.to_vec();
        kinds.extend([
            "collection",
            "netting",
            "receivable_paid",
            "dispute_funds",
            "clawback",
        ]);
        widen_check(manager, "ledger_entries", "kind", &kinds, 2).await?;
        manager
            .create_table(
                Table::create()
                    .table(CardDisputes::Table)
                    .if_not_exists()
                    .col(string_len(CardDisputes::DisputeId, 255).primary_key())
                    .col(uuid(CardDisputes::OrderId))
                    .col(uuid(CardDisputes::PaymentId))
                    .col(big_integer(CardDisputes::AmountMinor))
                    .col(string_len(CardDisputes::Currency, 3))
                    .col(string_len(CardDisputes::Status, 32))
                    .col(string_len_null(CardDisputes::Reason, 64))
                    .col(timestamp_with_time_zone(CardDisputes::OpenedAt))
                    .col(timestamp_with_time_zone_null(CardDisputes::ClosedAt))
                    .col(timestamp_with_time_zone_null(CardDisputes::BookedAt))
                    .col(timestamp_with_time_zone(CardDisputes::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Payments::Table)
                    .add_column(big_integer(Payments::ProcessorRefundedMinor).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(ProcessorRetries::Table)
                    .add_column(integer(ProcessorRetries::Generation).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ProcessorRetries::Table)
                    .drop_column(ProcessorRetries::Generation)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Payments::Table)
                    .drop_column(Payments::ProcessorRefundedMinor)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(CardDisputes::Table).to_owned())
            .await
    }
}
