//! Accounts, their sessions, and the two facts roles are derived from:
//! memberships and board seats.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    DisplayName,
    PasswordHash,
    Locale,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    Data,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    UserId,
    Status,
    Class,
    Shares,
    AppliedAt,
    AdmittedAt,
}

#[derive(DeriveIden)]
enum BoardSeats {
    Table,
    Id,
    UserId,
    StartedAt,
    EndedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(pk_uuid(Users::Id))
                    .col(string_uniq(Users::Email))
                    .col(string(Users::DisplayName))
                    .col(string(Users::PasswordHash))
                    .col(string_len(Users::Locale, 8))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .if_not_exists()
                    .col(string(Sessions::Id).primary_key())
                    .col(text(Sessions::Data))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_expires_at")
                    .table(Sessions::Table)
                    .col(Sessions::ExpiresAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .if_not_exists()
                    .col(pk_uuid(Memberships::Id))
                    .col(uuid_uniq(Memberships::UserId))
                    .col(string_len(Memberships::Status, 16))
                    .col(string_len(Memberships::Class, 16))
                    .col(integer(Memberships::Shares))
                    .col(timestamp_with_time_zone(Memberships::AppliedAt))
                    .col(timestamp_with_time_zone_null(Memberships::AdmittedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_memberships_user")
                            .from(Memberships::Table, Memberships::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .check(Expr::col(Memberships::Status).is_in([
                        "applicant",
                        "active",
                        "suspended",
                        "withdrawn",
                    ]))
                    .check(Expr::col(Memberships::Class).is_in(["worker", "user", "supporter"]))
                    .check(Expr::col(Memberships::Shares).gte(0))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(BoardSeats::Table)
                    .if_not_exists()
                    .col(pk_uuid(BoardSeats::Id))
                    .col(uuid(BoardSeats::UserId))
                    .col(timestamp_with_time_zone(BoardSeats::StartedAt))
                    .col(timestamp_with_time_zone_null(BoardSeats::EndedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_board_seats_user")
                            .from(BoardSeats::Table, BoardSeats::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_board_seats_user")
                    .table(BoardSeats::Table)
                    .col(BoardSeats::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            BoardSeats::Table.into_iden(),
            Memberships::Table.into_iden(),
            Sessions::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
