//! What Stripe still owes the ledger, sent or read back by the job runner:
//! refunds owed on card-paid orders, the intents of orders that ended
//! unpaid, and the processor's fee of each payment.

use super::{api, Stripe, StripeFailure, PROVIDER};
use crate::clock::Clock;
use crate::entities::{orders, payments};
use crate::retries::{self, Call};
use domain::order::Status;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Refunds owed on card-paid orders, by order: (order, payment intent, owed).
async fn card_refunds_owed(db: &DatabaseConnection) -> Result<Vec<(Uuid, String, i64)>, DbErr> {
    use sea_orm::{ConnectionTrait, FromQueryResult, Statement};
    #[derive(FromQueryResult)]
    struct Owed {
        order_id: Uuid,
        external_id: String,
        owed: i64,
    }
    let rows = Owed::find_by_statement(Statement::from_string(
        db.get_database_backend(),
        "SELECT e.order_id, pm.external_id, CAST(-SUM(p.amount_minor) AS BIGINT) AS owed \
         FROM ledger_postings p \
         JOIN ledger_entries e ON e.id = p.entry_id \
         JOIN payments pm ON pm.order_id = e.order_id AND pm.provider = 'stripe' \
         WHERE p.account_code = 'refunds_payable' AND pm.external_id IS NOT NULL \
         GROUP BY e.order_id, pm.external_id HAVING SUM(p.amount_minor) <> 0",
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.order_id, r.external_id, r.owed))
        .collect())
}

impl Stripe {
    /// Sends each refund owed on a card-paid order to Stripe (one `Refund`
    /// per order, its idempotency key derived from the order's refund
    /// entry, so a retry after a crash never refunds twice), then records
    /// it as handed back. Run by the job runner; answers how many it sent.
    pub async fn send_refunds(
        &self,
        db: &DatabaseConnection,
        clock: &Clock,
    ) -> Result<usize, StripeFailure> {
        use stripe::{IdempotencyKey, RequestStrategy, StripeRequest};
        use stripe_core::refund::CreateRefund;
        let mut sent = 0;
        for (order, intent, owed) in card_refunds_owed(db).await? {
            // One refund Stripe refuses must not hold back the others: it
            // is tried again later, and set aside for the board at last.
            let call = format!("refund:{order}");
            let refunded = retries::attempt(
                db,
                (&call, Call::Refund, order),
                clock.now(),
                |generation| async move {
                    let key = retries::keyed(
                        domain::ledger::order_key(order, domain::ledger::EntryKind::Refund),
                        generation,
                    );
                    CreateRefund::new()
                        .payment_intent(intent.as_str())
                        .amount(owed)
                        .metadata([("order_id".to_owned(), order.to_string())])
                        .customize()
                        .request_strategy(RequestStrategy::Idempotent(
                            IdempotencyKey::new(key).map_err(api)?,
                        ))
                        .send(&*self.client)
                        .await
                        .map_err(api)
                },
            )
            .await?;
            if refunded.is_none() {
                continue;
            }
            let now = clock.now();
            let txn = crate::txn::begin_write(db).await?;
            let entry = domain::ledger::refund_paid(
                order,
                domain::money::Currency::Eur,
                owed,
                domain::ledger::Account::PlatformCash,
            );
            if crate::ledger::post(&txn, &entry, crate::ledger::Context::default(), now).await? {
                sent += 1;
            }
            txn.commit().await?;
        }
        Ok(sent)
    }
}

impl Stripe {
    /// Cancels the PaymentIntent of every card order that ended unpaid
    /// (cancelled or expired), so it can no longer take the customer's
    /// money. One Stripe refuses (it was paid meanwhile: its webhook books
    /// the money and owes it back) is tried again later, then set aside.
    pub async fn cancel_intents(
        &self,
        db: &DatabaseConnection,
        clock: &Clock,
    ) -> Result<usize, StripeFailure> {
        use stripe_core::payment_intent::CancelPaymentIntent;
        let ended: Vec<payments::Model> = payments::Entity::find()
            .filter(payments::Column::Provider.eq(PROVIDER))
            .filter(payments::Column::Status.eq("pending"))
            .filter(payments::Column::ExternalId.is_not_null())
            .filter(
                payments::Column::OrderId.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(orders::Column::Id)
                        .from(orders::Entity)
                        .and_where(orders::Column::Status.eq(Status::Cancelled.as_str()))
                        .to_owned(),
                ),
            )
            .all(db)
            .await?;
        let mut cancelled = 0;
        for p in ended {
            let Some(intent) = p.external_id.as_deref() else {
                continue;
            };
            let call = format!("cancel:{}", p.id);
            let done = retries::attempt(
                db,
                (&call, Call::Cancel, p.order_id),
                clock.now(),
                |_| async move { CancelPaymentIntent::new(intent).send(&*self.client).await },
            )
            .await?;
            if done.is_none() {
                continue;
            }
            let res = payments::Entity::update_many()
                .col_expr(payments::Column::Status, Expr::value("failed"))
                .col_expr(payments::Column::UpdatedAt, Expr::value(clock.now()))
                .filter(payments::Column::Id.eq(p.id))
                .filter(payments::Column::Status.eq("pending"))
                .exec(db)
                .await?;
            cancelled += usize::try_from(res.rows_affected).unwrap_or(0);
        }
        Ok(cancelled)
    }

    /// Reads back what Stripe charged for each card payment (the fee of
    /// its charge's balance transaction) and posts it as `processor_fees`,
    /// once per order. Run by the job runner; answers how many it posted.
    pub async fn post_fees(
        &self,
        db: &DatabaseConnection,
        clock: &Clock,
    ) -> Result<usize, StripeFailure> {
        use stripe_core::balance_transaction::RetrieveBalanceTransaction;
        use stripe_core::charge::RetrieveCharge;
        use stripe_core::payment_intent::RetrievePaymentIntent;
        let pending = payments::Entity::find()
            .filter(payments::Column::Provider.eq(PROVIDER))
            .filter(payments::Column::Status.is_in(["succeeded", "refunded"]))
            .filter(payments::Column::ProcessorFeeMinor.is_null())
            .filter(payments::Column::ExternalId.is_not_null())
            .all(db)
            .await?;
        let mut posted = 0;
        for p in pending {
            let Some(intent) = p.external_id.as_deref() else {
                continue;
            };
            let call = format!("fee:{}", p.id);
            let read = async {
                let intent = RetrievePaymentIntent::new(intent)
                    .send(&*self.client)
                    .await
                    .map_err(api)?;
                let Some(charge) = intent.latest_charge else {
                    return Ok(None);
                };
                let charge = RetrieveCharge::new(charge.id().clone())
                    .send(&*self.client)
                    .await
                    .map_err(api)?;
                let Some(txn_id) = charge.balance_transaction else {
                    return Ok(None);
                };
                let fee = RetrieveBalanceTransaction::new(txn_id.id().clone())
                    .send(&*self.client)
                    .await
                    .map_err(api)?
                    .fee;
                Ok::<_, StripeFailure>(Some(fee))
            };
            let read = retries::attempt(db, (&call, Call::Fee, p.order_id), clock.now(), |_| read);
            let Some(Some(fee)) = read.await? else {
                continue;
            };
            let now = clock.now();
            let txn = crate::txn::begin_write(db).await?;
            if fee > 0 {
                let entry =
                    domain::ledger::processor_fee(p.order_id, domain::money::Currency::Eur, fee);
                crate::ledger::post(&txn, &entry, crate::ledger::Context::default(), now).await?;
            }
            payments::Entity::update_many()
                .col_expr(payments::Column::ProcessorFeeMinor, Expr::value(fee))
                .col_expr(payments::Column::UpdatedAt, Expr::value(now))
                .filter(payments::Column::Id.eq(p.id))
                .filter(payments::Column::ProcessorFeeMinor.is_null())
                .exec(&txn)
                .await?;
            txn.commit().await?;
            posted += 1;
        }
        Ok(posted)
    }
}
