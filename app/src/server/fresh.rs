//! Public reads that may be a moment old: the search results, the newest
//! listings, categories, zones, the members' list and listing pages as an
//! anonymous visitor sees them. Each is kept for at most `FRESH_FOR`, and all
//! are dropped at once when this process changes something (`changed`,
//! called after every successful write request and by the job runner when it
//! enacts a vote). Another process's change (a second app server, the CLI)
//! shows within `FRESH_FOR`.
//!
//! Measured with `bench/run.sh`: the database work behind these pages cost
//! PostgreSQL more CPU than rendering them cost the server (README,
//! Performance).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

/// How long a read may be served again.
pub const FRESH_FOR: Duration = Duration::from_secs(2);
/// Entries per cache; past it, stale entries go, then all.
const MAX_ENTRIES: usize = 1024;

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Something public may have changed: every cached read is stale.
pub fn changed() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

struct Entry<V> {
    at: Instant,
    generation: u64,
    value: Arc<V>,
    /// A request is reading this entry again (see `get`).
    refreshing: bool,
}

/// One cache of reads of type `V`, by a key that names the read fully.
pub struct Fresh<V> {
    entries: LazyLock<Mutex<HashMap<String, Entry<V>>>>,
}

impl<V> Default for Fresh<V> {
    fn default() -> Self {
        Self::new()
    }
}

/// What a lookup found.
enum Found<V> {
    Fresh(Arc<V>),
    /// Old, and another request is reading it again: serve it meanwhile.
    Refreshing(Arc<V>),
    /// Read it (again).
    Load,
}

/// Clears an entry's `refreshing` mark if its read fails or is abandoned,
/// so the next request reads it again.
struct Refresh<'a, V> {
    cache: &'a Fresh<V>,
    key: Option<String>,
}

impl<V> Drop for Refresh<'_, V> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            if let Ok(mut entries) = self.cache.entries.lock() {
                if let Some(e) = entries.get_mut(&key) {
                    e.refreshing = false;
                }
            }
        }
    }
}

impl<V> Fresh<V> {
    pub const fn new() -> Self {
        Fresh {
            entries: LazyLock::new(|| Mutex::new(HashMap::new())),
        }
    }

    fn find(&self, key: &str, generation: u64, now: Instant) -> Found<V> {
        let Ok(mut entries) = self.entries.lock() else {
            return Found::Load;
        };
        match entries.get_mut(key) {
            Some(e) if e.generation == generation => {
                if now.duration_since(e.at) < FRESH_FOR {
                    Found::Fresh(e.value.clone())
                } else if e.refreshing {
                    Found::Refreshing(e.value.clone())
                } else {
                    e.refreshing = true;
                    Found::Load
                }
            }
            _ => Found::Load,
        }
    }

    /// The read under `key` if it is fresh, or `load`'s result, kept. When a
    /// read gets old, one request reads it again while the others are
    /// served the old one (a moment older than `FRESH_FOR`), so that a busy
    /// page does not send every waiting request to the database at once.
    /// After a change (`changed`) nothing old is served.
    pub async fn get<E, Fut>(&self, key: String, load: impl FnOnce() -> Fut) -> Result<Arc<V>, E>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        let generation = GENERATION.load(Ordering::Acquire);
        let now = Instant::now();
        let refresh = match self.find(&key, generation, now) {
            Found::Fresh(v) | Found::Refreshing(v) => return Ok(v),
            Found::Load => Refresh {
                cache: self,
                key: Some(key.clone()),
            },
        };
        // Read outside the lock; a change meanwhile leaves this entry under
        // the older generation, so it is never served after the change.
        let value = Arc::new(load().await?);
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.retain(|_, e| {
                    e.generation == generation && now.duration_since(e.at) < FRESH_FOR
                });
                if entries.len() >= MAX_ENTRIES {
                    entries.clear();
                }
            }
            entries.insert(
                key,
                Entry {
                    at: now,
                    generation,
                    value: value.clone(),
                    refreshing: false,
                },
            );
        }
        // Stored with its mark cleared: nothing left to undo.
        let mut refresh = refresh;
        refresh.key = None;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(cache: &Fresh<u32>, key: &str, value: u32) -> u32 {
        let got: Result<_, ()> = cache.get(key.to_owned(), || async move { Ok(value) }).await;
        got.map(|v| *v).unwrap_or_default()
    }

    /// Ages `key` past `FRESH_FOR`, marked as being read again or not.
    fn age(cache: &Fresh<u32>, key: &str, refreshing: bool) {
        if let Ok(mut entries) = cache.entries.lock() {
            if let Some(e) = entries.get_mut(key) {
                e.at = e.at.checked_sub(FRESH_FOR).unwrap_or(e.at);
                e.refreshing = refreshing;
            }
        }
    }

    // One test: `changed` is process-wide.
    #[tokio::test]
    async fn serves_fresh_reads_old_ones_while_refreshing_and_nothing_after_a_change() {
        let cache = Fresh::new();
        assert_eq!(read(&cache, "a", 1).await, 1);
        // Fresh: the second load is not run.
        assert_eq!(read(&cache, "a", 2).await, 1);
        assert_eq!(read(&cache, "b", 3).await, 3);
        // Old, and another request reads it again: the old read meanwhile.
        age(&cache, "a", true);
        assert_eq!(read(&cache, "a", 4).await, 1);
        // Old, nobody reading it: this request reads; a failure keeps
        // nothing and clears the mark, so the next request reads.
        age(&cache, "a", false);
        let failed: Result<Arc<u32>, &str> = cache.get("a".into(), || async { Err("down") }).await;
        assert!(failed.is_err());
        assert_eq!(read(&cache, "a", 5).await, 5);
        // A change: nothing old is served, not even while refreshing.
        changed();
        age(&cache, "b", true);
        assert_eq!(read(&cache, "b", 6).await, 6);
    }
}
