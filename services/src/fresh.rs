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
use tokio::sync::Notify;

/// How long a read may be served again, by default.
pub const FRESH_FOR: Duration = Duration::from_secs(2);

static FRESH_MS: AtomicU64 = AtomicU64::new(2_000);

/// Sets how long reads are kept (the operator's `MUTUA_PUBLIC_CACHE_MS`).
pub fn keep_for(d: Duration) {
    FRESH_MS.store(
        u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
        Ordering::Release,
    );
}

fn fresh_for() -> Duration {
    Duration::from_millis(FRESH_MS.load(Ordering::Acquire))
}

/// Server functions whose success changes nothing a visitor sees: reads,
/// and writes to private data. Every other successful write drops the
/// cached reads (an unknown one too), so a new write cannot be forgotten;
/// and nobody can empty the caches by calling reads or `/locale`.
pub const QUIET: &[&str] = &[
    "viewer",
    "register",
    "registration",
    "confirm-registration",
    "login",
    "change-password",
    "preferences",
    "categories",
    "zones",
    "search",
    "recent",
    "listing",
    "member-listings",
    "members",
    "governance",
    "proposal",
    "propose",
    "propose-vote-rules",
    "vote",
    "fee-preview",
    "audit-log",
    "transparency",
    "my-listings",
    "listing-editor",
    "my-membership",
    "apply",
    "applications",
    "directory",
    "member",
    "earnings",
    "payout-connect",
    "payout-account",
    "ledger-entry",
    "board-money",
    "coop-bank",
    "bank-line-handled",
    "order-pay",
    "order-form",
    "order",
    "order-message",
    "my-orders",
    "my-work",
    "courier-day",
    "board-orders",
    "board-patronage",
    "patronage-statement",
    "my-patronage",
];

/// Whether a successful `method path` may have changed public data.
pub fn changes_public(method: &http::Method, path: &str) -> bool {
    use http::Method;
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if matches!(path, "/locale" | "/logout") {
        return false;
    }
    match path.strip_prefix("/fn/") {
        Some(name) => !QUIET.contains(&name),
        None => true,
    }
}
/// Entries per cache; past it, stale entries go, then all.
const MAX_ENTRIES: usize = 1024;

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Something public may have changed: every cached read is stale.
pub fn changed() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

struct Entry<V> {
    /// The last read, when it was made and under which generation.
    value: Option<(Instant, u64, Arc<V>)>,
    /// A request is reading this key now (under this generation); the
    /// others wait for it, or are served the old read meanwhile.
    loading: Option<(u64, Arc<Notify>)>,
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
    /// Fresh, or old while another request reads it again.
    Serve(Arc<V>),
    /// Another request is reading it, and there is nothing to serve.
    Wait(Arc<Notify>),
    /// Read it (again); the others wait on this.
    Load(Arc<Notify>),
}

/// Ends this request's read of a key, whether it was stored, failed or
/// abandoned: the mark goes and the waiting requests go on.
struct Loading<'a, V> {
    cache: &'a Fresh<V>,
    key: String,
    notify: Arc<Notify>,
}

impl<V> Drop for Loading<'_, V> {
    fn drop(&mut self) {
        if let Ok(mut entries) = self.cache.entries.lock() {
            if let Some(e) = entries.get_mut(&self.key) {
                if e.loading
                    .as_ref()
                    .is_some_and(|(_, n)| Arc::ptr_eq(n, &self.notify))
                {
                    e.loading = None;
                }
            }
        }
        self.notify.notify_waiters();
    }
}

/// The longest a request waits for another's read before reading itself.
const WAIT_AT_MOST: Duration = Duration::from_secs(5);

impl<V> Fresh<V> {
    pub const fn new() -> Self {
        Fresh {
            entries: LazyLock::new(|| Mutex::new(HashMap::new())),
        }
    }

    fn find(&self, key: &str, generation: u64, now: Instant) -> Found<V> {
        let Ok(mut entries) = self.entries.lock() else {
            return Found::Load(Arc::default());
        };
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(key) {
            entries.retain(|_, e| {
                e.loading.is_some()
                    || e.value.as_ref().is_some_and(|(at, g, _)| {
                        *g == generation && now.duration_since(*at) < fresh_for()
                    })
            });
            if entries.len() >= MAX_ENTRIES {
                entries.retain(|_, e| e.loading.is_some());
            }
        }
        let e = entries.entry(key.to_owned()).or_insert(Entry {
            value: None,
            loading: None,
        });
        let current = e
            .value
            .as_ref()
            .filter(|(_, g, _)| *g == generation)
            .map(|(at, _, v)| (now.duration_since(*at) < fresh_for(), v.clone()));
        let loading = e
            .loading
            .as_ref()
            .filter(|(g, _)| *g == generation)
            .map(|(_, n)| n.clone());
        match (current, loading) {
            (Some((true, v)), _) | (Some((false, v)), Some(_)) => Found::Serve(v),
            (None, Some(n)) => Found::Wait(n),
            _ => {
                let notify = Arc::new(Notify::new());
                e.loading = Some((generation, notify.clone()));
                Found::Load(notify)
            }
        }
    }

    /// The read under `key` if it is fresh, or `load`'s result, kept. One
    /// request at a time reads a key: while it does, the others are served
    /// the old read if there is one of this generation (a moment older than
    /// `FRESH_FOR`), or wait for it, so that a busy page never sends every
    /// waiting request to the database at once. After a change (`changed`)
    /// nothing older is served.
    pub async fn get<E, Fut>(&self, key: String, load: impl FnOnce() -> Fut) -> Result<Arc<V>, E>
    where
        Fut: Future<Output = Result<V, E>>,
    {
        let generation = GENERATION.load(Ordering::Acquire);
        let started = Instant::now();
        let notify = loop {
            let now = Instant::now();
            match self.find(&key, generation, now) {
                Found::Serve(v) => return Ok(v),
                Found::Wait(notify) if now.duration_since(started) < WAIT_AT_MOST => {
                    let notified = notify.notified();
                    // Its read may have ended just now: look again shortly
                    // in any case.
                    let _ = tokio::time::timeout(Duration::from_millis(250), notified).await;
                }
                // Waited long enough: read without the mark.
                Found::Wait(_) => break Arc::default(),
                Found::Load(notify) => break notify,
            }
        };
        let loading = Loading {
            cache: self,
            key,
            notify,
        };
        // Read outside the lock; a change meanwhile leaves this read under
        // the older generation, so it is never served after the change.
        let value = Arc::new(load().await?);
        if let Ok(mut entries) = self.entries.lock() {
            if let Some(e) = entries.get_mut(&loading.key) {
                // Never over a read of a later generation.
                if e.value.as_ref().is_none_or(|(_, g, _)| *g <= generation) {
                    e.value = Some((Instant::now(), generation, value.clone()));
                }
            }
        }
        drop(loading);
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_writes_drop_the_caches() {
        let post = http::Method::POST;
        assert!(changes_public(&post, "/fn/listing-save"));
        assert!(changes_public(&post, "/fn/order-place"));
        assert!(changes_public(&post, "/fn/something-new"));
        assert!(changes_public(&post, "/dashboard/listings/x/images"));
        assert!(!changes_public(&post, "/locale"));
        assert!(!changes_public(&post, "/fn/search"));
        assert!(!changes_public(&post, "/fn/viewer"));
        assert!(!changes_public(&http::Method::GET, "/fn/listing-save"));
    }

    async fn read(cache: &Fresh<u32>, key: &str, value: u32) -> u32 {
        let got: Result<_, ()> = cache.get(key.to_owned(), || async move { Ok(value) }).await;
        got.map(|v| *v).unwrap_or_default()
    }

    /// Ages `key` past `FRESH_FOR`, marked as being read again or not.
    fn age(cache: &Fresh<u32>, key: &str, refreshing: bool) {
        if let Ok(mut entries) = cache.entries.lock() {
            if let Some(e) = entries.get_mut(key) {
                if let Some((at, generation, _)) = e.value.as_mut() {
                    *at = at.checked_sub(fresh_for()).unwrap_or(*at);
                    e.loading = refreshing.then(|| (*generation, Arc::new(Notify::new())));
                }
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
