//! Money: the double-entry ledger (accounts, entries, postings), payments,
//! processor webhooks, members' payout accounts and payout batches.
//! Ledger, webhook and payout rows are history: append-only on both
//! databases.

use crate::schema::{append_only, fk, index};
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
enum LedgerAccounts {
    Table,
    Code,
    Kind,
    MemberId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LedgerEntries {
    Table,
    Id,
    IdempotencyKey,
    Kind,
    Currency,
    OrderId,
    PayoutId,
    ActorId,
    Memo,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LedgerPostings {
    Table,
    Id,
    EntryId,
    AccountCode,
    AmountMinor,
    LineId,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    OrderId,
    Provider,
    Status,
    AmountMinor,
    Currency,
    ExternalId,
    ConfirmedBy,
    ProcessorFeeMinor,
    RefundedMinor,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Provider,
    EventId,
    EventType,
    OrderId,
    Outcome,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum PayoutAccounts {
    Table,
    MemberId,
    HolderName,
    Iban,
    StripeAccountId,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PayoutBatches {
    Table,
    Id,
    PeriodEnd,
    ExecutionDate,
    Currency,
    TotalMinor,
    Count,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Payouts {
    Table,
    Id,
    BatchId,
    MemberId,
    AmountMinor,
    Currency,
    HolderName,
    Iban,
    CreatedAt,
}

const ENTRY_KINDS: [&str; 6] = [
    "payment",
    "completion",
    "refund",
    "refund_paid",
    "processor_fee",
    "payout",
];

const APPEND_ONLY: [&str; 6] = [
    "ledger_accounts",
    "ledger_entries",
    "ledger_postings",
    "webhook_events",
    "payout_batches",
    "payouts",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LedgerAccounts::Table)
                    .if_not_exists()
                    .col(string_len(LedgerAccounts::Code, 80).primary_key())
                    .col(string_len(LedgerAccounts::Kind, 32))
                    .col(uuid_null(LedgerAccounts::MemberId))
                    .col(timestamp_with_time_zone(LedgerAccounts::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_ledger_accounts_member",
                        (LedgerAccounts::Table, LedgerAccounts::MemberId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PayoutBatches::Table)
                    .if_not_exists()
                    .col(pk_uuid(PayoutBatches::Id))
                    .col(date(PayoutBatches::PeriodEnd))
                    .col(date(PayoutBatches::ExecutionDate))
                    .col(string_len(PayoutBatches::Currency, 3))
                    .col(big_integer(PayoutBatches::TotalMinor))
                    .col(integer(PayoutBatches::Count))
                    .col(uuid(PayoutBatches::CreatedBy))
                    .col(timestamp_with_time_zone(PayoutBatches::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_payout_batches_creator",
                        (PayoutBatches::Table, PayoutBatches::CreatedBy),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Payouts::Table)
                    .if_not_exists()
                    .col(pk_uuid(Payouts::Id))
                    .col(uuid(Payouts::BatchId))
                    .col(uuid(Payouts::MemberId))
                    .col(big_integer(Payouts::AmountMinor))
                    .col(string_len(Payouts::Currency, 3))
                    .col(string_len(Payouts::HolderName, 140))
                    .col(string_len(Payouts::Iban, 34))
                    .col(timestamp_with_time_zone(Payouts::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_payouts_batch",
                        (Payouts::Table, Payouts::BatchId),
                        (PayoutBatches::Table, PayoutBatches::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_payouts_member",
                        (Payouts::Table, Payouts::MemberId),
                        (Users::Table, Users::Id),
                    ))
                    .check(Expr::col(Payouts::AmountMinor).gt(0))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_payouts_batch_member",
            Payouts::Table,
            vec![Payouts::BatchId.into_iden(), Payouts::MemberId.into_iden()],
            true,
        )
        .await?;
        index(
            manager,
            "idx_payouts_member",
            Payouts::Table,
            vec![
                Payouts::MemberId.into_iden(),
                Payouts::CreatedAt.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(LedgerEntries::Table)
                    .if_not_exists()
                    .col(pk_uuid(LedgerEntries::Id))
                    .col(string_len_uniq(LedgerEntries::IdempotencyKey, 120))
                    .col(string_len(LedgerEntries::Kind, 20))
                    .col(string_len(LedgerEntries::Currency, 3))
                    .col(uuid_null(LedgerEntries::OrderId))
                    .col(uuid_null(LedgerEntries::PayoutId))
                    .col(uuid_null(LedgerEntries::ActorId))
                    .col(text_null(LedgerEntries::Memo))
                    .col(timestamp_with_time_zone(LedgerEntries::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_ledger_entries_order",
                        (LedgerEntries::Table, LedgerEntries::OrderId),
                        (Orders::Table, Orders::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_ledger_entries_payout",
                        (LedgerEntries::Table, LedgerEntries::PayoutId),
                        (Payouts::Table, Payouts::Id),
                    ))
                    .check(Expr::col(LedgerEntries::Kind).is_in(ENTRY_KINDS))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_ledger_entries_order",
            LedgerEntries::Table,
            vec![LedgerEntries::OrderId.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            "idx_ledger_entries_created",
            LedgerEntries::Table,
            vec![LedgerEntries::CreatedAt.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(LedgerPostings::Table)
                    .if_not_exists()
                    .col(pk_uuid(LedgerPostings::Id))
                    .col(uuid(LedgerPostings::EntryId))
                    .col(string_len(LedgerPostings::AccountCode, 80))
                    // Signed: debit positive, credit negative.
                    .col(big_integer(LedgerPostings::AmountMinor))
                    .col(uuid_null(LedgerPostings::LineId))
                    .foreign_key(&mut fk(
                        "fk_ledger_postings_entry",
                        (LedgerPostings::Table, LedgerPostings::EntryId),
                        (LedgerEntries::Table, LedgerEntries::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_ledger_postings_account",
                        (LedgerPostings::Table, LedgerPostings::AccountCode),
                        (LedgerAccounts::Table, LedgerAccounts::Code),
                    ))
                    .foreign_key(&mut fk(
                        "fk_ledger_postings_line",
                        (LedgerPostings::Table, LedgerPostings::LineId),
                        (OrderLines::Table, OrderLines::Id),
                    ))
                    .check(Expr::col(LedgerPostings::AmountMinor).ne(0))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_ledger_postings_entry",
            LedgerPostings::Table,
            vec![LedgerPostings::EntryId.into_iden()],
            false,
        )
        .await?;
        index(
            manager,
            "idx_ledger_postings_account",
            LedgerPostings::Table,
            vec![
                LedgerPostings::AccountCode.into_iden(),
                LedgerPostings::EntryId.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Payments::Table)
                    .if_not_exists()
                    .col(pk_uuid(Payments::Id))
                    .col(uuid(Payments::OrderId))
                    .col(string_len(Payments::Provider, 16))
                    .col(string_len(Payments::Status, 24))
                    .col(big_integer(Payments::AmountMinor))
                    .col(string_len(Payments::Currency, 3))
                    .col(string_len_null(Payments::ExternalId, 255))
                    .col(uuid_null(Payments::ConfirmedBy))
                    .col(big_integer_null(Payments::ProcessorFeeMinor))
                    .col(big_integer(Payments::RefundedMinor).default(0))
                    .col(timestamp_with_time_zone(Payments::CreatedAt))
                    .col(timestamp_with_time_zone(Payments::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_payments_order",
                        (Payments::Table, Payments::OrderId),
                        (Orders::Table, Orders::Id),
                    ))
                    .check(Expr::col(Payments::Status).is_in([
                        "pending",
                        "succeeded",
                        "failed",
                        "refunded",
                    ]))
                    .to_owned(),
            )
            .await?;
        // One payment per order and provider; the processor's id is unique.
        index(
            manager,
            "uq_payments_order_provider",
            Payments::Table,
            vec![
                Payments::OrderId.into_iden(),
                Payments::Provider.into_iden(),
            ],
            true,
        )
        .await?;
        index(
            manager,
            "uq_payments_external",
            Payments::Table,
            vec![Payments::ExternalId.into_iden()],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebhookEvents::Table)
                    .if_not_exists()
                    .col(string_len(WebhookEvents::Provider, 16))
                    .col(string_len(WebhookEvents::EventId, 255))
                    .col(string_len(WebhookEvents::EventType, 100))
                    .col(uuid_null(WebhookEvents::OrderId))
                    .col(string_len(WebhookEvents::Outcome, 32))
                    .col(timestamp_with_time_zone(WebhookEvents::ReceivedAt))
                    .primary_key(
                        Index::create()
                            .col(WebhookEvents::Provider)
                            .col(WebhookEvents::EventId),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PayoutAccounts::Table)
                    .if_not_exists()
                    .col(pk_uuid(PayoutAccounts::MemberId))
                    .col(string_len(PayoutAccounts::HolderName, 140))
                    .col(string_len_null(PayoutAccounts::Iban, 34))
                    .col(string_len_null(PayoutAccounts::StripeAccountId, 255))
                    .col(timestamp_with_time_zone(PayoutAccounts::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_payout_accounts_member",
                        (PayoutAccounts::Table, PayoutAccounts::MemberId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        for table in APPEND_ONLY {
            append_only(manager, table).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PayoutAccounts::Table.into_iden(),
            WebhookEvents::Table.into_iden(),
            Payments::Table.into_iden(),
            LedgerPostings::Table.into_iden(),
            LedgerEntries::Table.into_iden(),
            Payouts::Table.into_iden(),
            PayoutBatches::Table.into_iden(),
            LedgerAccounts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
