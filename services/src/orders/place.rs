//! Placing an order: once per idempotency key, its number, lines, money
//! and the confirmation mail in one transaction.

use super::*;

pub(super) async fn existing_order(
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

pub(super) async fn place_new(
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
                kind: Set(line.kind.into()),
                listing_id: Set(line.listing.id),
                provider_id: Set(line.listing.owner_id),
                title: Set(line.listing.title.clone()),
                category_slug: Set(line.category.clone()),
                status: Set(method.first_status().into()),
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

pub(super) struct NewOrder<'a> {
    pub(super) id: Uuid,
    pub(super) customer: Uuid,
    pub(super) fee_rule_version: i32,
    pub(super) total: Money,
    pub(super) fee: Money,
    pub(super) key: &'a str,
    pub(super) note: Option<String>,
    pub(super) now: DateTime<Utc>,
    pub(super) method: Method,
    pub(super) collector: Option<Uuid>,
    pub(super) pay_by: Option<DateTime<Utc>>,
    pub(super) number: OrderNumber,
}

/// Tells the customer what they ordered: its number, what to pay, how and
/// by when (in the order's transaction, like every notice).
#[allow(clippy::too_many_arguments)]
pub(super) async fn confirm_to_customer(
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
        Method::Bank => crate::money::coop_bank(txn).await?,
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
pub(super) async fn next_number(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<OrderNumber, DbErr> {
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
pub(super) async fn insert_order(db: &impl ConnectionTrait, o: NewOrder<'_>) -> Result<u64, DbErr> {
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
pub(super) async fn record(
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
