//! Patronage refunds in the database: what each member earned in a year
//! (from the ledger's completions), the board's allocation of a surplus
//! (round, shares, ledger entries and audit in one transaction), and the
//! statements members read.

use super::accounts::display_names as names;
use super::entities::{ledger_entries, patronage_rounds, patronage_shares, users};
use super::ledger::{self, Context};
use super::money::{eur, ph};
use super::service::ServiceError;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::ledger::{self as book, Account};
use domain::money::{Currency, Money};
use domain::patronage::{allocate as split, PatronageError};
use domain::validation::FieldError;
use domain::validation::FieldProblem;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, Set, Statement as Sql,
};
use std::collections::HashMap;
use uuid::Uuid;
use wire::patronage::{BoardPatronage, MyShare, RoundView, ShareRow, Statement};

fn year_bounds(year: i32) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let start = NaiveDate::from_ymd_opt(year, 1, 1)?;
    let end = NaiveDate::from_ymd_opt(year + 1, 1, 1)?;
    Some((
        start.and_hms_opt(0, 0, 0)?.and_utc(),
        end.and_hms_opt(0, 0, 0)?.and_utc(),
    ))
}

#[derive(FromQueryResult)]
struct Earned {
    member_id: Uuid,
    earned: i64,
}

/// What each member earned through the platform in `year`: the net of
/// their completed lines, as the completion entries credited it, less
/// what they owe back for money the card processor gave back to a
/// customer (clawbacks).
pub async fn earnings(db: &impl ConnectionTrait, year: i32) -> Result<Vec<(Uuid, Money)>, DbErr> {
    let Some((start, end)) = year_bounds(year) else {
        return Ok(Vec::new());
    };
    let backend = db.get_database_backend();
    let sql = format!(
        "SELECT a.member_id, CAST(SUM(-p.amount_minor) AS BIGINT) AS earned \
         FROM ledger_postings p \
         JOIN ledger_entries e ON e.id = p.entry_id \
         JOIN ledger_accounts a ON a.code = p.account_code \
         WHERE a.member_id IS NOT NULL \
           AND ((a.kind = 'member_payable' AND e.kind = 'completion') \
             OR (a.kind = 'member_receivable' AND e.kind = 'clawback')) \
           AND e.created_at >= {} AND e.created_at < {} \
         GROUP BY a.member_id ORDER BY a.member_id",
        ph(backend, 1),
        ph(backend, 2)
    );
    let rows = Earned::find_by_statement(Sql::from_sql_and_values(
        backend,
        sql,
        [start.into(), end.into()],
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|r| r.earned > 0)
        .map(|r| (r.member_id, eur(r.earned)))
        .collect())
}

/// Allocates a closed year's surplus: `cash_percent` of each member's
/// part is owed to them, the rest retained as share capital. One round
/// per year; the surplus cannot exceed the fees the cooperative holds.
/// Answers the year.
pub async fn allocate(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    board: Uuid,
    year: &str,
    surplus: &str,
    cash_percent: &str,
) -> Result<i32, ServiceError> {
    let mut fields = Vec::new();
    let this_year = now.year();
    let year = year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2000..this_year).contains(y));
    if year.is_none() {
        fields.push(FieldError::new("year", FieldProblem::NumberOutOfRange));
    }
    let surplus = match domain::listing::amount(surplus, Currency::Eur) {
        Ok(m) if m.minor() > 0 => Some(m),
        Ok(_) => {
            fields.push(FieldError::new("surplus", FieldProblem::NumberOutOfRange));
            None
        }
        Err(p) => {
            fields.push(FieldError::new("surplus", p));
            None
        }
    };
    let cash_bps = domain::governance::whole_percent_bps(cash_percent);
    if cash_bps.is_none() {
        fields.push(FieldError::new(
            "cash_percent",
            FieldProblem::NumberOutOfRange,
        ));
    }
    let (Some(year), Some(surplus), Some(cash_bps)) = (year, surplus, cash_bps) else {
        return Err(ServiceError::Invalid(fields));
    };
    let txn = crate::txn::begin_write(db).await?;
    let held =
        Account::CoopFeeRevenue.natural(ledger::balance(&txn, Account::CoopFeeRevenue).await?);
    if surplus.minor() > held {
        return Err(ServiceError::field(
            "surplus",
            FieldProblem::SurplusTooLarge,
        ));
    }
    let earned = earnings(&txn, year).await?;
    let shares = match split(surplus, cash_bps, &earned) {
        Ok(s) => s,
        Err(PatronageError::NoEarnings) => {
            return Err(ServiceError::field("year", FieldProblem::NoEarnings))
        }
        Err(_) => return Err(ServiceError::field("surplus", FieldProblem::AmountInvalid)),
    };
    let round = Uuid::now_v7();
    let written = patronage_rounds::Entity::insert(patronage_rounds::ActiveModel {
        id: Set(round),
        year: Set(year),
        currency: Set(surplus.currency().code().to_owned()),
        surplus_minor: Set(surplus.minor()),
        cash_bps: Set(i32::try_from(cash_bps).unwrap_or(0)),
        earnings_minor: Set(earned.iter().map(|(_, e)| e.minor()).sum()),
        decided_by: Set(board),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(patronage_rounds::Column::Year)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if written == 0 {
        return Err(ServiceError::field("year", FieldProblem::Taken));
    }
    patronage_shares::Entity::insert_many(shares.iter().map(|s| patronage_shares::ActiveModel {
        round_id: Set(round),
        member_id: Set(s.member),
        earnings_minor: Set(s.earnings.minor()),
        cash_minor: Set(s.cash.minor()),
        retained_minor: Set(s.retained.minor()),
    }))
    .exec_without_returning(&txn)
    .await?;
    let memo = format!("patronage {year}");
    let ctx = Context {
        actor: Some(board),
        memo: Some(&memo),
    };
    ledger::post(&txn, &book::patronage_reserve(year, surplus), ctx, now).await?;
    for s in &shares {
        ledger::post(
            &txn,
            &book::patronage_share(year, s.member, s.cash, s.retained),
            ctx,
            now,
        )
        .await?;
    }
    super::audit::record(
        &txn,
        now,
        Some(board),
        "patronage_allocated",
        &format!("patronage:{year}"),
        &format!(
            "surplus {} to {} members, {} % in cash",
            surplus.minor(),
            shares.len(),
            cash_bps / 100
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(year)
}

/// Every round, newest first, with every member's part.
pub async fn board(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<BoardPatronage, DbErr> {
    let rounds = patronage_rounds::Entity::find()
        .order_by_desc(patronage_rounds::Column::Year)
        .all(db)
        .await?;
    let shares = patronage_shares::Entity::find().all(db).await?;
    let who = names(
        db,
        shares
            .iter()
            .map(|s| s.member_id)
            .chain(rounds.iter().map(|r| r.decided_by)),
    )
    .await?;
    let name = |id: &Uuid| who.get(id).cloned().unwrap_or_default();
    let mut by_round: HashMap<Uuid, Vec<ShareRow>> = HashMap::new();
    for s in shares {
        by_round.entry(s.round_id).or_default().push(ShareRow {
            member_id: s.member_id,
            name: name(&s.member_id),
            earnings: eur(s.earnings_minor),
            cash: eur(s.cash_minor),
            retained: eur(s.retained_minor),
        });
    }
    let rounds = rounds
        .into_iter()
        .map(|r| {
            let mut shares = by_round.remove(&r.id).unwrap_or_default();
            shares.sort_by(|a, b| {
                (b.cash.minor() + b.retained.minor())
                    .cmp(&(a.cash.minor() + a.retained.minor()))
                    .then_with(|| a.name.cmp(&b.name))
            });
            RoundView {
                year: r.year,
                surplus: eur(r.surplus_minor),
                cash_bps: u32::try_from(r.cash_bps).unwrap_or(0),
                earnings: eur(r.earnings_minor),
                members: u32::try_from(shares.len()).unwrap_or(u32::MAX),
                decided_by: name(&r.decided_by),
                created_at: r.created_at,
                shares,
            }
        })
        .collect();
    let last_year = now.year() - 1;
    let last_year_earnings = eur(earnings(db, last_year)
        .await?
        .iter()
        .map(|(_, e)| e.minor())
        .sum());
    let fee_revenue =
        eur(Account::CoopFeeRevenue.natural(ledger::balance(db, Account::CoopFeeRevenue).await?));
    Ok(BoardPatronage {
        rounds,
        fee_revenue,
        last_year,
        last_year_earnings,
    })
}

/// `member`'s statement for `year`; not found when they had no part.
pub async fn statement(
    db: &DatabaseConnection,
    member: Uuid,
    year: i32,
) -> Result<Statement, ServiceError> {
    let round = patronage_rounds::Entity::find()
        .filter(patronage_rounds::Column::Year.eq(year))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let share = patronage_shares::Entity::find_by_id((round.id, member))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let entry = ledger_entries::Entity::find()
        .filter(ledger_entries::Column::IdempotencyKey.eq(book::patronage_share_key(year, member)))
        .one(db)
        .await?
        .map(|e| e.id);
    let name = users::Entity::find_by_id(member)
        .one(db)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_default();
    Ok(Statement {
        year,
        member: name,
        surplus: eur(round.surplus_minor),
        cash_bps: u32::try_from(round.cash_bps).unwrap_or(0),
        total_earnings: eur(round.earnings_minor),
        earnings: eur(share.earnings_minor),
        cash: eur(share.cash_minor),
        retained: eur(share.retained_minor),
        entry_id: entry,
        created_at: round.created_at,
    })
}

/// `member`'s part of every round, newest first.
pub async fn my_shares(db: &impl ConnectionTrait, member: Uuid) -> Result<Vec<MyShare>, DbErr> {
    let shares = patronage_shares::Entity::find()
        .filter(patronage_shares::Column::MemberId.eq(member))
        .all(db)
        .await?;
    let rounds: HashMap<Uuid, i32> = patronage_rounds::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.year))
        .collect();
    let mut out: Vec<MyShare> = shares
        .into_iter()
        .filter_map(|s| {
            rounds.get(&s.round_id).map(|y| MyShare {
                year: *y,
                cash: eur(s.cash_minor),
                retained: eur(s.retained_minor),
            })
        })
        .collect();
    out.sort_by_key(|s| std::cmp::Reverse(s.year));
    Ok(out)
}
