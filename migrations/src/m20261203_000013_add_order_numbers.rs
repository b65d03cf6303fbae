//! Orders get a human number per year (`2026-0042`), kept unique; the last
//! number given in each year lives in `order_numbers`. Orders placed
//! before this migration are numbered by when they were placed.

use crate::schema::index;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    Number,
}

#[derive(DeriveIden)]
enum OrderNumbers {
    Table,
    Year,
    Last,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(string_len_null(Orders::Number, 24))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrderNumbers::Table)
                    .if_not_exists()
                    .col(integer(OrderNumbers::Year).primary_key())
                    .col(big_integer(OrderNumbers::Last))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let number = match manager.get_database_backend() {
            DbBackend::Postgres => {
                "UPDATE orders SET number = n.y || '-' || lpad(n.rn::text, 4, '0') \
                 FROM (SELECT id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY') AS y, \
                 row_number() OVER (PARTITION BY to_char(created_at AT TIME ZONE 'UTC', 'YYYY') \
                 ORDER BY created_at, id) AS rn FROM orders) n WHERE n.id = orders.id"
            }
            _ => {
                "UPDATE orders SET number = (SELECT n.y || '-' || printf('%04d', n.rn) \
                 FROM (SELECT id, substr(created_at, 1, 4) AS y, \
                 row_number() OVER (PARTITION BY substr(created_at, 1, 4) \
                 ORDER BY created_at, id) AS rn FROM orders) n WHERE n.id = orders.id)"
            }
        };
        db.execute_unprepared(number).await?;
        db.execute_unprepared(
            "INSERT INTO order_numbers (year, last) \
             SELECT CAST(substr(number, 1, 4) AS INTEGER), COUNT(*) FROM orders \
             GROUP BY substr(number, 1, 4)",
        )
        .await?;
        index(
            manager,
            "idx_orders_number",
            Orders::Table,
            vec![Orders::Number.into_iden()],
            true,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_orders_number")
                    .table(Orders::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(OrderNumbers::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .drop_column(Orders::Number)
                    .to_owned(),
            )
            .await
    }
}
