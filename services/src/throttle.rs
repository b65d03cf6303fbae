//! Registrations per client address and for the whole site, in memory
//! (per process: a flood meets the limit of the process it reaches). Login
//! throttling is in `login_throttle`, counted in the database.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a throttled login or registration waits before its 429.
pub const REFUSAL_PAUSE: Duration = Duration::from_secs(1);

/// A request's turn among the requests the process handles at once (the
/// server's in-flight limit puts it in the request's extensions). A request
/// that only waits gives its turn back meanwhile, so a flood of throttled
/// requests cannot keep everyone else waiting.
#[derive(Clone)]
pub struct Turn(Arc<TurnInner>);

struct TurnInner {
    turns: Arc<Semaphore>,
    held: Mutex<Option<OwnedSemaphorePermit>>,
}

impl Turn {
    pub fn new(turns: Arc<Semaphore>, permit: OwnedSemaphorePermit) -> Self {
        Turn(Arc::new(TurnInner {
            turns,
            held: Mutex::new(Some(permit)),
        }))
    }

    /// Gives the turn back (again: nothing happens).
    pub fn give_back(&self) {
        let permit = self.0.held.lock().unwrap_or_else(|p| p.into_inner()).take();
        drop(permit);
    }

    /// Waits for a turn again after `give_back`.
    pub async fn take_again(&self) {
        if let Ok(permit) = self.0.turns.clone().acquire_owned().await {
            *self.0.held.lock().unwrap_or_else(|p| p.into_inner()) = Some(permit);
        }
    }
}

/// Gives a turn back when dropped: when its request ends, or when the
/// client went away and the request's work was dropped half-way (copies of
/// the request's parts may outlive it; the turn does not).
pub struct GiveBack(pub Turn);

impl Drop for GiveBack {
    fn drop(&mut self) {
        self.0.give_back();
    }
}

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

    #[tokio::test]
    async fn a_turn_given_back_frees_a_place_and_is_taken_again() {
        let turns = Arc::new(Semaphore::new(1));
        let Ok(permit) = turns.clone().acquire_owned().await else {
            panic!("the semaphore is open");
        };
        let turn = Turn::new(turns.clone(), permit);
        assert_eq!(turns.available_permits(), 0);
        turn.give_back();
        turn.give_back();
        assert_eq!(turns.available_permits(), 1, "given back once");
        turn.take_again().await;
        assert_eq!(turns.available_permits(), 0);
        drop(turn);
        assert_eq!(turns.available_permits(), 1, "dropped with the request");
    }

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
