//! A fake Stripe for tests: localstripe (with the documented shim in
//! `stripe_shim.py`) on a free loopback port, and webhooks signed exactly
//! as Stripe signs them.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

pub const SECRET_KEY: &str = "sk_test_mutua";
pub const WEBHOOK_SECRET: &str = "whsec_mutua_test";
pub const PUBLISHABLE_KEY: &str = "pk_test_mutua";

pub struct FakeStripe {
    child: std::process::Child,
    pub url: String,
    http: reqwest::Client,
}

impl FakeStripe {
    pub fn start() -> FakeStripe {
        let (child, port) = super::start_python_helper("stripe_shim.py", &[]);
        FakeStripe {
            child,
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        }
    }

    /// The environment that points a Mutua server at this fake.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("STRIPE_SECRET_KEY", SECRET_KEY.to_owned()),
            ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
            ("STRIPE_API_BASE", self.url.clone()),
            ("STRIPE_PUBLISHABLE_KEY", PUBLISHABLE_KEY.to_owned()),
            ("STRIPE_JS_URL", format!("{}/js.stripe.com/v3/", self.url)),
        ]
    }

    /// A call to the fake's API, as a Stripe client makes it.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Value {
        let res = self
            .http
            .post(format!("{}{path}", self.url))
            .basic_auth(SECRET_KEY, Some(""))
            .form(form)
            .send()
            .await
            .expect("localstripe call");
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    /// A read of the fake's API.
    pub async fn get(&self, path: &str) -> Value {
        let res = self
            .http
            .get(format!("{}{path}", self.url))
            .basic_auth(SECRET_KEY, Some(""))
            .send()
            .await
            .expect("localstripe call");
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{path}: {status} {body}");
        body
    }

    /// Completes Stripe's hosted onboarding behind an account link, as a
    /// member clicking through it would.
    pub async fn complete_onboarding(&self, link: &str) {
        let res = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
            .post(link)
            .send()
            .await
            .expect("onboarding");
        assert_eq!(res.status().as_u16(), 303, "onboarding form");
    }

    /// Has the fake deliver its events to `url`, signed with the test secret.
    pub async fn send_webhooks_to(&self, url: &str) {
        let res = self
            .http
            .post(format!("{}/_config/webhooks/mutua", self.url))
            .form(&[("url", url), ("secret", WEBHOOK_SECRET)])
            .send()
            .await
            .expect("configure webhooks");
        assert!(res.status().is_success());
    }

    /// Pays a PaymentIntent with a test card, as Stripe.js would.
    pub async fn pay(&self, intent: &str) {
        let pm = self
            .post(
                "/v1/payment_methods",
                &[
                    ("type", "card"),
                    ("card[number]", "4242424242424242"),
                    ("card[exp_month]", "12"),
                    ("card[exp_year]", "2030"),
                    ("card[cvc]", "123"),
                ],
            )
            .await;
        let pm = pm["id"].as_str().expect("payment method");
        self.post(
            &format!("/v1/payment_intents/{intent}"),
            &[("payment_method", pm)],
        )
        .await;
        self.post(&format!("/v1/payment_intents/{intent}/confirm"), &[])
            .await;
    }
}

impl Drop for FakeStripe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `Stripe-Signature` header for `payload` at `t`, as Stripe computes it.
pub fn signature(secret: &str, t: i64, payload: &str) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    m.update(format!("{t}.{payload}").as_bytes());
    format!("t={t},v1={}", hex::encode(m.finalize().into_bytes()))
}
