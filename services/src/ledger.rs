//! The ledger in the database: writing entries (idempotent, inside the
//! caller's transaction), balances, and `verify`, which checks every
//! invariant of `domain::ledger` over what is stored.

use super::entities::{ledger_accounts, ledger_entries, ledger_postings};
use chrono::{DateTime, Utc};
use domain::ledger::{check_order, floor, Account, Entry, OrderFacts, OrderMoney};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, FromQueryResult, Set, Statement};
use std::collections::{BTreeMap, HashMap, HashSet};
use uuid::Uuid;

/// Who caused an entry and why, stored beside it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context<'a> {
    pub actor: Option<Uuid>,
    pub memo: Option<&'a str>,
}

/// Writes `entry` with its postings, creating accounts on first use.
/// Answers `false`, writing nothing, when an entry with the same key
/// exists: retries and duplicate events never move money twice. Call it
/// inside the transaction of the change the entry records.
pub async fn post(
    db: &impl ConnectionTrait,
    entry: &Entry,
    ctx: Context<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    if !entry.is_balanced() || entry.postings.is_empty() {
        // The domain's constructors only build balanced entries.
        return Err(DbErr::Custom(format!(
            "refusing unbalanced ledger entry {}",
            entry.key
        )));
    }
    let mut seen = HashSet::new();
    let accounts: Vec<_> = entry
        .postings
        .iter()
        .filter(|p| seen.insert(p.account))
        .map(|p| ledger_accounts::ActiveModel {
            code: Set(p.account.code()),
            kind: Set(p.account.kind().to_owned()),
            member_id: Set(p.account.member()),
            created_at: Set(now),
        })
        .collect();
    ledger_accounts::Entity::insert_many(accounts)
        .on_conflict(
            OnConflict::column(ledger_accounts::Column::Code)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    let id = Uuid::now_v7();
    let written = ledger_entries::Entity::insert(ledger_entries::ActiveModel {
        id: Set(id),
        idempotency_key: Set(entry.key.clone()),
        kind: Set(entry.kind.into()),
        currency: Set(entry.currency.code().to_owned()),
        order_id: Set(entry.order),
        payout_id: Set(entry.payout),
        actor_id: Set(ctx.actor),
        memo: Set(ctx.memo.map(str::to_owned)),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(ledger_entries::Column::IdempotencyKey)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if written == 0 {
        return Ok(false);
    }
    let postings = entry.postings.iter().map(|p| ledger_postings::ActiveModel {
        id: Set(Uuid::now_v7()),
        entry_id: Set(id),
        account_code: Set(p.account.code()),
        amount_minor: Set(p.amount),
        line_id: Set(p.line),
    });
    ledger_postings::Entity::insert_many(postings)
        .exec_without_returning(db)
        .await?;
    Ok(true)
}

#[derive(Debug, FromQueryResult)]
struct AccountSum {
    account_code: String,
    total: i64,
}

/// Every account's signed balance.
pub async fn balances(db: &impl ConnectionTrait) -> Result<Vec<(Account, i64)>, DbErr> {
    let rows = AccountSum::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        "SELECT account_code, CAST(SUM(amount_minor) AS BIGINT) AS total \
         FROM ledger_postings GROUP BY account_code ORDER BY account_code",
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| Account::parse(&r.account_code).map(|a| (a, r.total)))
        .collect())
}

/// The signed balance of one account.
pub async fn balance(db: &impl ConnectionTrait, account: Account) -> Result<i64, DbErr> {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, QueryFilter, QuerySelect};
    let total: Option<Option<i64>> = ledger_postings::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(SUM(amount_minor) AS BIGINT)"), "total")
        .filter(ledger_postings::Column::AccountCode.eq(account.code()))
        .into_tuple()
        .one(db)
        .await?;
    Ok(total.flatten().unwrap_or(0))
}

/// What `verify` found: how much it looked at, and every breach.
#[derive(Debug, Default)]
pub struct Report {
    pub entries: u64,
    pub postings: u64,
    pub orders: u64,
    pub payouts: u64,
    pub problems: Vec<String>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks every invariant of the ledger over the stored rows:
/// each entry sums to zero and has postings; the whole ledger sums to zero;
/// no account is below its floor; every order's money matches its status
/// and total; every payout and Stripe transfer matches the payable it
/// cleared.
pub async fn verify(db: &impl ConnectionTrait) -> Result<Report, DbErr> {
    let backend = db.get_database_backend();
    let q = |sql: &str| Statement::from_string(backend, sql.to_owned());
    let mut r = Report::default();

    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    let count = |sql: &'static str| async move {
        Count::find_by_statement(q(sql))
            .one(db)
            .await
            .map(|c| c.map_or(0, |c| c.n.max(0).unsigned_abs()))
    };
    r.entries = count("SELECT COUNT(*) AS n FROM ledger_entries").await?;
    r.postings = count("SELECT COUNT(*) AS n FROM ledger_postings").await?;

    #[derive(FromQueryResult)]
    struct EntrySum {
        idempotency_key: String,
        total: Option<i64>,
    }
    let unbalanced = EntrySum::find_by_statement(q(
        "SELECT e.idempotency_key, CAST(SUM(p.amount_minor) AS BIGINT) AS total \
         FROM ledger_entries e LEFT JOIN ledger_postings p ON p.entry_id = e.id \
         GROUP BY e.id, e.idempotency_key \
         HAVING COUNT(p.id) = 0 OR SUM(p.amount_minor) <> 0",
    ))
    .all(db)
    .await?;
    for e in unbalanced {
        match e.total {
            None => r
                .problems
                .push(format!("entry {}: has no postings", e.idempotency_key)),
            Some(t) => r.problems.push(format!(
                "entry {}: postings sum to {t}, not 0",
                e.idempotency_key
            )),
        }
    }

    let balances = balances(db).await?;
    let whole: i128 = balances.iter().map(|(_, b)| i128::from(*b)).sum();
    if whole != 0 {
        r.problems
            .push(format!("the ledger sums to {whole}, not 0"));
    }
    for (a, b) in &balances {
        let natural = a.natural(*b);
        if natural < floor(*a) {
            r.problems.push(format!(
                "account {}: balance {natural} is below its floor {}",
                a.code(),
                floor(*a)
            ));
        }
    }

    #[derive(FromQueryResult)]
    struct OrderRow {
        id: Uuid,
        status: String,
        total_minor: i64,
        payment_provider: String,
        paid_at: Option<DateTime<Utc>>,
    }
    #[derive(FromQueryResult)]
    struct OrderSum {
        order_id: Uuid,
        entry_kind: String,
        account_kind: String,
        total: i64,
    }
    let orders = OrderRow::find_by_statement(q(
        "SELECT id, status, total_minor, payment_provider, paid_at FROM orders",
    ))
    .all(db)
    .await?;
    let sums = OrderSum::find_by_statement(q(
        "SELECT e.order_id, e.kind AS entry_kind, a.kind AS account_kind, \
                CAST(SUM(p.amount_minor) AS BIGINT) AS total \
         FROM ledger_postings p \
         JOIN ledger_entries e ON e.id = p.entry_id \
         JOIN ledger_accounts a ON a.code = p.account_code \
         WHERE e.order_id IS NOT NULL \
         GROUP BY e.order_id, e.kind, a.kind",
    ))
    .all(db)
    .await?;
    let mut money: HashMap<Uuid, OrderMoney> = HashMap::new();
    for s in sums {
        money
            .entry(s.order_id)
            .or_default()
            .add(&s.entry_kind, &s.account_kind, s.total);
    }
    r.orders = orders.len() as u64;
    let empty = OrderMoney::default();
    for o in orders {
        let m = money.get(&o.id).unwrap_or(&empty);
        let facts = OrderFacts {
            status: &o.status,
            total: o.total_minor,
            cash: o.payment_provider == domain::order::Method::Cash.provider(),
            paid: o.paid_at.is_some(),
        };
        for p in check_order(facts, m) {
            r.problems.push(format!("order {}: {p}", o.id));
        }
    }

    #[derive(FromQueryResult)]
    struct PayoutRow {
        id: Uuid,
        member_id: Uuid,
        amount_minor: i64,
    }
    #[derive(FromQueryResult)]
    struct PayoutSum {
        payout_id: Uuid,
        account_code: String,
        total: i64,
    }
    let payouts =
        PayoutRow::find_by_statement(q("SELECT id, member_id, amount_minor FROM payouts"))
            .all(db)
            .await?;
    let psums = PayoutSum::find_by_statement(q(
        "SELECT e.payout_id, p.account_code, CAST(SUM(p.amount_minor) AS BIGINT) AS total \
         FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id \
         WHERE e.payout_id IS NOT NULL GROUP BY e.payout_id, p.account_code",
    ))
    .all(db)
    .await?;
    let mut by_payout: HashMap<Uuid, BTreeMap<String, i64>> = HashMap::new();
    for s in psums {
        by_payout
            .entry(s.payout_id)
            .or_default()
            .insert(s.account_code, s.total);
    }
    r.payouts = payouts.len() as u64;
    for p in payouts {
        let sums = by_payout.remove(&p.id).unwrap_or_default();
        let payable = Account::MemberPayable(p.member_id).code();
        let cleared = sums.get(&payable).copied().unwrap_or(0);
        let paid = -sums.get(Account::PlatformCash.kind()).copied().unwrap_or(0);
        if cleared != p.amount_minor || paid != p.amount_minor || sums.len() != 2 {
            r.problems.push(format!(
                "payout {}: pays {}, but its entry clears {cleared} of the member's payable and takes {paid} from cash",
                p.id, p.amount_minor
            ));
        }
    }
    for id in by_payout.keys() {
        r.problems
            .push(format!("payout {id}: has a ledger entry but no payout row"));
    }
    verify_transfers(db, &mut r).await?;
    verify_patronage(db, &mut r).await?;
    Ok(r)
}

/// Every patronage share was credited as allocated, and every round took
/// its surplus from the fees into the reserve.
async fn verify_patronage(db: &impl ConnectionTrait, r: &mut Report) -> Result<(), DbErr> {
    use super::entities::{patronage_rounds, patronage_shares};
    use domain::ledger::{patronage_reserve_key, patronage_share_key};
    let backend = db.get_database_backend();
    #[derive(FromQueryResult)]
    struct KeySum {
        idempotency_key: String,
        account_code: String,
        total: i64,
    }
    let sums = KeySum::find_by_statement(Statement::from_string(
        backend,
        "SELECT e.idempotency_key, p.account_code, CAST(SUM(p.amount_minor) AS BIGINT) AS total \
         FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id \
         WHERE e.kind = 'patronage' GROUP BY e.idempotency_key, p.account_code",
    ))
    .all(db)
    .await?;
    let mut by_key: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
    for s in sums {
        by_key
            .entry(s.idempotency_key)
            .or_default()
            .insert(s.account_code, s.total);
    }
    let rounds: HashMap<Uuid, patronage_rounds::Model> = patronage_rounds::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let credited = |key: &str, account: Account| {
        by_key
            .get(key)
            .and_then(|m| m.get(&account.code()))
            .map_or(0, |v| -v)
    };
    for round in rounds.values() {
        let key = patronage_reserve_key(round.year);
        if credited(&key, Account::PatronageReserve) != round.surplus_minor {
            r.problems.push(format!(
                "patronage {}: the reserve did not receive the surplus {}",
                round.year, round.surplus_minor
            ));
        }
    }
    for s in patronage_shares::Entity::find().all(db).await? {
        let Some(round) = rounds.get(&s.round_id) else {
            continue;
        };
        let key = patronage_share_key(round.year, s.member_id);
        if credited(&key, Account::MemberPayable(s.member_id)) != s.cash_minor
            || credited(&key, Account::MemberCapital(s.member_id)) != s.retained_minor
        {
            r.problems.push(format!(
                "patronage {}: member {} was not credited their share",
                round.year, s.member_id
            ));
        }
    }
    Ok(())
}

/// Every sent Stripe transfer has its ledger entry, clearing exactly its
/// amount from the member's payable; every transfer entry has a sent row.
async fn verify_transfers(db: &impl ConnectionTrait, r: &mut Report) -> Result<(), DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        order_id: Uuid,
        line_id: Uuid,
        member_id: Uuid,
        amount_minor: i64,
        status: String,
    }
    #[derive(FromQueryResult)]
    struct Sum {
        idempotency_key: String,
        account_code: String,
        total: i64,
    }
    let backend = db.get_database_backend();
    let rows = Row::find_by_statement(Statement::from_string(
        backend,
        "SELECT order_id, line_id, member_id, amount_minor, status FROM transfers",
    ))
    .all(db)
    .await?;
    let sums = Sum::find_by_statement(Statement::from_string(
        backend,
        "SELECT e.idempotency_key, p.account_code, CAST(SUM(p.amount_minor) AS BIGINT) AS total \
         FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id \
         WHERE e.kind = 'payout' AND e.payout_id IS NULL \
         GROUP BY e.idempotency_key, p.account_code",
    ))
    .all(db)
    .await?;
    let mut by_key: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
    for s in sums {
        by_key
            .entry(s.idempotency_key)
            .or_default()
            .insert(s.account_code, s.total);
    }
    for t in rows {
        let key = domain::ledger::transfer_key(t.order_id, t.line_id);
        let sums = by_key.remove(&key).unwrap_or_default();
        if t.status != "sent" {
            if !sums.is_empty() {
                r.problems.push(format!(
                    "transfer {key}: is {} but has a ledger entry",
                    t.status
                ));
            }
            continue;
        }
        let payable = Account::MemberPayable(t.member_id).code();
        let cleared = sums.get(&payable).copied().unwrap_or(0);
        let paid = -sums.get(Account::PlatformCash.kind()).copied().unwrap_or(0);
        if cleared != t.amount_minor || paid != t.amount_minor || sums.len() != 2 {
            r.problems.push(format!(
                "transfer {key}: pays {}, but its entry clears {cleared} of the member's payable and takes {paid} from cash",
                t.amount_minor
            ));
        }
    }
    for key in by_key.keys() {
        r.problems.push(format!(
            "transfer {key}: has a ledger entry but no sent transfer"
        ));
    }
    Ok(())
}

/// The entries of an order, oldest first, with their postings.
pub async fn entries_of_order(
    db: &impl ConnectionTrait,
    order: Uuid,
) -> Result<Vec<(ledger_entries::Model, Vec<ledger_postings::Model>)>, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let entries = ledger_entries::Entity::find()
        .filter(ledger_entries::Column::OrderId.eq(order))
        .order_by_asc(ledger_entries::Column::CreatedAt)
        .order_by_asc(ledger_entries::Column::Id)
        .all(db)
        .await?;
    with_postings(db, entries).await
}

/// Loads the postings of `entries` in one query.
pub async fn with_postings(
    db: &impl ConnectionTrait,
    entries: Vec<ledger_entries::Model>,
) -> Result<Vec<(ledger_entries::Model, Vec<ledger_postings::Model>)>, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    let ids: Vec<Uuid> = entries.iter().map(|e| e.id).collect();
    let mut postings: HashMap<Uuid, Vec<ledger_postings::Model>> = HashMap::new();
    for chunk in ids.chunks(500) {
        for p in ledger_postings::Entity::find()
            .filter(ledger_postings::Column::EntryId.is_in(chunk.to_vec()))
            .order_by_asc(ledger_postings::Column::Id)
            .all(db)
            .await?
        {
            postings.entry(p.entry_id).or_default().push(p);
        }
    }
    Ok(entries
        .into_iter()
        .map(|e| {
            let p = postings.remove(&e.id).unwrap_or_default();
            (e, p)
        })
        .collect())
}
