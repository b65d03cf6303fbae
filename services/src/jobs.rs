//! The job runner's work: timed order transitions and payment reminders.
//! Each sweep runs under a
//! lease in `job_leases`, so with several server processes on one database
//! only one runs it at a time; each transition is also guarded by the
//! order's revision, so even two sweeps racing would apply it once.

use super::clock::Clock;
use super::entities::{email_outbox, job_leases, orders};
use super::orders::{apply, load};
use super::service::ServiceError;
use chrono::{DateTime, Duration, Utc};
use domain::order::{Action, Status, Who, ACCEPT_WINDOW, CONFIRM_WINDOW, PAYMENT_WINDOW};
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

/// A lease lasts this long unless renewed by its holder.
pub const LEASE: Duration = Duration::seconds(60);
const BATCH: u64 = 200;

/// Takes (or renews) the lease `name` for `holder`; false if another
/// process holds it. Leases run on the system clock: they are about
/// processes, not about the orders' time.
pub async fn take_lease(db: &DatabaseConnection, name: &str, holder: &str) -> Result<bool, DbErr> {
    let now = super::clock::wall_now();
    let renewed = job_leases::Entity::update_many()
        .col_expr(job_leases::Column::Holder, Expr::value(holder))
        .col_expr(job_leases::Column::ExpiresAt, Expr::value(now + LEASE))
        .filter(job_leases::Column::Name.eq(name))
        .filter(
            Condition::any()
                .add(job_leases::Column::Holder.eq(holder))
                .add(job_leases::Column::ExpiresAt.lt(now)),
        )
        .exec(db)
        .await?;
    if renewed.rows_affected == 1 {
        return Ok(true);
    }
    let inserted = job_leases::Entity::insert(job_leases::ActiveModel {
        name: Set(name.to_owned()),
        holder: Set(holder.to_owned()),
        expires_at: Set(now + LEASE),
    })
    .on_conflict(
        OnConflict::column(job_leases::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted == 1)
}

struct Sweep {
    name: &'static str,
    status: Status,
    since: orders::Column,
    window: Duration,
    action: Action,
}

const SWEEPS: [Sweep; 4] = [
    // Bank and card orders expire at their own deadline (`pay_by`).
    Sweep {
        name: "orders.expire_unpaid",
        status: Status::PendingPayment,
        since: orders::Column::PayBy,
        window: Duration::zero(),
        action: Action::Expire,
    },
    Sweep {
        name: "orders.decline_unaccepted",
        status: Status::Paid,
        since: orders::Column::PaidAt,
        window: ACCEPT_WINDOW,
        action: Action::AutoDecline,
    },
    // Cash orders wait for their members from the moment they are placed.
    Sweep {
        name: "orders.decline_unaccepted_cash",
        status: Status::Placed,
        since: orders::Column::CreatedAt,
        window: ACCEPT_WINDOW,
        action: Action::AutoDecline,
    },
    // Only paid orders complete by themselves (cash not yet confirmed
    // waits for its collector), 48 h after the customer was told.
    Sweep {
        name: "orders.complete_fulfilled",
        status: Status::Fulfilled,
        since: orders::Column::FulfilledAt,
        window: CONFIRM_WINDOW,
        action: Action::AutoComplete,
    },
];

/// Besides its own column, what makes an order due for a sweep.
fn also_due(s: &Sweep, now: DateTime<Utc>) -> Condition {
    match s.action {
        // Orders from before deadlines were stored had 30 minutes.
        Action::Expire => Condition::any().add(s.since.lte(now)).add(
            Condition::all()
                .add(orders::Column::PayBy.is_null())
                .add(orders::Column::CreatedAt.lte(now - PAYMENT_WINDOW)),
        ),
        // No "work done" mail waiting, or sent within the window.
        Action::AutoComplete => {
            let told_late = Query::select()
                .expr(Expr::val(1))
                .from(email_outbox::Entity)
                .and_where(
                    Expr::col((email_outbox::Entity, email_outbox::Column::OrderId))
                        .equals((orders::Entity, orders::Column::Id)),
                )
                .and_where(email_outbox::Column::Notice.eq(super::notify::WORK_DONE))
                .cond_where(
                    Condition::any()
                        .add(email_outbox::Column::SentAt.is_null())
                        .add(email_outbox::Column::SentAt.gt(now - s.window)),
                )
                .to_owned();
            Condition::all()
                .add(s.since.lte(now - s.window))
                .add(orders::Column::PaidAt.is_not_null())
                .add(Expr::exists(told_late).not())
        }
        _ => Condition::all().add(s.since.lte(now - s.window)),
    }
}

async fn sweep(db: &DatabaseConnection, s: &Sweep, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let due: Vec<uuid::Uuid> = orders::Entity::find()
        .select_only()
        .column(orders::Column::Id)
        .filter(orders::Column::Status.eq(s.status.as_str()))
        .filter(also_due(s, now))
        .order_by_asc(s.since)
        .limit(BATCH)
        .into_tuple()
        .all(db)
        .await?;
    let mut done = 0;
    for id in due {
        let Some(loaded) = load(db, id).await? else {
            continue;
        };
        match apply(db, now, &loaded, s.action, Who::SYSTEM, None).await {
            Ok(()) => done += 1,
            // Changed meanwhile by a person or another process: fine.
            Err(ServiceError::Conflict) => {}
            Err(ServiceError::Db(e)) => return Err(e),
            Err(e) => tracing::warn!(order = %id, "timed transition refused: {e}"),
        }
    }
    Ok(done)
}

/// Runs every timed transition that is due at the clock's `now`, for the
/// sweeps whose lease `holder` gets. Returns how many orders changed.
pub async fn run_due(db: &DatabaseConnection, clock: &Clock, holder: &str) -> Result<usize, DbErr> {
    let mut changed = 0;
    for s in &SWEEPS {
        if take_lease(db, s.name, holder).await? {
            changed += sweep(db, s, clock.now()).await?;
        }
    }
    if take_lease(db, "orders.remind_unpaid", holder).await? {
        remind_unpaid(db, clock.now()).await?;
    }
    Ok(changed)
}

/// An unpaid order near its deadline, reminded once, in the customer's
/// language, with the order's link: a bank transfer not arrived a day
/// before (the page shows the account and the reference), a card payment
/// not made a quarter of an hour before. Cash is paid at the end: nothing
/// to remind.
async fn remind_unpaid(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<(), DbErr> {
    use super::entities::order_lines;
    use super::notify::{enqueue, Notice};
    use domain::order::Method;
    use sea_orm::Condition;
    let near = |method: Method, before: Duration| {
        Condition::all()
            .add(orders::Column::PaymentProvider.eq(method.provider()))
            .add(orders::Column::PayBy.lte(now + before))
    };
    let due = orders::Entity::find()
        .filter(orders::Column::Status.eq(Status::PendingPayment.as_str()))
        .filter(
            Condition::any()
                .add(near(Method::Bank, REMIND_BEFORE))
                .add(near(Method::Card, CARD_REMIND_BEFORE)),
        )
        .filter(orders::Column::RemindedAt.is_null())
        .filter(orders::Column::PayBy.gt(now))
        .limit(BATCH)
        .all(db)
        .await?;
    for o in due {
        let txn = super::txn::begin_write(db).await?;
        let claimed = orders::Entity::update_many()
            .col_expr(orders::Column::RemindedAt, Expr::value(now))
            .filter(orders::Column::Id.eq(o.id))
            .filter(orders::Column::RemindedAt.is_null())
            .exec(&txn)
            .await?;
        if claimed.rows_affected == 1 {
            let title = order_lines::Entity::find()
                .filter(order_lines::Column::OrderId.eq(o.id))
                .order_by_asc(order_lines::Column::Position)
                .one(&txn)
                .await?
                .map(|l| l.title)
                .unwrap_or_default();
            let about = super::notify::About {
                id: o.id,
                number: &o.number,
                title: &title,
            };
            let notice = if o.payment_provider == Method::Card.provider() {
                Notice::CardReminder
            } else {
                Notice::PaymentReminder
            };
            enqueue(&txn, notice, o.customer_id, about, now).await?;
        }
        txn.commit().await?;
    }
    Ok(())
}

/// How long before a transfer's deadline its customer is reminded.
const REMIND_BEFORE: Duration = Duration::hours(24);
/// How long before an unpaid card order expires its customer is reminded.
const CARD_REMIND_BEFORE: Duration = Duration::minutes(15);
