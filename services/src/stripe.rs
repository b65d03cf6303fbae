//! Card payments through Stripe: a PaymentIntent per order on the platform
//! account (`transfer_group` = the order), verified webhooks that move the
//! order and write the ledger exactly once, whatever the duplicates and
//! their order of arrival.
//!
//! Enabled when both `STRIPE_SECRET_KEY` and `STRIPE_WEBHOOK_SECRET` are
//! set; `STRIPE_API_BASE` points the client at a test server.

use super::clock::Clock;
use super::entities::{orders, payments, payout_accounts, webhook_events};
use super::orders::{apply_in, load};
use super::retries::{self, Call};
use super::service::ServiceError;
use chrono::{DateTime, Utc};
use domain::order::{Action, Status, Who};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set};
use sha2::Sha256;
use std::sync::Arc;
use uuid::Uuid;

/// Signatures older (or newer) than this are refused, as Stripe advises.
pub const TOLERANCE_SECS: i64 = 300;
pub const PROVIDER: &str = "stripe";

/// The Stripe account Mutua works with.
#[derive(Clone)]
pub struct Stripe {
    pub(super) client: Arc<stripe::Client>,
    webhook_secret: Arc<str>,
    browser: Option<Browser>,
    /// Origins the browser talks to for card payments and onboarding.
    origins: Arc<Origins>,
    /// Mutua's own origin, where onboarding returns.
    pub(super) public_url: Arc<str>,
}

/// What a page needs to load Stripe.js.
#[derive(Clone, Debug)]
pub struct Browser {
    pub publishable_key: String,
    pub js_url: String,
}

/// The origins the Content-Security-Policy must allow when card payments
/// are on: Stripe.js, the API it calls, its frames, and the hosted
/// onboarding forms redirect to.
#[derive(Clone, Debug, Default)]
pub struct Origins {
    pub script: String,
    pub connect: String,
    pub frame: String,
    pub form: String,
}

/// How Mutua reaches Stripe (see the README's environment table).
pub struct Settings<'a> {
    pub secret_key: &'a str,
    pub webhook_secret: &'a str,
    /// Another server than Stripe's (tests); with or without a trailing slash.
    pub api_base: Option<&'a str>,
    pub publishable_key: Option<&'a str>,
    pub js_url: &'a str,
    pub public_url: &'a str,
}

/// `scheme://host[:port]` of a URL, or the whole string if it has no path.
fn origin(url: &str) -> String {
    let Some(rest) = url.find("://").map(|i| i + 3) else {
        return url.to_owned();
    };
    match url[rest..].find('/') {
        Some(i) => url[..rest + i].to_owned(),
        None => url.to_owned(),
    }
}

impl std::fmt::Debug for Stripe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Stripe(***)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StripeFailure {
    #[error("stripe: {0}")]
    Api(String),
    #[error(transparent)]
    Order(#[from] ServiceError),
}

impl From<DbErr> for StripeFailure {
    fn from(e: DbErr) -> Self {
        StripeFailure::Order(ServiceError::Db(e))
    }
}

pub(super) fn api(e: impl std::fmt::Display) -> StripeFailure {
    StripeFailure::Api(e.to_string())
}

impl Stripe {
    pub fn new(s: Settings<'_>) -> Result<Stripe, String> {
        let mut builder = stripe::ClientBuilder::new(s.secret_key);
        if let Some(base) = s.api_base {
            builder = builder.url(format!("{}/", base.trim_end_matches('/')));
        }
        let client = builder
            .timeout(std::time::Duration::from_secs(20))
            .build()
            .map_err(|e| format!("Stripe client: {e}"))?;
        let js = origin(s.js_url);
        let (api_origin, onboarding) = match s.api_base {
            Some(base) => (origin(base), origin(base)),
            None => (
                "https://api.stripe.com".to_owned(),
                "https://connect.stripe.com".to_owned(),
            ),
        };
        Ok(Stripe {
            client: Arc::new(client),
            webhook_secret: s.webhook_secret.into(),
            browser: s.publishable_key.map(|k| Browser {
                publishable_key: k.to_owned(),
                js_url: s.js_url.to_owned(),
            }),
            origins: Arc::new(Origins {
                script: js.clone(),
                connect: api_origin,
                frame: format!("{js} https://hooks.stripe.com"),
                form: onboarding,
            }),
            public_url: s.public_url.trim_end_matches('/').into(),
        })
    }

    pub fn webhook_secret(&self) -> &str {
        &self.webhook_secret
    }

    /// Stripe.js settings, when customers can confirm card payments here.
    pub fn browser(&self) -> Option<&Browser> {
        self.browser.as_ref()
    }

    pub fn origins(&self) -> &Origins {
        &self.origins
    }

    /// The order's PaymentIntent, created on first call (the same
    /// idempotency key every time, so a retry never creates a second one).
    /// Answers its id and the client secret the browser confirms it with.
    pub async fn payment_intent(
        &self,
        db: &DatabaseConnection,
        now: DateTime<Utc>,
        order: &orders::Model,
    ) -> Result<(String, Option<String>), StripeFailure> {
        use stripe::{IdempotencyKey, RequestStrategy, StripeRequest};
        use stripe_core::payment_intent::{CreatePaymentIntent, RetrievePaymentIntent};
        let existing = payments::Entity::find()
            .filter(payments::Column::OrderId.eq(order.id))
            .filter(payments::Column::Provider.eq(PROVIDER))
            .one(db)
            .await?
            .and_then(|p| p.external_id);
        if let Some(id) = existing {
            let intent = RetrievePaymentIntent::new(id.as_str())
                .send(&*self.client)
                .await
                .map_err(api)?;
            return Ok((id, intent.client_secret));
        }
        let key = IdempotencyKey::new(format!("order/{}/payment-intent", order.id)).map_err(api)?;
        let currency = order
            .currency
            .to_lowercase()
            .parse::<stripe_types::Currency>()
            .map_err(|_| StripeFailure::Api(format!("currency {}", order.currency)))?;
        let intent = CreatePaymentIntent::new(order.total_minor, currency)
            .transfer_group(order.id.to_string())
            .metadata([("order_id".to_owned(), order.id.to_string())])
            .customize()
            .request_strategy(RequestStrategy::Idempotent(key))
            .send(&*self.client)
            .await
            .map_err(api)?;
        let id = intent.id.to_string();
        payments::Entity::insert(payments::ActiveModel {
            id: Set(Uuid::now_v7()),
            order_id: Set(order.id),
            provider: Set(PROVIDER.to_owned()),
            status: Set("pending".to_owned()),
            amount_minor: Set(order.total_minor),
            currency: Set(order.currency.clone()),
            external_id: Set(Some(id.clone())),
            confirmed_by: Set(None),
            processor_fee_minor: Set(None),
            refunded_minor: Set(0),
            processor_refunded_minor: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([payments::Column::OrderId, payments::Column::Provider])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        Ok((id, intent.client_secret))
    }
}

// ---------------------------------------------------------------------------
// Webhook signatures

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no usable Stripe-Signature header")]
    Malformed,
    #[error("timestamp outside the tolerance")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

/// Checks a `Stripe-Signature` header (`t=…,v1=…[,v1=…]`) over `payload`:
/// HMAC-SHA256 of `"{t}.{payload}"` with the endpoint's secret; any `v1`
/// may match (Stripe sends several while a secret is rolled); compared in
/// constant time; `t` within `TOLERANCE_SECS` of `now`.
pub fn verify_signature(
    header: &str,
    payload: &[u8],
    secret: &str,
    now: i64,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else {
            continue;
        };
        match k {
            "t" => timestamp = v.parse::<i64>().ok(),
            "v1" => {
                if let Ok(sig) = hex::decode(v) {
                    signatures.push(sig);
                }
            }
            _ => {}
        }
    }
    let t = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - t).abs() > TOLERANCE_SECS {
        return Err(SignatureError::Stale);
    }
    let mac = |sig: &[u8]| -> bool {
        let Ok(mut m) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            return false;
        };
        m.update(t.to_string().as_bytes());
        m.update(b".");
        m.update(payload);
        // `verify_slice` compares in constant time.
        m.verify_slice(sig).is_ok()
    };
    if signatures.iter().any(|s| mac(s)) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// What one webhook delivery did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The order moved (and the ledger with it).
    Applied,
    /// Recorded, nothing to move (unknown payment, an order already past
    /// this point, an event type we do not act on).
    Ignored,
    /// This event id was handled before: acknowledged, nothing done.
    Duplicate,
    /// Paid for an order no longer payable: booked and owed back.
    Refunded,
    /// The money is not the order's (amount, currency or order named):
    /// recorded for the board, nothing paid.
    Mismatch,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Applied => "applied",
            Outcome::Ignored => "ignored",
            Outcome::Duplicate => "duplicate",
            Outcome::Refunded => "refunded",
            Outcome::Mismatch => "mismatch",
        }
    }
}

impl From<super::chargebacks::Told> for Outcome {
    fn from(t: super::chargebacks::Told) -> Self {
        match t {
            super::chargebacks::Told::Recorded => Outcome::Applied,
            super::chargebacks::Told::Nothing => Outcome::Ignored,
            super::chargebacks::Told::Mismatch => Outcome::Mismatch,
        }
    }
}

/// The longest event id stored (`webhook_events.event_id`).
pub const EVENT_ID_MAX: usize = 255;

/// The part of a Stripe event Mutua reads.
#[derive(Debug, serde::Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: EventData,
}

#[derive(Debug, serde::Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
}

/// Whether a PaymentIntent's money is the order's: the amount received,
/// the currency and the order it names (when it names one).
fn matches_order(intent: &serde_json::Value, order: &orders::Model) -> bool {
    let amount = intent["amount_received"]
        .as_i64()
        .or_else(|| intent["amount"].as_i64());
    let currency = intent["currency"].as_str().unwrap_or_default();
    let named = intent["metadata"]["order_id"].as_str();
    amount == Some(order.total_minor)
        && currency.eq_ignore_ascii_case(&order.currency)
        && named.is_none_or(|n| n == order.id.to_string())
}

/// Handles a verified event in one transaction: the order moves if the
/// event still applies to it, as read inside the transaction (two events
/// for one order at once: the second finds it moved and is recorded as
/// ignored), then the event id is recorded with what it did (a duplicate
/// delivery finds the id taken and its transaction is dropped). An order
/// never moves backwards: money for an order no longer payable is booked and owed back
/// (the job runner refunds it); money that does not match the order (the
/// amount, the currency or the order it names) is recorded as a mismatch
/// for the board, and nothing is paid.
pub async fn handle_event(
    db: &DatabaseConnection,
    clock: &Clock,
    event: &Event,
) -> Result<Outcome, ServiceError> {
    let now = clock.now();
    let object = &event.data.object;
    // The PaymentIntent the event is about: the object itself, or the one
    // a charge or a dispute names (an id, or the object expanded).
    let intent = if event.kind.starts_with("payment_intent.") {
        object["id"].as_str()
    } else if event.kind.starts_with("charge.") {
        object["payment_intent"]
            .as_str()
            .or_else(|| object["payment_intent"]["id"].as_str())
    } else {
        None
    }
    .unwrap_or_default();
    let txn = crate::txn::begin_write(db).await?;
    let payment = if !intent.is_empty() {
        payments::Entity::find()
            .filter(payments::Column::ExternalId.eq(intent))
            .one(&txn)
            .await?
    } else {
        None
    };
    let order = match &payment {
        Some(p) => load(&txn, p.order_id).await?,
        None => None,
    };
    let account = match object["id"].as_str() {
        Some(id) if event.kind == "account.updated" => payout_accounts::Entity::find()
            .filter(payout_accounts::Column::StripeAccountId.eq(id))
            .one(&txn)
            .await?
            .map(|_| id),
        _ => None,
    };
    let outcome = match (event.kind.as_str(), &order, &payment) {
        _ if account.is_some() => {
            // Whether the connected account can be paid, as Stripe says now.
            let enabled = object["payouts_enabled"].as_bool() == Some(true);
            super::connect::account_updated(&txn, account.unwrap_or_default(), enabled, now)
                .await?;
            Outcome::Applied
        }
        ("payment_intent.succeeded", Some(loaded), Some(payment)) => {
            succeeded(&txn, now, loaded, payment, object).await?
        }
        ("payment_intent.payment_failed", Some(_), Some(payment)) => {
            set_payment_status(&txn, payment.id, "failed", now).await?;
            Outcome::Applied
        }
        ("charge.refunded", Some(loaded), Some(payment)) => {
            super::chargebacks::refunded(&txn, &loaded.order, payment, object, now)
                .await?
                .into()
        }
        (kind, Some(loaded), Some(payment)) if kind.starts_with("charge.dispute.") => {
            super::chargebacks::dispute(&txn, &loaded.order, payment, object, now)
                .await?
                .into()
        }
        _ => Outcome::Ignored,
    };
    // Recorded last, with what it did: the table is append-only.
    let recorded = webhook_events::Entity::insert(webhook_events::ActiveModel {
        provider: Set(PROVIDER.to_owned()),
        event_id: Set(event.id.clone()),
        event_type: Set(event.kind.chars().take(100).collect()),
        order_id: Set(order.as_ref().map(|o| o.order.id)),
        outcome: Set(outcome.as_str().to_owned()),
        received_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            webhook_events::Column::Provider,
            webhook_events::Column::EventId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if recorded == 0 {
        // Handled before (or by a delivery that committed meanwhile):
        // whatever this one did is dropped with its transaction.
        return Ok(Outcome::Duplicate);
    }
    txn.commit().await?;
    tracing::info!(event = %event.id, kind = %event.kind, outcome = outcome.as_str(), "stripe webhook");
    Ok(outcome)
}

async fn set_payment_status(
    txn: &sea_orm::DatabaseTransaction,
    payment: Uuid,
    status: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    payments::Entity::update_many()
        .col_expr(payments::Column::Status, Expr::value(status))
        .col_expr(payments::Column::UpdatedAt, Expr::value(now))
        .filter(payments::Column::Id.eq(payment))
        .filter(payments::Column::Status.eq("pending"))
        .exec(txn)
        .await?;
    Ok(())
}

/// A card payment arrived for `loaded`.
async fn succeeded(
    txn: &sea_orm::DatabaseTransaction,
    now: chrono::DateTime<chrono::Utc>,
    loaded: &super::orders::Loaded,
    payment: &payments::Model,
    intent: &serde_json::Value,
) -> Result<Outcome, ServiceError> {
    if !matches_order(intent, &loaded.order) {
        tracing::warn!(order = %loaded.order.id, "card payment does not match its order");
        return Ok(Outcome::Mismatch);
    }
    if loaded.order.status == Status::PendingPayment.as_str() {
        return match apply_in(txn, now, loaded, Action::ConfirmPayment, Who::SYSTEM, None).await {
            Ok(()) => {
                set_payment_status(txn, payment.id, "succeeded", now).await?;
                Ok(Outcome::Applied)
            }
            // Moved meanwhile by another event or a person: nothing to do.
            Err(ServiceError::Conflict) => Ok(Outcome::Ignored),
            Err(e) => Err(e),
        };
    }
    // Paid after it expired or was cancelled unpaid: the money is booked
    // as the cooperative's and owed straight back to the customer.
    if loaded.order.status == Status::Cancelled.as_str() && payment.status == "pending" {
        let currency = domain::money::Currency::parse(&loaded.order.currency)
            .unwrap_or(domain::money::Currency::Eur);
        let lines = super::orders::line_money(&loaded.lines);
        let ctx = super::ledger::Context::default();
        let paid = domain::ledger::payment(
            loaded.order.id,
            currency,
            &lines,
            domain::ledger::Account::PlatformCash,
        );
        let back = domain::ledger::full_refund(loaded.order.id, currency, &lines);
        let posted = super::ledger::post(txn, &paid, ctx, now).await?
            && super::ledger::post(txn, &back, ctx, now).await?;
        if posted {
            payments::Entity::update_many()
                .col_expr(payments::Column::Status, Expr::value("refunded"))
                .col_expr(
                    payments::Column::RefundedMinor,
                    Expr::value(loaded.order.total_minor),
                )
                .col_expr(payments::Column::UpdatedAt, Expr::value(now))
                .filter(payments::Column::Id.eq(payment.id))
                .exec(txn)
                .await?;
            tracing::warn!(order = %loaded.order.id, "card payment after cancellation: refund owed");
            return Ok(Outcome::Refunded);
        }
    }
    Ok(Outcome::Ignored)
}

// ---------------------------------------------------------------------------
// What Stripe still owes the ledger

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
            if super::ledger::post(&txn, &entry, super::ledger::Context::default(), now).await? {
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
                super::ledger::post(&txn, &entry, super::ledger::Context::default(), now).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, t: i64, payload: &[u8]) -> String {
        let Ok(mut m) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            panic!("any key length is accepted")
        };
        m.update(format!("{t}.").as_bytes());
        m.update(payload);
        hex::encode(m.finalize().into_bytes())
    }

    #[test]
    fn signatures_are_checked_as_stripe_signs_them() {
        let payload = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;
        let t = 1_800_000_000;
        let good = sign("whsec_test", t, payload);
        let ok = |h: &str, now: i64| verify_signature(h, payload, "whsec_test", now);
        assert_eq!(ok(&format!("t={t},v1={good}"), t), Ok(()));
        // Any of several v1 may match; unknown schemes are ignored.
        assert_eq!(
            ok(
                &format!("t={t},v0=abc,v1={},v1={good}", "00".repeat(32)),
                t + 10
            ),
            Ok(())
        );
        assert_eq!(ok(&format!("t={t},v1={good}"), t + 300), Ok(()));
        assert_eq!(
            ok(&format!("t={t},v1={good}"), t + 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            ok(&format!("t={t},v1={}", sign("other", t, payload)), t),
            Err(SignatureError::Mismatch)
        );
        // A changed body or timestamp breaks the signature.
        assert_eq!(
            verify_signature(&format!("t={t},v1={good}"), b"{}", "whsec_test", t),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            ok(&format!("t={},v1={good}", t + 1), t),
            Err(SignatureError::Mismatch)
        );
        for bad in ["", "t=abc,v1=00", &format!("v1={good}"), &format!("t={t}")] {
            assert_eq!(ok(bad, t), Err(SignatureError::Malformed), "{bad}");
        }
    }
}
