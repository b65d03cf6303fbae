//! A member's listings: create, edit, publish, pause, archive; pictures,
//! zones served and availability. Every function takes the owner's id and
//! answers `NotFound` for a listing that is not theirs: another member's
//! listing is indistinguishable from a missing one.

use super::availability::slots_of;
use super::entities::listings::price_of;
use super::entities::{
    availability_exceptions, availability_slots, categories, listing_images, listing_zones,
    listings, memberships, users, zones,
};
use super::images;
use super::service::{is_unique_violation, ServiceError};
use chrono::{NaiveDate, NaiveDateTime};
use domain::availability::{parse_time, WeeklySlot};
use domain::listing::{
    parse_listing, ListingDraft, ListingInput, ListingKind, ListingStatus, PriceModel, MAX_IMAGES,
};
use domain::money::Currency;
use domain::search::index_text;
use domain::validation::FieldError;
use domain::validation::FieldProblem;
use i18n::Locale;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use std::collections::HashMap;
use std::path::Path;
use uuid::Uuid;
use wire::catalog::{ListingCard, ListingView, Provider, Zone};
use wire::listings::{EditableListing, ListingPart, MyListing};

/// How many openings a listing page shows.
const OPENING_COUNT: usize = 6;
const MAX_SLOTS: u64 = 50;

fn invalid(field: &str, problem: FieldProblem) -> ServiceError {
    ServiceError::Invalid(vec![FieldError::new(field, problem)])
}

/// Parses the form and resolves the category slug.
async fn validate(
    db: &impl ConnectionTrait,
    input: &ListingInput,
) -> Result<(ListingDraft, categories::Model), ServiceError> {
    let parsed = parse_listing(input, Currency::Eur);
    let category = match input.category.trim() {
        "" => None,
        slug => {
            categories::Entity::find()
                .filter(categories::Column::Slug.eq(slug))
                .one(db)
                .await?
        }
    };
    let mut problems: Vec<FieldError> = match &parsed {
        Ok(_) => Vec::new(),
        Err(p) => p.iter().map(|(f, p)| FieldError::new(f, *p)).collect(),
    };
    if category.is_none() && !input.category.trim().is_empty() {
        problems.push(FieldError::new("category", FieldProblem::ChoiceInvalid));
    }
    match (parsed, category) {
        (Ok(draft), Some(category)) if problems.is_empty() => Ok((draft, category)),
        _ => Err(ServiceError::Invalid(problems)),
    }
}

/// What search reads of a listing: its title, and everything it is found by.
fn search_texts(
    title: &str,
    description: &str,
    category: &categories::Model,
    owner_name: &str,
) -> (String, String) {
    let all = [
        title,
        description,
        category.name_it.as_str(),
        category.name_en.as_str(),
        category.name_es.as_str(),
        owner_name,
    ]
    .join(" ");
    (index_text(title), index_text(&all))
}

/// Indexes every listing again when what search stores has changed since
/// (`domain::search::INDEX_VERSION`); run as the server starts.
pub async fn reindex_if_stale(db: &DatabaseConnection) -> Result<u64, DbErr> {
    use super::entities::coop_settings;
    use domain::search::INDEX_VERSION;
    const KEY: &str = "search_index_version";
    let current = coop_settings::Entity::find_by_id(KEY.to_owned())
        .one(db)
        .await?;
    if current.as_ref().map(|c| c.value.as_str()) == Some(INDEX_VERSION) {
        return Ok(0);
    }
    let categories: HashMap<Uuid, categories::Model> = categories::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let rows = listings::Entity::find().all(db).await?;
    let names = super::accounts::display_names(db, rows.iter().map(|l| l.owner_id)).await?;
    let mut done = 0;
    for l in rows {
        let Some(category) = categories.get(&l.category_id) else {
            continue;
        };
        let owner = names
            .get(&l.owner_id)
            .map(String::as_str)
            .unwrap_or_default();
        let (title, text) = search_texts(&l.title, &l.description, category, owner);
        listings::Entity::update_many()
            .col_expr(listings::Column::SearchTitle, Expr::value(title))
            .col_expr(listings::Column::SearchText, Expr::value(text))
            .filter(listings::Column::Id.eq(l.id))
            .exec(db)
            .await?;
        done += 1;
    }
    coop_settings::Entity::insert(coop_settings::ActiveModel {
        key: Set(KEY.to_owned()),
        value: Set(INDEX_VERSION.to_owned()),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(coop_settings::Column::Key)
            .update_column(coop_settings::Column::Value)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(done)
}

fn price_columns(price: &PriceModel) -> (i64, Option<i64>, Option<i32>, Option<i32>, Option<i32>) {
    match *price {
        PriceModel::Fixed { price } => (price.minor(), None, None, None, None),
        PriceModel::Hourly {
            rate,
            min_hours,
            max_hours,
        } => (
            rate.minor(),
            None,
            Some(i32::from(min_hours)),
            Some(i32::from(max_hours)),
            None,
        ),
        PriceModel::Distance {
            base,
            per_km,
            max_km,
        } => (
            base.minor(),
            Some(per_km.minor()),
            None,
            None,
            Some(i32::from(max_km)),
        ),
    }
}

fn apply_draft(
    row: &mut listings::ActiveModel,
    draft: &ListingDraft,
    category: &categories::Model,
    owner_name: &str,
) {
    let (price, per_km, min_h, max_h, max_km) = price_columns(&draft.price);
    let (search_title, search_text) =
        search_texts(&draft.title, &draft.description, category, owner_name);
    row.kind = Set(draft.kind.as_str().to_owned());
    row.category_id = Set(category.id);
    row.title = Set(draft.title.clone());
    row.description = Set(draft.description.clone());
    row.price_model = Set(draft.price.name().to_owned());
    row.currency = Set(draft.price.headline().currency().code().to_owned());
    row.price_minor = Set(price);
    row.per_km_minor = Set(per_km);
    row.min_hours = Set(min_h);
    row.max_hours = Set(max_h);
    row.max_km = Set(max_km);
    row.duration_minutes = Set(draft.duration_minutes.map(i32::from));
    row.at_customer = Set(draft.at_customer);
    row.search_title = Set(search_title);
    row.search_text = Set(search_text);
    row.updated_at = Set(crate::clock::wall_now());
}

async fn owner_name(db: &impl ConnectionTrait, owner: Uuid) -> Result<String, DbErr> {
    Ok(users::Entity::find_by_id(owner)
        .one(db)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default())
}

/// Creates a draft listing for `owner`.
pub async fn create(
    db: &impl ConnectionTrait,
    owner: Uuid,
    input: &ListingInput,
) -> Result<Uuid, ServiceError> {
    let (draft, category) = validate(db, input).await?;
    let name = owner_name(db, owner).await?;
    let id = Uuid::now_v7();
    let now = crate::clock::wall_now();
    let mut row = listings::ActiveModel {
        id: Set(id),
        owner_id: Set(owner),
        status: Set(ListingStatus::Draft.as_str().to_owned()),
        created_at: Set(now),
        ..Default::default()
    };
    apply_draft(&mut row, &draft, &category, &name);
    row.insert(db).await?;
    Ok(id)
}

/// The listing if `owner` owns it.
pub async fn owned(
    db: &impl ConnectionTrait,
    owner: Uuid,
    id: Uuid,
) -> Result<listings::Model, ServiceError> {
    listings::Entity::find_by_id(id)
        .filter(listings::Column::OwnerId.eq(owner))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
}

pub async fn update(
    db: &impl ConnectionTrait,
    owner: Uuid,
    id: Uuid,
    input: &ListingInput,
) -> Result<(), ServiceError> {
    let current = owned(db, owner, id).await?;
    if current.status == ListingStatus::Archived.as_str() {
        return Err(ServiceError::Conflict);
    }
    let (draft, category) = validate(db, input).await?;
    let name = owner_name(db, owner).await?;
    let mut row: listings::ActiveModel = current.into();
    apply_draft(&mut row, &draft, &category, &name);
    row.update(db).await?;
    Ok(())
}

/// Publishes, pauses, resumes or archives a listing.
pub async fn set_status(
    db: &impl ConnectionTrait,
    owner: Uuid,
    id: Uuid,
    next: ListingStatus,
) -> Result<(), ServiceError> {
    let current = owned(db, owner, id).await?;
    let from = ListingStatus::parse(&current.status).ok_or(ServiceError::Conflict)?;
    if from == next {
        return Ok(());
    }
    if !from.can_become(next) {
        return Err(ServiceError::Conflict);
    }
    let res = listings::Entity::update_many()
        .col_expr(
            listings::Column::Status,
            sea_orm::sea_query::Expr::value(next.as_str()),
        )
        .col_expr(
            listings::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(crate::clock::wall_now()),
        )
        .filter(listings::Column::Id.eq(id))
        .filter(listings::Column::Status.eq(from.as_str()))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    Ok(())
}

/// The owner's listings, newest first, archived last.
pub async fn mine(
    db: &impl ConnectionTrait,
    owner: Uuid,
    locale: Locale,
) -> Result<Vec<MyListing>, DbErr> {
    let rows = listings::Entity::find()
        .filter(listings::Column::OwnerId.eq(owner))
        .order_by_desc(listings::Column::CreatedAt)
        .find_also_related(categories::Entity)
        .all(db)
        .await?;
    let mut out: Vec<MyListing> = rows
        .into_iter()
        .filter_map(|(l, c)| {
            Some(MyListing {
                id: l.id,
                title: l.title.clone(),
                kind: ListingKind::parse(&l.kind)?,
                status: ListingStatus::parse(&l.status)?,
                price: price_of(&l)?,
                category_name: c
                    .map(|c| super::catalog::category_name(&c, locale))
                    .unwrap_or_default(),
            })
        })
        .collect();
    out.sort_by_key(|l| l.status == ListingStatus::Archived);
    Ok(out)
}

/// Everything the edit page shows, with the stored values as form text.
pub async fn editor(
    db: &impl ConnectionTrait,
    owner: Uuid,
    id: Uuid,
    locale: Locale,
) -> Result<EditableListing, ServiceError> {
    let l = owned(db, owner, id).await?;
    let price = price_of(&l).ok_or(ServiceError::Conflict)?;
    let category = categories::Entity::find_by_id(l.category_id)
        .one(db)
        .await?
        .map(|c| c.slug)
        .unwrap_or_default();
    let money = |m: domain::money::Money| m.format_input(locale);
    let mut input = ListingInput {
        kind: l.kind.clone(),
        category,
        title: l.title.clone(),
        description: l.description.clone(),
        price_model: l.price_model.clone(),
        price: money(price.headline()),
        duration_minutes: l
            .duration_minutes
            .map(|d| d.to_string())
            .unwrap_or_default(),
        at_customer: if l.at_customer {
            "on".into()
        } else {
            String::new()
        },
        ..ListingInput::default()
    };
    match price {
        PriceModel::Fixed { .. } => {}
        PriceModel::Hourly {
            min_hours,
            max_hours,
            ..
        } => {
            input.min_hours = min_hours.to_string();
            input.max_hours = max_hours.to_string();
        }
        PriceModel::Distance { per_km, max_km, .. } => {
            input.per_km = money(per_km);
            input.max_km = max_km.to_string();
        }
    }
    let images = listing_images::Entity::find()
        .filter(listing_images::Column::ListingId.eq(id))
        .order_by_asc(listing_images::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    let slots = slots_of(db, id).await?.into_iter().collect::<Vec<_>>();
    let closed = availability_exceptions::Entity::find()
        .filter(availability_exceptions::Column::ListingId.eq(id))
        .order_by_asc(availability_exceptions::Column::ClosedOn)
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.closed_on))
        .collect();
    Ok(EditableListing {
        id,
        status: ListingStatus::parse(&l.status).ok_or(ServiceError::Conflict)?,
        input,
        images,
        slots,
        closed,
        zones: zones_of(db, id).await?,
    })
}

async fn zones_of(db: &impl ConnectionTrait, listing: Uuid) -> Result<Vec<Zone>, DbErr> {
    let ids: Vec<Uuid> = listing_zones::Entity::find()
        .filter(listing_zones::Column::ListingId.eq(listing))
        .all(db)
        .await?
        .into_iter()
        .map(|z| z.zone_id)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(zones::Entity::find()
        .filter(zones::Column::Id.is_in(ids))
        .order_by_asc(zones::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(Zone::from)
        .collect())
}

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
    if listing.status == ListingStatus::Archived.as_str() {
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

/// A listing's public page. Visible when active and offered by an active
/// member; its owner also sees it in any other status.
pub async fn detail(
    db: &impl ConnectionTrait,
    viewer: Option<Uuid>,
    id: Uuid,
    locale: Locale,
    now: NaiveDateTime,
) -> Result<Option<ListingView>, DbErr> {
    let Some((l, owner)) = listings::Entity::find_by_id(id)
        .find_also_related(users::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(owner) = owner else { return Ok(None) };
    let membership = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(owner.id))
        .one(db)
        .await?;
    let is_owner = viewer == Some(owner.id);
    let public = l.status == ListingStatus::Active.as_str()
        && membership.as_ref().is_some_and(|m| m.status == "active");
    if !public && !is_owner {
        return Ok(None);
    }
    let Some(category) = categories::Entity::find_by_id(l.category_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let (Some(price), Some(kind), Some(status)) = (
        price_of(&l),
        ListingKind::parse(&l.kind),
        ListingStatus::parse(&l.status),
    ) else {
        return Ok(None);
    };
    let images: Vec<Uuid> = listing_images::Entity::find()
        .filter(listing_images::Column::ListingId.eq(id))
        .order_by_asc(listing_images::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    // Start times already booked by an order are not offered again.
    let openings = crate::availability::free_openings(db, &l, now, OPENING_COUNT).await?;
    let zones = zones_of(db, id)
        .await?
        .into_iter()
        .map(|z| z.name)
        .collect();
    let since = membership
        .as_ref()
        .and_then(|m| m.admitted_at)
        .unwrap_or(owner.created_at);
    Ok(Some(ListingView {
        card: ListingCard {
            id: l.id,
            title: l.title,
            kind,
            category: category.slug.clone(),
            category_name: super::catalog::category_name(&category, locale),
            price,
            thumb: images.first().copied(),
            provider_id: owner.id,
            provider_name: owner.display_name.clone(),
            created_at: l.created_at,
        },
        description: l.description,
        status,
        duration_minutes: l.duration_minutes.and_then(|d| u16::try_from(d).ok()),
        at_customer: l.at_customer,
        zones,
        images,
        openings,
        provider: Provider {
            id: owner.id,
            name: owner.display_name,
            class: membership.map(|m| m.class).unwrap_or_default(),
            form: domain::account::AddressForm::parse(&owner.address_form),
            since,
            bio: owner.bio,
        },
        is_owner,
    }))
}
