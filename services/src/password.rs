//! argon2id password hashing (OWASP parameters: m = 19 MiB, t = 2, p = 1) on
//! a bounded set of blocking threads, so a flood of logins cannot starve the
//! async workers nor exhaust memory. A short queue waits for a thread; past
//! it the hasher answers `Busy` at once (the login answers 429), so a flood
//! from many addresses costs no more than the queue. Logins have capacity
//! kept for them: other hashing (new accounts, new passwords, password
//! confirmations) takes at most half the threads and its own short queue,
//! so a registration flood leaves logins their normal time.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("hashing pool closed")]
    Pool,
    #[error("too many passwords waiting to be checked")]
    Busy,
}

#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// Hashes running or waiting; at most `limit`.
    queued: Arc<AtomicUsize>,
    limit: usize,
    /// Work that is not a login: at most these at the threads at once…
    others: Arc<Semaphore>,
    /// …and at most `others_limit` of it running or waiting.
    others_queued: Arc<AtomicUsize>,
    others_limit: usize,
}

/// What a hash is for: logins keep capacity reserved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Login,
    Other,
}

/// Hashes that may wait for a thread, per thread.
const QUEUE_PER_THREAD: usize = 4;

/// Gives back a place in the queue when the hash ends (or is abandoned).
struct Place(Arc<AtomicUsize>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn argon2() -> Argon2<'static> {
    // Params::DEFAULT is m = 19456 KiB, t = 2, p = 1.
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::DEFAULT)
}

/// A hash of a random password, checked when an e-mail is unknown so that
/// the answer takes as long as for a real account.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        let random = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(random.as_str().as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

impl Hasher {
    /// `parallel` hashes at most at once (each takes 19 MiB).
    pub fn new(parallel: usize) -> Self {
        let parallel = parallel.max(1);
        let others = (parallel / 2).max(1);
        Hasher {
            permits: Arc::new(Semaphore::new(parallel)),
            queued: Arc::new(AtomicUsize::new(0)),
            limit: parallel * (1 + QUEUE_PER_THREAD),
            others: Arc::new(Semaphore::new(others)),
            others_queued: Arc::new(AtomicUsize::new(0)),
            others_limit: others * 2,
        }
    }

    fn place(counter: &Arc<AtomicUsize>, limit: usize) -> Result<Place, HashError> {
        if counter.fetch_add(1, Ordering::AcqRel) >= limit {
            counter.fetch_sub(1, Ordering::AcqRel);
            Err(HashError::Busy)
        } else {
            Ok(Place(counter.clone()))
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        purpose: Purpose,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        // Other work waits for its own turn before it queues with logins.
        let other = match purpose {
            Purpose::Login => None,
            Purpose::Other => {
                let place = Self::place(&self.others_queued, self.others_limit)?;
                let permit = self
                    .others
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| HashError::Pool)?;
                Some((place, permit))
            }
        };
        let place = Self::place(&self.queued, self.limit)?;
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| HashError::Pool)?;
        // The thread holds its permit and place until the hash ends, even
        // when the request that asked for it has gone.
        tokio::task::spawn_blocking(move || {
            let _held = (permit, place, other);
            work()
        })
        .await
        .map_err(|_| HashError::Pool)
    }

    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.run(Purpose::Other, move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| HashError::Hash(e.to_string()))
        })
        .await?
    }

    /// Verifies `password` against `hash`, or against a dummy hash when there
    /// is no account (`None`): same cost either way.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, HashError> {
        self.verify_for(Purpose::Login, password, hash).await
    }

    /// `verify`, for a purpose other than logging in (confirming a change).
    pub async fn verify_for(
        &self,
        purpose: Purpose,
        password: String,
        hash: Option<String>,
    ) -> Result<bool, HashError> {
        self.run(purpose, move || {
            let known = hash.is_some();
            let stored = hash.unwrap_or_else(|| dummy_hash().to_owned());
            let ok = PasswordHash::new(&stored)
                .map(|parsed| {
                    argon2()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false);
            known && ok
        })
        .await
    }

    /// Computes the dummy hash now rather than on the first unknown e-mail.
    pub async fn warm_up(&self) {
        let _ = self.run(Purpose::Login, || dummy_hash().len()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test]
    async fn a_full_queue_answers_busy_at_once_and_drains() {
        let hasher = Hasher::new(1);
        let places = hasher.limit;
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let wait = Arc::new(Mutex::new(wait));
        let mut running = Vec::new();
        for _ in 0..places {
            let (h, wait) = (hasher.clone(), wait.clone());
            running.push(tokio::spawn(async move {
                h.run(Purpose::Login, move || {
                    let _ = wait.lock().map(|w| w.recv());
                })
                .await
            }));
        }
        while hasher.queued.load(Ordering::Acquire) < places {
            tokio::task::yield_now().await;
        }
        assert!(matches!(
            hasher.run(Purpose::Login, || ()).await,
            Err(HashError::Busy)
        ));
        for _ in 0..places {
            assert!(release.send(()).is_ok());
        }
        for r in running {
            assert!(matches!(r.await, Ok(Ok(()))));
        }
        assert_eq!(hasher.queued.load(Ordering::Acquire), 0);
        assert!(hasher.run(Purpose::Login, || ()).await.is_ok());
    }

    #[tokio::test]
    async fn other_work_cannot_take_the_logins_places() {
        let hasher = Hasher::new(1);
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let wait = Arc::new(Mutex::new(wait));
        let mut running = Vec::new();
        for _ in 0..hasher.others_limit {
            let (h, wait) = (hasher.clone(), wait.clone());
            running.push(tokio::spawn(async move {
                h.run(Purpose::Other, move || {
                    let _ = wait.lock().map(|w| w.recv());
                })
                .await
            }));
        }
        while hasher.others_queued.load(Ordering::Acquire) < hasher.others_limit {
            tokio::task::yield_now().await;
        }
        // A registration more is refused; a login queues behind at most
        // the one other hash at the thread.
        assert!(matches!(
            hasher.run(Purpose::Other, || ()).await,
            Err(HashError::Busy)
        ));
        assert!(hasher.queued.load(Ordering::Acquire) <= 1);
        let login = {
            let h = hasher.clone();
            tokio::spawn(async move { h.run(Purpose::Login, || 7).await })
        };
        while hasher.queued.load(Ordering::Acquire) < 2 {
            tokio::task::yield_now().await;
        }
        assert!(release.send(()).is_ok());
        assert!(matches!(login.await, Ok(Ok(7))));
        for _ in 1..hasher.others_limit {
            assert!(release.send(()).is_ok());
        }
        for r in running {
            assert!(matches!(r.await, Ok(Ok(()))));
        }
    }
}
