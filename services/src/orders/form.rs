//! The order form and its quote: what can be ordered, each line checked
//! and priced, every problem in one round.

use super::*;

pub(super) struct Orderable {
    pub(super) row: listings::Model,
    pub(super) owner: users::Model,
    pub(super) kind: ListingKind,
    pub(super) price: PriceModel,
    pub(super) category: String,
}

pub(super) async fn active_members(
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
pub(super) async fn orderable(
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
            Some(l) if *l.status != ListingStatus::Draft => {
                one("listing", FieldProblem::NotOrderable)
            }
            _ => ServiceError::NotFound,
        });
    };
    if row.owner_id == customer {
        return Err(one("listing", FieldProblem::OwnListing));
    }
    let kind = *row.kind;
    let Some(price) = price_of(&row) else {
        return Err(ServiceError::Db(DbErr::Custom(format!(
            "listing {id} has unreadable columns"
        ))));
    };
    let category = crate::cache::category_slug(db, row.category_id)
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

/// A line about to be written.
pub(super) struct NewLine {
    pub(super) kind: ListingKind,
    pub(super) listing: listings::Model,
    /// The provider, when already read (saves a lookup for the e-mail).
    pub(super) owner: Option<users::Model>,
    pub(super) category: String,
    pub(super) price: Money,
    pub(super) hours: Option<u8>,
    pub(super) slot: Option<Opening>,
    pub(super) place: Option<ServicePlace>,
    pub(super) leg: Option<Leg>,
}

/// Where a service at the customer's place is done.
pub(super) struct ServicePlace {
    pub(super) address: String,
    pub(super) postcode: String,
    pub(super) notes: Option<String>,
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

/// A service's price as the form stands: the hours (checked against the
/// listing's range) and what they cost.
pub(super) fn service_price_of(
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
pub(super) async fn service_place(
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
            let all = crate::cache::zones(db, false).await?;
            let zone = match zone_of(&all, &pc) {
                Some(z) => Some(z.clone()),
                None => zone_of(&crate::cache::zones(db, true).await?, &pc).cloned(),
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
pub(super) async fn service_line(
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
pub(super) async fn delivery_line(
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
            let category = crate::cache::category_slug(db, c.category_id)
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
pub(super) async fn lines_for(
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
pub(super) fn refused(problems: Problems, price: &PriceModel) -> ServiceError {
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
