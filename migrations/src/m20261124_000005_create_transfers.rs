//! Card-paid work paid out through Stripe Connect: whether a member's
//! connected account can receive transfers, and one transfer per provider
//! line of a completed card-paid order (owed when the order completes,
//! sent by the job runner).

use crate::schema::{fk, index};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PayoutAccounts {
    Table,
    StripeReady,
}

#[derive(DeriveIden)]
enum Transfers {
    Table,
    Id,
    OrderId,
    LineId,
    MemberId,
    Destination,
    AmountMinor,
    Currency,
    Status,
    ExternalId,
    CreatedAt,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(PayoutAccounts::Table)
                    .add_column(boolean(PayoutAccounts::StripeReady).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Transfers::Table)
                    .if_not_exists()
                    .col(pk_uuid(Transfers::Id))
                    .col(uuid(Transfers::OrderId))
                    .col(uuid(Transfers::LineId))
                    .col(uuid(Transfers::MemberId))
                    .col(string_len(Transfers::Destination, 255))
                    .col(big_integer(Transfers::AmountMinor))
                    .col(string_len(Transfers::Currency, 3))
                    .col(string_len(Transfers::Status, 16))
                    .col(string_len_null(Transfers::ExternalId, 255))
                    .col(timestamp_with_time_zone(Transfers::CreatedAt))
                    .col(timestamp_with_time_zone_null(Transfers::SentAt))
                    .foreign_key(&mut fk(
                        "fk_transfers_order",
                        (Transfers::Table, Transfers::OrderId),
                        (Orders::Table, Orders::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_transfers_line",
                        (Transfers::Table, Transfers::LineId),
                        (OrderLines::Table, OrderLines::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_transfers_member",
                        (Transfers::Table, Transfers::MemberId),
                        (Users::Table, Users::Id),
                    ))
                    .check(Expr::col(Transfers::AmountMinor).gt(0))
                    .check(Expr::col(Transfers::Status).is_in(["owed", "sent"]))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_transfers_line",
            Transfers::Table,
            vec![Transfers::LineId.into_iden()],
            true,
        )
        .await?;
        index(
            manager,
            "uq_transfers_external",
            Transfers::Table,
            vec![Transfers::ExternalId.into_iden()],
            true,
        )
        .await?;
        index(
            manager,
            "idx_transfers_status",
            Transfers::Table,
            vec![
                Transfers::Status.into_iden(),
                Transfers::CreatedAt.into_iden(),
            ],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Transfers::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PayoutAccounts::Table)
                    .drop_column(PayoutAccounts::StripeReady)
                    .to_owned(),
            )
            .await
    }
}
