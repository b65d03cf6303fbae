//! A booking takes its own time, not the whole opening: `slot_units` holds
//! each quarter hour a booked service line takes, and its key (listing, day,
//! unit) makes two overlapping bookings impossible under any concurrency.
//! Bookings made before keep the whole opening they took. Services done at
//! the customer's place say so (`listings.at_customer`), and their order
//! lines keep the address and the access notes.

use crate::schema::{fk, index};
use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SlotUnits {
    Table,
    ListingId,
    SlotDate,
    UnitStart,
    LineId,
}

#[derive(DeriveIden)]
enum SlotBookings {
    Table,
}

#[derive(DeriveIden)]
enum Listings {
    Table,
    Id,
    AtCustomer,
}

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    Id,
    PlaceAddress,
    PlacePostcode,
    AccessNotes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SlotUnits::Table)
                    .if_not_exists()
                    .col(uuid(SlotUnits::ListingId))
                    .col(date(SlotUnits::SlotDate))
                    .col(small_integer(SlotUnits::UnitStart))
                    .col(uuid(SlotUnits::LineId))
                    .primary_key(
                        Index::create()
                            .col(SlotUnits::ListingId)
                            .col(SlotUnits::SlotDate)
                            .col(SlotUnits::UnitStart),
                    )
                    .foreign_key(&mut fk(
                        "fk_slot_units_listing",
                        (SlotUnits::Table, SlotUnits::ListingId),
                        (Listings::Table, Listings::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_slot_units_line",
                        (SlotUnits::Table, SlotUnits::LineId),
                        (OrderLines::Table, OrderLines::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_slot_units_line",
            SlotUnits::Table,
            vec![SlotUnits::LineId.into_iden()],
            false,
        )
        .await?;
        // The same statement on both databases: every unit from the booking's
        // start to its line's end.
        manager
            .get_connection()
            .execute_unprepared(
                "WITH RECURSIVE u (listing_id, slot_date, unit_start, line_id, until) AS ( \
                 SELECT b.listing_id, b.slot_date, CAST((b.slot_start / 15) * 15 AS INTEGER), \
                 b.line_id, CAST(COALESCE(l.slot_end, b.slot_start + 15) AS INTEGER) \
                 FROM slot_bookings b JOIN order_lines l ON l.id = b.line_id \
                 UNION ALL SELECT listing_id, slot_date, unit_start + 15, line_id, until \
                 FROM u WHERE unit_start + 15 < until) \
                 INSERT INTO slot_units (listing_id, slot_date, unit_start, line_id) \
                 SELECT listing_id, slot_date, unit_start, line_id FROM u",
            )
            .await?;
        manager
            .drop_table(Table::drop().table(SlotBookings::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Listings::Table)
                    .add_column(boolean(Listings::AtCustomer).default(false))
                    .to_owned(),
            )
            .await?;
        for col in [OrderLines::PlaceAddress, OrderLines::PlacePostcode] {
            manager
                .alter_table(
                    Table::alter()
                        .table(OrderLines::Table)
                        .add_column(string_len_null(col, 200))
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(OrderLines::Table)
                    .add_column(text_null(OrderLines::AccessNotes))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Bookings in units cannot go back to one row per opening.
        Err(DbErr::Migration(
            "add_booking_units cannot be reverted".into(),
        ))
    }
}
