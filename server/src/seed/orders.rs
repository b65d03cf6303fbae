//! Demo orders in every state, placed and moved through the real services
//! (so their prices, events and e-mails are what the app would write).

use chrono::{Datelike, Duration, Weekday};
use domain::ledger::Account;
use domain::listing::ListingKind;
use domain::order::Step;
use domain::order_form::{format_slot, OrderInput};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use services::accounts::{self, find_by_email};
use services::clock::Clock;
use services::entities::{listing_zones, listings, orders};
use services::orders as service;
use uuid::Uuid;
use wire::viewer::Viewer;

pub(super) async fn viewer(db: &DatabaseConnection, email: &str) -> anyhow::Result<Viewer> {
    let user = find_by_email(db, email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo account {email} missing"))?;
    accounts::load_viewer(db, user.id)
        .await?
        .map(|(v, _)| v)
        .ok_or_else(|| anyhow::anyhow!("demo account {email} unreadable"))
}

/// The `n`-th active listing of `kind`, by title.
pub(super) async fn listing(
    db: &DatabaseConnection,
    kind: ListingKind,
    n: u64,
) -> anyhow::Result<listings::Model> {
    listings::Entity::find()
        .filter(listings::Column::Kind.eq(kind.as_str()))
        .filter(listings::Column::Status.eq("active"))
        .order_by_asc(listings::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .nth(usize::try_from(n).unwrap_or(0))
        .ok_or_else(|| anyhow::anyhow!("no demo {} listing {n}", kind.as_str()))
}

/// A postcode of a zone `courier` serves, and of another one.
pub(super) async fn postcodes(
    db: &DatabaseConnection,
    courier: Uuid,
) -> anyhow::Result<(String, String)> {
    let served: Vec<Uuid> = listing_zones::Entity::find()
        .filter(listing_zones::Column::ListingId.eq(courier))
        .all(db)
        .await?
        .into_iter()
        .map(|z| z.zone_id)
        .collect();
    let zones = services::cache::zones(db, true).await?;
    let codes: Vec<String> = zones
        .iter()
        .filter(|z| served.contains(&z.id))
        .filter_map(|z| z.postcodes.split(',').next())
        .map(|code| code.trim().to_owned())
        .collect();
    match codes.as_slice() {
        [a, b, ..] => Ok((a.clone(), b.clone())),
        [a] => Ok((a.clone(), a.clone())),
        [] => Err(anyhow::anyhow!("demo courier serves no zone")),
    }
}

/// The next working day (Monday–Saturday) after `today`.
fn next_working_day(today: chrono::NaiveDate) -> chrono::NaiveDate {
    let mut d = today + Duration::days(1);
    while d.weekday() == Weekday::Sun {
        d += Duration::days(1);
    }
    d
}

fn delivery_fields(
    input: &mut OrderInput,
    clock: &Clock,
    (pickup, dropoff): (&str, &str),
    n: usize,
) {
    let streets = [
        "Via Zamboni 33",
        "Via del Pratello 12",
        "Via Mascarella 5",
        "Strada Maggiore 40",
    ];
    input.pickup_address = streets[n % streets.len()].into();
    input.pickup_postcode = pickup.into();
    input.dropoff_address = streets[(n + 1) % streets.len()].into();
    input.dropoff_postcode = dropoff.into();
    input.package_size = ["small", "medium", "large"][n % 3].into();
    input.weight_kg = (3 + n * 4).to_string();
    input.window_date = next_working_day(clock.now().date_naive()).to_string();
    input.window_from = "11:00".into();
    input.window_to = "15:00".into();
}

/// What happens to a demo order after it is placed.
#[derive(Clone, Copy)]
enum Story {
    Pending,
    Paid,
    Accepted,
    InProgress,
    Fulfilled,
    Completed,
    Cancelled,
    Refunded,
    Disputed,
    Resolved,
}

pub(super) async fn act(
    db: &DatabaseConnection,
    clock: &Clock,
    who: &Viewer,
    order: Uuid,
    action: Step,
    line: Option<Uuid>,
) -> anyhow::Result<()> {
    let reason = if action == Step::Dispute {
        "La consegna è arrivata con un giorno di ritardo."
    } else {
        ""
    };
    let req = service::Request {
        action,
        line,
        reason,
        refund: "",
    };
    service::act_as(db, clock, who, order, req)
        .await
        .map_err(|e| anyhow::anyhow!("demo order {}: {e}", action.as_str()))
}

/// Books `l` at its first free start time on `clock`, for its shortest
/// stay, at `place` when it is done at the customer's.
async fn book_service(
    db: &DatabaseConnection,
    input: &mut OrderInput,
    l: &listings::Model,
    clock: &Clock,
    place: String,
) -> anyhow::Result<()> {
    let opening = services::availability::free_openings(db, l, clock.now().naive_utc(), 1)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("demo listing {} has no opening", l.title))?;
    input.listing = l.id.to_string();
    input.slot = format_slot(opening.date, opening.start);
    input.hours = l.min_hours.map(|h| h.to_string()).unwrap_or_default();
    if l.at_customer {
        let (home, _) = postcodes(db, l.id).await?;
        input.place_address = place;
        input.place_postcode = home;
    }
    Ok(())
}

/// Moves a demo order along its story: up to the start of the work on
/// `clock` (the order's own time), from the work done, on `now`.
async fn tell(
    db: &DatabaseConnection,
    (clock, now): (&Clock, &Clock),
    order: Uuid,
    customer: &Viewer,
    boards: &[Viewer],
    story: Story,
    cash: bool,
) -> anyhow::Result<()> {
    let loaded = service::load(db, order)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo order vanished"))?;
    let mut providers = Vec::new();
    for l in &loaded.lines {
        let user = accounts::load_viewer(db, l.provider_id)
            .await?
            .map(|(v, _)| v)
            .ok_or_else(|| anyhow::anyhow!("demo provider missing"))?;
        providers.push((l.id, user));
    }
    // The cooperative is a board member who is not a party to the order.
    let party = |v: &Viewer| v.id == customer.id || providers.iter().any(|(_, p)| p.id == v.id);
    let board = boards
        .iter()
        .find(|b| !party(b))
        .ok_or_else(|| anyhow::anyhow!("every demo board member is a party to an order"))?;
    // Cash is taken by the courier of a composite order, else the provider.
    let collector = loaded
        .order
        .collector_id
        .and_then(|c| providers.iter().find(|(_, p)| p.id == c))
        .map(|(_, p)| p);
    use Story::*;
    if matches!(story, Pending) {
        return Ok(());
    }
    if matches!(story, Cancelled) {
        return act(db, clock, customer, order, Step::Cancel, None).await;
    }
    if !cash {
        act(db, clock, board, order, Step::ConfirmPayment, None).await?;
    }
    if matches!(story, Paid) {
        return Ok(());
    }
    if matches!(story, Refunded) {
        let (line, p) = &providers[0];
        return act(db, clock, p, order, Step::Decline, Some(*line)).await;
    }
    for (line, p) in &providers {
        act(db, clock, p, order, Step::Accept, Some(*line)).await?;
    }
    if matches!(story, Accepted) {
        return Ok(());
    }
    if let Some((line, p)) = providers.last() {
        act(db, clock, p, order, Step::Start, Some(*line)).await?;
    }
    if matches!(story, InProgress) {
        return Ok(());
    }
    // The work is done today: it was booked in the past.
    for (line, p) in &providers {
        act(db, now, p, order, Step::Fulfil, Some(*line)).await?;
    }
    if let Some(c) = collector {
        act(db, now, c, order, Step::ConfirmPayment, None).await?;
    }
    match story {
        Completed => act(db, now, customer, order, Step::Complete, None).await,
        Disputed | Resolved => {
            act(db, now, customer, order, Step::Dispute, None).await?;
            if matches!(story, Resolved) {
                act(db, now, board, order, Step::ResolveRelease, None).await?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Completed orders in each of the ten months before this one, more as
/// the cooperative grows, so the transparency chart, the earnings and the
/// patronage refund have a history; then ten orders, one in each state.
/// Nothing when orders exist already.
pub async fn seed_orders(db: &DatabaseConnection) -> anyhow::Result<usize> {
    if orders::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let board = viewer(db, "luca.ferrari@mutua.example").await?;
    let boards = [board.clone(), viewer(db, "anna.rossi@mutua.example").await?];
    let customers = [
        viewer(db, "paolo.conti@mutua.example").await?,
        viewer(db, "chiara.colombo@mutua.example").await?,
        viewer(db, "martina.costa@mutua.example").await?,
        board.clone(),
    ];
    use Story::*;
    // (story, service listing index or none, with a delivery leg)
    let plan: [(Story, Option<u64>, bool); 10] = [
        (Pending, Some(0), false),
        (Paid, Some(1), false),
        (Accepted, Some(2), true),
        (InProgress, None, true),
        (Fulfilled, Some(3), false),
        (Completed, Some(4), true),
        (Cancelled, Some(5), false),
        (Refunded, Some(6), false),
        (Disputed, Some(7), false),
        (Resolved, None, true),
    ];
    let today = Clock::system();
    // The board's customer account stays out of the past, so a board
    // member who is not a party always remains to confirm transfers.
    let mut created = seed_history(db, &today, &customers[..3], &boards).await?;
    for (n, (story, service_index, delivery)) in plan.into_iter().enumerate() {
        // Orders whose work is done were placed a week ago: work is marked
        // done only once its time has come.
        let clock = if matches!(story, Fulfilled | Completed | Disputed | Resolved) {
            today.shifted(-Duration::days(7))
        } else {
            today.clone()
        };
        let customer = &customers[n % customers.len()];
        let courier = listing(db, ListingKind::Delivery, (n % 4) as u64).await?;
        let (pickup, dropoff) = postcodes(db, courier.id).await?;
        let mut input = OrderInput {
            key: format!("demo-order-{n:04}"),
            note: if n % 3 == 0 {
                "Citofono al secondo piano, grazie.".into()
            } else {
                String::new()
            },
            ..OrderInput::default()
        };
        match service_index {
            Some(i) => {
                let l = listing(db, ListingKind::Service, i * 3).await?;
                let place = format!("Via del Pratello {}", 10 + n);
                book_service(db, &mut input, &l, &clock, place).await?;
                if l.at_customer && n % 2 == 0 {
                    input.access_notes = "Citofono «Neri», terzo piano senza ascensore.".into();
                }
                if delivery {
                    input.with_delivery = "on".into();
                    input.courier = courier.id.to_string();
                    delivery_fields(&mut input, &clock, (&pickup, &dropoff), n);
                }
            }
            None => {
                input.listing = courier.id.to_string();
                delivery_fields(&mut input, &clock, (&pickup, &dropoff), n);
            }
        }
        // Two orders are paid in cash to their courier, the rest by transfer.
        let cash = matches!(story, Accepted | Completed);
        input.payment = if cash { "cash" } else { "bank" }.into();
        let order = service::place(db, &clock, customer, &input, &Default::default())
            .await
            .map_err(|e| anyhow::anyhow!("demo order {n}: {e:?}"))?;
        tell(db, (&clock, &today), order, customer, &boards, story, cash).await?;
        created += 1;
    }
    Ok(created)
}

/// How many orders were completed `back` months ago (ten months back to
/// last month): a cooperative that grows, with a summer dip.
const HISTORY: [usize; 10] = [1, 2, 2, 3, 2, 2, 3, 4, 4, 5];

/// The demo's past: orders placed and done in each past month, oldest
/// first (so order numbers follow the calendar), each completed by its
/// customer a week after it was placed.
async fn seed_history(
    db: &DatabaseConnection,
    today: &Clock,
    customers: &[Viewer],
    boards: &[Viewer],
) -> anyhow::Result<usize> {
    let services = listings::Entity::find()
        .filter(listings::Column::Kind.eq(ListingKind::Service.as_str()))
        .filter(listings::Column::Status.eq("active"))
        .count(db)
        .await?;
    let mut created = 0;
    for (m, count) in HISTORY.iter().enumerate() {
        let back = HISTORY.len() - m;
        for k in 0..*count {
            let n = created;
            // Spread over the month: placed on the 3rd, 10th, 17th… day.
            let days = i64::try_from(back * 30).unwrap_or(300) - 7 * i64::try_from(k).unwrap_or(0);
            let placed = today.shifted(-Duration::days(days + 7));
            let done = today.shifted(-Duration::days(days));
            let customer = &customers[n % customers.len()];
            let mut input = OrderInput {
                key: format!("demo-history-{n:04}"),
                ..OrderInput::default()
            };
            // Every third order is a delivery alone, the rest a service,
            // one in four of those with a delivery leg.
            let courier = listing(db, ListingKind::Delivery, (n % 4) as u64).await?;
            let (pickup, dropoff) = postcodes(db, courier.id).await?;
            if n % 3 == 2 {
                input.listing = courier.id.to_string();
                delivery_fields(&mut input, &placed, (&pickup, &dropoff), n);
            } else {
                let l = listing(db, ListingKind::Service, (n as u64 * 5) % services.max(1)).await?;
                book_service(
                    db,
                    &mut input,
                    &l,
                    &placed,
                    format!("Via Saragozza {}", 20 + n),
                )
                .await?;
                if n % 4 == 1 {
                    input.with_delivery = "on".into();
                    input.courier = courier.id.to_string();
                    delivery_fields(&mut input, &placed, (&pickup, &dropoff), n);
                }
            }
            let cash = n % 2 == 0;
            input.payment = if cash { "cash" } else { "bank" }.into();
            let order = service::place(db, &placed, customer, &input, &Default::default())
                .await
                .map_err(|e| anyhow::anyhow!("demo history order {n}: {e:?}"))?;
            tell(
                db,
                (&placed, &done),
                order,
                customer,
                boards,
                Story::Completed,
                cash,
            )
            .await?;
            created += 1;
        }
    }
    // Members who collected cash in the past paid in what they owed the
    // cooperative (its fee, others' shares), recorded by a board member
    // who is not the payer; only this month's dues stay open.
    let settled = today.shifted(-Duration::days(1)).now();
    for (account, owed) in services::ledger::balances(db).await? {
        let Account::MemberReceivable(member) = account else {
            continue;
        };
        if owed <= 0 {
            continue;
        }
        let board = boards
            .iter()
            .find(|b| b.id != member)
            .ok_or_else(|| anyhow::anyhow!("no board member to record a payment"))?;
        let amount = format!("{}.{:02}", owed / 100, owed % 100);
        services::money::receivable_paid(db, settled, board.id, member, &amount)
            .await
            .map_err(|e| anyhow::anyhow!("demo payment of dues: {e:?}"))?;
    }
    Ok(created)
}
