//! Sessions: who is calling (a `Caller`), how a token becomes one, and when a session is dead.

use super::error::DomainError;
use super::login_guard::{AccountKey, InFlight, LockoutPolicy};
use super::passwords::{check_history, must_change};
use super::permission::Grants;
use super::store::{SessionCutoffs, SessionRow, Store};
use super::user::Password;
use super::user::{CustomerId, UserId};
use super::users::PasswordWork;
use super::values::{Timestamp, UserName};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionId(pub i64);

/// SHA-256 of a session token, hex-encoded: the only form a token is stored in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHash(pub String);

/// The authenticated user behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub customer: CustomerId,
    pub user_id: UserId,
    pub user_name: UserName,
    pub session: SessionId,
    pub grants: Grants,
}

/// Session lifetimes (design.md section 6: idle 30 min, absolute 12 h).
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle_secs: u64,
    pub absolute_secs: u64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy { idle_secs: 30 * 60, absolute_secs: 12 * 3600 }
    }
}

/// Idle time is recorded at most this often, so that reads do not each cost a durable write.
const TOUCH_GRANULARITY_SECS: u64 = 60;

fn dead_token() -> DomainError {
    DomainError::invalid("login", "Bad or expired token")
}

impl SessionPolicy {
    /// A quarter of the idle timeout, at most a minute: activity is recorded well before the session would expire.
    fn touch_every(&self) -> i64 {
        i64::try_from((self.idle_secs / 4).clamp(1, TOUCH_GRANULARITY_SECS)).unwrap_or(1)
    }

    fn is_live(&self, row: &SessionRow, now: Timestamp) -> bool {
        now < row.created_at.plus_secs(self.absolute_secs) && now < row.last_seen_at.plus_secs(self.idle_secs)
    }

    /// The deadlines as of `now`: a session is dead exactly when `is_live` says so.
    pub fn cutoffs(&self, now: Timestamp) -> SessionCutoffs {
        let back = |secs: u64| Timestamp(now.0.saturating_sub(i64::try_from(secs).unwrap_or(i64::MAX)));
        SessionCutoffs { idle_before: back(self.idle_secs), created_before: back(self.absolute_secs) }
    }
}

fn needs_touch(row: &SessionRow, policy: SessionPolicy, now: Timestamp, keep_alive: bool) -> bool {
    keep_alive || now.0 - row.last_seen_at.0 >= policy.touch_every()
}

/// Whether `authenticate` of this session at `now` writes: it deletes a dead session and records activity.
pub fn authenticate_writes(row: &SessionRow, policy: SessionPolicy, now: Timestamp, keep_alive: bool) -> bool {
    !policy.is_live(row, now) || needs_touch(row, policy, now, keep_alive)
}

/// Turns a token into a caller, or the uniform `login:` failure. `keep_alive` records activity now
/// (SessionKeepAlive); other calls record it at most once a minute.
pub fn authenticate(
    store: &dyn Store,
    hash: &TokenHash,
    policy: SessionPolicy,
    now: Timestamp,
    keep_alive: bool,
) -> Result<Caller, DomainError> {
    let row = store.session_by_hash(hash)?.ok_or_else(dead_token)?;
    if !policy.is_live(&row, now) {
        store.delete_session(row.id)?;
        return Err(dead_token());
    }
    let user = store.user_by_id(row.customer, row.user_id)?.ok_or_else(dead_token)?;
    if !user.can_log_in() {
        return Err(dead_token());
    }
    if keep_alive {
        store.touch_session(row.id, now)?;
    } else if needs_touch(&row, policy, now, false) {
        // Best effort for other calls: a read must keep working when the disk is full or read-only (the store has
        // logged the failure); the session then only looks idle for longer, which errs on the safe side.
        let _ = store.touch_session(row.id, now);
    }
    Ok(Caller {
        customer: row.customer,
        user_id: user.id,
        grants: user.access.grants(),
        user_name: user.user_name,
        session: row.id,
    })
}

/// What a login needs from outside the domain: password verification (with a dummy verify for unknown users so
/// timing does not reveal which names exist), the lockout rule, the session lifetimes and the time; the second
/// factor; and, for a login that sets a new password, what setting one needs.
pub struct LoginInputs<'a> {
    pub verify: &'a dyn Fn(Option<&str>) -> bool,
    /// SessionLogin `totp_code`: required when the user has TOTP on.
    pub totp_code: Option<&'a str>,
    /// SessionLogin `new_password` (policy-checked at the edge), with the hasher, the rules and the TOTP vault.
    pub new_password: Option<&'a Password>,
    pub password_work: &'a PasswordWork<'a>,
    pub lockout: LockoutPolicy,
    /// Attempts on throttled accounts being checked now.
    pub in_flight: &'a InFlight,
    pub sessions: SessionPolicy,
    pub now: Timestamp,
    pub token_hash: TokenHash,
}

/// A successful login: when the password now in force expires (for the warning).
#[derive(Debug, Clone, Copy)]
pub struct LoggedIn {
    pub password_expiry: Option<Timestamp>,
}

/// SessionLogin: every failure is the same `login: Bad or expired credentials`. An account name in its lockout
/// delay (or hard-locked) is refused before anything else is looked up and without verifying the password; unknown
/// names are counted and delayed exactly like real ones, and cost the same one verify, so neither the answer nor
/// the work tells which names exist. A wrong, missing or replayed TOTP code counts like a wrong password. Only
/// after password and code were right does the answer say more: that the password must be changed (expired or
/// flagged) and `new_password` is needed, or why a `new_password` is refused.
pub fn login(
    store: &dyn Store,
    customer: &super::values::CustomerName,
    user_name: &UserName,
    inputs: LoginInputs<'_>,
    audit: &mut super::audit::AuditEntry,
) -> Result<LoggedIn, DomainError> {
    use super::audit::Outcome;
    use super::permission::Permission;
    use super::store::{LoginRecord, PasswordSet};

    let refuse = |store: &dyn Store, record: LoginRecord, audit: &mut super::audit::AuditEntry| {
        let err = DomainError::bad_credentials();
        audit.outcome = Outcome::of(&err);
        audit.info.clone_from(&err.info);
        store.record_login(&record, audit)?;
        Err(err)
    };
    let account = AccountKey::of(customer, user_name);
    let mut guard = store.login_guard(&account)?;
    if inputs.lockout.refuses(guard.as_ref(), inputs.now) {
        return refuse(store, LoginRecord::Refused, audit);
    }
    // An account that has failed before is checked by one attempt at a time (the claim is held until this function
    // returns, after the attempt is counted), so parallel guesses cannot slip past the lockout together. Read again
    // under the claim: an attempt that finished between the first read and the claim has been counted by now.
    let _claim = match guard {
        Some(_) => {
            let Some(claim) = inputs.in_flight.claim(&account) else {
                return refuse(store, LoginRecord::Refused, audit);
            };
            guard = store.login_guard(&account)?;
            if inputs.lockout.refuses(guard.as_ref(), inputs.now) {
                return refuse(store, LoginRecord::Refused, audit);
            }
            Some(claim)
        }
        None => None,
    };
    // A failure now that reaches the hard lock says so in its audit record (`changed = locked`), for review.
    let locks = inputs.lockout.locks_at(guard.map_or(0, |g| g.failures).saturating_add(1));
    let fail = |store: &dyn Store, user_id: Option<UserId>, audit: &mut super::audit::AuditEntry| {
        if locks {
            audit.changed = vec!["locked"];
        }
        let record = LoginRecord::Failure {
            account: account.clone(),
            user_id,
            at: inputs.now,
            hard_lock_after: inputs.lockout.hard_lock_after,
        };
        refuse(store, record, audit)
    };
    let Some(customer_id) = store.find_customer(customer)? else {
        (inputs.verify)(None);
        return fail(store, None, audit);
    };
    audit.customer = Some(customer_id);
    let Some(user) = store.user_by_name(customer_id, user_name)? else {
        (inputs.verify)(None);
        return fail(store, None, audit);
    };
    audit.actor = Some(user.id);
    let stored = store.password_hash(user.id)?;
    if !(inputs.verify)(stored.as_deref()) {
        return fail(store, Some(user.id), audit);
    }
    if !user.can_log_in() || !user.access.grants().allows(Permission::UserLogin) {
        return refuse(store, LoginRecord::Refused, audit);
    }
    // Read only for users with TOTP on: other logins cost no extra lookup.
    let totp = if user.is_totp_enabled { store.totp_state(user.id)? } else { None };
    let totp_step = match totp {
        None => None,
        Some(state) => {
            let Some(code) = inputs.totp_code else {
                return fail(store, Some(user.id), audit);
            };
            match inputs.password_work.totp.accepted_step(&user, &state.sealed, code, inputs.now, state.last_step)? {
                Some(step) => Some(step),
                None => return fail(store, Some(user.id), audit),
            }
        }
    };
    // The credentials were right: from here on a refusal may say why (it reveals nothing to a guesser).
    let explain = |store: &dyn Store, err: DomainError, audit: &mut super::audit::AuditEntry| {
        audit.outcome = Outcome::of(&err);
        audit.info.clone_from(&err.info);
        store.record_login(&LoginRecord::Refused, audit)?;
        Err(err)
    };
    let rules = inputs.password_work.rules;
    let (new_password, password_expiry) = match inputs.new_password {
        None => {
            if let Some(err) = must_change(&user, inputs.now) {
                return explain(store, err, audit);
            }
            (None, user.password_expiry)
        }
        Some(p) => {
            if rules.history > 0 {
                let recent = store.password_history(user.id, rules.history)?;
                if let Err(err) = check_history("new_password", p.expose(), &recent, inputs.password_work.verifies) {
                    return explain(store, err, audit);
                }
            }
            let expiry = rules.expiry_from(inputs.now);
            audit.changed = vec!["password"];
            (Some(PasswordSet { hash: (inputs.password_work.hash)(p)?, expiry }), expiry)
        }
    };
    let purge = inputs.sessions.cutoffs(inputs.now);
    let success = LoginRecord::Success {
        user_id: user.id,
        token_hash: inputs.token_hash,
        account: account.clone(),
        purge,
        new_password,
        totp_step,
    };
    match store.record_login(&success, audit) {
        Ok(()) => Ok(LoggedIn { password_expiry }),
        // The code's step was taken by a concurrent login between the check above and the write: a replay.
        Err(e) if totp_step.is_some() && e.is_bad_credentials() => {
            audit.changed.clear();
            fail(store, Some(user.id), audit)
        }
        Err(e) => Err(e),
    }
}
