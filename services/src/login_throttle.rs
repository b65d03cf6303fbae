//! Login throttling that cannot lock a real person out, counted in the
//! database so every app server on it shares the counts.
//!
//! Fixed windows, three counters: attempts per client address (`per_ip`);
//! failures per (account, address) pair (`per_account`: past it that pair
//! is refused until the window ends, which stops a guesser without
//! touching the owner on another address); and failures per account from
//! anywhere, which past `per_account` slow every further attempt on the
//! account down (OWASP's progressive delay: one second more per failure,
//! at most `MAX_DELAY`) instead of locking it. A browser that logged in to
//! the account before carries a signed device cookie that skips the
//! account's delay.

use super::entities::coop_settings;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Statement};
use sha2::Sha256;
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

/// The longest an attempt on a much-attacked account waits.
pub const MAX_DELAY: Duration = Duration::from_secs(10);
/// The device cookie's name.
pub const DEVICE_COOKIE: &str = "mutua_device";

#[derive(Clone, Copy, Debug)]
pub struct LoginLimits {
    pub per_ip: u32,
    pub per_account: u32,
    pub window: Duration,
}

/// What a login attempt may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password, after waiting this long.
    Try(Duration),
    /// Refused for this many seconds (429).
    Refused(u64),
}

fn key_ip(ip: IpAddr) -> String {
    format!("ip:{}", ip.to_canonical())
}
fn key_pair(account: &str, ip: IpAddr) -> String {
    format!("pair:{}|{account}", ip.to_canonical())
}
fn key_account(account: &str) -> String {
    format!("account:{account}")
}

/// The `n`-th bound value, numbered so it may be used twice.
fn ph(db: &impl ConnectionTrait, n: usize) -> String {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => format!("${n}"),
        _ => format!("?{n}"),
    }
}

/// Adds one to `key`'s count in its window; answers (count, window start).
pub(crate) async fn bump(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<(i64, DateTime<Utc>), DbErr> {
    let stale = now - chrono::Duration::from_std(window).unwrap_or(chrono::Duration::hours(1));
    let (p1, p2, p3) = (ph(db, 1), ph(db, 2), ph(db, 3));
    let backend = db.get_database_backend();
    db.execute(Statement::from_sql_and_values(
        backend,
        format!(
            "INSERT INTO login_counters (counter_key, window_start, hits) VALUES ({p1}, {p2}, 1) \
             ON CONFLICT (counter_key) DO UPDATE SET \
             hits = CASE WHEN login_counters.window_start < {p3} THEN 1 ELSE login_counters.hits + 1 END, \
             window_start = CASE WHEN login_counters.window_start < {p3} THEN {p2} ELSE login_counters.window_start END"
        ),
        [key.into(), now.into(), stale.into()],
    ))
    .await?;
    read(db, key, now, window).await
}

/// `key`'s count in the current window (0 when none or stale).
async fn read(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
    window: Duration,
) -> Result<(i64, DateTime<Utc>), DbErr> {
    let stale = now - chrono::Duration::from_std(window).unwrap_or(chrono::Duration::hours(1));
    let row = db
        .query_one(Statement::from_sql_and_values(
            db.get_database_backend(),
            format!(
                "SELECT hits, window_start FROM login_counters WHERE counter_key = {}",
                ph(db, 1)
            ),
            [key.into()],
        ))
        .await?;
    Ok(match row {
        Some(r) => {
            let count: i64 = r.try_get_by_index::<i32>(0).map(i64::from)?;
            let start: DateTime<Utc> = r.try_get_by_index(1)?;
            if start < stale {
                (0, now)
            } else {
                (count, start)
            }
        }
        None => (0, now),
    })
}

fn left(start: DateTime<Utc>, window: Duration, now: DateTime<Utc>) -> u64 {
    let end = start + chrono::Duration::from_std(window).unwrap_or_default();
    u64::try_from((end - now).num_seconds()).unwrap_or(0).max(1)
}

/// Decides an attempt from `ip` on `account` (and counts it for the
/// address). `trusted_device`: the browser proved it logged in here before.
pub async fn check(
    db: &impl ConnectionTrait,
    limits: LoginLimits,
    now: DateTime<Utc>,
    ip: IpAddr,
    account: &str,
    trusted_device: bool,
) -> Result<Verdict, DbErr> {
    let (pair, start) = read(db, &key_pair(account, ip), now, limits.window).await?;
    if pair >= i64::from(limits.per_account) && !trusted_device {
        return Ok(Verdict::Refused(left(start, limits.window, now)));
    }
    let (attempts, start) = bump(db, &key_ip(ip), now, limits.window).await?;
    if attempts > i64::from(limits.per_ip) {
        return Ok(Verdict::Refused(left(start, limits.window, now)));
    }
    if trusted_device {
        return Ok(Verdict::Try(Duration::ZERO));
    }
    let (failures, _) = read(db, &key_account(account), now, limits.window).await?;
    let over = u64::try_from(failures - i64::from(limits.per_account)).unwrap_or(0);
    Ok(Verdict::Try(Duration::from_secs(over).min(MAX_DELAY)))
}

/// A wrong password for `account` from `ip`.
pub async fn failed(
    db: &impl ConnectionTrait,
    limits: LoginLimits,
    now: DateTime<Utc>,
    ip: IpAddr,
    account: &str,
) -> Result<(), DbErr> {
    bump(db, &key_pair(account, ip), now, limits.window).await?;
    bump(db, &key_account(account), now, limits.window).await?;
    Ok(())
}

/// A successful login: the pair's failures are forgiven.
pub async fn succeeded(db: &impl ConnectionTrait, ip: IpAddr, account: &str) -> Result<(), DbErr> {
    db.execute(Statement::from_sql_and_values(
        db.get_database_backend(),
        format!(
            "DELETE FROM login_counters WHERE counter_key = {}",
            ph(db, 1)
        ),
        [key_pair(account, ip).into()],
    ))
    .await?;
    Ok(())
}

/// Counters whose window ended long ago (run by the job runner).
pub async fn forget_old(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    let old = now - chrono::Duration::days(1);
    let res = db
        .execute(Statement::from_sql_and_values(
            db.get_database_backend(),
            format!(
                "DELETE FROM login_counters WHERE window_start < {}",
                ph(db, 1)
            ),
            [old.into()],
        ))
        .await?;
    Ok(res.rows_affected())
}

// ---------------------------------------------------------------------------
// Device cookies

/// The key device cookies are signed with: random, made once per
/// cooperative and kept in its settings (every app server shares it).
async fn device_key(db: &impl ConnectionTrait) -> Result<Vec<u8>, DbErr> {
    static KEY: OnceLock<Vec<u8>> = OnceLock::new();
    if let Some(k) = KEY.get() {
        return Ok(k.clone());
    }
    use rand::RngCore;
    use sea_orm::sea_query::OnConflict;
    use sea_orm::Set;
    let mut fresh = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut fresh);
    coop_settings::Entity::insert(coop_settings::ActiveModel {
        key: Set("device_cookie_key".to_owned()),
        value: Set(hex::encode(fresh)),
    })
    .on_conflict(
        OnConflict::column(coop_settings::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let stored = coop_settings::Entity::find_by_id("device_cookie_key".to_owned())
        .one(db)
        .await?
        .and_then(|r| hex::decode(r.value).ok())
        .ok_or_else(|| DbErr::Custom("device cookie key missing".into()))?;
    Ok(KEY.get_or_init(|| stored).clone())
}

/// The MAC of a device cookie: `account` and the device's id, keyed.
fn mac(key: &[u8], account: &str, device: &str) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(account.as_bytes());
    mac.update(b"|");
    mac.update(device.as_bytes());
    Some(mac)
}

/// A new device cookie value for `account`.
pub async fn device_cookie(db: &impl ConnectionTrait, account: &str) -> Result<String, DbErr> {
    let key = device_key(db).await?;
    let device = uuid::Uuid::new_v4().simple().to_string();
    let signature = mac(&key, account, &device)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .ok_or_else(|| DbErr::Custom("device cookie key unusable".into()))?;
    Ok(format!("{device}.{signature}"))
}

/// Whether `value` is a device cookie this cooperative signed for `account`.
pub async fn trusted_device(
    db: &impl ConnectionTrait,
    account: &str,
    value: Option<&str>,
) -> Result<bool, DbErr> {
    let Some((device, mac_hex)) = value.and_then(|v| v.split_once('.')) else {
        return Ok(false);
    };
    let (Some(check), Ok(given)) = (
        mac(&device_key(db).await?, account, device),
        hex::decode(mac_hex),
    ) else {
        return Ok(false);
    };
    Ok(check.verify_slice(&given).is_ok())
}
