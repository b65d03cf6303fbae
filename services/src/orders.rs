//! Orders: placing (services at an opening, deliveries, both in one order),
//! every transition of the state machine in one transaction with its events
//! and e-mails, the message thread, and the lists people work from.
//!
//! Who sees an order: its customer, the providers of its lines and the
//! board. Anyone else gets `NotFound`, exactly as for a missing order.

use super::accounts::display_names as names;
use super::clock::Clock;
use super::entities::{
    availability_exceptions, availability_slots, email_outbox, fee_rule_versions, listing_zones,
    listings, memberships, order_events, order_lines, order_messages, order_numbers, orders,
    payments as payment_rows, slot_units, users, zones,
};
use super::ledger;
use super::listings::{price_of, slots_of};
use super::notify::{self, Notice};
use super::payments;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use domain::availability::{fits, next_openings, start_times, units, Booking, Opening, WeeklySlot};
use domain::fee::FeeRule;
use domain::iban::{CreditorReference, Iban};
use domain::ledger::{self as money_book, Entry, EntryKind, LineMoney};
use domain::listing::{ListingKind, ListingStatus, PriceModel};
use domain::money::{Currency, Money};
use domain::order::{
    Action, LineState, Method, OrderState, Resolution, Status, Step, Transition, TransitionError,
    Who,
};
use domain::order_form::{
    format_slot, parse_delivery, parse_postcode, parse_slot, parse_text, valid_key,
    DeliveryRequest, OrderInput, Problems, ADDRESS_MAX, MESSAGE_MAX, NOTE_MAX, WEIGHT_MAX_KG,
};
use domain::order_number::OrderNumber;
use domain::pricing::{
    billable_km, delivery_price, price_line, service_price, totals, Point, PriceError, PricedLine,
    ServiceRequest,
};
use domain::validation::FieldProblem;
use domain::validation::{FieldError, Refusal};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use uuid::Uuid;
use wire::orders::{
    CourierChoice, DeliveryView, EventView, LineView, MessageView, MyWork, OrderForm, OrderSummary,
    OrderView, PaymentView, PlaceView, Quote, QuoteLine, WorkItem,
};
use wire::viewer::Viewer;

/// How far ahead a service can be booked.
const BOOKING_DAYS: u32 = 60;
/// Openings shown on an order form.
const FORM_OPENINGS: usize = 160;
/// Concurrent changes of one order are retried this many times.
const ACT_ATTEMPTS: usize = 3;
const REASON_MAX: usize = 500;

use super::service::{is_unique_violation, ServiceError};

fn invalid(problems: Problems) -> ServiceError {
    ServiceError::Invalid(
        problems
            .into_iter()
            .map(|(f, p)| FieldError::new(f, p))
            .collect(),
    )
}

fn one(field: &'static str, problem: FieldProblem) -> ServiceError {
    invalid(vec![(field, problem)])
}

impl From<TransitionError> for ServiceError {
    fn from(e: TransitionError) -> Self {
        match e {
            TransitionError::NotAllowed => ServiceError::Forbidden,
            TransitionError::Party => ServiceError::Refused(Refusal::Party),
            TransitionError::Unpaid => ServiceError::Refused(Refusal::Unpaid),
            TransitionError::TooEarly => ServiceError::Refused(Refusal::NotBegun),
            TransitionError::WrongState
            | TransitionError::TooLate
            | TransitionError::NotDue
            | TransitionError::NoSuchLine => ServiceError::Conflict,
        }
    }
}

// ---------------------------------------------------------------------------
// Fee rules

/// The fee rule in force at `now`: the newest version already effective.
pub async fn active_rule(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<(i32, FeeRule), DbErr> {
    let row = fee_rule_versions::Entity::find()
        .filter(fee_rule_versions::Column::EffectiveFrom.lte(now))
        .order_by_desc(fee_rule_versions::Column::EffectiveFrom)
        .order_by_desc(fee_rule_versions::Column::Version)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::Custom("no fee rule in force".into()))?;
    let rule: FeeRule = serde_json::from_str(&row.rule)
        .map_err(|e| DbErr::Custom(format!("fee rule {} unreadable: {e}", row.version)))?;
    Ok((row.version, rule))
}

// ---------------------------------------------------------------------------
// What can be ordered

struct Orderable {
    row: listings::Model,
    owner: users::Model,
    kind: ListingKind,
    price: PriceModel,
    category: String,
}

async fn active_members(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashSet<Uuid>, DbErr> {
    Ok(memberships::Entity::find()
        .filter(memberships::Column::UserId.is_in(ids))
        .filter(memberships::Column::Status.eq("active"))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect())
}

/// The listing if a customer may order it now, with its provider. One
/// query on the way that works (this runs for every order); the reason for
/// a refusal is looked up only when there is one.
async fn orderable(
    db: &impl ConnectionTrait,
    id: Uuid,
    customer: Uuid,
) -> Result<Orderable, ServiceError> {
    use sea_orm::sea_query::Query;
    let active = Query::select()
        .column(memberships::Column::UserId)
        .from(memberships::Entity)
        .and_where(Expr::col(memberships::Column::Status).eq("active"))
        .to_owned();
    let found = listings::Entity::find_by_id(id)
        .filter(listings::Column::Status.eq(ListingStatus::Active.as_str()))
        .filter(listings::Column::OwnerId.in_subquery(active))
        .find_also_related(users::Entity)
        .one(db)
        .await?;
    let Some((row, Some(owner))) = found else {
        // Not on sale: a draft is not public at all; paused, archived or
        // a suspended member's listing says so.
        let exists = listings::Entity::find_by_id(id).one(db).await?;
        return Err(match exists {
            Some(l) if l.status != ListingStatus::Draft.as_str() => {
                one("listing", FieldProblem::NotOrderable)
            }
            _ => ServiceError::NotFound,
        });
    };
    if row.owner_id == customer {
        return Err(one("listing", FieldProblem::OwnListing));
    }
    let (Some(kind), Some(price)) = (ListingKind::parse(&row.kind), price_of(&row)) else {
        return Err(ServiceError::Db(DbErr::Custom(format!(
            "listing {id} has unreadable columns"
        ))));
    };
    let category = super::cache::category_slug(db, row.category_id)
        .await?
        .unwrap_or_default();
    Ok(Orderable {
        row,
        owner,
        kind,
        price,
        category,
    })
}

async fn closed_days(
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
async fn openings(
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
    if listing.kind != ListingKind::Service.as_str() {
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

/// Active courier listings of active members, except the customer's own.
async fn couriers(
    db: &impl ConnectionTrait,
    customer: Uuid,
    serving: Option<[Uuid; 2]>,
) -> Result<Vec<listings::Model>, DbErr> {
    let mut query = listings::Entity::find()
        .filter(listings::Column::Kind.eq(ListingKind::Delivery.as_str()))
        .filter(listings::Column::Status.eq(ListingStatus::Active.as_str()))
        .filter(listings::Column::OwnerId.ne(customer));
    if let Some(zones) = serving {
        let ids: Vec<Uuid> = listing_zones::Entity::find()
            .filter(listing_zones::Column::ZoneId.is_in(zones))
            .all(db)
            .await?
            .into_iter()
            .map(|z| z.listing_id)
            .collect();
        query = query.filter(listings::Column::Id.is_in(ids));
    }
    let rows = query
        .order_by_asc(listings::Column::Title)
        .limit(200)
        .all(db)
        .await?;
    let active = active_members(db, rows.iter().map(|l| l.owner_id)).await?;
    Ok(rows
        .into_iter()
        .filter(|l| active.contains(&l.owner_id))
        .collect())
}

/// A delivery leg resolved against the zones: where, how far.
struct Leg {
    req: DeliveryRequest,
    pickup_zone: zones::Model,
    dropoff_zone: zones::Model,
    km: u32,
}

fn zone_of<'a>(zones: &'a [zones::Model], postcode: &str) -> Option<&'a zones::Model> {
    zones.iter().find(|z| {
        z.postcodes
            .split(',')
            .any(|p| p.trim().eq_ignore_ascii_case(postcode))
    })
}

/// The leg's zones and distance, or the postcodes no zone has.
async fn resolve_leg(
    db: &impl ConnectionTrait,
    req: DeliveryRequest,
) -> Result<Result<Leg, Problems>, DbErr> {
    let mut all = super::cache::zones(db, false).await?;
    let known = |all: &[zones::Model]| {
        zone_of(all, &req.pickup.postcode).is_some()
            && zone_of(all, &req.dropoff.postcode).is_some()
    };
    if !known(&all) {
        // Perhaps a zone added since the cache was filled.
        all = super::cache::zones(db, true).await?;
    }
    let pickup = zone_of(&all, &req.pickup.postcode).cloned();
    let dropoff = zone_of(&all, &req.dropoff.postcode).cloned();
    let mut problems = Problems::new();
    if pickup.is_none() {
        problems.push(("pickup_postcode", FieldProblem::PostcodeUnknown));
    }
    if dropoff.is_none() {
        problems.push(("dropoff_postcode", FieldProblem::PostcodeUnknown));
    }
    let (Some(pickup_zone), Some(dropoff_zone)) = (pickup, dropoff) else {
        return Ok(Err(problems));
    };
    let centroid = |z: &zones::Model| Point {
        lat: z.latitude,
        lon: z.longitude,
    };
    // The customer's coordinates count only near the zone of the postcode
    // given with them.
    use domain::pricing::{trusted_point, ZONE_RADIUS_M};
    let a = trusted_point(req.pickup.point, centroid(&pickup_zone), ZONE_RADIUS_M);
    let b = trusted_point(req.dropoff.point, centroid(&dropoff_zone), ZONE_RADIUS_M);
    Ok(Ok(Leg {
        km: billable_km(a, b),
        req,
        pickup_zone,
        dropoff_zone,
    }))
}

/// Prices `leg` with a courier listing, if the courier serves one of its
/// zones, rides that far and works in the window.
async fn courier_price(
    db: &impl ConnectionTrait,
    courier: &listings::Model,
    leg: &Leg,
) -> Result<Result<Money, FieldProblem>, DbErr> {
    use sea_orm::sea_query::{Query, SelectStatement};
    use sea_orm::FromQueryResult;

    /// What decides whether this courier can take the leg, read in one
    /// query (this runs for every delivery): does it serve either zone,
    /// does it keep weekly hours at all, is it closed that day, and does a
    /// weekly slot overlap the window. A courier without weekly hours takes
    /// deliveries any time.
    #[derive(FromQueryResult)]
    struct Facts {
        served: i32,
        any_slot: i32,
        closed: i32,
        fitting: i32,
    }
    let exists = |q: SelectStatement| Expr::case(Expr::exists(q), 1).finally(0);
    let select_one = || Query::select().expr(Expr::val(1)).to_owned();
    let (start, end) = (leg.req.window_start, leg.req.window_end);
    let day = start.date();
    let minute = |t: NaiveDateTime| {
        t.time()
            .signed_duration_since(chrono::NaiveTime::MIN)
            .num_minutes()
    };
    let (from, to) = (
        minute(start),
        if end.date() > day { 1440 } else { minute(end) },
    );
    let facts = listings::Entity::find_by_id(courier.id)
        .select_only()
        .expr_as(
            exists(
                select_one()
                    .from(listing_zones::Entity)
                    .and_where(Expr::col(listing_zones::Column::ListingId).eq(courier.id))
                    .and_where(
                        Expr::col(listing_zones::Column::ZoneId)
                            .is_in([leg.pickup_zone.id, leg.dropoff_zone.id]),
                    )
                    .to_owned(),
            ),
            "served",
        )
        .expr_as(
            exists(
                select_one()
                    .from(availability_slots::Entity)
                    .and_where(Expr::col(availability_slots::Column::ListingId).eq(courier.id))
                    .to_owned(),
            ),
            "any_slot",
        )
        .expr_as(
            exists(
                select_one()
                    .from(availability_exceptions::Entity)
                    .and_where(Expr::col(availability_exceptions::Column::ListingId).eq(courier.id))
                    .and_where(Expr::col(availability_exceptions::Column::ClosedOn).eq(day))
                    .to_owned(),
            ),
            "closed",
        )
        .expr_as(
            exists(
                select_one()
                    .from(availability_slots::Entity)
                    .and_where(Expr::col(availability_slots::Column::ListingId).eq(courier.id))
                    .and_where(
                        Expr::col(availability_slots::Column::Weekday)
                            .eq(i16::from(domain::availability::weekday_of(day))),
                    )
                    .and_where(Expr::col(availability_slots::Column::StartMinute).lt(to))
                    .and_where(Expr::col(availability_slots::Column::EndMinute).gt(from))
                    .to_owned(),
            ),
            "fitting",
        )
        .into_model::<Facts>()
        .one(db)
        .await?;
    let Some(facts) = facts else {
        return Ok(Err(FieldProblem::NotOrderable));
    };
    if facts.served != 1 {
        return Ok(Err(FieldProblem::ZoneNotServed));
    }
    let Some(model) = price_of(courier) else {
        return Ok(Err(FieldProblem::NotOrderable));
    };
    let price = match delivery_price(&model, leg.km) {
        Ok(p) => p,
        Err(PriceError::OutOfRange { .. }) => return Ok(Err(FieldProblem::OutOfRange)),
        Err(_) => return Ok(Err(FieldProblem::NotOrderable)),
    };
    let works = facts.any_slot == 0 || (facts.closed == 0 && facts.fitting == 1);
    if !works {
        return Ok(Err(FieldProblem::NoCourier));
    }
    Ok(Ok(price))
}

// ---------------------------------------------------------------------------
// Placing an order

/// A line about to be written.
struct NewLine {
    kind: ListingKind,
    listing: listings::Model,
    /// The provider, when already read (saves a lookup for the e-mail).
    owner: Option<users::Model>,
    category: String,
    price: Money,
    hours: Option<u8>,
    slot: Option<Opening>,
    place: Option<ServicePlace>,
    leg: Option<Leg>,
}

/// Where a service at the customer's place is done.
struct ServicePlace {
    address: String,
    postcode: String,
    notes: Option<String>,
}

/// The order form of a listing: what is bought from whom, a fresh key,
/// free start times, couriers, and the price as the form first stands.
pub async fn form(
    db: &DatabaseConnection,
    clock: &Clock,
    customer: Uuid,
    listing: Uuid,
    settings: &payments::Settings,
) -> Result<OrderForm, ServiceError> {
    let o = orderable(db, listing, customer).await?;
    let now = clock.now().naive_utc();
    let openings = if o.kind == ListingKind::Service {
        free_openings(db, &o.row, now, FORM_OPENINGS)
            .await?
            .into_iter()
            .map(|op| (format_slot(op.date, op.start), op.date, op.start, op.end))
            .collect()
    } else {
        Vec::new()
    };
    let hours = match o.price {
        PriceModel::Hourly {
            min_hours,
            max_hours,
            ..
        } => Some((min_hours, max_hours)),
        _ => None,
    };
    let courier_rows = if o.kind == ListingKind::Service {
        couriers(db, customer, None).await?
    } else {
        Vec::new()
    };
    let names = names(db, courier_rows.iter().map(|c| c.owner_id)).await?;
    let mut payment_methods = settings.offered();
    payment_methods.sort_by_key(|m| *m != settings.default);
    let (_, rule) = fee_rule(db, clock.now(), false).await?;
    let first = OrderInput {
        listing: listing.to_string(),
        hours: hours.map(|(min, _)| min.to_string()).unwrap_or_default(),
        ..OrderInput::default()
    };
    let quote = quote(db, clock, customer, &first).await?;
    Ok(OrderForm {
        payment_methods,
        listing_id: listing,
        kind: o.kind,
        title: o.row.title.clone(),
        provider_id: o.owner.id,
        provider_name: o.owner.display_name.clone(),
        price: o.price,
        minutes: (o.kind == ListingKind::Service).then(|| booking_of(&o.row, None).minutes),
        at_customer: o.row.at_customer,
        fee_terms: rule.terms(o.kind, &o.category).clone(),
        delivery_fee_terms: rule.delivery.clone(),
        quote,
        key: Uuid::now_v7().simple().to_string(),
        openings,
        hours,
        couriers: courier_rows
            .into_iter()
            .map(|c| CourierChoice {
                listing_id: c.id,
                provider_name: names.get(&c.owner_id).cloned().unwrap_or_default(),
                title: c.title,
            })
            .collect(),
    })
}

async fn existing_order(
    db: &impl ConnectionTrait,
    customer: Uuid,
    key: &str,
) -> Result<Option<Uuid>, DbErr> {
    Ok(orders::Entity::find()
        .filter(orders::Column::CustomerId.eq(customer))
        .filter(orders::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?
        .map(|o| o.id))
}

/// A service's price as the form stands: the hours (checked against the
/// listing's range) and what they cost.
fn service_price_of(
    o: &Orderable,
    input: &OrderInput,
    problems: &mut Problems,
) -> Option<(Money, Option<u8>)> {
    let hours = match o.price {
        PriceModel::Hourly { .. } => match input.hours.trim().parse::<u8>() {
            Ok(h) => Some(h),
            Err(_) => {
                problems.push((
                    "hours",
                    if input.hours.trim().is_empty() {
                        FieldProblem::Required
                    } else {
                        FieldProblem::NumberOutOfRange
                    },
                ));
                None
            }
        },
        _ => Some(0),
    }?;
    match service_price(&o.price, ServiceRequest { hours }) {
        Ok(p) => Some((p, (hours > 0).then_some(hours))),
        Err(_) => {
            problems.push(("hours", FieldProblem::NumberOutOfRange));
            None
        }
    }
}

/// Where a service at the customer's place happens: an address, a valid
/// postcode of a zone the provider works in, and optional access notes.
async fn service_place(
    db: &impl ConnectionTrait,
    o: &Orderable,
    input: &OrderInput,
    problems: &mut Problems,
) -> Result<Option<ServicePlace>, DbErr> {
    let address = parse_text(&input.place_address, ADDRESS_MAX, true)
        .map_err(|p| problems.push(("place_address", p)))
        .ok();
    let notes = parse_text(&input.access_notes, NOTE_MAX, false)
        .map_err(|p| problems.push(("access_notes", p)))
        .ok();
    let postcode = match parse_postcode(&input.place_postcode) {
        Ok(pc) => {
            let all = super::cache::zones(db, false).await?;
            let zone = match zone_of(&all, &pc) {
                Some(z) => Some(z.clone()),
                None => zone_of(&super::cache::zones(db, true).await?, &pc).cloned(),
            };
            match zone {
                None => {
                    problems.push(("place_postcode", FieldProblem::PostcodeUnknown));
                    None
                }
                Some(zone) => {
                    let served: Vec<Uuid> = listing_zones::Entity::find()
                        .filter(listing_zones::Column::ListingId.eq(o.row.id))
                        .all(db)
                        .await?
                        .into_iter()
                        .map(|z| z.zone_id)
                        .collect();
                    // A provider who named no zones works in all of them.
                    if served.is_empty() || served.contains(&zone.id) {
                        Some(pc)
                    } else {
                        problems.push(("place_postcode", FieldProblem::PlaceNotServed));
                        None
                    }
                }
            }
        }
        Err(p) => {
            problems.push(("place_postcode", p));
            None
        }
    };
    Ok(match (address, postcode, notes) {
        (Some(address), Some(postcode), Some(notes)) => Some(ServicePlace {
            address,
            postcode,
            notes: (!notes.is_empty()).then_some(notes),
        }),
        _ => None,
    })
}

/// The service part of the form: the start time, the hours and, for a
/// service at the customer's, the place.
async fn service_line(
    db: &impl ConnectionTrait,
    o: Orderable,
    input: &OrderInput,
    now: NaiveDateTime,
    problems: &mut Problems,
) -> Result<Option<NewLine>, DbErr> {
    let priced = service_price_of(&o, input, problems);
    let booking = booking_of(&o.row, priced.and_then(|(_, h)| h));
    let slot = match input.slot.trim() {
        "" => {
            problems.push(("slot", FieldProblem::Required));
            None
        }
        raw => match parse_slot(raw) {
            None => {
                problems.push(("slot", FieldProblem::SlotUnavailable));
                None
            }
            Some((date, start)) => {
                let (all, held) = openings(db, o.row.id, now).await?;
                let future = date > now.date()
                    || (date == now.date()
                        && i64::from(start) > (now.time() - chrono::NaiveTime::MIN).num_minutes());
                let shortest = booking_of(&o.row, None);
                match fits(&all, booking, date, start).filter(|_| future) {
                    Some(op)
                        if units(op.start, booking.minutes).any(|u| held.contains(&(date, u))) =>
                    {
                        problems.push(("slot", FieldProblem::SlotTaken));
                        None
                    }
                    Some(op) => Some(op),
                    // A start time of the listing that the hours chosen overrun.
                    None if future
                        && booking != shortest
                        && fits(&all, shortest, date, start).is_some() =>
                    {
                        problems.push(("hours", FieldProblem::HoursDoNotFit));
                        None
                    }
                    None => {
                        problems.push(("slot", FieldProblem::SlotUnavailable));
                        None
                    }
                }
            }
        },
    };
    let place = if o.row.at_customer {
        service_place(db, &o, input, problems).await?
    } else {
        None
    };
    if o.row.at_customer && place.is_none() {
        return Ok(None);
    }
    Ok(match (slot, priced) {
        (Some(slot), Some((price, hours))) => Some(NewLine {
            kind: ListingKind::Service,
            owner: Some(o.owner),
            category: o.category,
            hours,
            listing: o.row,
            price,
            slot: Some(slot),
            place,
            leg: None,
        }),
        _ => None,
    })
}

/// The delivery part: the leg and its courier (given, chosen or assigned).
async fn delivery_line(
    db: &impl ConnectionTrait,
    customer: Uuid,
    fixed_courier: Option<Orderable>,
    input: &OrderInput,
    now: NaiveDateTime,
    problems: &mut Problems,
) -> Result<Option<NewLine>, ServiceError> {
    let req = match parse_delivery(input, now) {
        Ok(r) => r,
        Err(p) => {
            problems.extend(p);
            return Ok(None);
        }
    };
    let leg = match resolve_leg(db, req).await? {
        Ok(l) => l,
        Err(p) => {
            problems.extend(p);
            return Ok(None);
        }
    };
    let chosen = match fixed_courier {
        Some(o) => Some(o),
        None => match input.courier.trim() {
            "" | "auto" => None,
            raw => {
                let picked = match Uuid::parse_str(raw) {
                    Ok(id) => match orderable(db, id, customer).await {
                        Ok(o) if o.kind == ListingKind::Delivery => Some(o),
                        Ok(_) | Err(ServiceError::NotFound) | Err(ServiceError::Invalid(_)) => None,
                        Err(e) => return Err(e),
                    },
                    Err(_) => None,
                };
                if picked.is_none() {
                    problems.push(("courier", FieldProblem::ChoiceInvalid));
                    return Ok(None);
                }
                picked
            }
        },
    };
    let (courier, owner, category, price) = match chosen {
        Some(o) => match courier_price(db, &o.row, &leg).await? {
            Ok(price) => (o.row, Some(o.owner), o.category, price),
            Err(problem) => {
                let field = if problem == FieldProblem::NoCourier {
                    "window_from"
                } else {
                    "dropoff_postcode"
                };
                problems.push((field, problem));
                return Ok(None);
            }
        },
        None => {
            // Automatic: the cheapest available courier serving the zone.
            let mut best: Option<(Money, listings::Model)> = None;
            for c in couriers(
                db,
                customer,
                Some([leg.pickup_zone.id, leg.dropoff_zone.id]),
            )
            .await?
            {
                if let Ok(price) = courier_price(db, &c, &leg).await? {
                    if best.as_ref().is_none_or(|(p, _)| price.minor() < p.minor()) {
                        best = Some((price, c));
                    }
                }
            }
            let Some((price, c)) = best else {
                problems.push(("courier", FieldProblem::NoCourier));
                return Ok(None);
            };
            let category = super::cache::category_slug(db, c.category_id)
                .await?
                .unwrap_or_default();
            (c, None, category, price)
        }
    };
    Ok(Some(NewLine {
        kind: ListingKind::Delivery,
        listing: courier,
        owner,
        category,
        price,
        hours: None,
        slot: None,
        place: None,
        leg: Some(leg),
    }))
}

/// The lines the form asks for, each checked; what is wrong goes into
/// `problems`, all of it in one round.
async fn lines_for(
    db: &impl ConnectionTrait,
    customer: Uuid,
    o: Orderable,
    input: &OrderInput,
    now: NaiveDateTime,
    problems: &mut Problems,
) -> Result<Vec<NewLine>, ServiceError> {
    let mut lines: Vec<NewLine> = Vec::new();
    match o.kind {
        ListingKind::Service => {
            if let Some(l) = service_line(db, o, input, now, problems).await? {
                lines.push(l);
            }
            if input.wants_delivery() {
                if let Some(l) = delivery_line(db, customer, None, input, now, problems).await? {
                    lines.push(l);
                }
            }
        }
        ListingKind::Delivery => {
            if let Some(l) = delivery_line(db, customer, Some(o), input, now, problems).await? {
                lines.push(l);
            }
        }
    }
    Ok(lines)
}

/// The refusal of a form, each number out of range saying its range.
fn refused(problems: Problems, price: &PriceModel) -> ServiceError {
    ServiceError::Invalid(
        problems
            .into_iter()
            .map(|(f, p)| {
                let e = FieldError::new(f, p);
                match (f, price) {
                    (
                        "hours",
                        PriceModel::Hourly {
                            min_hours,
                            max_hours,
                            ..
                        },
                    ) if p == FieldProblem::NumberOutOfRange || p == FieldProblem::Required => {
                        e.within(i64::from(*min_hours), i64::from(*max_hours))
                    }
                    ("weight_kg", _) if p == FieldProblem::NumberOutOfRange => {
                        e.within(1, i64::from(WEIGHT_MAX_KG))
                    }
                    _ => e,
                }
            })
            .collect(),
    )
}

/// What the form would cost as it stands: each line it can price now, and
/// the total and the cooperative's part once every line is priced (a
/// delivery needs its addresses first). Nothing is written.
pub async fn quote(
    db: &DatabaseConnection,
    clock: &Clock,
    customer: Uuid,
    input: &OrderInput,
) -> Result<Quote, ServiceError> {
    let listing = Uuid::parse_str(input.listing.trim()).map_err(|_| ServiceError::NotFound)?;
    let o = orderable(db, listing, customer).await?;
    let now = clock.now();
    let naive = now.naive_utc();
    let mut problems = Problems::new();
    let wants_delivery = o.kind == ListingKind::Delivery || input.wants_delivery();
    let mut lines: Vec<(ListingKind, String, Uuid, Option<u8>, Money, String)> = Vec::new();
    let mut service_priced = o.kind == ListingKind::Delivery;
    if o.kind == ListingKind::Service {
        if let Some((price, hours)) = service_price_of(&o, input, &mut problems) {
            service_priced = true;
            lines.push((
                ListingKind::Service,
                o.row.title.clone(),
                o.row.owner_id,
                hours,
                price,
                o.category.clone(),
            ));
        }
    }
    if wants_delivery {
        let fixed = (o.kind == ListingKind::Delivery).then_some(o);
        if let Some(l) = delivery_line(db, customer, fixed, input, naive, &mut problems).await? {
            lines.push((
                ListingKind::Delivery,
                l.listing.title,
                l.listing.owner_id,
                None,
                l.price,
                l.category,
            ));
        }
    }
    let delivery_pending = wants_delivery && !lines.iter().any(|l| l.0 == ListingKind::Delivery);
    let (_, rule) = fee_rule(db, now, false).await?;
    let who = names(db, lines.iter().map(|l| l.2)).await?;
    let mut out = Vec::new();
    let mut priced = Vec::new();
    for (kind, title, owner, hours, price, category) in lines {
        let p = price_line(price, rule.terms(kind, &category))
            .map_err(|e| DbErr::Custom(format!("pricing: {e}")))?;
        out.push(QuoteLine {
            kind,
            title,
            provider_name: who.get(&owner).cloned().unwrap_or_default(),
            hours,
            price: p.price,
            fee: p.fee,
        });
        priced.push(p);
    }
    let complete = service_priced && !delivery_pending && !priced.is_empty();
    let (total, fee) = match complete.then(|| totals(&priced)) {
        Some(Ok(t)) => (Some(t.total), Some(t.fee)),
        _ => (None, None),
    };
    Ok(Quote {
        lines: out,
        total,
        fee,
        delivery_pending,
    })
}

/// Places an order for `customer`. The same key twice gives the same order.
pub async fn place(
    db: &DatabaseConnection,
    clock: &Clock,
    customer: &Viewer,
    input: &OrderInput,
    settings: &payments::Settings,
) -> Result<Uuid, ServiceError> {
    let key = input.key.trim();
    if !valid_key(key) {
        return Err(one("key", FieldProblem::ChoiceInvalid));
    }
    // No lookup of the key first: a repeat is rare, and it is caught by the
    // unique key when written, or below when its checks fail.
    match place_new(db, clock, customer, input, key, settings).await {
        Ok(id) => Ok(id),
        Err(e) => match existing_order(db, customer.id, key).await? {
            // The same form, already accepted (its opening now booked by
            // itself, say): answer with that order.
            Some(id) => Ok(id),
            None => Err(e),
        },
    }
}

async fn place_new(
    db: &DatabaseConnection,
    clock: &Clock,
    customer: &Viewer,
    input: &OrderInput,
    key: &str,
    settings: &payments::Settings,
) -> Result<Uuid, ServiceError> {
    let listing = Uuid::parse_str(input.listing.trim()).map_err(|_| ServiceError::NotFound)?;
    let o = orderable(db, listing, customer.id).await?;
    let now = clock.now();
    let naive = now.naive_utc();
    let mut problems = Problems::new();
    let method = settings
        .choose(&input.payment)
        .map_err(|p| problems.push(("payment", p)))
        .unwrap_or(settings.default);
    let note = parse_text(&input.note, NOTE_MAX, false)
        .map_err(|p| problems.push(("note", p)))
        .unwrap_or_default();
    let price_model = o.price;
    let lines = lines_for(db, customer.id, o, input, naive, &mut problems).await?;
    if !problems.is_empty() {
        return Err(refused(problems, &price_model));
    }
    let number = next_number(db, now).await?;
    // Priced with the cached fee rule; the order's insert checks that it is
    // still the one in force, and on a change the order is priced again.
    let mut fresh = false;
    loop {
        let (version, rule) = fee_rule(db, now, fresh).await?;
        let priced: Vec<PricedLine> = lines
            .iter()
            .map(|l| price_line(l.price, rule.terms(l.kind, &l.category)))
            .collect::<Result<_, _>>()
            .map_err(|e| DbErr::Custom(format!("pricing: {e}")))?;
        let t = totals(&priced).map_err(|e| DbErr::Custom(format!("pricing: {e}")))?;

        let order_id = Uuid::now_v7();
        // Cash goes to the courier of a composite order, else the provider.
        let collector = (method == Method::Cash)
            .then(|| {
                lines
                    .iter()
                    .find(|l| l.kind == ListingKind::Delivery)
                    .or(lines.first())
                    .map(|l| l.listing.owner_id)
            })
            .flatten();
        let txn = crate::txn::begin_write(db).await?;
        // The first statement writes: on SQLite the transaction takes the write
        // lock at once instead of failing to upgrade later.
        let inserted = insert_order(
            &txn,
            NewOrder {
                id: order_id,
                customer: customer.id,
                fee_rule_version: version,
                total: t.total,
                fee: t.fee,
                key,
                note: (!note.is_empty()).then(|| note.clone()),
                now,
                method,
                collector,
                pay_by: settings.pay_by(method, now),
                number,
            },
        )
        .await;
        match inserted {
            Ok(1) => {}
            Ok(_) if !fresh => {
                // A new fee rule came into force since it was cached.
                drop(txn);
                fresh = true;
                continue;
            }
            Ok(_) => return Err(ServiceError::Conflict),
            Err(e) => {
                drop(txn);
                if is_unique_violation(&e) {
                    // The same form, sent again while the first was being written.
                    if let Some(id) = existing_order(db, customer.id, key).await? {
                        return Ok(id);
                    }
                }
                return Err(e.into());
            }
        }
        let mut providers: Vec<(Uuid, Option<&users::Model>, String)> = Vec::new();
        for (position, (line, p)) in lines.iter().zip(&priced).enumerate() {
            let line_id = Uuid::now_v7();
            let leg = line.leg.as_ref();
            let window = |t: Option<NaiveDateTime>| t.map(|t| t.and_utc());
            order_lines::Entity::insert(order_lines::ActiveModel {
                id: Set(line_id),
                order_id: Set(order_id),
                position: Set(i16::try_from(position).unwrap_or(i16::MAX)),
                kind: Set(line.kind.as_str().to_owned()),
                listing_id: Set(line.listing.id),
                provider_id: Set(line.listing.owner_id),
                title: Set(line.listing.title.clone()),
                category_slug: Set(line.category.clone()),
                status: Set(method.first_status().as_str().to_owned()),
                price_minor: Set(p.price.minor()),
                fee_minor: Set(p.fee.minor()),
                net_minor: Set(p.net.minor()),
                hours: Set(line.hours.map(i16::from)),
                slot_date: Set(line.slot.map(|s| s.date)),
                slot_start: Set(line.slot.and_then(|s| i16::try_from(s.start).ok())),
                slot_end: Set(line.slot.and_then(|s| i16::try_from(s.end).ok())),
                place_address: Set(line.place.as_ref().map(|p| p.address.clone())),
                place_postcode: Set(line.place.as_ref().map(|p| p.postcode.clone())),
                access_notes: Set(line.place.as_ref().and_then(|p| p.notes.clone())),
                pickup_address: Set(leg.map(|l| l.req.pickup.address.clone())),
                pickup_postcode: Set(leg.map(|l| l.req.pickup.postcode.clone())),
                pickup_zone_id: Set(leg.map(|l| l.pickup_zone.id)),
                pickup_lat: Set(leg.and_then(|l| l.req.pickup.point.map(|p| p.lat))),
                pickup_lon: Set(leg.and_then(|l| l.req.pickup.point.map(|p| p.lon))),
                dropoff_address: Set(leg.map(|l| l.req.dropoff.address.clone())),
                dropoff_postcode: Set(leg.map(|l| l.req.dropoff.postcode.clone())),
                dropoff_zone_id: Set(leg.map(|l| l.dropoff_zone.id)),
                dropoff_lat: Set(leg.and_then(|l| l.req.dropoff.point.map(|p| p.lat))),
                dropoff_lon: Set(leg.and_then(|l| l.req.dropoff.point.map(|p| p.lon))),
                distance_km: Set(leg.and_then(|l| i32::try_from(l.km).ok())),
                package_size: Set(leg.map(|l| l.req.size.as_str().to_owned())),
                weight_kg: Set(leg.map(|l| i32::from(l.req.weight_kg))),
                window_start: Set(window(leg.map(|l| l.req.window_start))),
                window_end: Set(window(leg.map(|l| l.req.window_end))),
                updated_at: Set(now),
            })
            .exec_without_returning(&txn)
            .await?;
            if let Some(slot) = line.slot {
                let booked = slot_units::Entity::insert_many(
                    units(slot.start, slot.end.saturating_sub(slot.start)).map(|u| {
                        slot_units::ActiveModel {
                            listing_id: Set(line.listing.id),
                            slot_date: Set(slot.date),
                            unit_start: Set(i16::try_from(u).unwrap_or(i16::MAX)),
                            line_id: Set(line_id),
                        }
                    }),
                )
                .exec_without_returning(&txn)
                .await;
                match booked {
                    Ok(_) => {}
                    Err(e) if is_unique_violation(&e) => {
                        drop(txn);
                        // Another customer booked some of this time a moment ago.
                        if let Some(id) = existing_order(db, customer.id, key).await? {
                            return Ok(id);
                        }
                        return Err(one("slot", FieldProblem::SlotTaken));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            if !providers
                .iter()
                .any(|(p, _, _)| *p == line.listing.owner_id)
            {
                providers.push((
                    line.listing.owner_id,
                    line.owner.as_ref(),
                    line.listing.title.clone(),
                ));
            }
        }
        record(
            &txn,
            order_id,
            None,
            Some(customer.id),
            "place",
            None,
            method.first_status(),
            None,
            now,
        )
        .await?;
        let number_text = number.to_string();
        for (provider, known, title) in providers {
            let about = notify::About {
                id: order_id,
                number: &number_text,
                title: &title,
            };
            match known {
                Some(user) => notify::enqueue_to(&txn, Notice::NewOrder, user, about, now).await?,
                None => notify::enqueue(&txn, Notice::NewOrder, provider, about, now).await?,
            }
        }
        confirm_to_customer(
            &txn,
            customer,
            notify::About {
                id: order_id,
                number: &number_text,
                title: &lines
                    .first()
                    .map(|l| l.listing.title.clone())
                    .unwrap_or_default(),
            },
            t.total,
            method,
            collector,
            settings.pay_by(method, now),
            now,
        )
        .await?;
        txn.commit().await?;
        tracing::info!(order = %order_id, lines = lines.len(), "order placed");
        return Ok(order_id);
    }
}

/// The fee rule to price with: the cached one, or (`fresh`) the one in force.
async fn fee_rule(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    fresh: bool,
) -> Result<(i32, Arc<FeeRule>), DbErr> {
    if !fresh {
        if let Some(cached) = super::cache::fee_rule() {
            return Ok(cached);
        }
    }
    let (version, rule) = active_rule(db, now).await?;
    let rule = Arc::new(rule);
    super::cache::store_fee_rule(version, rule.clone());
    Ok((version, rule))
}

struct NewOrder<'a> {
    id: Uuid,
    customer: Uuid,
    fee_rule_version: i32,
    total: Money,
    fee: Money,
    key: &'a str,
    note: Option<String>,
    now: DateTime<Utc>,
    method: Method,
    collector: Option<Uuid>,
    pay_by: Option<DateTime<Utc>>,
    number: OrderNumber,
}

/// Tells the customer what they ordered: its number, what to pay, how and
/// by when (in the order's transaction, like every notice).
#[allow(clippy::too_many_arguments)]
async fn confirm_to_customer(
    txn: &DatabaseTransaction,
    customer: &Viewer,
    about: notify::About<'_>,
    total: Money,
    method: Method,
    collector: Option<Uuid>,
    pay_by: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let collector_name = match collector {
        Some(c) => names(txn, [c]).await?.remove(&c).unwrap_or_default(),
        None => String::new(),
    };
    let bank = match method {
        Method::Bank => super::money::coop_bank(txn).await?,
        _ => None,
    };
    let reference = OrderNumber::parse(about.number)
        .map(|n| n.creditor_reference().pretty())
        .unwrap_or_default();
    let iban = bank
        .as_ref()
        .and_then(|b| Iban::parse(&b.iban).ok())
        .map(|i| i.pretty())
        .unwrap_or_default();
    let by = pay_by.unwrap_or(now);
    let how = match method {
        Method::Cash => notify::HowToPay::Cash {
            collector: &collector_name,
        },
        Method::Bank => notify::HowToPay::Bank {
            beneficiary: bank.as_ref().map(|b| b.name.as_str()).unwrap_or_default(),
            iban: &iban,
            reference: &reference,
            by,
        },
        Method::Card => notify::HowToPay::Card { by },
    };
    notify::placed(txn, customer, about, total, how, now).await
}

/// Takes the next order number of `now`'s year, in a statement of its own
/// (not in the order's transaction, which would hold every other placement
/// until it commits); a placement that fails afterwards leaves a gap.
async fn next_number(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<OrderNumber, DbErr> {
    use order_numbers::Column as C;
    use sea_orm::sea_query::{OnConflict, Query};
    let year = now.year();
    let upsert = Query::insert()
        .into_table(order_numbers::Entity)
        .columns([C::Year, C::Last])
        .values_panic([year.into(), 1i64.into()])
        .on_conflict(
            OnConflict::column(C::Year)
                .value(C::Last, Expr::col((order_numbers::Entity, C::Last)).add(1))
                .to_owned(),
        )
        .returning_col(C::Last)
        .to_owned();
    let backend = db.get_database_backend();
    let row = db
        .query_one(backend.build(&upsert))
        .await?
        .ok_or_else(|| DbErr::Custom("order number: no row returned".into()))?;
    let last: i64 = row.try_get("", "last")?;
    OrderNumber::new(year, last)
        .ok_or_else(|| DbErr::Custom(format!("order number: {year}-{last} out of range")))
}

/// Inserts the order only if `fee_rule_version` is still the version in
/// force at `now` (one statement: `INSERT … SELECT … WHERE`). Returns the
/// rows written: 0 means the fee rule changed.
async fn insert_order(db: &impl ConnectionTrait, o: NewOrder<'_>) -> Result<u64, DbErr> {
    use orders::Column as C;
    use sea_orm::sea_query::{Order, Query, SimpleExpr, SubQueryStatement};
    let in_force = Query::select()
        .column(fee_rule_versions::Column::Version)
        .from(fee_rule_versions::Entity)
        .and_where(Expr::col(fee_rule_versions::Column::EffectiveFrom).lte(o.now))
        .order_by(fee_rule_versions::Column::EffectiveFrom, Order::Desc)
        .order_by(fee_rule_versions::Column::Version, Order::Desc)
        .limit(1)
        .to_owned();
    let none_at: Option<DateTime<Utc>> = None;
    let none_text: Option<String> = None;
    let values: Vec<SimpleExpr> = vec![
        Expr::val(o.id).into(),
        Expr::val(o.customer).into(),
        Expr::val(o.method.first_status().as_str()).into(),
        Expr::val(o.fee_rule_version).into(),
        Expr::val(o.total.currency().code()).into(),
        Expr::val(o.total.minor()).into(),
        Expr::val(o.fee.minor()).into(),
        Expr::val(o.method.provider()).into(),
        Expr::val(o.key).into(),
        Expr::val(o.note).into(),
        Expr::val(none_text).into(),
        Expr::val(o.now).into(),
        Expr::val(o.now).into(),
        Expr::val(none_at).into(),
        Expr::val(none_at).into(),
        Expr::val(none_at).into(),
        Expr::val(0i32).into(),
        Expr::val(o.collector).into(),
        Expr::val(o.pay_by).into(),
        Expr::val(
            (o.method == Method::Bank).then(|| o.number.creditor_reference().as_str().to_owned()),
        )
        .into(),
        Expr::val(o.number.to_string()).into(),
    ];
    let row = Query::select()
        .exprs(values)
        .and_where(
            Expr::expr(SimpleExpr::SubQuery(
                None,
                Box::new(SubQueryStatement::SelectStatement(in_force)),
            ))
            .eq(o.fee_rule_version),
        )
        .to_owned();
    let insert = Query::insert()
        .into_table(orders::Entity)
        .columns([
            C::Id,
            C::CustomerId,
            C::Status,
            C::FeeRuleVersion,
            C::Currency,
            C::TotalMinor,
            C::FeeMinor,
            C::PaymentProvider,
            C::IdempotencyKey,
            C::Note,
            C::Resolution,
            C::CreatedAt,
            C::UpdatedAt,
            C::PaidAt,
            C::FulfilledAt,
            C::ClosedAt,
            C::Revision,
            C::CollectorId,
            C::PayBy,
            C::PaymentReference,
            C::Number,
        ])
        .select_from(row)
        .map_err(|e| DbErr::Custom(format!("order insert: {e}")))?
        .to_owned();
    let backend = db.get_database_backend();
    Ok(db.execute(backend.build(&insert)).await?.rows_affected())
}

#[allow(clippy::too_many_arguments)]
async fn record(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    line_id: Option<Uuid>,
    actor: Option<Uuid>,
    action: &str,
    from: Option<Status>,
    to: Status,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    order_events::Entity::insert(order_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(order_id),
        line_id: Set(line_id),
        actor_id: Set(actor),
        action: Set(action.to_owned()),
        from_status: Set(from.map(|s| s.as_str().to_owned())),
        to_status: Set(to.as_str().to_owned()),
        reason: Set(reason.map(str::to_owned)),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Transitions

/// An order and its lines as stored, with the snapshot the state machine reads.
pub struct Loaded {
    pub order: orders::Model,
    pub lines: Vec<order_lines::Model>,
    /// A fulfilled order: when the customer was told (see `OrderState`).
    pub told_done_at: Option<DateTime<Utc>>,
}

/// When a line's work begins: its booked opening or its delivery window.
pub fn begins_of(l: &order_lines::Model) -> Option<DateTime<Utc>> {
    match (l.slot_date, l.slot_start) {
        (Some(date), Some(start)) => Some(
            date.and_time(chrono::NaiveTime::MIN).and_utc()
                + chrono::Duration::minutes(i64::from(start)),
        ),
        _ => l.window_start,
    }
}

/// When the customer of a fulfilled order was told its work is done: the
/// last "work done" mail's sending, `None` while one waits to go out. An
/// order without such mails (fulfilled before they were marked, or a
/// customer without an address) counts from its fulfilment.
async fn told_done_at(
    db: &impl ConnectionTrait,
    order: &orders::Model,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let sent: Vec<Option<DateTime<Utc>>> = email_outbox::Entity::find()
        .select_only()
        .column(email_outbox::Column::SentAt)
        .filter(email_outbox::Column::OrderId.eq(order.id))
        .filter(email_outbox::Column::Notice.eq(notify::WORK_DONE))
        .into_tuple()
        .all(db)
        .await?;
    if sent.is_empty() {
        return Ok(order.fulfilled_at);
    }
    Ok(sent
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .and_then(|s| s.into_iter().max()))
}

impl Loaded {
    fn state(&self) -> Result<OrderState, DbErr> {
        let status = |s: &str| {
            Status::parse(s).ok_or_else(|| DbErr::Custom(format!("unknown order status {s}")))
        };
        Ok(OrderState {
            customer: self.order.customer_id,
            status: status(&self.order.status)?,
            method: self.method()?,
            collector: self.order.collector_id,
            created_at: self.order.created_at,
            pay_by: self.order.pay_by,
            paid_at: self.order.paid_at,
            fulfilled_at: self.order.fulfilled_at,
            told_done_at: self.told_done_at,
            lines: self
                .lines
                .iter()
                .map(|l| {
                    Ok(LineState {
                        provider: l.provider_id,
                        status: status(&l.status)?,
                        begins: begins_of(l),
                    })
                })
                .collect::<Result<_, DbErr>>()?,
        })
    }

    pub fn method(&self) -> Result<Method, DbErr> {
        Method::of_provider(&self.order.payment_provider).ok_or_else(|| {
            DbErr::Custom(format!(
                "order {} has unknown payment provider {}",
                self.order.id, self.order.payment_provider
            ))
        })
    }

    fn may_see(&self, viewer: &Viewer) -> bool {
        viewer.board
            || self.order.customer_id == viewer.id
            || self.lines.iter().any(|l| l.provider_id == viewer.id)
    }
}

pub async fn load(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Loaded>, DbErr> {
    let Some(order) = orders::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let lines = order_lines::Entity::find()
        .filter(order_lines::Column::OrderId.eq(id))
        .order_by_asc(order_lines::Column::Position)
        .all(db)
        .await?;
    let told_done_at = if order.status == Status::Fulfilled.as_str() {
        told_done_at(db, &order).await?
    } else {
        None
    };
    Ok(Some(Loaded {
        order,
        lines,
        told_done_at,
    }))
}

/// What a person asks to do to an order, as the form sent it.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub action: Step,
    pub line: Option<Uuid>,
    pub reason: &'a str,
    /// `resolve_partial` only: the amount that goes back to the customer.
    pub refund: &'a str,
}

/// A person acts on an order (the server function's entry point).
pub async fn act_as(
    db: &DatabaseConnection,
    clock: &Clock,
    viewer: &Viewer,
    id: Uuid,
    req: Request<'_>,
) -> Result<(), ServiceError> {
    let Request {
        action,
        line,
        reason,
        refund,
    } = req;
    let reason =
        parse_text(reason, REASON_MAX, action == Step::Dispute).map_err(|p| one("reason", p))?;
    for attempt in 1..=ACT_ATTEMPTS {
        let loaded = load(db, id).await?.ok_or(ServiceError::NotFound)?;
        if !loaded.may_see(viewer) {
            return Err(ServiceError::NotFound);
        }
        let index = match line {
            Some(l) => Some(
                loaded
                    .lines
                    .iter()
                    .position(|x| x.id == l)
                    .ok_or(ServiceError::NotFound)?,
            ),
            None => None,
        };
        let refund = if action == Step::ResolvePartial {
            let currency = Currency::parse(&loaded.order.currency).unwrap_or(Currency::Eur);
            let amount = domain::listing::amount(refund, currency)
                .map_err(|p| one("refund", p))?
                .minor();
            if amount <= 0 || amount >= loaded.order.total_minor {
                return Err(one("refund", FieldProblem::RefundRange));
            }
            Some(amount)
        } else {
            None
        };
        let action = action.action(index, refund).ok_or(ServiceError::Conflict)?;
        let who = Who::person(viewer.id, viewer.board);
        match apply(db, clock.now(), &loaded, action, who, Some(reason.as_str())).await {
            Err(ServiceError::Conflict) if attempt < ACT_ATTEMPTS => {
                // Someone changed the order meanwhile: read it again.
                continue;
            }
            other => return other,
        }
    }
    Err(ServiceError::Conflict)
}

/// Plans `action` on `loaded` and writes it in one transaction: the order's
/// row (guarded by its revision), the lines (guarded by their status),
/// freed openings, events and e-mails. Writes nothing when refused.
pub async fn apply(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    loaded: &Loaded,
    action: Action,
    who: Who,
    reason: Option<&str>,
) -> Result<(), ServiceError> {
    let txn = crate::txn::begin_write(db).await?;
    apply_in(&txn, now, loaded, action, who, reason).await?;
    txn.commit().await?;
    tracing::info!(order = %loaded.order.id, action = action.name(), "order transition");
    Ok(())
}

/// `apply` inside the caller's transaction (a webhook records its event in
/// the same one). Nothing is written if it fails and the caller drops the
/// transaction.
pub async fn apply_in(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    loaded: &Loaded,
    action: Action,
    who: Who,
    reason: Option<&str>,
) -> Result<(), ServiceError> {
    let state = loaded.state()?;
    let t = match state.plan(action, who, now) {
        Ok(t) => t,
        Err(e) => return Err(e.into()),
    };
    let reason = reason.filter(|r| !r.is_empty());
    let order = &loaded.order;
    let mut update = orders::Entity::update_many()
        .col_expr(orders::Column::Status, Expr::value(t.order_to.as_str()))
        .col_expr(orders::Column::UpdatedAt, Expr::value(now))
        .col_expr(orders::Column::Revision, Expr::value(order.revision + 1));
    if t.paid {
        update = update.col_expr(orders::Column::PaidAt, Expr::value(now));
    }
    if t.order_to == Status::Fulfilled && t.order_from != Status::Fulfilled {
        update = update.col_expr(orders::Column::FulfilledAt, Expr::value(now));
    }
    if t.order_to.is_final() {
        update = update.col_expr(orders::Column::ClosedAt, Expr::value(now));
    }
    if let Action::Resolve(r) = action {
        let name = match r {
            Resolution::Release => "release",
            Resolution::Refund => "refund",
            Resolution::Partial(_) => "partial",
        };
        update = update.col_expr(orders::Column::Resolution, Expr::value(name));
    }
    let res = update
        .filter(orders::Column::Id.eq(order.id))
        .filter(orders::Column::Revision.eq(order.revision))
        .filter(orders::Column::Status.eq(t.order_from.as_str()))
        .exec(txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    let actor = who.id;
    let name = action.name();
    // Cash confirmed changes no status, but belongs in the timeline.
    if t.order_from != t.order_to || t.paid {
        record(
            txn,
            order.id,
            None,
            actor,
            name,
            Some(t.order_from),
            t.order_to,
            reason,
            now,
        )
        .await?;
    }
    for &(i, from, to) in &t.lines {
        let Some(line) = loaded.lines.get(i) else {
            return Err(ServiceError::Conflict);
        };
        let res = order_lines::Entity::update_many()
            .col_expr(order_lines::Column::Status, Expr::value(to.as_str()))
            .col_expr(order_lines::Column::UpdatedAt, Expr::value(now))
            .filter(order_lines::Column::Id.eq(line.id))
            .filter(order_lines::Column::Status.eq(from.as_str()))
            .exec(txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(ServiceError::Conflict);
        }
        if matches!(to, Status::Cancelled | Status::Declined | Status::Refunded) {
            slot_units::Entity::delete_many()
                .filter(slot_units::Column::LineId.eq(line.id))
                .exec(txn)
                .await?;
        }
        record(
            txn,
            order.id,
            Some(line.id),
            actor,
            name,
            Some(from),
            to,
            reason,
            now,
        )
        .await?;
        // Every line done is told to the customer (the order completes by
        // itself only 48 h after the last of these mails went out).
        if to == Status::Fulfilled {
            let notice = if line.kind == ListingKind::Delivery.as_str() {
                Notice::Delivered
            } else {
                Notice::Done
            };
            let about = notify::About {
                id: order.id,
                number: &order.number,
                title: &line.title,
            };
            notify::enqueue(txn, notice, order.customer_id, about, now).await?;
        }
    }
    if matches!(action, Action::Resolve(_) | Action::Dispute) {
        super::audit::record(
            txn,
            now,
            actor,
            if matches!(action, Action::Dispute) {
                "order_disputed"
            } else {
                "dispute_resolved"
            },
            &format!("order:{}", order.id),
            &match action {
                Action::Resolve(Resolution::Partial(refund)) => {
                    format!("partial, {refund} minor units refunded")
                }
                Action::Resolve(Resolution::Refund) => "refund".to_owned(),
                Action::Resolve(Resolution::Release) => "release".to_owned(),
                _ => reason.unwrap_or("").to_owned(),
            },
        )
        .await?;
    }
    let ctx = ledger::Context {
        actor,
        memo: reason,
    };
    for e in money_of(loaded, action, &t)? {
        ledger::post(txn, &e, ctx, now).await?;
        record_payment(txn, order, &e, actor, now).await?;
        super::connect::owe_transfers(txn, order, &e, now).await?;
    }
    let first_title = loaded
        .lines
        .first()
        .map(|l| l.title.clone())
        .unwrap_or_default();
    if t.order_from != t.order_to {
        let customer_notice = match (action, t.order_to) {
            (_, Status::Accepted) => Some(Notice::Accepted),
            (Action::Expire, _) => Some(Notice::Expired),
            (_, Status::Refunded) => Some(Notice::Refunded),
            _ => None,
        };
        if let Some(n) = customer_notice {
            let about = notify::About {
                id: order.id,
                number: &order.number,
                title: &first_title,
            };
            notify::enqueue(txn, n, order.customer_id, about, now).await?;
        }
        if t.order_to == Status::Completed {
            let mut seen = HashSet::new();
            for l in &loaded.lines {
                if seen.insert(l.provider_id) {
                    let about = notify::About {
                        id: order.id,
                        number: &order.number,
                        title: &l.title,
                    };
                    notify::enqueue(txn, Notice::Completed, l.provider_id, about, now).await?;
                }
            }
        }
    }
    Ok(())
}

/// The money each line of an order moves, as pinned when it was placed.
pub fn line_money(lines: &[order_lines::Model]) -> Vec<LineMoney> {
    lines
        .iter()
        .map(|l| LineMoney {
            id: l.id,
            provider: l.provider_id,
            price: l.price_minor,
            fee: l.fee_minor,
        })
        .collect()
}

/// The ledger entries a transition writes: the payment when money
/// arrives, the split when the order completes, the refund when it is
/// refunded, both when a dispute is settled in part.
fn money_of(loaded: &Loaded, action: Action, t: &Transition) -> Result<Vec<Entry>, ServiceError> {
    let o = &loaded.order;
    let currency = Currency::parse(&o.currency)
        .ok_or_else(|| DbErr::Custom(format!("order {} has unknown currency", o.id)))?;
    let lines = line_money(&loaded.lines);
    let cash = match loaded.method()? {
        Method::Cash => Some(
            o.collector_id
                .ok_or_else(|| DbErr::Custom(format!("cash order {} has no collector", o.id)))?,
        ),
        Method::Bank | Method::Card => None,
    };
    if t.paid {
        return Ok(vec![money_book::payment(
            o.id,
            currency,
            &lines,
            money_book::holder(cash),
        )]);
    }
    if t.order_from == t.order_to {
        return Ok(Vec::new());
    }
    let mut entries = match (action, t.order_to) {
        (Action::Resolve(Resolution::Partial(refund)), _) => {
            money_book::settlement(o.id, currency, &lines, refund)
                .map_err(|_| one("refund", FieldProblem::OutOfRange))?
        }
        (Action::Resolve(Resolution::Refund), _) | (_, Status::Refunded) => {
            vec![money_book::full_refund(o.id, currency, &lines)]
        }
        (Action::Resolve(Resolution::Release), _) | (_, Status::Completed) => {
            vec![money_book::completion(o.id, currency, &lines)]
        }
        _ => Vec::new(),
    };
    // Cash released to the providers is in the collector's hands: they
    // keep their own part and owe the cooperative the rest.
    if let Some(collector) = cash {
        let collected: Vec<Entry> = entries
            .iter()
            .filter(|e| e.kind == EntryKind::Completion)
            .filter_map(|e| money_book::collection(o.id, collector, e))
            .collect();
        entries.extend(collected);
    }
    Ok(entries)
}

/// Keeps the order's payment row in step with its ledger entries.
async fn record_payment(
    db: &impl ConnectionTrait,
    order: &orders::Model,
    e: &Entry,
    actor: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    match e.kind {
        EntryKind::Payment => {
            payment_rows::Entity::insert(payment_rows::ActiveModel {
                id: Set(Uuid::now_v7()),
                order_id: Set(order.id),
                provider: Set(order.payment_provider.clone()),
                status: Set("succeeded".to_owned()),
                amount_minor: Set(order.total_minor),
                currency: Set(order.currency.clone()),
                external_id: Set(None),
                confirmed_by: Set(actor),
                processor_fee_minor: Set(None),
                refunded_minor: Set(0),
                processor_refunded_minor: Set(0),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .on_conflict(
                sea_orm::sea_query::OnConflict::columns([
                    payment_rows::Column::OrderId,
                    payment_rows::Column::Provider,
                ])
                .update_columns([
                    payment_rows::Column::Status,
                    payment_rows::Column::ConfirmedBy,
                    payment_rows::Column::UpdatedAt,
                ])
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        }
        EntryKind::Refund => {
            let amount = e.amount();
            let status = if amount >= order.total_minor {
                "refunded"
            } else {
                "succeeded"
            };
            payment_rows::Entity::update_many()
                .col_expr(
                    payment_rows::Column::RefundedMinor,
                    Expr::col(payment_rows::Column::RefundedMinor).add(amount),
                )
                .col_expr(payment_rows::Column::Status, Expr::value(status))
                .col_expr(payment_rows::Column::UpdatedAt, Expr::value(now))
                .filter(payment_rows::Column::OrderId.eq(order.id))
                .filter(payment_rows::Column::Status.eq("succeeded"))
                .exec(db)
                .await?;
        }
        _ => {}
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Messages

pub async fn post_message(
    db: &DatabaseConnection,
    clock: &Clock,
    viewer: &Viewer,
    id: Uuid,
    body: &str,
) -> Result<(), ServiceError> {
    let loaded = load(db, id).await?.ok_or(ServiceError::NotFound)?;
    if !loaded.may_see(viewer) {
        return Err(ServiceError::NotFound);
    }
    let body = parse_text(body, MESSAGE_MAX, true).map_err(|p| one("body", p))?;
    order_messages::Entity::insert(order_messages::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(id),
        author_id: Set(viewer.id),
        body: Set(body),
        created_at: Set(clock.now()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Reading

fn money(currency: &str, minor: i64) -> Money {
    Money::new(minor, Currency::parse(currency).unwrap_or(Currency::Eur))
}

fn delivery_view(l: &order_lines::Model) -> Option<DeliveryView> {
    (l.kind == ListingKind::Delivery.as_str()).then(|| DeliveryView {
        pickup_address: l.pickup_address.clone().unwrap_or_default(),
        pickup_postcode: l.pickup_postcode.clone().unwrap_or_default(),
        dropoff_address: l.dropoff_address.clone().unwrap_or_default(),
        dropoff_postcode: l.dropoff_postcode.clone().unwrap_or_default(),
        distance_km: l.distance_km,
        package_size: l.package_size.clone().unwrap_or_default(),
        weight_kg: l.weight_kg,
        window_start: l.window_start,
        window_end: l.window_end,
    })
}

fn slot_of(l: &order_lines::Model) -> Option<(NaiveDate, u16, u16)> {
    Some((
        l.slot_date?,
        u16::try_from(l.slot_start?).ok()?,
        u16::try_from(l.slot_end?).ok()?,
    ))
}

/// The names of the `candidates` that `who` may take on `state` at `now`.
fn open_to(
    state: &OrderState,
    who: Who,
    now: DateTime<Utc>,
    candidates: impl IntoIterator<Item = Action>,
) -> Vec<Step> {
    candidates
        .into_iter()
        .filter(|a| state.plan(*a, who, now).is_ok())
        .filter_map(Step::of)
        .collect()
}

/// The steps a provider takes on line `i`.
fn line_steps(i: usize) -> [Action; 4] {
    [
        Action::Accept(i),
        Action::Decline(i),
        Action::Start(i),
        Action::Fulfil(i),
    ]
}

/// An order as `viewer` may see it, with the actions open to them now.
pub async fn view(
    db: &DatabaseConnection,
    clock: &Clock,
    viewer: &Viewer,
    id: Uuid,
) -> Result<OrderView, ServiceError> {
    let loaded = load(db, id).await?.ok_or(ServiceError::NotFound)?;
    if !loaded.may_see(viewer) {
        return Err(ServiceError::NotFound);
    }
    let state = loaded.state()?;
    let now = clock.now();
    let who = Who::person(viewer.id, viewer.board);
    let order = &loaded.order;
    let is_customer = order.customer_id == viewer.id;
    let sees_money = is_customer || viewer.board;
    let actions = open_to(
        &state,
        who,
        now,
        [
            Action::ConfirmPayment,
            Action::Complete,
            Action::Dispute,
            Action::Cancel,
            Action::Resolve(Resolution::Release),
            Action::Resolve(Resolution::Refund),
            // The amount is asked for on the page; any stands in here.
            Action::Resolve(Resolution::Partial(1)),
        ],
    );

    let events = order_events::Entity::find()
        .filter(order_events::Column::OrderId.eq(id))
        .order_by_asc(order_events::Column::CreatedAt)
        .order_by_asc(order_events::Column::Id)
        .all(db)
        .await?;
    let messages = order_messages::Entity::find()
        .filter(order_messages::Column::OrderId.eq(id))
        .order_by_asc(order_messages::Column::CreatedAt)
        .order_by_asc(order_messages::Column::Id)
        .all(db)
        .await?;
    let people = names(
        db,
        std::iter::once(order.customer_id)
            .chain(loaded.lines.iter().map(|l| l.provider_id))
            .chain(order.collector_id)
            .chain(events.iter().filter_map(|e| e.actor_id))
            .chain(messages.iter().map(|m| m.author_id)),
    )
    .await?;
    let name = |id: &Uuid| people.get(id).cloned().unwrap_or_default();
    let positions: HashMap<Uuid, i16> = loaded.lines.iter().map(|l| (l.id, l.position)).collect();

    let lines = loaded
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mine = l.provider_id == viewer.id;
            let shown = sees_money || mine;
            let amount = |minor: i64| shown.then(|| money(&order.currency, minor));
            LineView {
                id: l.id,
                position: l.position,
                kind: ListingKind::parse(&l.kind).unwrap_or(ListingKind::Service),
                listing_id: l.listing_id,
                title: l.title.clone(),
                provider_id: l.provider_id,
                provider_name: name(&l.provider_id),
                status: Status::parse(&l.status).unwrap_or(Status::PendingPayment),
                price: amount(l.price_minor),
                fee: amount(l.fee_minor),
                net: amount(l.net_minor),
                hours: l.hours,
                slot: slot_of(l),
                place: l.place_address.clone().map(|address| PlaceView {
                    address,
                    postcode: l.place_postcode.clone().unwrap_or_default(),
                    notes: l.access_notes.clone(),
                }),
                delivery: delivery_view(l),
                begins: begins_of(l),
                mine,
                actions: open_to(&state, who, now, line_steps(i)),
            }
        })
        .collect();
    let bank = if state.method == Method::Bank && sees_money {
        super::money::coop_bank(db).await?
    } else {
        None
    };
    let collects = order.collector_id == Some(viewer.id);
    let payment = PaymentView {
        method: state.method,
        paid: order.paid_at.is_some(),
        amount: (sees_money || collects).then(|| money(&order.currency, order.total_minor)),
        mine: collects,
        collector_name: order.collector_id.map(|c| name(&c)),
        beneficiary: bank.as_ref().map(|b| b.name.clone()),
        iban: bank
            .as_ref()
            .and_then(|b| Iban::parse(&b.iban).ok())
            .map(|i| i.pretty()),
        reference: order
            .payment_reference
            .as_deref()
            .filter(|_| sees_money)
            .and_then(CreditorReference::parse)
            .map(|r| r.pretty()),
        pay_by: order.pay_by.filter(|_| order.paid_at.is_none()),
    };
    Ok(OrderView {
        payment,
        id: order.id,
        number: order.number.clone(),
        status: state.status,
        created_at: order.created_at,
        customer_name: name(&order.customer_id),
        is_customer,
        is_board: viewer.board,
        total: sees_money.then(|| money(&order.currency, order.total_minor)),
        fee: sees_money.then(|| money(&order.currency, order.fee_minor)),
        fee_rule_version: order.fee_rule_version,
        payment_provider: order.payment_provider.clone(),
        note: order.note.clone(),
        resolution: order.resolution.clone(),
        lines,
        events: events
            .iter()
            .filter_map(|e| {
                Some(EventView {
                    at: e.created_at,
                    action: e.action.clone(),
                    from: e.from_status.as_deref().and_then(Status::parse),
                    to: Status::parse(&e.to_status)?,
                    line: e.line_id.and_then(|l| positions.get(&l).copied()),
                    actor_name: e.actor_id.map(|a| name(&a)),
                    reason: e.reason.clone(),
                })
            })
            .collect(),
        messages: messages
            .iter()
            .map(|m| MessageView {
                at: m.created_at,
                author_name: name(&m.author_id),
                body: m.body.clone(),
                mine: m.author_id == viewer.id,
            })
            .collect(),
        // A co-provider sees their own line's money above, not the
        // order's entries (which name every line's split); the only
        // provider of an order sees them all.
        money: if sees_money || loaded.lines.iter().all(|l| l.provider_id == viewer.id) {
            super::money::order_entries(db, id).await?
        } else {
            Vec::new()
        },
        actions,
    })
}

async fn summaries(
    db: &impl ConnectionTrait,
    rows: Vec<orders::Model>,
) -> Result<Vec<OrderSummary>, DbErr> {
    let ids: Vec<Uuid> = rows.iter().map(|o| o.id).collect();
    let mut titles: HashMap<Uuid, Vec<String>> = HashMap::new();
    for l in order_lines::Entity::find()
        .filter(order_lines::Column::OrderId.is_in(ids))
        .order_by_asc(order_lines::Column::Position)
        .all(db)
        .await?
    {
        titles.entry(l.order_id).or_default().push(l.title);
    }
    let people = names(db, rows.iter().map(|o| o.customer_id)).await?;
    Ok(rows
        .into_iter()
        .map(|o| OrderSummary {
            id: o.id,
            number: o.number,
            status: Status::parse(&o.status).unwrap_or(Status::PendingPayment),
            created_at: o.created_at,
            total: money(&o.currency, o.total_minor),
            titles: titles.remove(&o.id).unwrap_or_default(),
            customer_name: people.get(&o.customer_id).cloned().unwrap_or_default(),
        })
        .collect())
}

/// The human numbers of `ids` (those that exist).
pub async fn numbers(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, DbErr> {
    let ids: HashSet<Uuid> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, String)> = orders::Entity::find()
        .select_only()
        .column(orders::Column::Id)
        .column(orders::Column::Number)
        .filter(orders::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// A customer's orders, newest first.
pub async fn of_customer(
    db: &impl ConnectionTrait,
    customer: Uuid,
) -> Result<Vec<OrderSummary>, DbErr> {
    let rows = orders::Entity::find()
        .filter(orders::Column::CustomerId.eq(customer))
        .order_by_desc(orders::Column::CreatedAt)
        .limit(200)
        .all(db)
        .await?;
    summaries(db, rows).await
}

/// Every order (the board's view), newest first, optionally of one status.
pub async fn all(
    db: &impl ConnectionTrait,
    status: Option<Status>,
) -> Result<Vec<OrderSummary>, DbErr> {
    let mut q = orders::Entity::find();
    if let Some(s) = status {
        q = q.filter(orders::Column::Status.eq(s.as_str()));
    }
    let rows = q
        .order_by_desc(orders::Column::CreatedAt)
        .limit(200)
        .all(db)
        .await?;
    summaries(db, rows).await
}

/// When a line's work happens (service slot or delivery window).
fn when(l: &order_lines::Model) -> (Option<NaiveDateTime>, Option<NaiveDateTime>) {
    if let Some((date, start, end)) = slot_of(l) {
        let at = |m: u16| {
            date.and_time(chrono::NaiveTime::MIN) + chrono::Duration::minutes(i64::from(m))
        };
        return (Some(at(start)), Some(at(end)));
    }
    (
        l.window_start.map(|t| t.naive_utc()),
        l.window_end.map(|t| t.naive_utc()),
    )
}

/// `provider`'s lines as work, each with the steps open to them on it now
/// (the same the order's page offers them).
async fn work_items(
    db: &impl ConnectionTrait,
    clock: &Clock,
    provider: Uuid,
    lines: Vec<order_lines::Model>,
) -> Result<Vec<WorkItem>, DbErr> {
    let order_ids: Vec<Uuid> = lines.iter().map(|l| l.order_id).collect();
    let order_rows: HashMap<Uuid, orders::Model> = orders::Entity::find()
        .filter(orders::Column::Id.is_in(order_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut siblings: HashMap<Uuid, Vec<order_lines::Model>> = HashMap::new();
    for l in order_lines::Entity::find()
        .filter(order_lines::Column::OrderId.is_in(order_ids))
        .order_by_asc(order_lines::Column::Position)
        .all(db)
        .await?
    {
        siblings.entry(l.order_id).or_default().push(l);
    }
    let now = clock.now();
    let who = Who::person(provider, false);
    // The steps open on each of the provider's lines, from its order's state.
    let mut steps: HashMap<Uuid, Vec<Step>> = HashMap::new();
    for (id, o) in &order_rows {
        let told_done_at = if o.status == Status::Fulfilled.as_str() {
            told_done_at(db, o).await?
        } else {
            None
        };
        let loaded = Loaded {
            order: o.clone(),
            lines: siblings.remove(id).unwrap_or_default(),
            told_done_at,
        };
        let state = loaded.state()?;
        for (i, l) in loaded.lines.iter().enumerate() {
            if l.provider_id == provider {
                let candidates = std::iter::once(Action::ConfirmPayment).chain(line_steps(i));
                steps.insert(l.id, open_to(&state, who, now, candidates));
            }
        }
    }
    let people = names(db, order_rows.values().map(|o| o.customer_id)).await?;
    let mut items: Vec<WorkItem> = lines
        .into_iter()
        .filter_map(|l| {
            let o = order_rows.get(&l.order_id)?;
            let (when, until) = when(&l);
            Some(WorkItem {
                order_id: l.order_id,
                order_number: o.number.clone(),
                line_id: l.id,
                order_status: Status::parse(&o.status)?,
                status: Status::parse(&l.status)?,
                kind: ListingKind::parse(&l.kind)?,
                customer_name: people.get(&o.customer_id).cloned().unwrap_or_default(),
                net: money(&o.currency, l.net_minor),
                delivery: delivery_view(&l),
                actions: steps.remove(&l.id).unwrap_or_default(),
                title: l.title,
                when,
                until,
            })
        })
        .collect();
    items.sort_by_key(|i| (i.when.is_none(), i.when));
    Ok(items)
}

/// A member's open lines: to act on, today's, upcoming.
pub async fn work(
    db: &impl ConnectionTrait,
    clock: &Clock,
    provider: Uuid,
) -> Result<MyWork, DbErr> {
    // A cash order waits for its providers from the start (`placed`).
    let open = [
        Status::Placed,
        Status::PendingPayment,
        Status::Paid,
        Status::Accepted,
        Status::InProgress,
    ];
    let lines = order_lines::Entity::find()
        .filter(order_lines::Column::ProviderId.eq(provider))
        .filter(order_lines::Column::Status.is_in(open.map(Status::as_str)))
        .limit(500)
        .all(db)
        .await?;
    let today = clock.now().date_naive();
    let mut out = MyWork {
        to_act: Vec::new(),
        today: Vec::new(),
        upcoming: Vec::new(),
    };
    for item in work_items(db, clock, provider, lines).await? {
        if matches!(
            item.status,
            Status::Placed | Status::PendingPayment | Status::Paid
        ) {
            out.to_act.push(item);
        } else if item.when.is_none_or(|w| w.date() <= today) {
            out.today.push(item);
        } else {
            out.upcoming.push(item);
        }
    }
    Ok(out)
}

/// A courier's deliveries with a window on `day`, in time order.
pub async fn courier_day(
    db: &impl ConnectionTrait,
    clock: &Clock,
    courier: Uuid,
    day: NaiveDate,
) -> Result<Vec<WorkItem>, DbErr> {
    let start = day.and_time(chrono::NaiveTime::MIN).and_utc();
    let end = start + chrono::Duration::days(1);
    let lines = order_lines::Entity::find()
        .filter(order_lines::Column::ProviderId.eq(courier))
        .filter(order_lines::Column::Kind.eq(ListingKind::Delivery.as_str()))
        .filter(order_lines::Column::WindowStart.gte(start))
        .filter(order_lines::Column::WindowStart.lt(end))
        .filter(order_lines::Column::Status.is_in([
            Status::Placed.as_str(),
            Status::Paid.as_str(),
            Status::Accepted.as_str(),
            Status::InProgress.as_str(),
            Status::Fulfilled.as_str(),
        ]))
        .order_by_asc(order_lines::Column::WindowStart)
        .all(db)
        .await?;
    work_items(db, clock, courier, lines).await
}
