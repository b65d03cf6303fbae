//! Configuration: defaults, then an optional TOML file (`MUTUA_CONFIG`, or
//! `mutua.toml` in the working directory), then environment variables.

use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;

/// A secret value: never printed, not even by `Debug`.
#[derive(Clone, Deserialize, Default)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://…` (default: a file under the data directory) or `postgres://…`.
    pub database_url: Option<Secret>,
    pub listen: String,
    /// Origin browsers use to reach Mutua; checked against `Origin` on writes.
    pub public_url: Option<String>,
    pub data_dir: PathBuf,
    pub smtp_url: Option<Secret>,
    pub stripe_secret_key: Option<Secret>,
    pub stripe_webhook_secret: Option<Secret>,
    pub stripe_api_base: Option<String>,
    /// Card payments in the browser: Stripe.js confirms with this key.
    pub stripe_publishable_key: Option<String>,
    /// Where Stripe.js is loaded from (a test server's copy in tests).
    pub stripe_js_url: String,
    /// Where the built site (`pkg/`, assets) lives.
    pub site_root: PathBuf,
    /// Idle timeout of a session, in minutes.
    pub session_idle_minutes: i64,
    /// Absolute lifetime of a login, in hours.
    pub session_absolute_hours: i64,
    /// Login limits: attempts per address and failures per account per window.
    pub login_limit_per_ip: u32,
    pub login_limit_per_account: u32,
    pub login_window_secs: u64,
    /// Largest picture a member may upload, in megabytes.
    pub max_image_mb: usize,
    /// Sender of the e-mails Mutua sends.
    pub mail_from: String,
    /// Seconds between runs of the job runner (timed transitions, e-mail).
    pub job_interval_secs: u64,
    /// Tests only: a file holding seconds to add to the clock orders run on.
    pub clock_offset_file: Option<PathBuf>,
    /// Threads that serve pages (default: one per core).
    pub web_threads: usize,
    /// How orders are paid when the customer names no method (`cash`,
    /// `bank`, `card`; default: card with Stripe, else bank).
    pub default_payment: Option<app::domain::order::Method>,
    /// Days a bank transfer has to arrive.
    pub bank_transfer_days: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: None,
            listen: "127.0.0.1:3000".into(),
            public_url: None,
            data_dir: PathBuf::from("./data"),
            smtp_url: None,
            stripe_secret_key: None,
            stripe_webhook_secret: None,
            stripe_api_base: None,
            stripe_publishable_key: None,
            stripe_js_url: "https://js.stripe.com/v3/".into(),
            site_root: PathBuf::from("target/site"),
            session_idle_minutes: 60 * 24 * 7,
            session_absolute_hours: 24 * 30,
            login_limit_per_ip: 30,
            login_limit_per_account: 5,
            login_window_secs: 15 * 60,
            max_image_mb: 5,
            mail_from: "Mutua <noreply@localhost>".into(),
            job_interval_secs: 15,
            clock_offset_file: None,
            web_threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            default_payment: None,
            bank_transfer_days: app::domain::order::BANK_TRANSFER_DAYS,
        }
    }
}

impl Config {
    pub fn load() -> anyhow::Result<Config> {
        let file = std::env::var_os("MUTUA_CONFIG")
            .map(PathBuf::from)
            .or_else(|| {
                let default = PathBuf::from("mutua.toml");
                default.exists().then_some(default)
            });
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
                toml::from_str(&text)
                    .map_err(|e| anyhow::anyhow!("invalid config {}: {e}", path.display()))?
            }
            None => Config::default(),
        };
        config.apply_env(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))?;
        Ok(config)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        fn num<T: std::str::FromStr>(name: &str, v: String) -> anyhow::Result<T> {
            v.parse()
                .map_err(|_| anyhow::anyhow!("{name} must be a number"))
        }
        if let Some(v) = var("DATABASE_URL") {
            self.database_url = Some(Secret(v));
        }
        if let Some(v) = var("MUTUA_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = var("MUTUA_PUBLIC_URL") {
            self.public_url = Some(v);
        }
        if let Some(v) = var("MUTUA_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = var("MUTUA_SMTP_URL") {
            self.smtp_url = Some(Secret(v));
        }
        if let Some(v) = var("STRIPE_SECRET_KEY") {
            self.stripe_secret_key = Some(Secret(v));
        }
        if let Some(v) = var("STRIPE_WEBHOOK_SECRET") {
            self.stripe_webhook_secret = Some(Secret(v));
        }
        if let Some(v) = var("STRIPE_API_BASE") {
            self.stripe_api_base = Some(v);
        }
        if let Some(v) = var("STRIPE_PUBLISHABLE_KEY") {
            self.stripe_publishable_key = Some(v);
        }
        if let Some(v) = var("STRIPE_JS_URL") {
            self.stripe_js_url = v;
        }
        if let Some(v) = var("LEPTOS_SITE_ROOT") {
            self.site_root = v.into();
        }
        if let Some(v) = var("MUTUA_LOGIN_LIMIT_PER_IP") {
            self.login_limit_per_ip = num("MUTUA_LOGIN_LIMIT_PER_IP", v)?;
        }
        if let Some(v) = var("MUTUA_MAX_IMAGE_MB") {
            self.max_image_mb = num("MUTUA_MAX_IMAGE_MB", v)?;
        }
        if let Some(v) = var("MUTUA_MAIL_FROM") {
            self.mail_from = v;
        }
        if let Some(v) = var("MUTUA_JOB_INTERVAL_SECS") {
            self.job_interval_secs = num("MUTUA_JOB_INTERVAL_SECS", v)?;
        }
        if let Some(v) = var("MUTUA_WEB_THREADS") {
            self.web_threads = num("MUTUA_WEB_THREADS", v)?;
        }
        if let Some(v) = var("MUTUA_CLOCK_OFFSET_FILE") {
            self.clock_offset_file = Some(v.into());
        }
        if let Some(v) = var("MUTUA_DEFAULT_PAYMENT") {
            self.default_payment =
                Some(app::domain::order::Method::parse(&v).ok_or_else(|| {
                    anyhow::anyhow!("MUTUA_DEFAULT_PAYMENT must be cash, bank or card")
                })?);
        }
        if let Some(v) = var("MUTUA_BANK_TRANSFER_DAYS") {
            self.bank_transfer_days = num("MUTUA_BANK_TRANSFER_DAYS", v)?;
            if !(1..=60).contains(&self.bank_transfer_days) {
                anyhow::bail!("MUTUA_BANK_TRANSFER_DAYS must be between 1 and 60");
            }
        }
        if let Some(v) = var("MUTUA_LOGIN_LIMIT_PER_ACCOUNT") {
            self.login_limit_per_account = num("MUTUA_LOGIN_LIMIT_PER_ACCOUNT", v)?;
        }
        Ok(())
    }

    /// The database URL, defaulting to `<data_dir>/mutua.db`.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose().to_owned(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("mutua.db").display()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_and_secrets_stay_hidden() {
        let mut c = Config::default();
        c.apply_env(|k| match k {
            "DATABASE_URL" => Some("postgres://u:hunter2@db/m".into()),
            "MUTUA_LISTEN" => Some("0.0.0.0:8080".into()),
            "STRIPE_SECRET_KEY" => Some("sk_test_123".into()),
            _ => None,
        })
        .map_err(|e| e.to_string())
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.listen, "0.0.0.0:8080");
        assert_eq!(c.database_url(), "postgres://u:hunter2@db/m");
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("hunter2") && !debug.contains("sk_test_123"),
            "{debug}"
        );
    }

    #[test]
    fn default_database_is_a_sqlite_file_in_the_data_dir() {
        assert_eq!(
            Config::default().database_url(),
            "sqlite://./data/mutua.db?mode=rwc"
        );
    }

    #[test]
    fn file_values_parse() {
        let c: Config =
            toml::from_str("listen = \"127.0.0.1:4000\"\npublic_url = \"https://coop.example\"")
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.listen, "127.0.0.1:4000");
        assert_eq!(c.public_url.as_deref(), Some("https://coop.example"));
        assert!(
            toml::from_str::<Config>("lisen = 1").is_err(),
            "typos are refused"
        );
    }
}
