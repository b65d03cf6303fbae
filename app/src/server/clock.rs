//! The time orders and jobs run on. In production the system clock; a test
//! server may be given a file holding seconds to add to it, so tests move
//! time forward (expiry, acceptance and completion windows) without waiting.

use chrono::{DateTime, Duration, Utc};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_file: Option<Arc<PathBuf>>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock { offset_file: None }
    }

    /// A clock running `seconds in the file` ahead of the system clock
    /// (an absent or unreadable file counts as zero).
    pub fn with_offset_file(path: PathBuf) -> Clock {
        Clock {
            offset_file: Some(Arc::new(path)),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        let offset = self
            .offset_file
            .as_deref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .and_then(|s| s.trim().parse::<i64>().ok())
            .unwrap_or(0);
        Utc::now() + Duration::seconds(offset)
    }
}
