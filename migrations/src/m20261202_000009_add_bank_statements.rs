//! Bank statements read by Mutua: one row per credited line of an uploaded
//! camt.053 statement (unique per the bank's own entry reference, so the
//! same statement uploaded twice confirms nothing twice), with what Mutua
//! made of it. Payout accounts remember when their IBAN last changed:
//! payouts to a new IBAN wait. Proposals remember when their voters were
//! reminded. Login attempts are counted here, shared by every app server.

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
enum PayoutAccounts {
    Table,
    IbanChangedAt,
}

#[derive(DeriveIden)]
enum LoginCounters {
    Table,
    CounterKey,
    WindowStart,
    Hits,
}

#[derive(DeriveIden)]
enum Proposals {
    Table,
    RemindedAt,
}

#[derive(DeriveIden)]
enum BankStatementLines {
    Table,
    Id,
    EntryKey,
    StatementId,
    BookedOn,
    AmountMinor,
    Currency,
    Reference,
    Debtor,
    OrderId,
    Outcome,
    UploadedBy,
    CreatedAt,
    HandledBy,
    HandledAt,
}

/// What Mutua made of a credited line.
pub(crate) const OUTCOMES: [&str; 7] = [
    "confirmed",
    "unknown",
    "partial",
    "excess",
    "not_payable",
    "party",
    "currency",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BankStatementLines::Table)
                    .if_not_exists()
                    .col(pk_uuid(BankStatementLines::Id))
                    .col(string_len(BankStatementLines::EntryKey, 255))
                    .col(string_len(BankStatementLines::StatementId, 64))
                    .col(date_null(BankStatementLines::BookedOn))
                    .col(big_integer(BankStatementLines::AmountMinor))
                    .col(string_len(BankStatementLines::Currency, 3))
                    .col(string_len_null(BankStatementLines::Reference, 140))
                    .col(string_len_null(BankStatementLines::Debtor, 140))
                    .col(uuid_null(BankStatementLines::OrderId))
                    .col(string_len(BankStatementLines::Outcome, 16))
                    .col(uuid(BankStatementLines::UploadedBy))
                    .col(timestamp_with_time_zone(BankStatementLines::CreatedAt))
                    .col(uuid_null(BankStatementLines::HandledBy))
                    .col(timestamp_with_time_zone_null(BankStatementLines::HandledAt))
                    .foreign_key(&mut fk(
                        "fk_bank_statement_lines_order",
                        (BankStatementLines::Table, BankStatementLines::OrderId),
                        (Orders::Table, Orders::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_bank_statement_lines_uploader",
                        (BankStatementLines::Table, BankStatementLines::UploadedBy),
                        (Users::Table, Users::Id),
                    ))
                    .check(Expr::col(BankStatementLines::AmountMinor).gt(0))
                    .check(Expr::col(BankStatementLines::Outcome).is_in(OUTCOMES))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_bank_statement_lines_entry",
            BankStatementLines::Table,
            vec![BankStatementLines::EntryKey.into_iden()],
            true,
        )
        .await?;
        index(
            manager,
            "idx_bank_statement_lines_open",
            BankStatementLines::Table,
            vec![
                BankStatementLines::HandledAt.into_iden(),
                BankStatementLines::CreatedAt.into_iden(),
            ],
            false,
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PayoutAccounts::Table)
                    .add_column(timestamp_with_time_zone_null(PayoutAccounts::IbanChangedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Proposals::Table)
                    .add_column(timestamp_with_time_zone_null(Proposals::RemindedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginCounters::Table)
                    .if_not_exists()
                    .col(string_len(LoginCounters::CounterKey, 320).primary_key())
                    .col(timestamp_with_time_zone(LoginCounters::WindowStart))
                    .col(integer(LoginCounters::Hits))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LoginCounters::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Proposals::Table)
                    .drop_column(Proposals::RemindedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PayoutAccounts::Table)
                    .drop_column(PayoutAccounts::IbanChangedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(BankStatementLines::Table).to_owned())
            .await
    }
}
