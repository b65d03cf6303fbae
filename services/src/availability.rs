//! A service's free openings: its weekly hours, less closed days and the
//! bookings already made.

use super::entities::listings::price_of;
use super::entities::{availability_exceptions, availability_slots, listings, slot_units};
use chrono::{NaiveDate, NaiveDateTime};
use domain::availability::{next_openings, start_times, Booking, Opening, WeeklySlot};
use domain::listing::{ListingKind, PriceModel};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use std::collections::HashSet;
use uuid::Uuid;

/// How far ahead a service can be booked.
const BOOKING_DAYS: u32 = 60;

pub(crate) async fn closed_days(
    db: &impl ConnectionTrait,
    listing: Uuid,
    from: NaiveDate,
) -> Result<Vec<NaiveDate>, DbErr> {
    Ok(availability_exceptions::Entity::find()
        .filter(availability_exceptions::Column::ListingId.eq(listing))
        .filter(availability_exceptions::Column::ClosedOn.gte(from))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.closed_on)
        .collect())
}

/// Openings of a service in the booking horizon, and the units of them
/// already booked.
pub(crate) async fn openings(
    db: &impl ConnectionTrait,
    listing: Uuid,
    now: NaiveDateTime,
) -> Result<(Vec<Opening>, HashSet<(NaiveDate, u16)>), DbErr> {
    let slots: Vec<WeeklySlot> = slots_of(db, listing)
        .await?
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    let closed = closed_days(db, listing, now.date()).await?;
    let all = next_openings(&slots, &closed, now, BOOKING_DAYS, 1_000);
    let held = slot_units::Entity::find()
        .filter(slot_units::Column::ListingId.eq(listing))
        .filter(slot_units::Column::SlotDate.gte(now.date()))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|b| Some((b.slot_date, u16::try_from(b.unit_start).ok()?)))
        .collect();
    Ok((all, held))
}

/// How long one booking of a service listing lasts: its duration, or
/// `hours` (its minimum when not chosen yet) for one booked by the hour.
pub fn booking_of(listing: &listings::Model, hours: Option<u8>) -> Booking {
    match price_of(listing) {
        Some(PriceModel::Hourly { min_hours, .. }) => Booking::hourly(hours.unwrap_or(min_hours)),
        _ => Booking::fixed(listing.duration_minutes.and_then(|d| u16::try_from(d).ok())),
    }
}

/// Start times of a service nobody has booked yet (for its page and
/// form); a courier's weekly windows.
pub async fn free_openings(
    db: &impl ConnectionTrait,
    listing: &listings::Model,
    now: NaiveDateTime,
    limit: usize,
) -> Result<Vec<Opening>, DbErr> {
    let (all, held) = openings(db, listing.id, now).await?;
    if *listing.kind != ListingKind::Service {
        return Ok(all.into_iter().take(limit).collect());
    }
    Ok(start_times(
        &all,
        &held,
        booking_of(listing, None),
        now,
        limit,
    ))
}

/// A listing's weekly hours, by day and time.
pub(crate) async fn slots_of(
    db: &impl ConnectionTrait,
    listing: Uuid,
) -> Result<Vec<(Uuid, WeeklySlot)>, DbErr> {
    let mut slots: Vec<(Uuid, WeeklySlot)> = availability_slots::Entity::find()
        .filter(availability_slots::Column::ListingId.eq(listing))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|s| {
            Some((
                s.id,
                WeeklySlot::new(
                    u8::try_from(s.weekday).ok()?,
                    u16::try_from(s.start_minute).ok()?,
                    u16::try_from(s.end_minute).ok()?,
                )?,
            ))
        })
        .collect();
    slots.sort_by_key(|(_, s)| *s);
    Ok(slots)
}
