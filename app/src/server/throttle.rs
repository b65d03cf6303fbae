//! Registrations per client address and for the whole site, in memory
//! (per process: a flood meets the limit of the process it reaches). Login
//! throttling is in `login_throttle`, counted in the database.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a throttled login waits before its 429.
pub const REFUSAL_PAUSE: Duration = Duration::from_secs(1);

fn remaining(start: Instant, window: Duration, now: Instant) -> u64 {
    window
        .saturating_sub(now.duration_since(start))
        .as_secs()
        .max(1)
}

/// New accounts per address and for the whole site in each window: a
/// flood from one address is refused before any password is hashed, and a
/// flood from many cannot make accounts faster than `overall`.
pub struct RegistrationThrottle {
    per_ip: u32,
    overall: u32,
    window: Duration,
    counters: Mutex<Counts>,
}

/// A window's start and count.
type Window = (Instant, u32);

/// Per address, and for the whole site.
type Counts = (HashMap<IpAddr, Window>, Window);

impl RegistrationThrottle {
    pub fn new(per_ip: u32, overall: u32, window: Duration) -> Self {
        RegistrationThrottle {
            per_ip,
            overall,
            window,
            counters: Mutex::new((HashMap::new(), (Instant::now(), 0))),
        }
    }

    /// Counts a registration from `ip`; `Err(seconds)` when a limit is hit.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let window = self.window;
        let mut c = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        let (ips, all) = &mut *c;
        if ips.len() > 100_000 {
            ips.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        if now.duration_since(all.0) >= window {
            *all = (now, 0);
        }
        let entry = ips.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= self.per_ip {
            return Err(remaining(entry.0, window, now));
        }
        if all.1 >= self.overall {
            return Err(remaining(all.0, window, now));
        }
        entry.1 += 1;
        all.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_per_address_and_overall() {
        let t = RegistrationThrottle::new(2, 3, Duration::from_secs(60));
        let a = IpAddr::from([192, 0, 2, 1]);
        let b = IpAddr::from([192, 0, 2, 2]);
        assert!(t.check(a).is_ok() && t.check(a).is_ok());
        assert!(t.check(a).is_err(), "third from one address");
        assert!(t.check(b).is_ok());
        assert!(t.check(b).is_err(), "the site's limit");
    }
}
