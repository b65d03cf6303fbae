//! The catalog: coop settings, membership decisions and bios, categories,
//! zones, listings with their images, zones served and availability.

use crate::schema::{fk, fk_cascade};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Bio,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Motivation,
}

#[derive(DeriveIden)]
enum MembershipDecisions {
    Table,
    Id,
    UserId,
    Decision,
    Class,
    Shares,
    Motivation,
    Reason,
    DecidedBy,
    DecidedAt,
}

#[derive(DeriveIden)]
enum CoopSettings {
    Table,
    Key,
    Value,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
    Slug,
    NameIt,
    NameEn,
    NameEs,
    Position,
}

#[derive(DeriveIden)]
enum Zones {
    Table,
    Id,
    Name,
    Postcodes,
    Latitude,
    Longitude,
}

#[derive(DeriveIden)]
enum Listings {
    Table,
    Id,
    OwnerId,
    Kind,
    CategoryId,
    Title,
    Description,
    PriceModel,
    Currency,
    PriceMinor,
    PerKmMinor,
    MinHours,
    MaxHours,
    MaxKm,
    DurationMinutes,
    Status,
    SearchTitle,
    SearchText,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ListingZones {
    Table,
    ListingId,
    ZoneId,
}

#[derive(DeriveIden)]
enum ListingImages {
    Table,
    Id,
    ListingId,
    Position,
    Width,
    Height,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AvailabilitySlots {
    Table,
    Id,
    ListingId,
    Weekday,
    StartMinute,
    EndMinute,
}

#[derive(DeriveIden)]
enum AvailabilityExceptions {
    Table,
    Id,
    ListingId,
    ClosedOn,
}

/// The categories every cooperative starts with; the board can add more.
const CATEGORIES: [(&str, &str, &str, &str); 6] = [
    ("pulizie", "Pulizie", "Cleaning", "Limpieza"),
    ("riparazioni", "Riparazioni", "Repairs", "Reparaciones"),
    (
        "cura-persona",
        "Cura della persona",
        "Personal care",
        "Cuidado de personas",
    ),
    ("sartoria", "Sartoria", "Tailoring", "Sastrería"),
    ("artigianato", "Artigianato", "Crafts", "Artesanía"),
    ("consegne", "Consegne", "Deliveries", "Entregas"),
];
/// Fixed ids for the seeded categories (UUIDv8-shaped constants), so every
/// installation names them alike.
const CATEGORY_ID_BASE: u128 = 0x0193_0000_0000_8000_8000_0000_0000_0001;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(text_null(Users::Bio))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Memberships::Table)
                    .add_column(text_null(Memberships::Motivation))
                    .to_owned(),
            )
            .await?;

        // Every admission and rejection, kept as the register's history.
        manager
            .create_table(
                Table::create()
                    .table(MembershipDecisions::Table)
                    .if_not_exists()
                    .col(pk_uuid(MembershipDecisions::Id))
                    .col(uuid(MembershipDecisions::UserId))
                    .col(string_len(MembershipDecisions::Decision, 16))
                    .col(string_len(MembershipDecisions::Class, 16))
                    .col(integer(MembershipDecisions::Shares))
                    .col(text_null(MembershipDecisions::Motivation))
                    .col(text_null(MembershipDecisions::Reason))
                    .col(uuid(MembershipDecisions::DecidedBy))
                    .col(timestamp_with_time_zone(MembershipDecisions::DecidedAt))
                    .foreign_key(&mut fk(
                        "fk_membership_decisions_user",
                        (MembershipDecisions::Table, MembershipDecisions::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_membership_decisions_decided_by",
                        (MembershipDecisions::Table, MembershipDecisions::DecidedBy),
                        (Users::Table, Users::Id),
                    ))
                    .check(Expr::col(MembershipDecisions::Decision).is_in(["admitted", "rejected"]))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_membership_decisions_user")
                    .table(MembershipDecisions::Table)
                    .col(MembershipDecisions::UserId)
                    .col(MembershipDecisions::DecidedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CoopSettings::Table)
                    .if_not_exists()
                    .col(string_len(CoopSettings::Key, 64).primary_key())
                    .col(text(CoopSettings::Value))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(CoopSettings::Table)
                    .columns([CoopSettings::Key, CoopSettings::Value])
                    .values_panic(["share_value_minor".into(), "2500".into()])
                    .values_panic(["currency".into(), "EUR".into()])
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Categories::Table)
                    .if_not_exists()
                    .col(pk_uuid(Categories::Id))
                    .col(string_len_uniq(Categories::Slug, 40))
                    .col(string_len(Categories::NameIt, 80))
                    .col(string_len(Categories::NameEn, 80))
                    .col(string_len(Categories::NameEs, 80))
                    .col(integer(Categories::Position))
                    .to_owned(),
            )
            .await?;
        let mut seed = Query::insert();
        seed.into_table(Categories::Table).columns([
            Categories::Id,
            Categories::Slug,
            Categories::NameIt,
            Categories::NameEn,
            Categories::NameEs,
            Categories::Position,
        ]);
        for (i, (slug, it, en, es)) in CATEGORIES.iter().enumerate() {
            let id =
                sea_orm_migration::sea_orm::prelude::Uuid::from_u128(CATEGORY_ID_BASE + i as u128);
            seed.values_panic([
                id.into(),
                (*slug).into(),
                (*it).into(),
                (*en).into(),
                (*es).into(),
                (i as i32 * 10).into(),
            ]);
        }
        manager.exec_stmt(seed.to_owned()).await?;

        manager
            .create_table(
                Table::create()
                    .table(Zones::Table)
                    .if_not_exists()
                    .col(pk_uuid(Zones::Id))
                    .col(string_len_uniq(Zones::Name, 80))
                    .col(text(Zones::Postcodes))
                    .col(double(Zones::Latitude))
                    .col(double(Zones::Longitude))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Listings::Table)
                    .if_not_exists()
                    .col(pk_uuid(Listings::Id))
                    .col(uuid(Listings::OwnerId))
                    .col(string_len(Listings::Kind, 16))
                    .col(uuid(Listings::CategoryId))
                    .col(string_len(Listings::Title, 120))
                    .col(text(Listings::Description))
                    .col(string_len(Listings::PriceModel, 16))
                    .col(string_len(Listings::Currency, 3))
                    .col(big_integer(Listings::PriceMinor))
                    .col(big_integer_null(Listings::PerKmMinor))
                    .col(integer_null(Listings::MinHours))
                    .col(integer_null(Listings::MaxHours))
                    .col(integer_null(Listings::MaxKm))
                    .col(integer_null(Listings::DurationMinutes))
                    .col(string_len(Listings::Status, 16))
                    .col(text(Listings::SearchTitle))
                    .col(text(Listings::SearchText))
                    .col(timestamp_with_time_zone(Listings::CreatedAt))
                    .col(timestamp_with_time_zone(Listings::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_listings_owner",
                        (Listings::Table, Listings::OwnerId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_listings_category",
                        (Listings::Table, Listings::CategoryId),
                        (Categories::Table, Categories::Id),
                    ))
                    .check(Expr::col(Listings::Kind).is_in(["service", "delivery"]))
                    .check(Expr::col(Listings::PriceModel).is_in(["fixed", "hourly", "distance"]))
                    .check(
                        Expr::col(Listings::Status)
                            .is_in(["draft", "active", "paused", "archived"]),
                    )
                    .check(Expr::col(Listings::PriceMinor).gte(0))
                    .to_owned(),
            )
            .await?;
        // Nearly every listing is active, so status never leads an index: a
        // text search then scans the table in order instead of hopping through
        // an index (three times slower on SQLite at 10,000 listings).
        for (name, cols) in [
            ("idx_listings_created", vec![Listings::CreatedAt]),
            (
                "idx_listings_owner",
                vec![Listings::OwnerId, Listings::Status],
            ),
            (
                "idx_listings_category",
                vec![Listings::CategoryId, Listings::Status],
            ),
            ("idx_listings_price", vec![Listings::PriceMinor]),
        ] {
            let mut index = Index::create();
            index.name(name).table(Listings::Table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ListingZones::Table)
                    .if_not_exists()
                    .col(uuid(ListingZones::ListingId))
                    .col(uuid(ListingZones::ZoneId))
                    .primary_key(
                        Index::create()
                            .col(ListingZones::ListingId)
                            .col(ListingZones::ZoneId),
                    )
                    .foreign_key(&mut fk_cascade(
                        "fk_listing_zones_listing",
                        (ListingZones::Table, ListingZones::ListingId),
                        (Listings::Table, Listings::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_listing_zones_zone",
                        (ListingZones::Table, ListingZones::ZoneId),
                        (Zones::Table, Zones::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_listing_zones_zone")
                    .table(ListingZones::Table)
                    .col(ListingZones::ZoneId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ListingImages::Table)
                    .if_not_exists()
                    .col(pk_uuid(ListingImages::Id))
                    .col(uuid(ListingImages::ListingId))
                    .col(integer(ListingImages::Position))
                    .col(integer(ListingImages::Width))
                    .col(integer(ListingImages::Height))
                    .col(timestamp_with_time_zone(ListingImages::CreatedAt))
                    .foreign_key(&mut fk_cascade(
                        "fk_listing_images_listing",
                        (ListingImages::Table, ListingImages::ListingId),
                        (Listings::Table, Listings::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_listing_images_listing")
                    .table(ListingImages::Table)
                    .col(ListingImages::ListingId)
                    .col(ListingImages::Position)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AvailabilitySlots::Table)
                    .if_not_exists()
                    .col(pk_uuid(AvailabilitySlots::Id))
                    .col(uuid(AvailabilitySlots::ListingId))
                    .col(small_integer(AvailabilitySlots::Weekday))
                    .col(small_integer(AvailabilitySlots::StartMinute))
                    .col(small_integer(AvailabilitySlots::EndMinute))
                    .foreign_key(&mut fk_cascade(
                        "fk_availability_slots_listing",
                        (AvailabilitySlots::Table, AvailabilitySlots::ListingId),
                        (Listings::Table, Listings::Id),
                    ))
                    .check(Expr::col(AvailabilitySlots::Weekday).between(0, 6))
                    .check(Expr::col(AvailabilitySlots::StartMinute).gte(0))
                    .check(Expr::col(AvailabilitySlots::EndMinute).lte(1440))
                    .check(
                        Expr::col(AvailabilitySlots::StartMinute)
                            .lt(Expr::col(AvailabilitySlots::EndMinute)),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_availability_slots_listing")
                    .table(AvailabilitySlots::Table)
                    .col(AvailabilitySlots::ListingId)
                    .col(AvailabilitySlots::Weekday)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AvailabilityExceptions::Table)
                    .if_not_exists()
                    .col(pk_uuid(AvailabilityExceptions::Id))
                    .col(uuid(AvailabilityExceptions::ListingId))
                    .col(date(AvailabilityExceptions::ClosedOn))
                    .foreign_key(&mut fk_cascade(
                        "fk_availability_exceptions_listing",
                        (
                            AvailabilityExceptions::Table,
                            AvailabilityExceptions::ListingId,
                        ),
                        (Listings::Table, Listings::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_availability_exceptions_listing_day")
                    .table(AvailabilityExceptions::Table)
                    .col(AvailabilityExceptions::ListingId)
                    .col(AvailabilityExceptions::ClosedOn)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AvailabilityExceptions::Table.into_iden(),
            AvailabilitySlots::Table.into_iden(),
            ListingImages::Table.into_iden(),
            ListingZones::Table.into_iden(),
            Listings::Table.into_iden(),
            Zones::Table.into_iden(),
            Categories::Table.into_iden(),
            CoopSettings::Table.into_iden(),
            MembershipDecisions::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Memberships::Table)
                    .drop_column(Memberships::Motivation)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::Bio)
                    .to_owned(),
            )
            .await
    }
}
