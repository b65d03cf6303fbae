//! Delivery legs: the couriers who serve a zone, the leg's distance and
//! its price.

use super::*;

/// Active courier listings of active members, except the customer's own.
pub(super) async fn couriers(
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
pub(super) struct Leg {
    pub(super) req: DeliveryRequest,
    pub(super) pickup_zone: zones::Model,
    pub(super) dropoff_zone: zones::Model,
    pub(super) km: u32,
}

pub(super) fn zone_of<'a>(zones: &'a [zones::Model], postcode: &str) -> Option<&'a zones::Model> {
    zones.iter().find(|z| {
        z.postcodes
            .split(',')
            .any(|p| p.trim().eq_ignore_ascii_case(postcode))
    })
}

/// The leg's zones and distance, or the postcodes no zone has.
pub(super) async fn resolve_leg(
    db: &impl ConnectionTrait,
    req: DeliveryRequest,
) -> Result<Result<Leg, Problems>, DbErr> {
    let mut all = crate::cache::zones(db, false).await?;
    let known = |all: &[zones::Model]| {
        zone_of(all, &req.pickup.postcode).is_some()
            && zone_of(all, &req.dropoff.postcode).is_some()
    };
    if !known(&all) {
        // Perhaps a zone added since the cache was filled.
        all = crate::cache::zones(db, true).await?;
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
pub(super) async fn courier_price(
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
