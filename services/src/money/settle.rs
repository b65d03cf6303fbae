//! Money handed back: a refund returned to its customer, a receivable a
//! member paid in.

use super::*;

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
    let loaded = crate::orders::load(db, order)
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
    crate::audit::record(
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
