//! The time orders and jobs run on. In production the system clock; a test
//! server may be given a file holding seconds to add to it, so tests move
//! time forward (expiry, acceptance and completion windows) without waiting.

use chrono::{DateTime, Duration, Utc};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_file: Option<Arc<PathBuf>>,
    /// A fixed shift on top (the demo's past orders).
    shift: Duration,
}

impl Clock {
    pub fn system() -> Clock {
        Clock {
            offset_file: None,
            shift: Duration::zero(),
        }
    }

    /// A clock running `seconds in the file` ahead of the system clock
    /// (an absent or unreadable file counts as zero).
    pub fn with_offset_file(path: PathBuf) -> Clock {
        Clock {
            offset_file: Some(Arc::new(path)),
            shift: Duration::zero(),
        }
    }

    /// This clock, `by` later (earlier when negative): the demo places
    /// orders done before today in the past.
    pub fn shifted(&self, by: Duration) -> Clock {
        Clock {
            offset_file: self.offset_file.clone(),
            shift: self.shift + by,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        let offset = self
            .offset_file
            .as_deref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|s| s.trim().parse::<i64>().ok())
            .unwrap_or(0);
        Utc::now() + Duration::seconds(offset) + self.shift
    }
}

/// The system's own time, for what is about processes, people's sessions
/// and rows' own bookkeeping rather than the cooperative's rules: job
/// leases, sessions and login throttles, registration links, a webhook
/// signature's age, `created_at`/`updated_at` of accounts and listings.
/// Tests that move the business clock forward leave these alone; openings,
/// deadlines, votes and statements read a [`Clock`].
pub fn wall_now() -> DateTime<Utc> {
    Utc::now()
}
