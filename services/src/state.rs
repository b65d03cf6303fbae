//! What server functions and routes share: the database, the password
//! hasher, the login throttle and public settings.

use super::clock::Clock;
use super::password::Hasher;
use sea_orm::DatabaseConnection;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub hasher: Hasher,
    /// Login limits (counted in the database).
    pub login_limits: super::login_throttle::LoginLimits,
    /// Cookies only over HTTPS (the public URL is `https://`).
    pub secure_cookies: bool,
    /// Sessions end this long after login, however active.
    pub session_absolute_secs: i64,
    /// Where pictures (and later the outbox) are stored.
    pub data_dir: PathBuf,
    /// Largest picture accepted, in bytes.
    pub max_image_bytes: usize,
    /// The time orders and jobs run on.
    pub clock: Clock,
    /// Card payments, when Stripe is configured.
    pub stripe: Option<super::stripe::Stripe>,
    /// The payment methods offered and their deadlines.
    pub payments: super::payments::Settings,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Arc<super::client_ip::TrustedProxies>,
    /// Registrations per address and overall.
    pub registrations: Arc<super::throttle::RegistrationThrottle>,
}
