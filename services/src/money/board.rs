//! The board's money page: balances, reconciliation with the bank, refunds
//! owed and disputes' outcomes.

use super::*;

#[derive(FromQueryResult)]
pub(super) struct Sum {
    pub(super) total: Option<i64>,
}

pub(super) async fn sum(db: &impl ConnectionTrait, sql: &str) -> Result<i64, DbErr> {
    Ok(
        Sum::find_by_statement(Statement::from_string(db.get_database_backend(), sql))
            .one(db)
            .await?
            .and_then(|s| s.total)
            .unwrap_or(0),
    )
}

pub(super) async fn reconciliation(db: &DatabaseConnection) -> Result<Reconciliation, DbErr> {
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
pub(super) async fn refunds_owed(db: &impl ConnectionTrait) -> Result<Vec<(Uuid, i64)>, DbErr> {
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
    let bank_lines = crate::bank_statements::open_lines(db).await?;
    let mismatches: Vec<_> = crate::entities::webhook_events::Entity::find()
        .filter(crate::entities::webhook_events::Column::Outcome.eq("mismatch"))
        .order_by_desc(crate::entities::webhook_events::Column::ReceivedAt)
        .limit(50)
        .all(db)
        .await?;
    let problems = crate::retries::open(db).await?;
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

pub(super) async fn dispute_outcomes(
    db: &impl ConnectionTrait,
) -> Result<Vec<DisputeOutcome>, DbErr> {
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
            match *e.kind {
                EntryKind::Refund => refunded += credits,
                EntryKind::Completion => released += credits,
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
