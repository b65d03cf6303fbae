//! The public, read-only JSON API (`/api/v1/…`) and its OpenAPI 3.1
//! document, generated from these handlers and types.

use app::api::catalog::{ListingCard, SearchParams};
use app::api::governance::FeeVersionView;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use domain::fee::FeeTerms;
use domain::listing::{ListingKind, PriceModel};
use domain::money::{Currency, Money};
use i18n::Locale;
use serde::{Deserialize, Serialize};
use services::{listings, search, transparency, AppState};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mutua public API",
        description = "Read-only, public data of the cooperative's marketplace.",
        version = "1"
    ),
    paths(list_listings, get_listing, list_fee_rules, transparency),
    components(schemas(
        FeeRuleList,
        FeeRuleVersionBody,
        FeeRuleBody,
        FeeTermsBody,
        VoteBody,
        TransparencyBody,
        MonthBody,
        ListingList,
        ListingSummary,
        ListingDetailBody,
        Price,
        ProviderRef,
        OpeningBody,
        ApiError,
        FieldProblemBody
    ))
)]
pub struct ApiDoc;

/// The search filters of `/search`, plus `per_page` (at most 100).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListingQuery {
    /// Free text; case- and accent-insensitive, every word must match.
    q: Option<String>,
    /// `service` or `delivery`.
    #[param(pattern = "^(service|delivery)$")]
    kind: Option<String>,
    /// Category slug, e.g. `pulizie`.
    category: Option<String>,
    /// Zone id.
    #[param(value_type = Option<uuid::Uuid>)]
    zone: Option<String>,
    /// Lowest price (or rate, or delivery base), in major units, e.g. `10` or `10.50`.
    #[param(pattern = "^[0-9]{1,6}([.,][0-9]{1,2})?$")]
    min: Option<String>,
    /// Highest price, in major units; below `min`, nothing matches.
    #[param(pattern = "^[0-9]{1,6}([.,][0-9]{1,2})?$")]
    max: Option<String>,
    /// Available on this date (`YYYY-MM-DD`).
    #[param(value_type = Option<chrono::NaiveDate>)]
    date: Option<String>,
    /// `relevance`, `price`, `price_desc` or `newest`.
    #[param(pattern = "^(relevance|price|price_desc|newest)$")]
    sort: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 10000)]
    page: Option<String>,
    /// Results per page, 1–100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

/// `^[0-9]{1,6}([.,][0-9]{1,2})?$`, as the document says (below the
/// largest amount the server takes).
fn plain_amount(v: &str) -> bool {
    let (whole, frac) = match v.split_once(['.', ',']) {
        Some((w, f)) => (w, Some(f)),
        None => (v, None),
    };
    let digits = |s: &str, lo: usize, hi: usize| {
        (lo..=hi).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    digits(whole, 1, 6) && frac.is_none_or(|f| digits(f, 1, 2))
}

/// A parameter's name, its value, whether a value is well written, and the
/// problem named when it is not.
type Check<'a> = (
    &'a str,
    &'a Option<String>,
    &'a dyn Fn(&str) -> bool,
    &'a str,
);

/// The query parameters that are not written as the document types them,
/// each with its problem.
fn untyped(q: &ListingQuery) -> Vec<FieldProblemBody> {
    let digits_in = |v: &str, hi: u64| {
        !v.is_empty()
            && v.len() <= 6
            && v.bytes().all(|b| b.is_ascii_digit())
            && v.parse::<u64>().is_ok_and(|n| (1..=hi).contains(&n))
    };
    // The canonical, hyphenated form only.
    let uuid = |v: &str| v.len() == 36 && Uuid::try_parse(v).is_ok();
    let date = |v: &str| {
        v.len() == 10
            && v.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            })
            && chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok()
    };
    let checks: [Check; 8] = [
        (
            "kind",
            &q.kind,
            &|v| ListingKind::parse(v).is_some(),
            "ChoiceInvalid",
        ),
        ("zone", &q.zone, &uuid, "ChoiceInvalid"),
        ("min", &q.min, &plain_amount, "AmountInvalid"),
        ("max", &q.max, &plain_amount, "AmountInvalid"),
        ("date", &q.date, &date, "DateInvalid"),
        (
            "sort",
            &q.sort,
            &|v| search::Sort::parse(v).is_some(),
            "ChoiceInvalid",
        ),
        (
            "page",
            &q.page,
            &|v| digits_in(v, search::MAX_PAGE),
            "NumberOutOfRange",
        ),
        (
            "per_page",
            &q.per_page,
            &|v| digits_in(v, search::MAX_PER_PAGE),
            "NumberOutOfRange",
        ),
    ];
    checks
        .into_iter()
        .filter(|(_, value, ok, _)| value.as_deref().is_some_and(|v| !ok(v)))
        .map(|(field, _, _, problem)| FieldProblemBody {
            field: field.to_owned(),
            problem: problem.to_owned(),
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
pub struct Price {
    /// Amount in minor units (cents): the fixed price, hourly rate or delivery base.
    minor: i64,
    currency: String,
    /// `fixed`, `hourly` or `distance`.
    model: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    per_km_minor: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min_hours: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_hours: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_km: Option<u16>,
}

impl From<&PriceModel> for Price {
    fn from(p: &PriceModel) -> Price {
        let headline = p.headline();
        let mut price = Price {
            minor: headline.minor(),
            currency: headline.currency().code().to_owned(),
            model: p.name().to_owned(),
            per_km_minor: None,
            min_hours: None,
            max_hours: None,
            max_km: None,
        };
        match *p {
            PriceModel::Fixed { .. } => {}
            PriceModel::Hourly {
                min_hours,
                max_hours,
                ..
            } => {
                price.min_hours = Some(min_hours);
                price.max_hours = Some(max_hours);
            }
            PriceModel::Distance { per_km, max_km, .. } => {
                price.per_km_minor = Some(per_km.minor());
                price.max_km = Some(max_km);
            }
        }
        price
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProviderRef {
    id: Uuid,
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ListingSummary {
    id: Uuid,
    title: String,
    /// `service` or `delivery`.
    kind: String,
    /// Category slug.
    category: String,
    price: Price,
    provider: ProviderRef,
}

impl From<ListingCard> for ListingSummary {
    fn from(c: ListingCard) -> ListingSummary {
        ListingSummary {
            id: c.id,
            title: c.title,
            kind: c.kind.as_str().to_owned(),
            category: c.category,
            price: Price::from(&c.price),
            provider: ProviderRef {
                id: c.provider_id,
                name: c.provider_name,
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ListingList {
    items: Vec<ListingSummary>,
    total: u64,
    page: u64,
    per_page: u64,
}

#[derive(Serialize, ToSchema)]
pub struct OpeningBody {
    /// `YYYY-MM-DD`
    date: String,
    /// `HH:MM`
    start: String,
    /// `HH:MM`
    end: String,
}

#[derive(Serialize, ToSchema)]
pub struct ListingDetailBody {
    id: Uuid,
    title: String,
    kind: String,
    category: String,
    description: String,
    price: Price,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_minutes: Option<u16>,
    provider: ProviderRef,
    /// Names of the zones served.
    zones: Vec<String>,
    /// Picture URLs (display size).
    images: Vec<String>,
    /// A service's next free start times, each as long as one booking;
    /// a courier's next working windows.
    next_openings: Vec<OpeningBody>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldProblemBody {
    field: String,
    problem: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApiError {
    /// `invalid`, `not_found` or `internal`.
    error: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<FieldProblemBody>,
}

fn api_error(status: StatusCode, error: &str, fields: Vec<FieldProblemBody>) -> Response {
    (
        status,
        Json(ApiError {
            error: error.to_owned(),
            fields,
        }),
    )
        .into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    let reference = Uuid::now_v7();
    tracing::error!(%reference, "api: {e}");
    api_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", Vec::new())
}

/// Searches active listings.
#[utoipa::path(
    get,
    path = "/api/v1/listings",
    params(ListingQuery),
    responses(
        (status = 200, description = "A page of results", body = ListingList),
        (status = 422, description = "A filter is malformed", body = ApiError),
    )
)]
pub async fn list_listings(
    State(state): State<AppState>,
    q: Result<Query<ListingQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    // A parameter given twice, or not text at all.
    let Ok(Query(q)) = q else {
        return api_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", Vec::new());
    };
    // The API takes values only as its document types them (the pages'
    // search is kinder to what people type: spaces, empty fields).
    let malformed = untyped(&q);
    if !malformed.is_empty() {
        return api_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", malformed);
    }
    // A price range whose top is below its bottom holds no listing.
    let empty_range = match (&q.min, &q.max) {
        (Some(min), Some(max)) => {
            let minor = |v: &str| Money::parse_amount(v, Currency::Eur).map(|m| m.minor());
            matches!((minor(min), minor(max)), (Ok(min), Ok(max)) if max < min)
        }
        _ => false,
    };
    let q = ListingQuery {
        max: if empty_range { None } else { q.max },
        ..q
    };
    let params = SearchParams {
        q: q.q,
        kind: q.kind,
        category: q.category,
        zone: q.zone,
        min: q.min,
        max: q.max,
        date: q.date,
        sort: q.sort,
        page: q.page,
        per_page: q.per_page,
    };
    let filter = match search::parse(&params, search::PAGE_SIZE) {
        Ok(f) => f,
        Err(fields) => {
            let fields = fields
                .into_iter()
                .map(|f| FieldProblemBody {
                    field: f.field,
                    problem: format!("{:?}", f.problem),
                })
                .collect();
            return api_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", fields);
        }
    };
    if empty_range {
        return Json(ListingList {
            items: Vec::new(),
            total: 0,
            page: filter.page,
            per_page: filter.per_page,
        })
        .into_response();
    }
    match search::run(&state.db, &filter, Locale::En).await {
        Ok(page) => Json(ListingList {
            items: page.items.into_iter().map(ListingSummary::from).collect(),
            total: page.total,
            page: page.page,
            per_page: page.per_page,
        })
        .into_response(),
        Err(e) => internal(e),
    }
}

/// One active listing.
#[utoipa::path(
    get,
    path = "/api/v1/listings/{id}",
    params(("id" = Uuid, Path, description = "Listing id")),
    responses(
        (status = 200, description = "The listing", body = ListingDetailBody),
        (status = 404, description = "No such active listing", body = ApiError),
    )
)]
pub async fn get_listing(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return api_error(StatusCode::NOT_FOUND, "not_found", Vec::new());
    };
    let now = state.clock.now().naive_utc();
    match listings::read::detail(&state.db, None, id, Locale::En, now).await {
        Ok(Some(l)) => Json(ListingDetailBody {
            id: l.card.id,
            title: l.card.title,
            kind: l.card.kind.as_str().to_owned(),
            category: l.card.category,
            description: l.description,
            price: Price::from(&l.card.price),
            duration_minutes: l.duration_minutes,
            provider: ProviderRef {
                id: l.card.provider_id,
                name: l.card.provider_name,
            },
            zones: l.zones,
            images: l
                .images
                .iter()
                .map(|i| wire::picture::url(*i, wire::picture::Variant::Display))
                .collect(),
            next_openings: l
                .openings
                .iter()
                .map(|o| OpeningBody {
                    date: o.date.to_string(),
                    start: domain::availability::format_time(o.start),
                    end: domain::availability::format_time(o.end),
                })
                .collect(),
        })
        .into_response(),
        Ok(None) => api_error(StatusCode::NOT_FOUND, "not_found", Vec::new()),
        Err(e) => internal(e),
    }
}

#[derive(Serialize, ToSchema)]
pub struct FeeTermsBody {
    /// Basis points of the line price: 800 = 8 %.
    percent_bps: u32,
    /// Added after the percentage, in minor units.
    fixed_minor: i64,
    min_minor: i64,
    max_minor: Option<i64>,
}

impl From<&FeeTerms> for FeeTermsBody {
    fn from(t: &FeeTerms) -> FeeTermsBody {
        FeeTermsBody {
            percent_bps: t.percent_bps,
            fixed_minor: t.fixed_minor,
            min_minor: t.min_minor,
            max_minor: t.max_minor,
        }
    }
}

/// The fee terms per listing kind, and overrides per category slug.
#[derive(Serialize, ToSchema)]
pub struct FeeRuleBody {
    service: FeeTermsBody,
    delivery: FeeTermsBody,
    categories: std::collections::BTreeMap<String, FeeTermsBody>,
}

/// The vote that enacted a version; counts once it closed.
#[derive(Serialize, ToSchema)]
pub struct VoteBody {
    id: Uuid,
    title: String,
    eligible: Option<u32>,
    yes: Option<u32>,
    no: Option<u32>,
    abstain: Option<u32>,
    quorum_met: Option<bool>,
    passed: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct FeeRuleVersionBody {
    version: i32,
    /// RFC 3339.
    effective_from: String,
    /// The version new orders are priced with now.
    active: bool,
    rule: FeeRuleBody,
    /// None for the statute's first rule.
    proposal: Option<VoteBody>,
}

#[derive(Serialize, ToSchema)]
pub struct FeeRuleList {
    /// Newest first.
    items: Vec<FeeRuleVersionBody>,
}

#[derive(Serialize, ToSchema)]
pub struct MonthBody {
    /// `YYYY-MM`.
    month: String,
    fees_minor: i64,
    paid_out_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct TransparencyBody {
    currency: String,
    fee_rules: Vec<FeeRuleVersionBody>,
    /// The last twelve months, oldest first.
    months: Vec<MonthBody>,
    fees_total_minor: i64,
    paid_out_total_minor: i64,
    processor_fees_total_minor: i64,
    completed_orders: u64,
}

fn version_body(v: FeeVersionView) -> FeeRuleVersionBody {
    FeeRuleVersionBody {
        version: v.version,
        effective_from: v.effective_from.to_rfc3339(),
        active: v.active,
        rule: FeeRuleBody {
            service: FeeTermsBody::from(&v.rule.service),
            delivery: FeeTermsBody::from(&v.rule.delivery),
            categories: v
                .rule
                .categories
                .iter()
                .map(|(k, t)| (k.clone(), FeeTermsBody::from(t)))
                .collect(),
        },
        proposal: v.proposal.map(|p| VoteBody {
            id: p.id,
            title: p.title,
            eligible: p.result.map(|r| r.eligible),
            yes: p.result.map(|r| r.yes),
            no: p.result.map(|r| r.no),
            abstain: p.result.map(|r| r.abstain),
            quorum_met: p.result.map(|r| r.quorum_met),
            passed: p.result.map(|r| r.passed),
        }),
    }
}

/// Every fee rule version, newest first, with the vote that enacted it.
#[utoipa::path(
    get,
    path = "/api/v1/fee-rules",
    responses((status = 200, description = "The fee rule history", body = FeeRuleList))
)]
pub async fn list_fee_rules(State(state): State<AppState>) -> Response {
    match transparency::fee_versions(&state.db, state.clock.now()).await {
        Ok(versions) => Json(FeeRuleList {
            items: versions.into_iter().map(version_body).collect(),
        })
        .into_response(),
        Err(e) => internal(e),
    }
}

/// The cooperative's public figures, from the ledger.
#[utoipa::path(
    get,
    path = "/api/v1/transparency",
    responses((status = 200, description = "Fees, payouts and the fee rule history", body = TransparencyBody))
)]
pub async fn transparency(State(state): State<AppState>) -> Response {
    match transparency::figures(&state.db, state.clock.now()).await {
        Ok(t) => Json(TransparencyBody {
            currency: t.fees_total.currency().code().to_owned(),
            fee_rules: t.versions.into_iter().map(version_body).collect(),
            months: t
                .months
                .into_iter()
                .map(|m| MonthBody {
                    month: m.month,
                    fees_minor: m.fees.minor(),
                    paid_out_minor: m.paid_out.minor(),
                })
                .collect(),
            fees_total_minor: t.fees_total.minor(),
            paid_out_total_minor: t.paid_out_total.minor(),
            processor_fees_total_minor: t.processor_fees_total.minor(),
            completed_orders: t.completed_orders,
        })
        .into_response(),
        Err(e) => internal(e),
    }
}

/// `GET /api/v1/openapi.json`
pub async fn openapi() -> Response {
    match ApiDoc::openapi().to_json() {
        Ok(json) => (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            json,
        )
            .into_response(),
        Err(e) => internal(e),
    }
}
