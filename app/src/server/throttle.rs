//! Login throttling per client address and per account, in memory.
//!
//! Fixed windows: at most `per_ip` attempts per address and `per_account`
//! failed attempts per e-mail in each window. With several server processes
//! each keeps its own counts (documented in docs/decisions.md).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a throttled login waits before its 429.
pub const REFUSAL_PAUSE: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, Debug)]
pub struct ThrottleLimits {
    pub per_ip: u32,
    pub per_account: u32,
    pub window: Duration,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        ThrottleLimits {
            per_ip: 30,
            per_account: 5,
            window: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Default)]
struct Counters {
    ip: HashMap<IpAddr, (Instant, u32)>,
    account: HashMap<String, (Instant, u32)>,
}

pub struct LoginThrottle {
    limits: ThrottleLimits,
    counters: Mutex<Counters>,
}

fn remaining(start: Instant, window: Duration, now: Instant) -> u64 {
    window
        .saturating_sub(now.duration_since(start))
        .as_secs()
        .max(1)
}

impl LoginThrottle {
    pub fn new(limits: ThrottleLimits) -> Self {
        LoginThrottle {
            limits,
            counters: Mutex::new(Counters::default()),
        }
    }

    /// Records an attempt from `ip` for `account`. `Err(seconds)` when either
    /// limit is reached: the caller answers 429 with `Retry-After: seconds`
    /// without checking the password.
    pub fn check(&self, ip: IpAddr, account: &str) -> Result<(), u64> {
        let now = Instant::now();
        let window = self.limits.window;
        let mut c = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        if c.ip.len() > 100_000 {
            c.ip.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        if c.account.len() > 100_000 {
            c.account
                .retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        if let Some((start, n)) = c.account.get(account) {
            if now.duration_since(*start) < window && *n >= self.limits.per_account {
                return Err(remaining(*start, window, now));
            }
        }
        let entry = c.ip.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limits.per_ip {
            return Err(remaining(entry.0, window, now));
        }
        entry.1 += 1;
        Ok(())
    }

    pub fn record_failure(&self, account: &str) {
        let now = Instant::now();
        let mut c = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        let entry = c.account.entry(account.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.limits.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }

    pub fn record_success(&self, account: &str) {
        let mut c = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        c.account.remove(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_locks_after_failures_and_ip_after_attempts() {
        let t = LoginThrottle::new(ThrottleLimits {
            per_ip: 4,
            per_account: 2,
            window: Duration::from_secs(60),
        });
        let ip: IpAddr = [127, 0, 0, 1].into();
        assert!(t.check(ip, "a").is_ok());
        t.record_failure("a");
        assert!(t.check(ip, "a").is_ok());
        t.record_failure("a");
        assert!(matches!(t.check(ip, "a"), Err(s) if (1..=60).contains(&s)));
        // Other accounts from the same address still work until the address limit.
        assert!(t.check(ip, "b").is_ok());
        assert!(t.check(ip, "c").is_ok());
        assert!(t.check(ip, "d").is_err());
        let other: IpAddr = [127, 0, 0, 2].into();
        assert!(t.check(other, "b").is_ok());
        assert!(
            t.check(other, "a").is_err(),
            "the account stays locked from any address"
        );
    }
}
