//! Orders: fee rule versions, orders and their lines, the append-only event
//! history and message threads, slot bookings (no double booking), the
//! e-mail outbox and job leases.

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
enum Listings {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Zones {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum FeeRuleVersions {
    Table,
    Version,
    EffectiveFrom,
    Rule,
    ProposalId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    CustomerId,
    Status,
    FeeRuleVersion,
    Currency,
    TotalMinor,
    FeeMinor,
    PaymentProvider,
    IdempotencyKey,
    Note,
    Resolution,
    CreatedAt,
    UpdatedAt,
    PaidAt,
    FulfilledAt,
    ClosedAt,
    Revision,
}

#[derive(DeriveIden)]
enum OrderLines {
    Table,
    Id,
    OrderId,
    Position,
    Kind,
    ListingId,
    ProviderId,
    Title,
    CategorySlug,
    Status,
    PriceMinor,
    FeeMinor,
    NetMinor,
    Hours,
    SlotDate,
    SlotStart,
    SlotEnd,
    PickupAddress,
    PickupPostcode,
    PickupZoneId,
    PickupLat,
    PickupLon,
    DropoffAddress,
    DropoffPostcode,
    DropoffZoneId,
    DropoffLat,
    DropoffLon,
    DistanceKm,
    PackageSize,
    WeightKg,
    WindowStart,
    WindowEnd,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderEvents {
    Table,
    Id,
    OrderId,
    LineId,
    ActorId,
    Action,
    FromStatus,
    ToStatus,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OrderMessages {
    Table,
    Id,
    OrderId,
    AuthorId,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SlotBookings {
    Table,
    ListingId,
    SlotDate,
    SlotStart,
    LineId,
}

#[derive(DeriveIden)]
enum EmailOutbox {
    Table,
    Id,
    Recipient,
    Locale,
    Subject,
    Body,
    OrderId,
    CreatedAt,
    SentAt,
    Attempts,
    LastError,
}

#[derive(DeriveIden)]
enum JobLeases {
    Table,
    Name,
    Holder,
    ExpiresAt,
}

pub(crate) const STATUSES: [&str; 11] = [
    "pending_payment",
    "paid",
    "accepted",
    "in_progress",
    "fulfilled",
    "completed",
    "declined",
    "cancelled",
    "refunded",
    "disputed",
    "resolved",
];

/// The first fee rule, as the statute sets it: services 8 %, deliveries
/// 5 %, minimum 0,50 €, no maximum.
const INITIAL_RULE: &str = r#"{"service":{"percent_bps":800,"fixed_minor":0,"min_minor":50,"max_minor":null},"delivery":{"percent_bps":500,"fixed_minor":0,"min_minor":50,"max_minor":null},"categories":{}}"#;

/// Tables whose rows are history: no UPDATE, no DELETE, on either database.
/// Fee rule versions too: a version is never edited, a new one is added
/// (and the app's fee rule cache relies on it).
pub const APPEND_ONLY: [&str; 3] = ["fee_rule_versions", "order_events", "order_messages"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FeeRuleVersions::Table)
                    .if_not_exists()
                    .col(integer(FeeRuleVersions::Version).primary_key())
                    .col(timestamp_with_time_zone(FeeRuleVersions::EffectiveFrom))
                    .col(text(FeeRuleVersions::Rule))
                    .col(uuid_null(FeeRuleVersions::ProposalId))
                    .col(timestamp_with_time_zone(FeeRuleVersions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // The statute's rule applies from the start of 2026.
        let epoch = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Postgres => "TIMESTAMPTZ '2026-01-01 00:00:00+00'",
            _ => "'2026-01-01T00:00:00+00:00'",
        };
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(FeeRuleVersions::Table)
                    .columns([
                        FeeRuleVersions::Version,
                        FeeRuleVersions::EffectiveFrom,
                        FeeRuleVersions::Rule,
                        FeeRuleVersions::CreatedAt,
                    ])
                    .values_panic([
                        1.into(),
                        Expr::cust(epoch),
                        INITIAL_RULE.into(),
                        Expr::cust(epoch),
                    ])
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Orders::Table)
                    .if_not_exists()
                    .col(pk_uuid(Orders::Id))
                    .col(uuid(Orders::CustomerId))
                    .col(string_len(Orders::Status, 20))
                    .col(integer(Orders::FeeRuleVersion))
                    .col(string_len(Orders::Currency, 3))
                    .col(big_integer(Orders::TotalMinor))
                    .col(big_integer(Orders::FeeMinor))
                    .col(string_len(Orders::PaymentProvider, 16))
                    .col(string_len(Orders::IdempotencyKey, 64))
                    .col(text_null(Orders::Note))
                    .col(string_len_null(Orders::Resolution, 16))
                    .col(timestamp_with_time_zone(Orders::CreatedAt))
                    .col(timestamp_with_time_zone(Orders::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Orders::PaidAt))
                    .col(timestamp_with_time_zone_null(Orders::FulfilledAt))
                    .col(timestamp_with_time_zone_null(Orders::ClosedAt))
                    // Bumped by every transition: concurrent changes of one
                    // order are detected, never interleaved.
                    .col(integer(Orders::Revision).default(0))
                    .foreign_key(&mut fk(
                        "fk_orders_customer",
                        (Orders::Table, Orders::CustomerId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_orders_fee_rule",
                        (Orders::Table, Orders::FeeRuleVersion),
                        (FeeRuleVersions::Table, FeeRuleVersions::Version),
                    ))
                    .check(Expr::col(Orders::Status).is_in(STATUSES))
                    .check(Expr::col(Orders::TotalMinor).gte(0))
                    .check(Expr::col(Orders::FeeMinor).gte(0))
                    .to_owned(),
            )
            .await?;
        // One order per idempotency key and customer: a form sent twice
        // creates one order.
        index(
            manager,
            "uq_orders_customer_key",
            Orders::Table,
            vec![
                Orders::CustomerId.into_iden(),
                Orders::IdempotencyKey.into_iden(),
            ],
            true,
        )
        .await?;
        index(
            manager,
            "idx_orders_customer_created",
            Orders::Table,
            vec![
                Orders::CustomerId.into_iden(),
                Orders::CreatedAt.into_iden(),
            ],
            false,
        )
        .await?;
        // The job runner's sweeps and the board's filter.
        index(
            manager,
            "idx_orders_status_created",
            Orders::Table,
            vec![Orders::Status.into_iden(), Orders::CreatedAt.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrderLines::Table)
                    .if_not_exists()
                    .col(pk_uuid(OrderLines::Id))
                    .col(uuid(OrderLines::OrderId))
                    .col(small_integer(OrderLines::Position))
                    .col(string_len(OrderLines::Kind, 16))
                    .col(uuid(OrderLines::ListingId))
                    .col(uuid(OrderLines::ProviderId))
                    .col(string_len(OrderLines::Title, 200))
                    .col(string_len(OrderLines::CategorySlug, 64))
                    .col(string_len(OrderLines::Status, 20))
                    .col(big_integer(OrderLines::PriceMinor))
                    .col(big_integer(OrderLines::FeeMinor))
                    .col(big_integer(OrderLines::NetMinor))
                    .col(small_integer_null(OrderLines::Hours))
                    .col(date_null(OrderLines::SlotDate))
                    .col(small_integer_null(OrderLines::SlotStart))
                    .col(small_integer_null(OrderLines::SlotEnd))
                    .col(text_null(OrderLines::PickupAddress))
                    .col(string_len_null(OrderLines::PickupPostcode, 16))
                    .col(uuid_null(OrderLines::PickupZoneId))
                    .col(double_null(OrderLines::PickupLat))
                    .col(double_null(OrderLines::PickupLon))
                    .col(text_null(OrderLines::DropoffAddress))
                    .col(string_len_null(OrderLines::DropoffPostcode, 16))
                    .col(uuid_null(OrderLines::DropoffZoneId))
                    .col(double_null(OrderLines::DropoffLat))
                    .col(double_null(OrderLines::DropoffLon))
                    .col(integer_null(OrderLines::DistanceKm))
                    .col(string_len_null(OrderLines::PackageSize, 16))
                    .col(integer_null(OrderLines::WeightKg))
                    .col(timestamp_with_time_zone_null(OrderLines::WindowStart))
                    .col(timestamp_with_time_zone_null(OrderLines::WindowEnd))
                    .col(timestamp_with_time_zone(OrderLines::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_order_lines_order",
                        (OrderLines::Table, OrderLines::OrderId),
                        (Orders::Table, Orders::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_order_lines_listing",
                        (OrderLines::Table, OrderLines::ListingId),
                        (Listings::Table, Listings::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_order_lines_provider",
                        (OrderLines::Table, OrderLines::ProviderId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_order_lines_pickup_zone",
                        (OrderLines::Table, OrderLines::PickupZoneId),
                        (Zones::Table, Zones::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_order_lines_dropoff_zone",
                        (OrderLines::Table, OrderLines::DropoffZoneId),
                        (Zones::Table, Zones::Id),
                    ))
                    .check(Expr::col(OrderLines::Status).is_in(STATUSES))
                    .check(Expr::col(OrderLines::Kind).is_in(["service", "delivery"]))
                    .check(
                        Expr::col(OrderLines::PriceMinor)
                            .eq(Expr::col(OrderLines::FeeMinor)
                                .add(Expr::col(OrderLines::NetMinor))),
                    )
                    .check(Expr::col(OrderLines::FeeMinor).gte(0))
                    .check(Expr::col(OrderLines::NetMinor).gte(0))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "uq_order_lines_order_position",
            OrderLines::Table,
            vec![
                OrderLines::OrderId.into_iden(),
                OrderLines::Position.into_iden(),
            ],
            true,
        )
        .await?;
        index(
            manager,
            "idx_order_lines_provider_status",
            OrderLines::Table,
            vec![
                OrderLines::ProviderId.into_iden(),
                OrderLines::Status.into_iden(),
            ],
            false,
        )
        .await?;
        index(
            manager,
            "idx_order_lines_listing",
            OrderLines::Table,
            vec![OrderLines::ListingId.into_iden()],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrderEvents::Table)
                    .if_not_exists()
                    .col(pk_uuid(OrderEvents::Id))
                    .col(uuid(OrderEvents::OrderId))
                    .col(uuid_null(OrderEvents::LineId))
                    .col(uuid_null(OrderEvents::ActorId))
                    .col(string_len(OrderEvents::Action, 32))
                    .col(string_len_null(OrderEvents::FromStatus, 20))
                    .col(string_len(OrderEvents::ToStatus, 20))
                    .col(text_null(OrderEvents::Reason))
                    .col(timestamp_with_time_zone(OrderEvents::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_order_events_order",
                        (OrderEvents::Table, OrderEvents::OrderId),
                        (Orders::Table, Orders::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_order_events_line",
                        (OrderEvents::Table, OrderEvents::LineId),
                        (OrderLines::Table, OrderLines::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_order_events_order",
            OrderEvents::Table,
            vec![
                OrderEvents::OrderId.into_iden(),
                OrderEvents::CreatedAt.into_iden(),
            ],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrderMessages::Table)
                    .if_not_exists()
                    .col(pk_uuid(OrderMessages::Id))
                    .col(uuid(OrderMessages::OrderId))
                    .col(uuid(OrderMessages::AuthorId))
                    .col(text(OrderMessages::Body))
                    .col(timestamp_with_time_zone(OrderMessages::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_order_messages_order",
                        (OrderMessages::Table, OrderMessages::OrderId),
                        (Orders::Table, Orders::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_order_messages_author",
                        (OrderMessages::Table, OrderMessages::AuthorId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_order_messages_order",
            OrderMessages::Table,
            vec![
                OrderMessages::OrderId.into_iden(),
                OrderMessages::CreatedAt.into_iden(),
            ],
            false,
        )
        .await?;

        for table in APPEND_ONLY {
            append_only(manager, table).await?;
        }

        // A booked opening: the primary key makes a second booking of the
        // same listing, day and start impossible, whatever the concurrency.
        // The row goes when the line is cancelled, declined or refunded.
        manager
            .create_table(
                Table::create()
                    .table(SlotBookings::Table)
                    .if_not_exists()
                    .col(uuid(SlotBookings::ListingId))
                    .col(date(SlotBookings::SlotDate))
                    .col(small_integer(SlotBookings::SlotStart))
                    .col(uuid_uniq(SlotBookings::LineId))
                    .primary_key(
                        Index::create()
                            .col(SlotBookings::ListingId)
                            .col(SlotBookings::SlotDate)
                            .col(SlotBookings::SlotStart),
                    )
                    .foreign_key(&mut fk(
                        "fk_slot_bookings_listing",
                        (SlotBookings::Table, SlotBookings::ListingId),
                        (Listings::Table, Listings::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_slot_bookings_line",
                        (SlotBookings::Table, SlotBookings::LineId),
                        (OrderLines::Table, OrderLines::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        // E-mails written in the same transaction as the event they tell
        // about, sent by the job runner: none is lost, none sent twice.
        manager
            .create_table(
                Table::create()
                    .table(EmailOutbox::Table)
                    .if_not_exists()
                    .col(pk_uuid(EmailOutbox::Id))
                    .col(string_len(EmailOutbox::Recipient, 254))
                    .col(string_len(EmailOutbox::Locale, 8))
                    .col(string_len(EmailOutbox::Subject, 300))
                    .col(text(EmailOutbox::Body))
                    .col(uuid_null(EmailOutbox::OrderId))
                    .col(timestamp_with_time_zone(EmailOutbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(EmailOutbox::SentAt))
                    .col(integer(EmailOutbox::Attempts).default(0))
                    .col(text_null(EmailOutbox::LastError))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_email_outbox_unsent",
            EmailOutbox::Table,
            vec![
                EmailOutbox::SentAt.into_iden(),
                EmailOutbox::CreatedAt.into_iden(),
            ],
            false,
        )
        .await?;

        // Which server process runs a periodic job, and until when.
        manager
            .create_table(
                Table::create()
                    .table(JobLeases::Table)
                    .if_not_exists()
                    .col(string_len(JobLeases::Name, 64).primary_key())
                    .col(string_len(JobLeases::Holder, 64))
                    .col(timestamp_with_time_zone(JobLeases::ExpiresAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            JobLeases::Table.into_iden(),
            EmailOutbox::Table.into_iden(),
            SlotBookings::Table.into_iden(),
            OrderMessages::Table.into_iden(),
            OrderEvents::Table.into_iden(),
            OrderLines::Table.into_iden(),
            Orders::Table.into_iden(),
            FeeRuleVersions::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
