//! Payout batches: what each member is due (receivables netted first,
//! never more than the bank holds) and the SEPA file.

use super::*;

#[derive(FromQueryResult)]
pub(super) struct Earned {
    pub(super) member_id: Uuid,
    pub(super) earned: i64,
    pub(super) paid: i64,
}

/// What each member has earned up to the end of `until` and not yet been
/// paid, largest first. Lines paid by Stripe transfer (owed or sent) are
/// left out on both sides: their credit and the transfer that clears it.
pub(super) async fn payable_until(
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
pub(super) fn receivables(balances: &[(Account, i64)]) -> HashMap<Uuid, i64> {
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
pub(super) async fn due_until(
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

/// Makes concurrent payout runs wait for each other: every run updates
/// the same settings row first, which locks it until the run commits.
pub(super) async fn serialise_payouts(db: &impl ConnectionTrait) -> Result<(), DbErr> {
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
    crate::audit::record(
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
