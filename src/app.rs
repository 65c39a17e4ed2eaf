//! `App`: what every operation needs (store, hasher, rules, limits, clock), built once at start-up.

use std::sync::Arc;

use crate::auth::password::PasswordHasher;
use crate::auth::secret_box::SecretBox;
use crate::domain::Store;
use crate::domain::session::SessionPolicy;
use crate::domain::user::InputRules;
use crate::domain::users::Limits;
use crate::domain::values::Timestamp;
use crate::soap::xml::XmlLimits;

/// Rules and limits the operations apply, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub input: InputRules,
    pub limits: Limits,
    pub session: SessionPolicy,
    /// Consecutive wrong passwords after which an account is locked (design.md: 100).
    pub lock_after: u32,
    pub xml: XmlLimits,
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
            lock_after: 100,
            xml: XmlLimits::default(),
            #[cfg(debug_assertions)]
            panic_on_user_name: None,
        }
    }
}

pub struct App {
    pub store: Arc<dyn Store>,
    pub hasher: PasswordHasher,
    /// Seals the secrets that must be read back (DDNS update-user passwords) with the key file's key.
    pub secrets: SecretBox,
    pub policy: Policy,
    /// Time is an input (tests may fix it).
    pub clock: fn() -> Timestamp,
    /// Requests that hash a password wait here, asynchronously, for a permit (two per hasher thread, so that one
    /// request's durable write overlaps the next one's hash): a login flood then holds tasks, not blocking threads,
    /// and reads keep the blocking pool to themselves.
    pub password_gate: tokio::sync::Semaphore,
}
