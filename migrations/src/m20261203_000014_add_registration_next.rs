//! A registration remembers the page its person was on, so the mailed
//! link brings them back there once the account exists.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RegistrationRequests {
    Table,
    NextPath,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RegistrationRequests::Table)
                    .add_column(string_len_null(RegistrationRequests::NextPath, 1024))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(RegistrationRequests::Table)
                    .drop_column(RegistrationRequests::NextPath)
                    .to_owned(),
            )
            .await
    }
}
