//! `seed-demo --bench-members N --bench-orders M`: the demo cooperative grown
//! to benchmark size. Members are real accounts with active memberships;
//! orders are placed and moved through the real services (so their events,
//! e-mails and ledger entries are what the app writes): one in five runs to
//! completion (paid, accepted, fulfilled, completed), the others are
//! cancelled by the customer before paying. Nothing is left pending, so the
//! job runner has no backlog when a benchmark starts.

use super::orders::{act, listing, postcodes, viewer};
use domain::listing::ListingKind;
use domain::order::Step;
use domain::order_form::OrderInput;
use i18n::Locale;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, Set};
use services::accounts::{self, NewAccount};
use services::clock::Clock;
use services::entities::memberships;
use services::orders as service;
use services::password::Hasher;
use std::sync::Arc;
use uuid::Uuid;
use wire::viewer::Viewer;

const FIRST: [&str; 10] = [
    "Alessia", "Bruno", "Carla", "Davide", "Elena", "Fabio", "Greta", "Ivan", "Lucia", "Nicola",
];
const LAST: [&str; 10] = [
    "Amato", "Barbieri", "Caruso", "De Luca", "Fontana", "Greco", "Leone", "Marino", "Rinaldi",
    "Villa",
];

fn member_email(i: usize) -> String {
    format!("socio{i:04}@bench.mutua.example")
}

/// `count` members (six in ten workers, three users, one supporter), each
/// an account with the demo password; members that exist are kept.
pub async fn seed_members(
    db: &DatabaseConnection,
    hasher: &Hasher,
    count: usize,
) -> anyhow::Result<usize> {
    let mut created = 0;
    for i in 0..count {
        let email = member_email(i);
        if accounts::find_by_email(db, &email).await?.is_some() {
            continue;
        }
        let name = format!("{} {}", FIRST[i % 10], LAST[(i / 10) % 10]);
        let user = accounts::register(
            db,
            hasher,
            NewAccount {
                email: &email,
                display_name: &name,
                password: super::DEMO_PASSWORD,
                locale: Locale::It,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("bench member {email}: {e}"))?;
        let class = match i % 10 {
            0..=5 => "worker",
            6..=8 => "user",
            _ => "supporter",
        };
        let admitted = services::clock::wall_now() - chrono::Duration::days(30 + (i % 700) as i64);
        memberships::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user.id),
            status: Set(wire::membership::MembershipStatus::Active.into()),
            class: Set(class.into()),
            shares: Set(1 + (i % 3) as i32),
            applied_at: Set(admitted - chrono::Duration::days(14)),
            admitted_at: Set(Some(admitted)),
            motivation: Set(None),
        }
        .insert(db)
        .await?;
        created += 1;
    }
    Ok(created)
}

/// What one bench order needs: who orders, from which courier, where.
struct Plan {
    customers: Vec<Viewer>,
    couriers: Vec<(Uuid, Viewer, String, String)>,
    run: i64,
}

async fn one_order(db: &DatabaseConnection, plan: &Plan, i: usize) -> anyhow::Result<()> {
    // Placed a week ago and delivered today: work is marked done only once
    // its window has begun.
    let today = Clock::system();
    let clock = today.shifted(-chrono::Duration::days(7));
    let customer = &plan.customers[i % plan.customers.len()];
    let (courier, provider, pickup, dropoff) = &plan.couriers[i % plan.couriers.len()];
    let mut day = clock.now().date_naive() + chrono::Duration::days(1 + (i % 4) as i64);
    if chrono::Datelike::weekday(&day) == chrono::Weekday::Sun {
        day += chrono::Duration::days(1);
    }
    let input = OrderInput {
        key: format!("bench-{}-{i}", plan.run),
        listing: courier.to_string(),
        pickup_address: format!("Via Irnerio {}", 1 + i % 60),
        pickup_postcode: pickup.clone(),
        dropoff_address: format!("Via Saffi {}", 1 + i % 90),
        dropoff_postcode: dropoff.clone(),
        package_size: ["small", "medium", "large"][i % 3].into(),
        weight_kg: (1 + i % 20).to_string(),
        window_date: day.to_string(),
        window_from: "11:00".into(),
        window_to: "15:00".into(),
        ..OrderInput::default()
    };
    let input = OrderInput {
        payment: "cash".into(),
        ..input
    };
    let order = service::place(db, &clock, customer, &input, &Default::default())
        .await
        .map_err(|e| anyhow::anyhow!("bench order {i}: {e:?}"))?;
    if !i.is_multiple_of(5) {
        return act(db, &clock, customer, order, Step::Cancel, None).await;
    }
    let line = service::load(db, order)
        .await?
        .and_then(|l| l.lines.first().map(|l| l.id))
        .ok_or_else(|| anyhow::anyhow!("bench order {i} has no line"))?;
    act(db, &clock, provider, order, Step::Accept, Some(line)).await?;
    act(db, &today, provider, order, Step::Fulfil, Some(line)).await?;
    act(db, &today, provider, order, Step::ConfirmPayment, None).await?;
    act(db, &today, customer, order, Step::Complete, None).await
}

/// `count` delivery orders by the bench members from the demo's couriers.
/// PostgreSQL takes them eight at a time; SQLite has one writer anyway.
pub async fn seed_orders(db: &DatabaseConnection, count: usize) -> anyhow::Result<usize> {
    let mut customers = Vec::new();
    for i in 0.. {
        match accounts::find_by_email(db, &member_email(i)).await? {
            Some(_) => customers.push(viewer(db, &member_email(i)).await?),
            None => break,
        }
    }
    if customers.is_empty() {
        customers.push(viewer(db, "paolo.conti@mutua.example").await?);
    }
    let mut couriers = Vec::new();
    for n in 0..4 {
        let Ok(l) = listing(db, ListingKind::Delivery, n).await else {
            break;
        };
        let (pickup, dropoff) = postcodes(db, l.id).await?;
        let provider = accounts::load_viewer(db, l.owner_id)
            .await?
            .map(|(v, _)| v)
            .ok_or_else(|| anyhow::anyhow!("bench courier missing"))?;
        couriers.push((l.id, provider, pickup, dropoff));
    }
    anyhow::ensure!(!couriers.is_empty(), "no demo courier: run seed-demo first");
    let plan = Arc::new(Plan {
        customers,
        couriers,
        run: services::clock::wall_now().timestamp(),
    });
    let parallel = match db.get_database_backend() {
        DbBackend::Sqlite => 1,
        _ => 8,
    };
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..parallel {
        let (db, plan) = (db.clone(), plan.clone());
        tasks.spawn(async move {
            let mut i = worker;
            while i < count {
                one_order(&db, &plan, i).await?;
                i += parallel;
            }
            Ok::<_, anyhow::Error>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(count)
}
