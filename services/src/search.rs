//! Search over active listings of active members. One portable approach for
//! SQLite and PostgreSQL: every word of the query, or one of its stems,
//! must occur in the listing's indexed text (`LIKE '%word%'`; the text
//! holds its words' stems too, `domain::search::index_text`), words in the
//! title rank higher. Results and order are the same on both engines.

use super::entities::{
    availability_exceptions, availability_slots, categories, listing_images, listing_zones,
    listings, memberships, users,
};
use chrono::NaiveDate;
use domain::availability::weekday_of;
use domain::listing::{ListingKind, PriceModel};
use domain::money::{Currency, Money};
use domain::search::{forms, terms};
use domain::validation::FieldError;
use domain::validation::FieldProblem;
use i18n::Locale;
use sea_orm::sea_query::{Expr, Order, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult, JoinType,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, RelationTrait, Select,
};
use uuid::Uuid;
use wire::catalog::{ListingCard, SearchPage, SearchParams};

/// Results per page on `/search`.
pub const PAGE_SIZE: u64 = 20;
/// The most results one API page may hold.
pub const MAX_PER_PAGE: u64 = 100;
/// The highest page number a search may ask for.
pub const MAX_PAGE: u64 = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    Relevance,
    PriceAsc,
    PriceDesc,
    Newest,
}

impl Sort {
    pub fn parse(s: &str) -> Option<Sort> {
        match s {
            "relevance" => Some(Sort::Relevance),
            "price" => Some(Sort::PriceAsc),
            "price_desc" => Some(Sort::PriceDesc),
            "newest" => Some(Sort::Newest),
            _ => None,
        }
    }
}

/// A parsed, valid search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub terms: Vec<String>,
    pub kind: Option<ListingKind>,
    pub category: Option<String>,
    pub zone: Option<Uuid>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub date: Option<NaiveDate>,
    pub sort: Sort,
    pub page: u64,
    pub per_page: u64,
    pub provider: Option<Uuid>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Parses the query string; unknown or malformed values are field errors.
pub fn parse(p: &SearchParams, default_per_page: u64) -> Result<Filter, Vec<FieldError>> {
    let mut problems = Vec::new();
    let mut bad = |field: &str, problem| problems.push(FieldError::new(field, problem));
    let terms = given(&p.q).map(terms).unwrap_or_default();
    let kind = given(&p.kind).and_then(|k| {
        let kind = ListingKind::parse(k);
        if kind.is_none() {
            bad("kind", FieldProblem::ChoiceInvalid);
        }
        kind
    });
    let category = given(&p.category).map(str::to_owned);
    let zone = given(&p.zone).and_then(|z| {
        let id = Uuid::parse_str(z).ok();
        if id.is_none() {
            bad("zone", FieldProblem::ChoiceInvalid);
        }
        id
    });
    let mut amount = |field: &str, raw: Option<&str>| {
        raw.and_then(|raw| match Money::parse_amount(raw, Currency::Eur) {
            Ok(m) => Some(m.minor()),
            Err(_) => {
                bad(field, FieldProblem::AmountInvalid);
                None
            }
        })
    };
    let min = amount("min", given(&p.min));
    let max = amount("max", given(&p.max));
    let date = given(&p.date).and_then(|d| {
        let date = NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
        if date.is_none() {
            problems.push(FieldError::new("date", FieldProblem::DateInvalid));
        }
        date
    });
    let sort = match given(&p.sort) {
        None => {
            if terms.is_empty() {
                Sort::Newest
            } else {
                Sort::Relevance
            }
        }
        Some(s) => Sort::parse(s).unwrap_or_else(|| {
            problems.push(FieldError::new("sort", FieldProblem::ChoiceInvalid));
            Sort::Newest
        }),
    };
    let mut number = |field: &str, raw: Option<&str>, default: u64, max: u64| match raw {
        None => default,
        Some(raw) => match raw.parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                problems.push(FieldError::new(field, FieldProblem::NumberOutOfRange));
                default
            }
        },
    };
    let page = number("page", given(&p.page), 1, MAX_PAGE);
    let per_page = number(
        "per_page",
        given(&p.per_page),
        default_per_page,
        MAX_PER_PAGE,
    );
    if let (Some(min), Some(max)) = (min, max) {
        if max < min {
            problems.push(FieldError::new("max", FieldProblem::MaxBelowMin));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Filter {
        terms,
        kind,
        category,
        zone,
        min,
        max,
        date,
        sort,
        page,
        per_page,
        provider: None,
    })
}

#[derive(Debug, FromQueryResult)]
struct CardRow {
    id: Uuid,
    title: String,
    kind: String,
    price_model: String,
    currency: String,
    price_minor: i64,
    per_km_minor: Option<i64>,
    min_hours: Option<i32>,
    max_hours: Option<i32>,
    max_km: Option<i32>,
    created_at: chrono::DateTime<chrono::Utc>,
    provider_id: Uuid,
    provider_name: String,
    slug: String,
    name_it: String,
    name_en: String,
    name_es: String,
    /// All matches, counted in the same query (`COUNT(*) OVER ()`) when
    /// the search has words.
    total_count: Option<i64>,
}

/// Every filter as a condition on `listings` alone (subqueries instead of
/// joins), so counting never touches the other tables row by row.
fn base_query(filter: &Filter) -> Select<listings::Entity> {
    let mut q = listings::Entity::find()
        .filter(listings::Column::Status.eq("active"))
        .filter(
            listings::Column::OwnerId.in_subquery(
                Query::select()
                    .column(memberships::Column::UserId)
                    .from(memberships::Entity)
                    .and_where(memberships::Column::Status.eq("active"))
                    .to_owned(),
            ),
        );
    // Every word must match, by itself or by one of its stems.
    for term in &filter.terms {
        let any_form = forms(term)
            .into_iter()
            .map(|f| listings::Column::SearchText.contains(f))
            .fold(Condition::any(), Condition::add);
        q = q.filter(any_form);
    }
    if let Some(kind) = filter.kind {
        q = q.filter(listings::Column::Kind.eq(kind.as_str()));
    }
    if let Some(slug) = &filter.category {
        q = q.filter(
            listings::Column::CategoryId.in_subquery(
                Query::select()
                    .column(categories::Column::Id)
                    .from(categories::Entity)
                    .and_where(categories::Column::Slug.eq(slug.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let Some(zone) = filter.zone {
        q = q.filter(
            listings::Column::Id.in_subquery(
                Query::select()
                    .column(listing_zones::Column::ListingId)
                    .from(listing_zones::Entity)
                    .and_where(listing_zones::Column::ZoneId.eq(zone))
                    .to_owned(),
            ),
        );
    }
    if let Some(min) = filter.min {
        q = q.filter(listings::Column::PriceMinor.gte(min));
    }
    if let Some(max) = filter.max {
        q = q.filter(listings::Column::PriceMinor.lte(max));
    }
    if let Some(date) = filter.date {
        q = q
            .filter(
                listings::Column::Id.in_subquery(
                    Query::select()
                        .column(availability_slots::Column::ListingId)
                        .from(availability_slots::Entity)
                        .and_where(
                            availability_slots::Column::Weekday.eq(i16::from(weekday_of(date))),
                        )
                        .to_owned(),
                ),
            )
            .filter(
                listings::Column::Id.not_in_subquery(
                    Query::select()
                        .column(availability_exceptions::Column::ListingId)
                        .from(availability_exceptions::Entity)
                        .and_where(availability_exceptions::Column::ClosedOn.eq(date))
                        .to_owned(),
                ),
            );
    }
    if let Some(provider) = filter.provider {
        q = q.filter(listings::Column::OwnerId.eq(provider));
    }
    q
}

/// Title matches count; every result already matches all words in its text.
fn relevance(terms: &[String]) -> SimpleExpr {
    terms
        .iter()
        .map(|t| -> SimpleExpr {
            let in_title = forms(t)
                .into_iter()
                .map(|f| {
                    Expr::col((listings::Entity, listings::Column::SearchTitle))
                        .like(format!("%{f}%"))
                })
                .fold(Condition::any(), Condition::add);
            Expr::case(in_title, 1).finally(0).into()
        })
        .reduce(|a, b| a.add(b))
        .unwrap_or_else(|| Expr::val(0).into())
}

fn card(row: CardRow, thumb: Option<Uuid>, locale: Locale) -> Option<ListingCard> {
    let price = PriceModel::from_columns(
        &row.price_model,
        Currency::parse(&row.currency)?,
        row.price_minor,
        row.per_km_minor,
        row.min_hours,
        row.max_hours,
        row.max_km,
    )?;
    let category_name = match locale {
        Locale::It => row.name_it,
        Locale::En => row.name_en,
        Locale::Es => row.name_es,
    };
    Some(ListingCard {
        id: row.id,
        title: row.title,
        kind: ListingKind::parse(&row.kind)?,
        category: row.slug,
        category_name,
        price,
        thumb,
        provider_id: row.provider_id,
        provider_name: row.provider_name,
        created_at: row.created_at,
    })
}

/// The first image of each listing, in one query.
pub async fn thumbnails(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, Uuid)>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let images = listing_images::Entity::find()
        .filter(listing_images::Column::ListingId.is_in(ids.iter().copied()))
        .order_by_asc(listing_images::Column::Position)
        .order_by_asc(listing_images::Column::Id)
        .all(db)
        .await?;
    let mut out: Vec<(Uuid, Uuid)> = Vec::new();
    for img in images {
        if !out.iter().any(|(l, _)| *l == img.listing_id) {
            out.push((img.listing_id, img.id));
        }
    }
    Ok(out)
}

/// `run`, or the same search's results from a moment ago (`fresh`).
pub async fn cached(
    db: &impl ConnectionTrait,
    filter: &Filter,
    locale: Locale,
) -> Result<SearchPage, DbErr> {
    use super::fresh::Fresh;
    static PAGES: Fresh<SearchPage> = Fresh::new();
    PAGES
        .get(format!("{filter:?}{locale:?}"), || run(db, filter, locale))
        .await
        .map(|p| p.as_ref().clone())
}

pub async fn run(
    db: &impl ConnectionTrait,
    filter: &Filter,
    locale: Locale,
) -> Result<SearchPage, DbErr> {
    let mut q = base_query(filter)
        .join(JoinType::InnerJoin, listings::Relation::Owner.def())
        .join(JoinType::InnerJoin, listings::Relation::Category.def())
        .select_only()
        .columns([
            listings::Column::Id,
            listings::Column::Title,
            listings::Column::Kind,
            listings::Column::PriceModel,
            listings::Column::Currency,
            listings::Column::PriceMinor,
            listings::Column::PerKmMinor,
            listings::Column::MinHours,
            listings::Column::MaxHours,
            listings::Column::MaxKm,
            listings::Column::CreatedAt,
        ])
        .column_as(users::Column::Id, "provider_id")
        .column_as(users::Column::DisplayName, "provider_name")
        .columns([
            categories::Column::Slug,
            categories::Column::NameIt,
            categories::Column::NameEn,
            categories::Column::NameEs,
        ]);
    // With words, every row is scanned anyway: one query gives the page and
    // the total. Without, the page comes from an index in order and the
    // total from a cheap count.
    let windowed = !filter.terms.is_empty();
    q = if windowed {
        q.column_as(Expr::cust("COUNT(*) OVER ()"), "total_count")
    } else {
        q.column_as(Expr::cust("NULL"), "total_count")
    };
    q = match filter.sort {
        Sort::Relevance => q
            .order_by(relevance(&filter.terms), Order::Desc)
            .order_by_desc(listings::Column::CreatedAt),
        Sort::PriceAsc => q.order_by_asc(listings::Column::PriceMinor),
        Sort::PriceDesc => q.order_by_desc(listings::Column::PriceMinor),
        Sort::Newest => q.order_by_desc(listings::Column::CreatedAt),
    };
    // A total order, so pages never overlap or skip.
    q = q.order_by_desc(listings::Column::Id);
    let rows = q
        .offset((filter.page - 1) * filter.per_page)
        .limit(filter.per_page)
        .into_model::<CardRow>()
        .all(db)
        .await?;
    // One scan gives the page and the total; past the last page there is
    // no row to carry the total, so it is counted on its own.
    let total = match rows.first().and_then(|r| r.total_count) {
        Some(n) => u64::try_from(n).unwrap_or_default(),
        None if windowed && filter.page == 1 => 0,
        None => base_query(filter).count(db).await?,
    };
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let thumbs = thumbnails(db, &ids).await?;
    let items = rows
        .into_iter()
        .filter_map(|r| {
            let thumb = thumbs.iter().find(|(l, _)| *l == r.id).map(|(_, i)| *i);
            card(r, thumb, locale)
        })
        .collect();
    Ok(SearchPage {
        items,
        total,
        page: filter.page,
        per_page: filter.per_page,
    })
}

/// A member's active listings (at most 100), newest first.
pub async fn by_provider(
    db: &impl ConnectionTrait,
    provider: Uuid,
    locale: Locale,
) -> Result<Vec<ListingCard>, DbErr> {
    let filter = Filter {
        terms: Vec::new(),
        kind: None,
        category: None,
        zone: None,
        min: None,
        max: None,
        date: None,
        sort: Sort::Newest,
        page: 1,
        per_page: MAX_PER_PAGE,
        provider: Some(provider),
    };
    Ok(run(db, &filter, locale).await?.items)
}
