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
    pub default_payment: Option<domain::order::Method>,
    /// Days a bank transfer has to arrive.
    pub bank_transfer_days: i64,
    /// Database connections of the whole process (all web threads and the
    /// job runner together); default 20 on PostgreSQL, 8 on SQLite.
    pub db_max_connections: Option<u32>,
    /// Proxies (addresses or CIDR ranges) whose `X-Forwarded-For` is
    /// believed; none by default.
    pub trusted_proxies: services::client_ip::TrustedProxies,
    /// New accounts per client address per hour.
    pub register_limit_per_ip: u32,
    /// New accounts for the whole site per hour.
    pub register_limit_overall: u32,
    /// How long public reads are kept, in milliseconds.
    pub public_cache_ms: u64,
    /// Seconds a connection has to send its request headers (and an idle
    /// keep-alive connection stays open).
    pub header_read_secs: u64,
    /// Open connections of the process (default: what the open-files
    /// limit leaves after 256 for the database, files and logs).
    pub max_connections: Option<usize>,
    /// Open connections from one address (proxies in
    /// `MUTUA_TRUSTED_PROXIES` excepted).
    pub max_connections_per_address: usize,
    /// Requests handled at once in the process; more wait up to 2 s, then
    /// are answered 503.
    pub max_in_flight: usize,
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
            bank_transfer_days: domain::order::BANK_TRANSFER_DAYS,
            db_max_connections: None,
            trusted_proxies: services::client_ip::TrustedProxies::default(),
            register_limit_per_ip: 20,
            register_limit_overall: 500,
            public_cache_ms: 2_000,
            header_read_secs: 10,
            max_connections: None,
            max_connections_per_address: 256,
            max_in_flight: 64,
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
            self.default_payment = Some(domain::order::Method::parse(&v).ok_or_else(|| {
                anyhow::anyhow!("MUTUA_DEFAULT_PAYMENT must be cash, bank or card")
            })?);
        }
        if let Some(v) = var("MUTUA_BANK_TRANSFER_DAYS") {
            self.bank_transfer_days = num("MUTUA_BANK_TRANSFER_DAYS", v)?;
            if !(1..=60).contains(&self.bank_transfer_days) {
                anyhow::bail!("MUTUA_BANK_TRANSFER_DAYS must be between 1 and 60");
            }
        }
        if let Some(v) = var("MUTUA_TRUSTED_PROXIES") {
            self.trusted_proxies =
                services::client_ip::TrustedProxies::parse(&v).map_err(|bad| {
                    anyhow::anyhow!("MUTUA_TRUSTED_PROXIES: {bad:?} is not an address or range")
                })?;
        }
        if let Some(v) = var("MUTUA_REGISTER_LIMIT_PER_IP") {
            self.register_limit_per_ip = num("MUTUA_REGISTER_LIMIT_PER_IP", v)?;
        }
        if let Some(v) = var("MUTUA_REGISTER_LIMIT_OVERALL") {
            self.register_limit_overall = num("MUTUA_REGISTER_LIMIT_OVERALL", v)?;
        }
        if let Some(v) = var("MUTUA_HEADER_READ_SECS") {
            self.header_read_secs = num("MUTUA_HEADER_READ_SECS", v)?;
        }
        if let Some(v) = var("MUTUA_MAX_CONNECTIONS") {
            self.max_connections = Some(num("MUTUA_MAX_CONNECTIONS", v)?);
        }
        if let Some(v) = var("MUTUA_MAX_CONNECTIONS_PER_ADDRESS") {
            self.max_connections_per_address = num("MUTUA_MAX_CONNECTIONS_PER_ADDRESS", v)?;
        }
        if let Some(v) = var("MUTUA_MAX_IN_FLIGHT") {
            self.max_in_flight = num("MUTUA_MAX_IN_FLIGHT", v)?;
        }
        if let Some(v) = var("MUTUA_PUBLIC_CACHE_MS") {
            self.public_cache_ms = num("MUTUA_PUBLIC_CACHE_MS", v)?;
        }
        if let Some(v) = var("MUTUA_DB_MAX_CONNECTIONS") {
            let n: u32 = num("MUTUA_DB_MAX_CONNECTIONS", v)?;
            if n == 0 {
                anyhow::bail!("MUTUA_DB_MAX_CONNECTIONS must be at least 1");
            }
            self.db_max_connections = Some(n);
        }
        if let Some(v) = var("MUTUA_LOGIN_LIMIT_PER_ACCOUNT") {
            self.login_limit_per_account = num("MUTUA_LOGIN_LIMIT_PER_ACCOUNT", v)?;
        }
        Ok(())
    }

    /// The bounds of the server's connections, after the open-files limit
    /// was raised.
    pub fn connection_limits(&self) -> crate::listener::Limits {
        let files = crate::listener::open_files_limit();
        let fit = usize::try_from(files.saturating_sub(256)).unwrap_or(usize::MAX);
        crate::listener::Limits {
            header_read: std::time::Duration::from_secs(self.header_read_secs.max(1)),
            max_connections: self.max_connections.unwrap_or(fit.clamp(64, 100_000)),
            per_address: self.max_connections_per_address.max(1),
        }
    }

    /// The process's database connections (see `db_max_connections`).
    pub fn db_connections(&self) -> u32 {
        self.db_max_connections.unwrap_or_else(|| {
            if self.database_url().starts_with("postgres") {
                20
            } else {
                8
            }
        })
    }

    /// Web threads and connections per thread's pool: every thread has its
    /// own pool (the first shares it with the job runner), together within
    /// `db_connections`; fewer threads when there are fewer connections.
    pub fn pools(&self) -> (usize, u32) {
        let total = self.db_connections();
        let threads = self.web_threads.clamp(1, total as usize);
        (threads, total / threads as u32)
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
