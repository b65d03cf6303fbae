//! What people read of orders: an order's page, their lists, a provider's
//! work and a courier's day.

use super::*;

pub(super) fn money(currency: &str, minor: i64) -> Money {
    Money::new(minor, Currency::parse(currency).unwrap_or(Currency::Eur))
}

pub(super) fn delivery_view(l: &order_lines::Model) -> Option<DeliveryView> {
    (*l.kind == ListingKind::Delivery).then(|| DeliveryView {
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

pub(super) fn slot_of(l: &order_lines::Model) -> Option<(NaiveDate, u16, u16)> {
    Some((
        l.slot_date?,
        u16::try_from(l.slot_start?).ok()?,
        u16::try_from(l.slot_end?).ok()?,
    ))
}

/// The names of the `candidates` that `who` may take on `state` at `now`.
pub(super) fn open_to(
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
pub(super) fn line_steps(i: usize) -> [Action; 4] {
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
                kind: *l.kind,
                listing_id: l.listing_id,
                title: l.title.clone(),
                provider_id: l.provider_id,
                provider_name: name(&l.provider_id),
                status: *l.status,
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
        crate::money::coop_bank(db).await?
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
            crate::money::order_entries(db, id).await?
        } else {
            Vec::new()
        },
        actions,
    })
}

pub(super) async fn summaries(
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
            status: *o.status,
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
pub(super) fn when(l: &order_lines::Model) -> (Option<NaiveDateTime>, Option<NaiveDateTime>) {
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
pub(super) async fn work_items(
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
        let told_done_at = if *o.status == Status::Fulfilled {
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
                order_status: *o.status,
                status: *l.status,
                kind: *l.kind,
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
