//! Argon2id password hashing (OWASP parameters), bounded so logins cannot exhaust memory or CPU.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};

/// m=19,456 KiB, t=2, p=1: OWASP's Argon2id recommendation (design.md section 6).
const M_COST_KIB: u32 = 19_456;
const T_COST: u32 = 2;
/// Verified against when the user does not exist, so that the answer takes as long as a real check. The hash of a
/// random password that was thrown away, with the parameters above; a constant so that start-up does not spend an
/// Argon2id run on it (start-up to listening is a benchmark target).
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$AGR58CqJG+FpkTS+bVgyDA$vm6nKISGKZNWJsymPJRn+wXUPNcJYKbkq+7H7RD5Oz4";

/// Hashes and verifies passwords on its own pool of `slots` threads (each hash holds 19 MiB and ~20 ms of one
/// core); callers wait on their own (blocking) thread. Only the pool's threads ever allocate Argon2's memory, so the
/// process keeps at most `slots` such blocks however many threads log in (the allocator keeps a freed block in
/// the arena of the thread that used it: on arbitrary blocking threads a login flood grew RSS to 0.5 GB).
pub struct PasswordHasher {
    jobs: mpsc::Sender<Job>,
    /// Argon2 computations done (hashes and verifies alike, dummy ones included): tests prove with it that every
    /// kind of login failure costs the same work, without timing anything.
    runs: Arc<AtomicU64>,
}

type Job = Box<dyn FnOnce(&Argon2<'static>) + Send>;

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

impl PasswordHasher {
    pub fn new(slots: usize) -> Result<Self, HashError> {
        let params = Params::new(M_COST_KIB, T_COST, 1, Some(32)).map_err(|e| HashError(e.to_string()))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..slots.max(1) {
            let (rx, argon) = (Arc::clone(&rx), argon.clone());
            // A thread ends when the hasher (the sending side) is dropped.
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = match rx.lock().unwrap_or_else(PoisonError::into_inner).recv() {
                            Ok(job) => job,
                            Err(_) => break,
                        };
                        job(&argon);
                    }
                })
                .map_err(|e| HashError(format!("hasher thread: {e}")))?;
        }
        Ok(PasswordHasher { jobs: tx, runs: Arc::new(AtomicU64::new(0)) })
    }

    /// Runs `f` on the pool and waits for its answer.
    fn run<T: Send + 'static>(&self, f: impl FnOnce(&Argon2<'static>) -> T + Send + 'static) -> Result<T, HashError> {
        let (tx, rx) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |argon| {
            let _ = tx.send(f(argon));
        });
        let gone = || HashError("the hasher pool is gone".into());
        self.jobs.send(job).map_err(|_| gone())?;
        rx.recv().map_err(|_| gone())
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`) with a fresh 16-byte salt.
    pub fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = password.to_owned();
        let runs = Arc::clone(&self.runs);
        self.run(move |argon| {
            runs.fetch_add(1, Ordering::Relaxed);
            argon.hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| HashError(e.to_string()))
        })?
    }

    /// Verifies against `stored`, or against the dummy hash when there is no user (always false then).
    pub fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        let (password, known) = (password.to_owned(), stored.is_some());
        let phc = stored.unwrap_or(DUMMY_HASH).to_owned();
        let runs = Arc::clone(&self.runs);
        let ok = self.run(move |argon| match PasswordHash::new(&phc) {
            Ok(parsed) => {
                runs.fetch_add(1, Ordering::Relaxed);
                argon.verify_password(password.as_bytes(), &parsed).is_ok()
            }
            Err(_) => false,
        });
        matches!(ok, Ok(true)) && known
    }

    /// Argon2 computations (hash or verify) since start-up.
    pub fn runs(&self) -> u64 {
        self.runs.load(Ordering::Relaxed)
    }
}

/// A random password for bootstrap owners: 18 random bytes, base64url (24 characters).
pub fn generate_password() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 18];
    getrandom::fill(&mut bytes)?;
    Ok(super::token::b64(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = PasswordHasher::new(1).unwrap();
        assert_eq!(h.runs(), 0);
        let phc = h.hash("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(h.verify("correct horse", Some(&phc)));
        assert!(!h.verify("wrong horse", Some(&phc)));
        assert!(!h.verify("usergate-dummy-password", None));
        // The dummy costs what a real verify costs: same algorithm and parameters.
        assert_eq!(DUMMY_HASH.rsplitn(3, '$').nth(2), phc.rsplitn(3, '$').nth(2));
        assert!(!h.verify("x", Some("not a phc string")));
        assert_eq!(
            h.runs(),
            4,
            "every Argon2 hash and verify counts, the dummy one too; an unreadable hash costs none"
        );
        assert_eq!(generate_password().unwrap().len(), 24);
    }
}
