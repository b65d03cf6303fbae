//! Registrations waiting for their address to be confirmed. An account is
//! created only when the link mailed to the address is opened, so the
//! registration form answers the same whether or not the address already
//! has an account. Only a hash of the link's token is kept.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RegistrationRequests {
    Table,
    Id,
    Email,
    DisplayName,
    PasswordHash,
    Locale,
    TokenHash,
    CreatedAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RegistrationRequests::Table)
                    .if_not_exists()
                    .col(uuid(RegistrationRequests::Id).primary_key())
                    .col(string(RegistrationRequests::Email))
                    .col(string(RegistrationRequests::DisplayName))
                    .col(string(RegistrationRequests::PasswordHash))
                    .col(string_len(RegistrationRequests::Locale, 8))
                    .col(string_len_uniq(RegistrationRequests::TokenHash, 64))
                    .col(timestamp_with_time_zone(RegistrationRequests::CreatedAt))
                    .col(timestamp_with_time_zone(RegistrationRequests::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_registration_requests_email")
                    .table(RegistrationRequests::Table)
                    .col(RegistrationRequests::Email)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RegistrationRequests::Table).to_owned())
            .await
    }
}
