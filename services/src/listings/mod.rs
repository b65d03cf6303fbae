//! A member's listings: create, edit, publish, pause, archive; pictures,
//! zones served and availability. Every function takes the owner's id and
//! answers `NotFound` for a listing that is not theirs: another member's
//! listing is indistinguishable from a missing one.
//!
//! Here: creating and editing a listing and its status; `parts` adds and
//! removes its pictures, hours, closed days and zones; `read` is its public page.

pub mod parts;
pub mod read;

use crate::availability::slots_of;
use crate::entities::listings::price_of;
use crate::entities::{
    availability_exceptions, categories, listing_images, listing_zones, listings, users, zones,
};
use crate::service::ServiceError;
use domain::listing::{parse_listing, ListingDraft, ListingInput, ListingStatus, PriceModel};
use domain::money::Currency;
use domain::search::index_text;
use domain::validation::FieldError;
use domain::validation::FieldProblem;
use i18n::Locale;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set,
};
use std::collections::HashMap;
use uuid::Uuid;
use wire::catalog::Zone;
use wire::listings::{EditableListing, MyListing};

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
    row.kind = Set(draft.kind.into());
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
        status: Set(ListingStatus::Draft.into()),
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
    if *current.status == ListingStatus::Archived {
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
    let from = *current.status;
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
                kind: *l.kind,
                status: *l.status,
                price: price_of(&l)?,
                category_name: c
                    .map(|c| crate::catalog::category_name(&c, locale))
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
        kind: l.kind.as_str().to_owned(),
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
    let images = images_of(db, id).await?;
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
        status: *l.status,
        input,
        images,
        slots,
        closed,
        zones: zones_of(db, id).await?,
    })
}

/// A listing's pictures, in their order.
async fn images_of(db: &impl ConnectionTrait, listing: Uuid) -> Result<Vec<Uuid>, DbErr> {
    Ok(listing_images::Entity::find()
        .filter(listing_images::Column::ListingId.eq(listing))
        .order_by_asc(listing_images::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect())
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
