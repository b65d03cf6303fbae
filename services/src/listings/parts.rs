//! A listing's parts, added and removed by its owner: pictures, weekly
//! hours, closed days and zones served.

use super::{invalid, owned, MAX_SLOTS};
use crate::availability::slots_of;
use crate::entities::{
    availability_exceptions, availability_slots, listing_images, listing_zones, zones,
};
use crate::images;
use crate::service::{is_unique_violation, ServiceError};
use chrono::NaiveDate;
use domain::availability::{parse_time, WeeklySlot};
use domain::listing::{ListingStatus, MAX_IMAGES};
use domain::validation::FieldError;
use domain::validation::FieldProblem;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set, TransactionTrait,
};
use std::path::Path;
use uuid::Uuid;
use wire::listings::ListingPart;

/// Adds a picture (at most `MAX_IMAGES`). The files are written before the
/// row; a failed insert removes them again.
pub async fn add_image<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    data_dir: &Path,
    owner: Uuid,
    id: Uuid,
    bytes: Vec<u8>,
    max_bytes: usize,
) -> Result<Uuid, ServiceError> {
    let listing = owned(db, owner, id).await?;
    if *listing.status == ListingStatus::Archived {
        return Err(ServiceError::Conflict);
    }
    let count = listing_images::Entity::find()
        .filter(listing_images::Column::ListingId.eq(id))
        .count(db)
        .await?;
    if count >= MAX_IMAGES as u64 {
        return Err(invalid("image", FieldProblem::ImageTooMany));
    }
    // Decoding takes up to 200 MB: only a few at once.
    let turn = images::turn().await.ok_or(ServiceError::Limited(5))?;
    let processed = tokio::task::spawn_blocking(move || images::process(&bytes, max_bytes))
        .await
        .map_err(|e| ServiceError::Internal(format!("picture: {e}")))?
        .map_err(|p| match p {
            images::ImageProblem::TooLarge => invalid("image", FieldProblem::ImageTooLarge),
            images::ImageProblem::WrongType => invalid("image", FieldProblem::ImageType),
        })?;
    drop(turn);
    let image_id = Uuid::now_v7();
    images::store(data_dir, image_id, &processed).await?;
    let inserted = async {
        let txn = crate::txn::begin_write(db).await?;
        // Counted again inside the transaction: two uploads at once cannot
        // both take the last place.
        let count = listing_images::Entity::find()
            .filter(listing_images::Column::ListingId.eq(id))
            .count(&txn)
            .await?;
        if count >= MAX_IMAGES as u64 {
            return Ok::<bool, DbErr>(false);
        }
        listing_images::ActiveModel {
            id: Set(image_id),
            listing_id: Set(id),
            position: Set(i32::try_from(count).unwrap_or(i32::MAX)),
            width: Set(i32::try_from(processed.width).unwrap_or(i32::MAX)),
            height: Set(i32::try_from(processed.height).unwrap_or(i32::MAX)),
            created_at: Set(crate::clock::wall_now()),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(true)
    }
    .await;
    match inserted {
        Ok(true) => Ok(image_id),
        Ok(false) => {
            images::remove(data_dir, image_id).await;
            Err(invalid("image", FieldProblem::ImageTooMany))
        }
        Err(e) => {
            images::remove(data_dir, image_id).await;
            Err(e.into())
        }
    }
}

/// Adds a weekly slot; it may not overlap another slot on the same day.
pub async fn add_slot(
    db: &impl ConnectionTrait,
    owner: Uuid,
    id: Uuid,
    weekday: &str,
    start: &str,
    end: &str,
) -> Result<(), ServiceError> {
    owned(db, owner, id).await?;
    let mut problems = Vec::new();
    let day = weekday.trim().parse::<u8>().ok().filter(|d| *d <= 6);
    if day.is_none() {
        problems.push(FieldError::new("weekday", FieldProblem::ChoiceInvalid));
    }
    let from = parse_time(start);
    let to = parse_time(end);
    if from.is_none() {
        problems.push(FieldError::new("start", FieldProblem::TimeInvalid));
    }
    if to.is_none() {
        problems.push(FieldError::new("end", FieldProblem::TimeInvalid));
    }
    let (Some(day), Some(from), Some(to)) = (day, from, to) else {
        return Err(ServiceError::Invalid(problems));
    };
    let Some(slot) = WeeklySlot::new(day, from, to) else {
        return Err(invalid("end", FieldProblem::TimeRangeInvalid));
    };
    let existing = slots_of(db, id).await?;
    if existing.len() as u64 >= MAX_SLOTS {
        return Err(invalid("weekday", FieldProblem::NumberOutOfRange));
    }
    if existing
        .iter()
        .any(|(_, s)| s.weekday == slot.weekday && s.start < slot.end && slot.start < s.end)
    {
        return Err(invalid("start", FieldProblem::TimeRangeInvalid));
    }
    availability_slots::ActiveModel {
        id: Set(Uuid::now_v7()),
        listing_id: Set(id),
        weekday: Set(i16::from(slot.weekday)),
        start_minute: Set(i16::try_from(slot.start).unwrap_or(0)),
        end_minute: Set(i16::try_from(slot.end).unwrap_or(0)),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Closes the listing on a date (today or later).
pub async fn add_closed(
    db: &impl ConnectionTrait,
    owner: Uuid,
    id: Uuid,
    date: &str,
    today: NaiveDate,
) -> Result<(), ServiceError> {
    owned(db, owner, id).await?;
    let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d >= today)
        .ok_or_else(|| invalid("closed_on", FieldProblem::DateInvalid))?;
    let row = availability_exceptions::ActiveModel {
        id: Set(Uuid::now_v7()),
        listing_id: Set(id),
        closed_on: Set(date),
    };
    match row.insert(db).await {
        Ok(_) => Ok(()),
        // Already closed that day: nothing to add.
        Err(e) if is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

pub async fn add_zone(
    db: &impl ConnectionTrait,
    owner: Uuid,
    id: Uuid,
    zone: &str,
) -> Result<(), ServiceError> {
    owned(db, owner, id).await?;
    let zone = match Uuid::parse_str(zone.trim()) {
        Ok(z) => zones::Entity::find_by_id(z).one(db).await?,
        Err(_) => None,
    }
    .ok_or_else(|| invalid("zone", FieldProblem::ChoiceInvalid))?;
    let row = listing_zones::ActiveModel {
        listing_id: Set(id),
        zone_id: Set(zone.id),
    };
    match row.insert(db).await {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Removes one picture, weekly slot, closed day or zone from a listing of
/// `owner`'s; `NotFound` when the listing has no such part.
pub async fn remove_part(
    db: &impl ConnectionTrait,
    data_dir: &Path,
    owner: Uuid,
    id: Uuid,
    part: ListingPart,
    item: Uuid,
) -> Result<(), ServiceError> {
    owned(db, owner, id).await?;
    let removed = match part {
        ListingPart::Image => {
            listing_images::Entity::delete_many()
                .filter(listing_images::Column::Id.eq(item))
                .filter(listing_images::Column::ListingId.eq(id))
                .exec(db)
                .await?
        }
        ListingPart::Slot => {
            availability_slots::Entity::delete_many()
                .filter(availability_slots::Column::Id.eq(item))
                .filter(availability_slots::Column::ListingId.eq(id))
                .exec(db)
                .await?
        }
        ListingPart::Closed => {
            availability_exceptions::Entity::delete_many()
                .filter(availability_exceptions::Column::Id.eq(item))
                .filter(availability_exceptions::Column::ListingId.eq(id))
                .exec(db)
                .await?
        }
        ListingPart::Zone => {
            listing_zones::Entity::delete_many()
                .filter(listing_zones::Column::ZoneId.eq(item))
                .filter(listing_zones::Column::ListingId.eq(id))
                .exec(db)
                .await?
        }
    };
    if removed.rows_affected == 0 {
        return Err(ServiceError::NotFound);
    }
    if part == ListingPart::Image {
        images::remove(data_dir, item).await;
    }
    Ok(())
}
