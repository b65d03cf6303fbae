//! Mails that tell a customer their work is done are marked (`notice`), so
//! an order completes by itself only 48 hours after that mail went out.
//! Calls to the card processor that failed are remembered: when to try
//! again, and whether they were set aside for a person to look at.

use crate::schema::index;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EmailOutbox {
    Table,
    OrderId,
    Notice,
}

#[derive(DeriveIden)]
enum ProcessorRetries {
    Table,
    CallKey,
    Kind,
    OrderId,
    Attempts,
    NextAttemptAt,
    LastError,
    ParkedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(EmailOutbox::Table)
                    .add_column(string_len_null(EmailOutbox::Notice, 32))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_email_outbox_order_notice",
            EmailOutbox::Table,
            vec![
                EmailOutbox::OrderId.into_iden(),
                EmailOutbox::Notice.into_iden(),
            ],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProcessorRetries::Table)
                    .if_not_exists()
                    .col(string_len(ProcessorRetries::CallKey, 120).primary_key())
                    .col(string_len(ProcessorRetries::Kind, 16))
                    .col(uuid(ProcessorRetries::OrderId))
                    .col(integer(ProcessorRetries::Attempts).default(0))
                    .col(timestamp_with_time_zone(ProcessorRetries::NextAttemptAt))
                    .col(text_null(ProcessorRetries::LastError))
                    .col(timestamp_with_time_zone_null(ProcessorRetries::ParkedAt))
                    .col(timestamp_with_time_zone(ProcessorRetries::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProcessorRetries::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_email_outbox_order_notice")
                    .table(EmailOutbox::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(EmailOutbox::Table)
                    .drop_column(EmailOutbox::Notice)
                    .to_owned(),
            )
            .await
    }
}
