//! `App`: what every operation needs (store, hasher, rules, limits, clock, login throttle), built once at start-up.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use crate::auth::password::PasswordHasher;
use crate::auth::secret_box::SecretBox;
use crate::domain::Store;
use crate::domain::login_guard::{InFlight, LockoutPolicy, RateLimit, SourceLimiter};
use crate::domain::passwords::PasswordRules;
use crate::domain::session::SessionPolicy;
use crate::domain::user::InputRules;
use crate::domain::users::Limits;
use crate::domain::values::Timestamp;
use crate::metrics::Metrics;
use crate::soap::xml::XmlLimits;

/// Rules and limits the operations apply, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub input: InputRules,
    pub limits: Limits,
    pub session: SessionPolicy,
    /// History and expiry of passwords (length is in `input`).
    pub passwords: PasswordRules,
    /// Per-account login lockout (design.md: delay after 5 failures, hard lock at 100).
    pub lockout: LockoutPolicy,
    /// Per-source SessionLogin rate.
    pub login_rate: RateLimit,
    pub xml: XmlLimits,
    /// UpdateCurrentUser may rename the caller (`allow_self_rename`, default off).
    pub allow_self_rename: bool,
    /// Test builds only (`Settings::panic_on_user_name`).
    #[cfg(debug_assertions)]
    pub panic_on_user_name: Option<&'static str>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            input: InputRules::default(),
            limits: Limits { search_limit: 10_000 },
            session: SessionPolicy::default(),
            passwords: PasswordRules::default(),
            lockout: LockoutPolicy::default(),
            login_rate: RateLimit::default(),
            xml: XmlLimits::default(),
            allow_self_rename: false,
            #[cfg(debug_assertions)]
            panic_on_user_name: None,
        }
    }
}

/// The time operations see: the system clock plus an offset that only tests move, so that expiry and lockout
/// delays can be tested without sleeping.
#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        Timestamp(Timestamp::now().0.saturating_add(self.offset_secs.load(Ordering::Relaxed)))
    }

    /// Moves this clock forward (tests).
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }
}

pub struct App {
    pub store: Arc<dyn Store>,
    pub hasher: PasswordHasher,
    /// Seals the secrets that must be read back (DDNS update-user passwords, TOTP keys) with the key file's key.
    pub secrets: SecretBox,
    pub policy: Policy,
    /// Time is an input (tests move it).
    pub clock: Clock,
    /// Requests that hash a password wait here, asynchronously, for a permit (two per hasher thread, so that one
    /// request's durable write overlaps the next one's hash): a login flood then holds tasks, not blocking threads,
    /// and reads keep the blocking pool to themselves.
    pub password_gate: tokio::sync::Semaphore,
    /// SessionLogin attempts per source address (in memory, capped).
    pub login_limiter: SourceLimiter,
    /// Throttled accounts whose login is being checked now (one attempt at a time each).
    pub logins_in_flight: InFlight,
    /// What `/metrics` reports (requests, latency, logins; the writer's gauges).
    pub metrics: Metrics,
}
