//! A member's earnings: what they are owed line by line, the month's
//! statement and its CSV.

use super::*;

#[derive(FromQueryResult)]
pub(super) struct MemberEntry {
    pub(super) id: Uuid,
    pub(super) kind: String,
    pub(super) created_at: DateTime<Utc>,
    pub(super) order_id: Option<Uuid>,
    pub(super) order_number: Option<String>,
    pub(super) amount: i64,
}

/// Entries on a member's payable account, oldest first; `amount` is what
/// the entry means to the member: positive earned, negative paid out.
pub(super) async fn member_entries(
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

pub(super) const OPEN_LINE_STATUSES: [&str; 5] =
    ["paid", "accepted", "in_progress", "fulfilled", "disputed"];

pub(super) async fn pending_lines(
    db: &impl ConnectionTrait,
    member: Uuid,
) -> Result<Vec<PendingLine>, DbErr> {
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
            status: l.status.as_str().to_owned(),
            net: eur(l.net_minor),
        })
        .collect())
}

/// The month asked for (`YYYY-MM`, default the current one): its first
/// day and the instants it spans.
pub(super) fn month_range(
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
