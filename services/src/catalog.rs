//! Categories and zones: read by everyone, managed by the board.

use super::entities::{categories, zones};
use crate::service::{OnUnique, ServiceError};
use domain::validation::FieldError;
use domain::validation::FieldProblem;
use i18n::Locale;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, QueryOrder, Set};
use uuid::Uuid;
use wire::catalog::{Category, Zone};

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

fn required_text(field: &str, raw: &str, max: usize, problems: &mut Vec<FieldError>) -> String {
    let s = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() {
        problems.push(FieldError::new(field, FieldProblem::Required));
    } else if s.chars().count() > max {
        problems.push(FieldError::new(field, FieldProblem::TooLong));
    } else if domain::listing::contains_markup(&s) {
        problems.push(FieldError::new(field, FieldProblem::HtmlNotAllowed));
    }
    s
}

fn coordinate(field: &str, raw: &str, limit: f64, problems: &mut Vec<FieldError>) -> f64 {
    match raw.trim().replace(',', ".").parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= limit => v,
        _ => {
            problems.push(FieldError::new(field, FieldProblem::NumberOutOfRange));
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
pub async fn add_zone(db: &impl ConnectionTrait, input: NewZone<'_>) -> Result<Uuid, ServiceError> {
    let mut problems = Vec::new();
    let name = required_text("name", input.name, 80, &mut problems);
    let codes: Vec<&str> = input
        .postcodes
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect();
    if codes.is_empty() {
        problems.push(FieldError::new("postcodes", FieldProblem::Required));
    } else if codes
        .iter()
        .any(|c| c.len() != 5 || !c.chars().all(|d| d.is_ascii_digit()))
    {
        problems.push(FieldError::new("postcodes", FieldProblem::ChoiceInvalid));
    }
    let latitude = coordinate("latitude", input.latitude, 90.0, &mut problems);
    let longitude = coordinate("longitude", input.longitude, 180.0, &mut problems);
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
    }
    let id = Uuid::now_v7();
    let row = zones::ActiveModel {
        id: Set(id),
        name: Set(name),
        postcodes: Set(codes.join(",")),
        latitude: Set(latitude),
        longitude: Set(longitude),
    };
    row.insert(db)
        .await
        .on_unique("name", FieldProblem::Taken)?;
    Ok(id)
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
) -> Result<Uuid, ServiceError> {
    let mut problems = Vec::new();
    let slug = input.slug.trim().to_lowercase();
    if slug.is_empty() {
        problems.push(FieldError::new("slug", FieldProblem::Required));
    } else if slug.len() > 40
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        problems.push(FieldError::new("slug", FieldProblem::ChoiceInvalid));
    }
    let name_it = required_text("name_it", input.name_it, 80, &mut problems);
    let name_en = required_text("name_en", input.name_en, 80, &mut problems);
    let name_es = required_text("name_es", input.name_es, 80, &mut problems);
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(problems));
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
    row.insert(db)
        .await
        .on_unique("slug", FieldProblem::Taken)?;
    Ok(id)
}
