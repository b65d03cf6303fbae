//! Categories and zones: read by everyone, managed by the board.

use super::entities::{categories, zones};
use crate::api::catalog::{Category, Zone};
use crate::domain::account::FieldProblem;
use crate::error::{AppError, FieldError};
use crate::i18n::Locale;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, QueryOrder, Set, SqlErr};
use uuid::Uuid;

pub fn category_name(c: &categories::Model, locale: Locale) -> String {
    match locale {
        Locale::It => c.name_it.clone(),
        Locale::En => c.name_en.clone(),
        Locale::Es => c.name_es.clone(),
    }
}

impl From<zones::Model> for Zone {
    fn from(z: zones::Model) -> Zone {
        Zone {
            id: z.id,
            name: z.name,
            postcodes: z.postcodes,
            latitude: z.latitude,
            longitude: z.longitude,
        }
    }
}

pub async fn categories(db: &impl ConnectionTrait, locale: Locale) -> Result<Vec<Category>, DbErr> {
    Ok(categories::Entity::find()
        .order_by_asc(categories::Column::Position)
        .order_by_asc(categories::Column::Slug)
        .all(db)
        .await?
        .into_iter()
        .map(|c| Category {
            id: c.id,
            slug: c.slug.clone(),
            name: category_name(&c, locale),
        })
        .collect())
}

pub async fn zones(db: &impl ConnectionTrait) -> Result<Vec<Zone>, DbErr> {
    Ok(zones::Entity::find()
        .order_by_asc(zones::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(Zone::from)
        .collect())
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    #[error("database: {0}")]
    Db(#[from] DbErr),
}

fn required_text(field: &str, raw: &str, max: usize, problems: &mut Vec<FieldError>) -> String {
    let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() {
        problems.push(AppError::field(field, FieldProblem::Required));
    } else if s.chars().count() > max {
        problems.push(AppError::field(field, FieldProblem::TooLong));
    } else if crate::domain::listing::contains_markup(&s) {
        problems.push(AppError::field(field, FieldProblem::HtmlNotAllowed));
    }
    s
}

fn coordinate(field: &str, raw: &str, limit: f64, problems: &mut Vec<FieldError>) -> f64 {
    match raw.trim().replace(',', ".").parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= limit => v,
        _ => {
            problems.push(AppError::field(field, FieldProblem::NumberOutOfRange));
            0.0
        }
    }
}

pub struct NewZone<'a> {
    pub name: &'a str,
    pub postcodes: &'a str,
    pub latitude: &'a str,
    pub longitude: &'a str,
}

/// Adds a zone. Postcodes: five digits each, separated by commas or spaces.
pub async fn add_zone(db: &impl ConnectionTrait, input: NewZone<'_>) -> Result<Uuid, CatalogError> {
    let mut problems = Vec::new();
    let name = required_text("name", input.name, 80, &mut problems);
    let codes: Vec<&str> = input
        .postcodes
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect();
    if codes.is_empty() {
        problems.push(AppError::field("postcodes", FieldProblem::Required));
    } else if codes
        .iter()
        .any(|c| c.len() != 5 || !c.chars().all(|d| d.is_ascii_digit()))
    {
        problems.push(AppError::field("postcodes", FieldProblem::ChoiceInvalid));
    }
    let latitude = coordinate("latitude", input.latitude, 90.0, &mut problems);
    let longitude = coordinate("longitude", input.longitude, 180.0, &mut problems);
    if !problems.is_empty() {
        return Err(CatalogError::Invalid(problems));
    }
    let id = Uuid::now_v7();
    let row = zones::ActiveModel {
        id: Set(id),
        name: Set(name),
        postcodes: Set(codes.join(",")),
        latitude: Set(latitude),
        longitude: Set(longitude),
    };
    match row.insert(db).await {
        Ok(_) => Ok(id),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Err(
            CatalogError::Invalid(vec![AppError::field("name", FieldProblem::Taken)]),
        ),
        Err(e) => Err(e.into()),
    }
}

pub struct NewCategory<'a> {
    pub slug: &'a str,
    pub name_it: &'a str,
    pub name_en: &'a str,
    pub name_es: &'a str,
}

/// Adds a category, named in all three languages.
pub async fn add_category(
    db: &impl ConnectionTrait,
    input: NewCategory<'_>,
) -> Result<Uuid, CatalogError> {
    let mut problems = Vec::new();
    let slug = input.slug.trim().to_lowercase();
    if slug.is_empty() {
        problems.push(AppError::field("slug", FieldProblem::Required));
    } else if slug.len() > 40
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        problems.push(AppError::field("slug", FieldProblem::ChoiceInvalid));
    }
    let name_it = required_text("name_it", input.name_it, 80, &mut problems);
    let name_en = required_text("name_en", input.name_en, 80, &mut problems);
    let name_es = required_text("name_es", input.name_es, 80, &mut problems);
    if !problems.is_empty() {
        return Err(CatalogError::Invalid(problems));
    }
    let position = categories::Entity::find().all(db).await?.len() as i32 * 10;
    let id = Uuid::now_v7();
    let row = categories::ActiveModel {
        id: Set(id),
        slug: Set(slug),
        name_it: Set(name_it),
        name_en: Set(name_en),
        name_es: Set(name_es),
        position: Set(position),
    };
    match row.insert(db).await {
        Ok(_) => Ok(id),
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Err(
            CatalogError::Invalid(vec![AppError::field("slug", FieldProblem::Taken)]),
        ),
        Err(e) => Err(e.into()),
    }
}
