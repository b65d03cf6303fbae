//! Card payments through Stripe: a PaymentIntent per order on the platform
//! account (`transfer_group` = the order), verified webhooks that move the
//! order and write the ledger exactly once, whatever the duplicates and
//! their order of arrival.
//!
//! Enabled when both `STRIPE_SECRET_KEY` and `STRIPE_WEBHOOK_SECRET` are
//! set; `STRIPE_API_BASE` points the client at a test server.

//! The client itself lives here; the rest by job: `signature` (checking a
//! webhook), `webhook` (what an event does to an order), `connect` (members'
//! accounts and transfers), `chargebacks` (refunds and disputes made at
//! Stripe), `sweeps` (the job runner's calls: refunds, cancelled intents,
//! processing fees).

pub mod chargebacks;
pub mod connect;
pub mod signature;
pub mod sweeps;
pub mod webhook;

use crate::entities::{orders, payments};
use crate::service::ServiceError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set};
use std::sync::Arc;
use uuid::Uuid;

pub const PROVIDER: &str = "stripe";

/// The Stripe account Mutua works with.
#[derive(Clone)]
pub struct Stripe {
    client: Arc<stripe::Client>,
    webhook_secret: Arc<str>,
    browser: Option<Browser>,
    /// Origins the browser talks to for card payments and onboarding.
    origins: Arc<Origins>,
    /// Mutua's own origin, where onboarding returns.
    public_url: Arc<str>,
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

fn api(e: impl std::fmt::Display) -> StripeFailure {
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
