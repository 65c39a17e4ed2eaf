//! Argon2id password hashing (OWASP parameters), bounded so logins cannot exhaust memory or CPU.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};

/// m=19,456 KiB, t=2, p=1: OWASP's Argon2id recommendation (design.md section 6).
const M_COST_KIB: u32 = 19_456;
const T_COST: u32 = 2;

/// Hashes and verifies passwords. At most `slots` run at once (each holds 19 MiB and ~20 ms of one core);
/// the rest wait their turn on their own blocking thread.
pub struct PasswordHasher {
    argon: Argon2<'static>,
    slots: Mutex<usize>,
    freed: Condvar,
    /// Verified against when the user does not exist, so the answer takes as long as a real check.
    dummy_hash: String,
    /// Argon2 computations done (hashes and verifies alike, dummy ones included): tests prove with it that every
    /// kind of login failure costs the same work, without timing anything.
    runs: AtomicU64,
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

struct Slot<'a>(&'a PasswordHasher);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut free = self.0.slots.lock().unwrap_or_else(|p| p.into_inner());
        *free += 1;
        self.0.freed.notify_one();
    }
}

impl PasswordHasher {
    pub fn new(slots: usize) -> Result<Self, HashError> {
        let params = Params::new(M_COST_KIB, T_COST, 1, Some(32)).map_err(|e| HashError(e.to_string()))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut hasher = PasswordHasher {
            argon,
            slots: Mutex::new(slots.max(1)),
            freed: Condvar::new(),
            dummy_hash: String::new(),
            runs: AtomicU64::new(0),
        };
        hasher.dummy_hash = hasher.hash("usergate-dummy-password")?;
        hasher.runs.store(0, Ordering::Relaxed);
        Ok(hasher)
    }

    fn slot(&self) -> Slot<'_> {
        let mut free = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|p| p.into_inner());
        }
        *free -= 1;
        Slot(self)
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$...`) with a fresh 16-byte salt.
    pub fn hash(&self, password: &str) -> Result<String, HashError> {
        let _slot = self.slot();
        self.runs.fetch_add(1, Ordering::Relaxed);
        self.argon.hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| HashError(e.to_string()))
    }

    /// Verifies against `stored`, or against the dummy hash when there is no user (always false then).
    pub fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        let _slot = self.slot();
        let phc = stored.unwrap_or(&self.dummy_hash);
        let ok = match PasswordHash::new(phc) {
            Ok(parsed) => {
                self.runs.fetch_add(1, Ordering::Relaxed);
                self.argon.verify_password(password.as_bytes(), &parsed).is_ok()
            }
            Err(_) => false,
        };
        ok && stored.is_some()
    }

    /// Argon2 computations (hash or verify) since start-up, not counting the dummy hash made at start.
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
        assert!(!h.verify("x", Some("not a phc string")));
        assert_eq!(
            h.runs(),
            4,
            "every Argon2 hash and verify counts, the dummy one too; an unreadable hash costs none"
        );
        assert_eq!(generate_password().unwrap().len(), 24);
    }
}
