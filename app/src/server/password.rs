//! argon2id password hashing (OWASP parameters: m = 19 MiB, t = 2, p = 1) on
//! a bounded set of blocking threads, so a flood of logins cannot starve the
//! async workers nor exhaust memory. A short queue waits for a thread; past
//! it the hasher answers `Busy` at once (the login answers 429), so a flood
//! from many addresses costs no more than the queue.

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
        Hasher {
            permits: Arc::new(Semaphore::new(parallel)),
            queued: Arc::new(AtomicUsize::new(0)),
            limit: parallel * (1 + QUEUE_PER_THREAD),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let place = if self.queued.fetch_add(1, Ordering::AcqRel) >= self.limit {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            return Err(HashError::Busy);
        } else {
            Place(self.queued.clone())
        };
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| HashError::Pool)?;
        // The thread holds its permit and place until the hash ends, even
        // when the request that asked for it has gone.
        tokio::task::spawn_blocking(move || {
            let _held = (permit, place);
            work()
        })
        .await
        .map_err(|_| HashError::Pool)
    }

    pub async fn hash(&self, password: String) -> Result<String, HashError> {
        self.run(move || {
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
        self.run(move || {
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
        let _ = self.run(|| dummy_hash().len()).await;
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
                h.run(move || {
                    let _ = wait.lock().map(|w| w.recv());
                })
                .await
            }));
        }
        while hasher.queued.load(Ordering::Acquire) < places {
            tokio::task::yield_now().await;
        }
        assert!(matches!(hasher.run(|| ()).await, Err(HashError::Busy)));
        for _ in 0..places {
            assert!(release.send(()).is_ok());
        }
        for r in running {
            assert!(matches!(r.await, Ok(Ok(()))));
        }
        assert_eq!(hasher.queued.load(Ordering::Acquire), 0);
        assert!(hasher.run(|| ()).await.is_ok());
    }
}
