//! Money as people see it: a member's earnings and statement, their payout
//! account, ledger entries, the board's balances, payout batches with their
//! SEPA file, refunds owed and reconciliation. Every figure is read from
//! the ledger; everything that moves money writes ledger entries in the
//! same transaction.

use super::accounts::display_names as names;
use super::entities::{
    coop_settings, ledger_entries, ledger_postings, order_lines, orders, payout_accounts,
    payout_batches, payouts,
};
use super::ledger::{self, Context};
use super::orders::numbers as order_numbers;
use super::service::ServiceError;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use domain::calendar::{parse_month, start_of};
use domain::iban::{pain001, valid_bic, Debtor, Iban, Transfer};
use domain::ledger::{self as book, Account, EntryKind};
use domain::money::{Currency, Money};
use domain::order_form::parse_text;
use domain::validation::FieldError;
use domain::validation::FieldProblem;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use std::collections::HashMap;
use uuid::Uuid;
use wire::money::{
    BalanceView, BankLineView, BatchView, BoardMoney, CoopBank, DisputeOutcome, Earnings, EntryRow,
    EntryView, PayeeView, PayoutAccountView, PendingLine, PostingView, ReceivableView,
    Reconciliation, RefundOwed,
};
use wire::viewer::Viewer;

/// The cooperative's currency (one per cooperative).
const CURRENCY: Currency = Currency::Eur;
const HOLDER_MAX: usize = 70;

pub(crate) fn eur(minor: i64) -> Money {
    Money::new(minor, CURRENCY)
}

/// The placeholder for the `n`-th bound value in raw SQL.
pub(crate) fn ph(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

fn next_month(first: NaiveDate) -> NaiveDate {
    let (y, m) = if first.month() == 12 {
        (first.year() + 1, 1)
    } else {
        (first.year(), first.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(first)
}

// ---------------------------------------------------------------------------
// A member's earnings

#[derive(FromQueryResult)]
struct MemberEntry {
    id: Uuid,
    kind: String,
    created_at: DateTime<Utc>,
    order_id: Option<Uuid>,
    order_number: Option<String>,
    amount: i64,
}

/// Entries on a member's payable account, oldest first; `amount` is what
/// the entry means to the member: positive earned, negative paid out.
async fn member_entries(
    db: &impl ConnectionTrait,
    member: Uuid,
    range: Option<(DateTime<Utc>, DateTime<Utc>)>,
    kind: Option<EntryKind>,
) -> Result<Vec<EntryRow>, DbErr> {
    let backend = db.get_database_backend();
    let mut sql = format!(
        "SELECT e.id, e.kind, e.created_at, e.order_id, o.number AS order_number, \
                CAST(-SUM(p.amount_minor) AS BIGINT) AS amount \
         FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id \
         LEFT JOIN orders o ON o.id = e.order_id \
         WHERE p.account_code = {}",
        ph(backend, 1)
    );
    let mut values: Vec<sea_orm::Value> = vec![Account::MemberPayable(member).code().into()];
    if let Some((from, to)) = range {
        sql.push_str(&format!(
            " AND e.created_at >= {} AND e.created_at < {}",
            ph(backend, 2),
            ph(backend, 3)
        ));
        values.push(from.into());
        values.push(to.into());
    }
    if let Some(k) = kind {
        sql.push_str(&format!(" AND e.kind = {}", ph(backend, values.len() + 1)));
        values.push(k.as_str().into());
    }
    sql.push_str(
        " GROUP BY e.id, e.kind, e.created_at, e.order_id, o.number ORDER BY e.created_at, e.id",
    );
    let rows = MemberEntry::find_by_statement(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| EntryRow {
            id: r.id,
            kind: r.kind,
            created_at: r.created_at,
            order_id: r.order_id,
            order_number: r.order_number,
            amount: eur(r.amount),
        })
        .collect())
}

const OPEN_LINE_STATUSES: [&str; 5] = ["paid", "accepted", "in_progress", "fulfilled", "disputed"];

async fn pending_lines(db: &impl ConnectionTrait, member: Uuid) -> Result<Vec<PendingLine>, DbErr> {
    let lines = order_lines::Entity::find()
        .filter(order_lines::Column::ProviderId.eq(member))
        .filter(order_lines::Column::Status.is_in(OPEN_LINE_STATUSES))
        .order_by_asc(order_lines::Column::UpdatedAt)
        .all(db)
        .await?;
    let numbers = order_numbers(db, lines.iter().map(|l| l.order_id)).await?;
    Ok(lines
        .into_iter()
        .map(|l| PendingLine {
            order_number: numbers.get(&l.order_id).cloned().unwrap_or_default(),
            order_id: l.order_id,
            title: l.title,
            status: l.status,
            net: eur(l.net_minor),
        })
        .collect())
}

/// The month asked for (`YYYY-MM`, default the current one): its first
/// day and the instants it spans.
fn month_range(
    now: DateTime<Utc>,
    month: Option<&str>,
) -> (NaiveDate, (DateTime<Utc>, DateTime<Utc>)) {
    let first = month
        .and_then(parse_month)
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(now.year(), now.month(), 1).unwrap_or_default());
    (first, (start_of(first), start_of(next_month(first))))
}

pub async fn earnings(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    member: Uuid,
    month: Option<&str>,
    show: Option<&str>,
) -> Result<Earnings, ServiceError> {
    let (first, range) = month_range(now, month);
    let pending = pending_lines(db, member).await?;
    let available = -ledger::balance(db, Account::MemberPayable(member)).await?;
    let paid: Vec<EntryRow> = member_entries(db, member, None, Some(EntryKind::Payout)).await?;
    let paid_out = -paid.iter().map(|e| e.amount.minor()).sum::<i64>();
    let statement = member_entries(db, member, Some(range), None).await?;
    let month_total = statement.iter().map(|e| e.amount.minor()).sum();
    let show = show.filter(|s| matches!(*s, "pending" | "available" | "paid"));
    let detail = match show {
        Some("available") => member_entries(db, member, None, None).await?,
        Some("paid") => paid,
        _ => Vec::new(),
    };
    let account = payout_accounts::Entity::find_by_id(member)
        .one(db)
        .await?
        .and_then(|a| {
            let iban = Iban::parse(a.iban.as_deref()?).ok()?;
            Some(PayoutAccountView {
                holder_name: a.holder_name,
                iban_masked: iban.masked(),
            })
        });
    let owed_to_coop = ledger::balance(db, Account::MemberReceivable(member)).await?;
    Ok(Earnings {
        pending: eur(pending.iter().map(|l| l.net.minor()).sum()),
        available: eur(available),
        owed_to_coop: eur(owed_to_coop),
        paid_out: eur(paid_out),
        month: first.format("%Y-%m").to_string(),
        statement,
        month_total: eur(month_total),
        show: show.map(str::to_owned),
        pending_lines: if show == Some("pending") {
            pending
        } else {
            Vec::new()
        },
        detail,
        account,
        connect: None,
    })
}

/// A month's statement as CSV (RFC 4180), amounts in decimal with a point.
pub async fn statement_csv(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    member: Uuid,
    month: Option<&str>,
) -> Result<(String, String), ServiceError> {
    let (first, range) = month_range(now, month);
    let statement = member_entries(db, member, Some(range), None).await?;
    let total: i64 = statement.iter().map(|e| e.amount.minor()).sum();
    let mut out = String::from("date,entry,kind,order,order_id,amount,currency\r\n");
    let dec = |m: i64| {
        let sign = if m < 0 { "-" } else { "" };
        format!("{sign}{}.{:02}", m.abs() / 100, m.abs() % 100)
    };
    for r in &statement {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\r\n",
            r.created_at.format("%Y-%m-%d %H:%M:%S"),
            r.id,
            r.kind,
            r.order_number.as_deref().unwrap_or_default(),
            r.order_id.map(|o| o.to_string()).unwrap_or_default(),
            dec(r.amount.minor()),
            r.amount.currency().code()
        ));
    }
    out.push_str(&format!(",,total,,,{},{}\r\n", dec(total), CURRENCY.code()));
    Ok((first.format("%Y-%m").to_string(), out))
}

/// Payouts to an IBAN wait this long after it changed, so a member whose
/// account was taken over hears of it (by e-mail) before money moves.
pub const IBAN_HOLD_HOURS: i64 = 72;

/// Until when payouts to `account` wait, if they do.
pub fn held_until(account: &payout_accounts::Model, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    account
        .iban_changed_at
        .map(|at| at + Duration::hours(IBAN_HOLD_HOURS))
        .filter(|until| *until > now)
}

/// Saves where a member is paid, after checking their password. A changed
/// IBAN holds payouts for [`IBAN_HOLD_HOURS`], is audited and is told to
/// the member by e-mail (old and new, masked), all in one transaction.
pub async fn save_payout_account(
    db: &DatabaseConnection,
    hasher: &super::password::Hasher,
    now: DateTime<Utc>,
    member: Uuid,
    holder: &str,
    iban: &str,
    password: &str,
) -> Result<(), ServiceError> {
    let mut fields = Vec::new();
    let holder = match parse_text(holder, HOLDER_MAX, true) {
        Ok(h) => Some(h),
        Err(p) => {
            fields.push(FieldError::new("holder", p));
            None
        }
    };
    let iban = match Iban::parse(iban) {
        Ok(i) => Some(i),
        Err(_) => {
            fields.push(FieldError::new("iban", FieldProblem::IbanInvalid));
            None
        }
    };
    let user = super::entities::users::Entity::find_by_id(member)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let password_ok = !password.is_empty()
        && hasher
            .verify_for(
                super::password::Purpose::Other,
                password.to_owned(),
                Some(user.password_hash.clone()),
            )
            .await
            .map_err(|e| DbErr::Custom(format!("password check: {e}")))?;
    if !password_ok {
        let problem = if password.is_empty() {
            FieldProblem::Required
        } else {
            FieldProblem::CurrentPasswordWrong
        };
        fields.push(FieldError::new("password", problem));
    }
    let (Some(holder), Some(iban), true) = (holder, iban, password_ok) else {
        return Err(ServiceError::Invalid(fields));
    };
    store_payout_account(db, now, &user, holder, iban).await
}

/// Writes a checked payout account (the demo's members, and the form's
/// after the password): a changed IBAN is held, audited and e-mailed.
pub async fn store_payout_account(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    user: &super::entities::users::Model,
    holder: String,
    iban: Iban,
) -> Result<(), ServiceError> {
    let member = user.id;
    let txn = crate::txn::begin_write(db).await?;
    let before = payout_accounts::Entity::find_by_id(member)
        .one(&txn)
        .await?;
    let old = before
        .as_ref()
        .and_then(|a| Iban::parse(a.iban.as_deref()?).ok());
    let changed = old.as_ref() != Some(&iban);
    // A first IBAN is not held (no one's money went elsewhere before it);
    // every change is.
    let changed_at = match (&old, changed) {
        (Some(_), true) => Some(now),
        _ => before.as_ref().and_then(|a| a.iban_changed_at),
    };
    payout_accounts::Entity::insert(payout_accounts::ActiveModel {
        member_id: Set(member),
        holder_name: Set(holder),
        iban: Set(Some(iban.as_str().to_owned())),
        stripe_account_id: Set(None),
        stripe_ready: Set(false),
        updated_at: Set(now),
        iban_changed_at: Set(changed_at),
    })
    .on_conflict(
        OnConflict::column(payout_accounts::Column::MemberId)
            .update_columns([
                payout_accounts::Column::HolderName,
                payout_accounts::Column::Iban,
                payout_accounts::Column::UpdatedAt,
                payout_accounts::Column::IbanChangedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if changed {
        let old_masked = old.as_ref().map(Iban::masked);
        super::audit::record(
            &txn,
            now,
            Some(member),
            "payout_iban_changed",
            &format!("member:{member}"),
            &format!(
                "{} → {}",
                old_masked.as_deref().unwrap_or("—"),
                iban.masked()
            ),
        )
        .await?;
        let held = changed_at.map(|at| at + Duration::hours(IBAN_HOLD_HOURS));
        super::notify::iban_changed(&txn, user, old_masked.as_deref(), &iban.masked(), held, now)
            .await?;
    }
    txn.commit().await?;
    tracing::info!(member = %member, changed, "payout account saved");
    Ok(())
}

// ---------------------------------------------------------------------------
// Entries

fn postings_view(
    postings: &[ledger_postings::Model],
    names: &HashMap<Uuid, String>,
    titles: &HashMap<Uuid, String>,
) -> Vec<PostingView> {
    postings
        .iter()
        .map(|p| {
            let account = Account::parse(&p.account_code);
            PostingView {
                account: p.account_code.clone(),
                account_kind: account.map(|a| a.kind()).unwrap_or("").to_owned(),
                member_name: account
                    .and_then(Account::member)
                    .and_then(|m| names.get(&m).cloned()),
                debit: (p.amount_minor > 0).then(|| eur(p.amount_minor)),
                credit: (p.amount_minor < 0).then(|| eur(-p.amount_minor)),
                line_title: p.line_id.and_then(|l| titles.get(&l).cloned()),
            }
        })
        .collect()
}

/// One entry, for the board and the people it concerns.
pub async fn entry(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> Result<EntryView, ServiceError> {
    let e = ledger_entries::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut loaded = ledger::with_postings(db, vec![e]).await?;
    let Some((e, postings)) = loaded.pop() else {
        return Err(ServiceError::NotFound);
    };
    let accounts: Vec<Account> = postings
        .iter()
        .filter_map(|p| Account::parse(&p.account_code))
        .collect();
    let mut lines = Vec::new();
    let mut allowed = viewer.board || accounts.iter().any(|a| a.member() == Some(viewer.id));
    let mut sees_all = viewer.board;
    let mut order_number = None;
    if let Some(order) = e.order_id {
        if let Some(o) = orders::Entity::find_by_id(order).one(db).await? {
            order_number = Some(o.number.clone());
            lines = order_lines::Entity::find()
                .filter(order_lines::Column::OrderId.eq(order))
                .all(db)
                .await?;
            allowed = allowed
                || o.customer_id == viewer.id
                || lines.iter().any(|l| l.provider_id == viewer.id);
            sees_all = sees_all
                || o.customer_id == viewer.id
                || lines.iter().all(|l| l.provider_id == viewer.id);
        } else {
            sees_all = true;
        }
    } else {
        // A payout, patronage share…: its member sees it whole.
        sees_all = true;
    }
    if !allowed {
        return Err(ServiceError::NotFound);
    }
    // A co-provider sees the postings of their own lines and accounts only.
    let own: Vec<Uuid> = lines
        .iter()
        .filter(|l| l.provider_id == viewer.id)
        .map(|l| l.id)
        .collect();
    let postings: Vec<_> = if sees_all {
        postings
    } else {
        postings
            .into_iter()
            .filter(|p| {
                p.line_id.is_some_and(|l| own.contains(&l))
                    || Account::parse(&p.account_code).and_then(Account::member) == Some(viewer.id)
            })
            .collect()
    };
    let accounts: Vec<Account> = postings
        .iter()
        .filter_map(|p| Account::parse(&p.account_code))
        .collect();
    let names = names(db, accounts.iter().filter_map(|a| a.member())).await?;
    let titles: HashMap<Uuid, String> = lines.into_iter().map(|l| (l.id, l.title)).collect();
    Ok(EntryView {
        id: e.id,
        key: e.idempotency_key,
        kind: e.kind,
        created_at: e.created_at,
        order_id: e.order_id,
        order_number,
        memo: e.memo,
        postings: postings_view(&postings, &names, &titles),
        partial: !sees_all,
    })
}

/// An order's entries, for its page (the caller has checked who sees it).
pub async fn order_entries(db: &impl ConnectionTrait, order: Uuid) -> Result<Vec<EntryRow>, DbErr> {
    let number = order_numbers(db, [order]).await?.remove(&order);
    Ok(ledger::entries_of_order(db, order)
        .await?
        .into_iter()
        .map(|(e, p)| EntryRow {
            id: e.id,
            kind: e.kind,
            created_at: e.created_at,
            order_id: e.order_id,
            order_number: number.clone(),
            amount: eur(p.iter().map(|p| p.amount_minor.max(0)).sum()),
        })
        .collect())
}

// ---------------------------------------------------------------------------
// The board

#[derive(FromQueryResult)]
struct Earned {
    member_id: Uuid,
    earned: i64,
    paid: i64,
}

/// What each member has earned up to the end of `until` and not yet been
/// paid, largest first. Lines paid by Stripe transfer (owed or sent) are
/// left out on both sides: their credit and the transfer that clears it.
async fn payable_until(
    db: &impl ConnectionTrait,
    until: NaiveDate,
) -> Result<Vec<(Uuid, i64)>, DbErr> {
    let backend = db.get_database_backend();
    let end = start_of(until + Duration::days(1));
    let sql = format!(
        "SELECT a.member_id, \
           CAST(SUM(CASE WHEN p.amount_minor < 0 AND e.created_at < {} THEN -p.amount_minor ELSE 0 END) AS BIGINT) AS earned, \
           CAST(SUM(CASE WHEN p.amount_minor > 0 THEN p.amount_minor ELSE 0 END) AS BIGINT) AS paid \
         FROM ledger_postings p \
         JOIN ledger_entries e ON e.id = p.entry_id \
         JOIN ledger_accounts a ON a.code = p.account_code \
         WHERE a.kind = 'member_payable' AND a.member_id IS NOT NULL \
           AND (p.line_id IS NULL OR NOT EXISTS (SELECT 1 FROM transfers t WHERE t.line_id = p.line_id)) \
         GROUP BY a.member_id",
        ph(backend, 1)
    );
    let rows =
        Earned::find_by_statement(Statement::from_sql_and_values(backend, sql, [end.into()]))
            .all(db)
            .await?;
    let mut out: Vec<(Uuid, i64)> = rows
        .into_iter()
        .map(|r| (r.member_id, r.earned - r.paid))
        .filter(|(_, owed)| *owed > 0)
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(out)
}

/// What each member owes the cooperative (cash they collected beyond
/// their own share), by member, out of the ledger's balances.
fn receivables(balances: &[(Account, i64)]) -> HashMap<Uuid, i64> {
    balances
        .iter()
        .filter_map(|(a, b)| match a {
            Account::MemberReceivable(m) if *b > 0 => Some((*m, *b)),
            _ => None,
        })
        .collect()
}

/// What the cooperative owes each member up to `until`, less what they
/// owe it: (member, netted, paid), where `netted` comes off what they hold
/// and `paid` is sent in money. Money sent never exceeds what the
/// cooperative holds beyond what is not its to spend (customers' money
/// for open orders, refunds owed, card transfers owed): while a member
/// still holds cash that pays another's share, that share waits for it.
async fn due_until(
    db: &impl ConnectionTrait,
    until: NaiveDate,
) -> Result<Vec<(Uuid, i64, i64)>, DbErr> {
    let owing = receivables(&ledger::balances(db).await?);
    let cash = Account::PlatformCash.natural(ledger::balance(db, Account::PlatformCash).await?);
    let refunds =
        Account::RefundsPayable.natural(ledger::balance(db, Account::RefundsPayable).await?);
    // Card-paid lines owed by Stripe transfer are paid from that money.
    let transfers = sum(
        db,
        "SELECT CAST(SUM(amount_minor) AS BIGINT) AS total FROM transfers WHERE status = 'owed'",
    )
    .await?;
    // Customers' money for bank and card orders still open is theirs.
    let open = -sum(
        db,
        "SELECT CAST(SUM(p.amount_minor) AS BIGINT) AS total FROM ledger_postings p \
         JOIN ledger_entries e ON e.id = p.entry_id JOIN orders o ON o.id = e.order_id \
         WHERE p.account_code = 'order_clearing' AND o.payment_provider <> 'cash'",
    )
    .await?;
    let mut available = (cash - refunds - transfers - open).max(0);
    Ok(payable_until(db, until)
        .await?
        .into_iter()
        .map(|(m, owed)| {
            let netted = owed.min(owing.get(&m).copied().unwrap_or(0));
            let paid = (owed - netted).min(available);
            available -= paid;
            (m, netted, paid)
        })
        .collect())
}

pub(crate) async fn coop_bank(db: &impl ConnectionTrait) -> Result<Option<CoopBank>, DbErr> {
    let rows: HashMap<String, String> = coop_settings::Entity::find()
        .filter(coop_settings::Column::Key.is_in(["coop_name", "coop_iban", "coop_bic"]))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.key, r.value))
        .collect();
    Ok(match (rows.get("coop_name"), rows.get("coop_iban")) {
        (Some(name), Some(iban)) => Some(CoopBank {
            name: name.clone(),
            iban: iban.clone(),
            bic: rows.get("coop_bic").cloned().unwrap_or_default(),
        }),
        _ => None,
    })
}

pub async fn save_coop_bank(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    actor: Option<Uuid>,
    name: &str,
    iban: &str,
    bic: &str,
) -> Result<(), ServiceError> {
    let mut fields = Vec::new();
    let name = parse_text(name, HOLDER_MAX, true)
        .map_err(|p| fields.push(FieldError::new("name", p)))
        .ok();
    let iban = Iban::parse(iban)
        .map_err(|_| fields.push(FieldError::new("iban", FieldProblem::IbanInvalid)))
        .ok();
    let bic = bic.trim().to_ascii_uppercase();
    if !bic.is_empty() && !valid_bic(&bic) {
        fields.push(FieldError::new("bic", FieldProblem::BicInvalid));
    }
    let (Some(name), Some(iban)) = (name, iban) else {
        return Err(ServiceError::Invalid(fields));
    };
    if !fields.is_empty() {
        return Err(ServiceError::Invalid(fields));
    }
    let txn = crate::txn::begin_write(db).await?;
    for (key, value) in [
        ("coop_name", name),
        ("coop_iban", iban.as_str().to_owned()),
        ("coop_bic", bic),
    ] {
        coop_settings::Entity::insert(coop_settings::ActiveModel {
            key: Set(key.to_owned()),
            value: Set(value),
        })
        .on_conflict(
            OnConflict::column(coop_settings::Column::Key)
                .update_column(coop_settings::Column::Value)
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    super::audit::record(
        &txn,
        now,
        actor,
        "settings_changed",
        "settings:coop_bank",
        &format!("account {}", iban.masked()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct Sum {
    total: Option<i64>,
}

async fn sum(db: &impl ConnectionTrait, sql: &str) -> Result<i64, DbErr> {
    Ok(
        Sum::find_by_statement(Statement::from_string(db.get_database_backend(), sql))
            .one(db)
            .await?
            .and_then(|s| s.total)
            .unwrap_or(0),
    )
}

async fn reconciliation(db: &DatabaseConnection) -> Result<Reconciliation, DbErr> {
    let payments_recorded = sum(
        db,
        "SELECT CAST(SUM(amount_minor) AS BIGINT) AS total FROM payments \
         WHERE status IN ('succeeded', 'refunded')",
    )
    .await?;
    let payments_in_ledger = sum(
        db,
        "SELECT CAST(SUM(p.amount_minor) AS BIGINT) AS total FROM ledger_postings p \
         JOIN ledger_entries e ON e.id = p.entry_id \
         WHERE e.kind = 'payment' AND p.amount_minor > 0",
    )
    .await?;
    let payouts_recorded = sum(
        db,
        "SELECT CAST(SUM(amount_minor) AS BIGINT) AS total FROM payouts",
    )
    .await?;
    let payouts_in_ledger = sum(
        db,
        "SELECT CAST(-SUM(p.amount_minor) AS BIGINT) AS total FROM ledger_postings p \
         JOIN ledger_entries e ON e.id = p.entry_id \
         WHERE e.kind = 'payout' AND p.account_code = 'platform_cash'",
    )
    .await?;
    let mut problems = ledger::verify(db).await?.problems;
    if payments_recorded != payments_in_ledger {
        problems.push(format!(
            "payments recorded {payments_recorded} ≠ payments in the ledger {payments_in_ledger}"
        ));
    }
    if payouts_recorded != payouts_in_ledger {
        problems.push(format!(
            "payouts recorded {payouts_recorded} ≠ payouts in the ledger {payouts_in_ledger}"
        ));
    }
    Ok(Reconciliation {
        payments_recorded: eur(payments_recorded),
        payments_in_ledger: eur(payments_in_ledger),
        payouts_recorded: eur(payouts_recorded),
        payouts_in_ledger: eur(payouts_in_ledger),
        problems,
    })
}

/// Refunds owed to customers and not yet handed back, by order.
async fn refunds_owed(db: &impl ConnectionTrait) -> Result<Vec<(Uuid, i64)>, DbErr> {
    #[derive(FromQueryResult)]
    struct Owed {
        order_id: Uuid,
        owed: i64,
    }
    let rows = Owed::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        "SELECT e.order_id, CAST(-SUM(p.amount_minor) AS BIGINT) AS owed \
         FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id \
         WHERE p.account_code = 'refunds_payable' AND e.order_id IS NOT NULL \
         GROUP BY e.order_id HAVING SUM(p.amount_minor) <> 0",
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.order_id, r.owed)).collect())
}

pub async fn board(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    until: Option<&str>,
) -> Result<BoardMoney, ServiceError> {
    let today = now.date_naive();
    let until = until
        .and_then(|u| NaiveDate::parse_from_str(u.trim(), "%Y-%m-%d").ok())
        .filter(|d| *d <= today)
        .unwrap_or(today);
    let balances = ledger::balances(db).await?;
    let payable: Vec<(Uuid, i64)> = due_until(db, until)
        .await?
        .into_iter()
        .map(|(m, _, paid)| (m, paid))
        .filter(|(_, pay)| *pay > 0)
        .collect();
    let owed = refunds_owed(db).await?;
    let owed_orders: Vec<Uuid> = owed.iter().map(|(o, _)| *o).collect();
    let customers: HashMap<Uuid, Uuid> = if owed_orders.is_empty() {
        HashMap::new()
    } else {
        orders::Entity::find()
            .filter(orders::Column::Id.is_in(owed_orders))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o.customer_id))
            .collect()
    };
    let mut owing: Vec<(Uuid, i64)> = receivables(&balances).into_iter().collect();
    owing.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let member_ids = balances
        .iter()
        .filter_map(|(a, _)| a.member())
        .chain(payable.iter().map(|(m, _)| *m))
        .chain(customers.values().copied());
    let names = names(db, member_ids).await?;
    let accounts: HashMap<Uuid, payout_accounts::Model> = payout_accounts::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.member_id, a))
        .collect();
    let batches = payout_batches::Entity::find()
        .order_by_desc(payout_batches::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|b| BatchView {
            id: b.id,
            period_end: b.period_end,
            execution_date: b.execution_date,
            created_at: b.created_at,
            count: b.count,
            total: eur(b.total_minor),
        })
        .collect();
    let disputes = dispute_outcomes(db).await?;
    let bank_lines = super::bank_statements::open_lines(db).await?;
    let mismatches: Vec<_> = super::entities::webhook_events::Entity::find()
        .filter(super::entities::webhook_events::Column::Outcome.eq("mismatch"))
        .order_by_desc(super::entities::webhook_events::Column::ReceivedAt)
        .limit(50)
        .all(db)
        .await?;
    let problems = super::retries::open(db).await?;
    let numbers_of = order_numbers(
        db,
        owed.iter()
            .map(|(o, _)| *o)
            .chain(bank_lines.iter().filter_map(|l| l.order_id))
            .chain(mismatches.iter().filter_map(|e| e.order_id))
            .chain(problems.iter().map(|r| r.order_id)),
    )
    .await?;
    Ok(BoardMoney {
        balances: balances
            .into_iter()
            .map(|(a, b)| BalanceView {
                account: a.code(),
                kind: a.kind().to_owned(),
                member_name: a.member().and_then(|m| names.get(&m).cloned()),
                balance: eur(a.natural(b)),
            })
            .collect(),
        until,
        execution: today + Duration::days(1),
        payees: payable
            .into_iter()
            .map(|(m, owed)| PayeeView {
                member_id: m,
                name: names.get(&m).cloned().unwrap_or_default(),
                available: eur(owed),
                iban_masked: accounts
                    .get(&m)
                    .and_then(|a| Iban::parse(a.iban.as_deref()?).ok())
                    .map(|i| i.masked()),
                held_until: accounts.get(&m).and_then(|a| held_until(a, now)),
            })
            .collect(),
        batches,
        refunds_owed: owed
            .into_iter()
            .map(|(o, amount)| RefundOwed {
                order_id: o,
                order_number: numbers_of.get(&o).cloned().unwrap_or_default(),
                customer_name: customers
                    .get(&o)
                    .and_then(|c| names.get(c).cloned())
                    .unwrap_or_default(),
                amount: eur(amount),
            })
            .collect(),
        disputes,
        receivables: owing
            .into_iter()
            .map(|(m, owed)| ReceivableView {
                member_id: m,
                name: names.get(&m).cloned().unwrap_or_default(),
                owed: eur(owed),
            })
            .collect(),
        reconciliation: reconciliation(db).await?,
        bank: coop_bank(db).await?,
        bank_lines: bank_lines
            .into_iter()
            .map(|l| BankLineView {
                id: l.id,
                entry: l.entry_key,
                booked_on: l.booked_on,
                amount: Money::new(
                    l.amount_minor,
                    Currency::parse(&l.currency).unwrap_or(CURRENCY),
                ),
                currency: l.currency,
                reference: l.reference,
                debtor: l.debtor,
                order_number: l.order_id.and_then(|o| numbers_of.get(&o).cloned()),
                order_id: l.order_id,
                outcome: l.outcome,
            })
            .collect(),
        card_mismatches: mismatches
            .into_iter()
            .map(|e| wire::money::CardMismatch {
                event_id: e.event_id,
                order_number: e.order_id.and_then(|o| numbers_of.get(&o).cloned()),
                order_id: e.order_id,
                received_at: e.received_at,
            })
            .collect(),
        processor_problems: problems
            .into_iter()
            .map(|r| wire::money::ProcessorProblem {
                call: r.call_key,
                kind: r.kind,
                order_number: numbers_of.get(&r.order_id).cloned().unwrap_or_default(),
                order_id: r.order_id,
                attempts: r.attempts,
                next_attempt_at: r.next_attempt_at,
                last_error: r.last_error,
                parked: r.parked_at.is_some(),
            })
            .collect(),
    })
}

async fn dispute_outcomes(db: &impl ConnectionTrait) -> Result<Vec<DisputeOutcome>, DbErr> {
    let resolved = orders::Entity::find()
        .filter(orders::Column::Status.eq("resolved"))
        .order_by_desc(orders::Column::ClosedAt)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for o in resolved.into_iter().take(50) {
        let entries = ledger::entries_of_order(db, o.id).await?;
        let mut refunded = 0;
        let mut released = 0;
        for (e, postings) in &entries {
            let credits: i64 = postings.iter().map(|p| (-p.amount_minor).max(0)).sum();
            match ledger::kind_of(e) {
                Some(EntryKind::Refund) => refunded += credits,
                Some(EntryKind::Completion) => released += credits,
                _ => {}
            }
        }
        out.push(DisputeOutcome {
            order_id: o.id,
            order_number: o.number,
            resolution: o.resolution.unwrap_or_default(),
            refunded: eur(refunded),
            released: eur(released),
        });
    }
    Ok(out)
}

/// Makes concurrent payout runs wait for each other: every run updates
/// the same settings row first, which locks it until the run commits.
async fn serialise_payouts(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    coop_settings::Entity::insert(coop_settings::ActiveModel {
        key: Set("payout_run".to_owned()),
        value: Set("0".to_owned()),
    })
    .on_conflict(
        OnConflict::column(coop_settings::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    coop_settings::Entity::update_many()
        .col_expr(
            coop_settings::Column::Value,
            Expr::col(coop_settings::Column::Value).into(),
        )
        .filter(coop_settings::Column::Key.eq("payout_run"))
        .exec(db)
        .await?;
    Ok(())
}

/// Pays every member with bank details what they earned up to `until` and
/// were not paid yet: one batch, a payout row and a ledger entry per
/// member, all in one transaction.
pub async fn create_batch(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    board_member: Uuid,
    until: &str,
    execution: &str,
) -> Result<Uuid, ServiceError> {
    let today = now.date_naive();
    let until = NaiveDate::parse_from_str(until.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d <= today)
        .ok_or_else(|| ServiceError::field("until", FieldProblem::DateInvalid))?;
    let execution = NaiveDate::parse_from_str(execution.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d >= today)
        .ok_or_else(|| ServiceError::field("execution", FieldProblem::DateInvalid))?;
    let txn = crate::txn::begin_write(db).await?;
    serialise_payouts(&txn).await?;
    // Payouts to an IBAN changed less than 72 hours ago wait.
    let accounts: HashMap<Uuid, (String, Iban)> = payout_accounts::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .filter(|a| held_until(a, now).is_none())
        .filter_map(|a| {
            Some((
                a.member_id,
                (a.holder_name, Iban::parse(a.iban.as_deref()?).ok()?),
            ))
        })
        .collect();
    let due = due_until(&txn, until).await?;
    let payees: Vec<(Uuid, i64, &(String, Iban))> = due
        .iter()
        .filter(|(_, _, paid)| *paid > 0)
        .filter_map(|&(m, _, paid)| accounts.get(&m).map(|a| (m, paid, a)))
        .collect();
    let netted: Vec<(Uuid, i64)> = due
        .iter()
        .filter(|(_, n, _)| *n > 0)
        .map(|&(m, n, _)| (m, n))
        .collect();
    if payees.is_empty() && netted.is_empty() {
        return Err(ServiceError::field("until", FieldProblem::Required));
    }
    let batch = Uuid::now_v7();
    // What members owe the cooperative comes off what it owes them first:
    // no one is sent money while they hold the cooperative's.
    for (member, amount) in &netted {
        let ctx = Context {
            actor: Some(board_member),
            memo: None,
        };
        let key = format!("netting/{batch}/{member}");
        ledger::post(&txn, &book::netting(key, *member, eur(*amount)), ctx, now).await?;
    }
    payout_batches::Entity::insert(payout_batches::ActiveModel {
        id: Set(batch),
        period_end: Set(until),
        execution_date: Set(execution),
        currency: Set(CURRENCY.code().to_owned()),
        total_minor: Set(payees.iter().map(|(_, o, _)| o).sum()),
        count: Set(i32::try_from(payees.len()).unwrap_or(i32::MAX)),
        created_by: Set(board_member),
        created_at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    for (member, owed, (holder, iban)) in &payees {
        let id = Uuid::now_v7();
        payouts::Entity::insert(payouts::ActiveModel {
            id: Set(id),
            batch_id: Set(batch),
            member_id: Set(*member),
            amount_minor: Set(*owed),
            currency: Set(CURRENCY.code().to_owned()),
            holder_name: Set(holder.clone()),
            iban: Set(iban.as_str().to_owned()),
            created_at: Set(now),
        })
        .exec_without_returning(&txn)
        .await?;
        let ctx = Context {
            actor: Some(board_member),
            memo: None,
        };
        ledger::post(&txn, &book::payout(id, *member, eur(*owed)), ctx, now).await?;
    }
    super::audit::record(
        &txn,
        now,
        Some(board_member),
        "payout_batch",
        &format!("payout_batch:{batch}"),
        &format!(
            "{} payouts, {} minor units, period to {until}",
            payees.len(),
            payees.iter().map(|(_, o, _)| o).sum::<i64>()
        ),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(batch = %batch, payouts = payees.len(), "payout batch created");
    Ok(batch)
}

/// The batch's SEPA credit transfer file, or `None` when the batch is
/// unknown; `Conflict` when the cooperative's bank account is not set.
pub async fn sepa_file(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    batch: Uuid,
) -> Result<String, ServiceError> {
    let b = payout_batches::Entity::find_by_id(batch)
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let bank = coop_bank(db).await?.ok_or(ServiceError::Conflict)?;
    let debtor_iban = Iban::parse(&bank.iban).map_err(|_| ServiceError::Conflict)?;
    let rows = payouts::Entity::find()
        .filter(payouts::Column::BatchId.eq(batch))
        .order_by_asc(payouts::Column::Id)
        .all(db)
        .await?;
    let ibans: Vec<Iban> = rows
        .iter()
        .map(|p| Iban::parse(&p.iban))
        .collect::<Result<_, _>>()
        .map_err(|_| DbErr::Custom(format!("payout batch {batch} holds an invalid IBAN")))?;
    let references: Vec<String> = rows
        .iter()
        .map(|p| p.id.simple().to_string()[..32].to_owned())
        .collect();
    let remittance = format!("{} {}", bank.name, b.period_end.format("%Y-%m-%d"));
    let transfers: Vec<Transfer<'_>> = rows
        .iter()
        .zip(&ibans)
        .zip(&references)
        .map(|((p, iban), reference)| Transfer {
            reference,
            name: &p.holder_name,
            iban,
            amount_minor: p.amount_minor,
            remittance: &remittance,
        })
        .collect();
    let bic = (!bank.bic.is_empty()).then_some(bank.bic.as_str());
    Ok(pain001(
        &batch.simple().to_string()[..32],
        now,
        b.execution_date,
        &Debtor {
            name: &bank.name,
            iban: &debtor_iban,
            bic,
        },
        &transfers,
    ))
}

/// A board member records an owed refund as handed back: out of the
/// cooperative's bank for a transfer, out of the collector's hands for
/// cash. Never for a card (the processor refunds it), never by a party to
/// the order, never twice (the entry's key).
pub async fn refund_returned(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    board_member: Uuid,
    order: Uuid,
) -> Result<(), ServiceError> {
    use domain::order::Method;
    let loaded = super::orders::load(db, order)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if loaded.order.customer_id == board_member
        || loaded.lines.iter().any(|l| l.provider_id == board_member)
    {
        return Err(ServiceError::Refused(domain::validation::Refusal::Party));
    }
    let from = match loaded.method()? {
        Method::Card => {
            return Err(ServiceError::Refused(
                domain::validation::Refusal::CardRefund,
            ))
        }
        Method::Bank => Account::PlatformCash,
        Method::Cash => Account::MemberCashHeld(
            loaded
                .order
                .collector_id
                .ok_or_else(|| DbErr::Custom(format!("cash order {order} has no collector")))?,
        ),
    };
    let txn = crate::txn::begin_write(db).await?;
    let owed = refunds_owed(&txn)
        .await?
        .into_iter()
        .find(|(o, _)| *o == order)
        .map(|(_, owed)| owed)
        .ok_or(ServiceError::Conflict)?;
    let entry = book::refund_paid(order, CURRENCY, owed, from);
    let ctx = Context {
        actor: Some(board_member),
        memo: None,
    };
    if !ledger::post(&txn, &entry, ctx, now).await? {
        return Err(ServiceError::Conflict);
    }
    txn.commit().await?;
    Ok(())
}

/// A board member records that `member` paid `amount` of what they owe
/// the cooperative into its bank account. Not for one's own debt; never
/// more than is owed.
pub async fn receivable_paid(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    board_member: Uuid,
    member: Uuid,
    amount: &str,
) -> Result<(), ServiceError> {
    if member == board_member {
        return Err(ServiceError::Refused(domain::validation::Refusal::Party));
    }
    let amount =
        domain::listing::amount(amount, CURRENCY).map_err(|p| ServiceError::field("amount", p))?;
    if amount.minor() <= 0 {
        return Err(ServiceError::field("amount", FieldProblem::AmountInvalid));
    }
    let txn = crate::txn::begin_write(db).await?;
    let owed = ledger::balance(&txn, Account::MemberReceivable(member)).await?;
    if amount.minor() > owed {
        return Err(ServiceError::field("amount", FieldProblem::OutOfRange));
    }
    // The same form sent twice records one payment: the key names what
    // was owed before it.
    let key = format!("receivable/{member}/{owed}/{}", amount.minor());
    let ctx = Context {
        actor: Some(board_member),
        memo: None,
    };
    ledger::post(&txn, &book::receivable_paid(key, member, amount), ctx, now).await?;
    super::audit::record(
        &txn,
        now,
        Some(board_member),
        "receivable_paid",
        &format!("member:{member}"),
        &format!("{} minor units", amount.minor()),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
