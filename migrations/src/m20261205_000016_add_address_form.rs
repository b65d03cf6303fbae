//! The grammatical form a person is addressed in ("Socia lavoratrice",
//! "Socio lavoratore", "Persona socia lavoratrice"): `f`, `m` or `n`,
//! neutral until they choose.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    AddressForm,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(string_len(Users::AddressForm, 1).default("n"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::AddressForm)
                    .to_owned(),
            )
            .await
    }
}
