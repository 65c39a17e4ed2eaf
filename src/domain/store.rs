//! The storage port: use-case-sized, atomic calls (each write stores its audit record in the same transaction).
//! SQLite implements it today; PostgreSQL will implement the same trait.

use super::audit::{AuditEntry, JobId, JobRecord};
use super::ddns::{DdnsUser, DecideDdns, SealedPassword};
use super::error::DomainError;
use super::login_guard::{AccountKey, GuardState};
use super::search::{
    AuditEvent, AuditFilter, ExportScope, ExportSummary, Page, PageRequest, PurgeOutcome, UserQuery, UserSearch,
};
use super::session::{SessionId, TokenHash};
use super::totp::{SealedTotp, TotpState};
use super::user::{CustomerId, NewUser, User, UserId};
use super::values::{CustomerName, Timestamp, UserName};

/// A stored session as the store knows it.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: SessionId,
    pub customer: CustomerId,
    pub user_id: UserId,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
}

/// Facts about a customer that rules need inside the write transaction.
#[derive(Debug, Clone, Copy)]
pub struct CustomerFacts {
    /// Owners that are not blocked and still active: the last of them may not be removed. Counted only when the
    /// target is itself a working owner, the one case a rule reads it (`None` otherwise): the count scans the
    /// customer's users, which was most of every other write's cost.
    pub working_owners: Option<u64>,
}

/// Which sessions of the changed user die with the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoke {
    None,
    All,
    AllBut(SessionId),
}

/// What the domain decided to do with a user loaded inside the write transaction.
#[derive(Debug, Clone)]
pub enum Change {
    Update {
        user: Box<User>,
        /// A new Argon2id PHC string, when the password changes.
        password_hash: Option<String>,
        revoke: Revoke,
        changed: Vec<&'static str>,
        /// Forget the account's failed logins and lift its lock (UnblockUser, `usergate admin unlock`).
        unlock: bool,
        /// A new TOTP key, sealed for the user (its replay mark is reset with it).
        totp_key: Option<SealedTotp>,
        /// Appended to the audit record's info (`organization: A -> B` for a move between organizations).
        detail: Option<String>,
    },
    Delete,
}

/// The rule run inside the transaction; returning an error rolls everything back.
pub type Decide<'a> = dyn FnMut(&User, CustomerFacts) -> Result<Change, DomainError> + 'a;

/// A new user with its password already hashed.
#[derive(Debug, Clone)]
pub struct NewUserRecord {
    pub customer: CustomerId,
    pub user: NewUser,
    pub password_hash: String,
    pub uid: String,
    pub now: Timestamp,
    /// When the first password expires (`password_max_age_days`), if it does.
    pub password_expiry: Option<Timestamp>,
}

/// Sessions that ended by either deadline: last seen at or before `idle_before`, or created at or before
/// `created_before`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCutoffs {
    pub idle_before: Timestamp,
    pub created_before: Timestamp,
}

/// A password set at login (SessionLogin `new_password`): its hash and when it expires.
#[derive(Debug, Clone)]
pub struct PasswordSet {
    pub hash: String,
    pub expiry: Option<Timestamp>,
}

/// A login attempt's effect on the store.
#[derive(Debug, Clone)]
pub enum LoginRecord {
    /// A new session; the account's failures are forgotten, and a bounded number of expired sessions purged. With
    /// `new_password` the password changes too (must-change lifted, other sessions ended); with `totp_step` the
    /// user's replay mark moves to it, and if it is not past the mark (a concurrent login used the code first) the
    /// whole login fails with `DomainError::bad_credentials` and nothing is written.
    Success {
        user_id: UserId,
        token_hash: TokenHash,
        account: AccountKey,
        purge: SessionCutoffs,
        new_password: Option<PasswordSet>,
        totp_step: Option<i64>,
    },
    /// A wrong password, or a name with no account behind it: counts toward that name's lockout. Reaching
    /// `hard_lock_after` locks it (and the user, if there is one).
    Failure { account: AccountKey, user_id: Option<UserId>, at: Timestamp, hard_lock_after: u32 },
    /// Refused without counting: the account is in its lockout delay, or the password was right but the user may
    /// not log in. Only the audit record.
    Refused,
}

pub trait Store: Send + Sync {
    /// The next job id from the one strictly increasing sequence.
    fn next_job_id(&self) -> Result<JobId, DomainError>;
    /// The next job id if handing it out needs no write (the sequence's durable reservation covers it); `None`
    /// otherwise, and then nothing was taken. Lets a read run where it must not wait for the disk.
    fn next_job_id_if_reserved(&self) -> Option<JobId> {
        None
    }

    fn customer_count(&self) -> Result<u64, DomainError>;
    fn find_customer(&self, name: &CustomerName) -> Result<Option<CustomerId>, DomainError>;
    /// The case-folded name of a customer (`CustomerName::key`), as login accounts are keyed.
    fn customer_key(&self, id: CustomerId) -> Result<Option<String>, DomainError>;
    /// Creates the customer if it does not exist yet.
    fn ensure_customer(&self, name: &CustomerName) -> Result<CustomerId, DomainError>;

    fn user_by_name(&self, customer: CustomerId, name: &UserName) -> Result<Option<User>, DomainError>;
    fn user_by_id(&self, customer: CustomerId, id: UserId) -> Result<Option<User>, DomainError>;
    /// By the opaque `uid` (exact match).
    fn user_by_uid(&self, customer: CustomerId, uid: &str) -> Result<Option<User>, DomainError>;
    fn password_hash(&self, id: UserId) -> Result<Option<String>, DomainError>;
    /// The user's last `count` password hashes, the current one first, then the ones it replaced, newest first.
    fn password_history(&self, id: UserId, count: usize) -> Result<Vec<String>, DomainError>;
    /// The sealed TOTP key and replay mark of a user with TOTP on.
    fn totp_state(&self, id: UserId) -> Result<Option<TotpState>, DomainError>;
    /// Users of one customer matching the query's filter, in its order: one page after its cursor (INVALID_DATA
    /// `cursor:` for a cursor this store did not make for this query), or, unpaged, every match (`TooMany` when
    /// more than `limit` match).
    fn query_users(&self, customer: CustomerId, query: &UserQuery, limit: u64) -> Result<UserSearch, DomainError>;

    /// TARGET_EXISTS when the name is taken (ignoring case).
    fn insert_user(&self, new: &NewUserRecord, audit: &AuditEntry) -> Result<User, DomainError>;
    /// Loads the user inside the write transaction, lets `decide` rule, applies the change with its audit record.
    /// `Ok(None)` when there is no such user (nothing was written).
    fn modify_user(
        &self,
        customer: CustomerId,
        target: &UserName,
        audit: &mut AuditEntry,
        decide: &mut Decide<'_>,
    ) -> Result<Option<User>, DomainError>;
    /// Sets a user's password hash directly (offline admin commands), revoking its sessions.
    fn reset_password(&self, id: UserId, password_hash: &str, audit: &AuditEntry) -> Result<(), DomainError>;

    /// The failed-login state of an account name (whether or not the account exists).
    fn login_guard(&self, account: &AccountKey) -> Result<Option<GuardState>, DomainError>;
    fn record_login(&self, login: &LoginRecord, audit: &AuditEntry) -> Result<(), DomainError>;
    fn session_by_hash(&self, hash: &TokenHash) -> Result<Option<SessionRow>, DomainError>;
    fn touch_session(&self, id: SessionId, now: Timestamp) -> Result<(), DomainError>;
    fn delete_session(&self, id: SessionId) -> Result<(), DomainError>;
    fn logout(&self, id: SessionId, audit: &AuditEntry) -> Result<(), DomainError>;
    /// Deletes up to `limit` sessions ended by each deadline (the periodic purge); returns how many went.
    fn purge_expired_sessions(&self, cutoffs: SessionCutoffs, limit: u32) -> Result<usize, DomainError>;
    /// Sessions ended by neither deadline (a count for `/metrics`).
    fn live_sessions(&self, cutoffs: SessionCutoffs) -> Result<u64, DomainError>;

    /// Stores a new DDNS update user (its id is assigned here) with its audit record. TARGET_EXISTS when any user of
    /// the customer, ordinary or DDNS, has the name (ignoring case).
    fn insert_ddns_user(
        &self,
        user: &DdnsUser,
        password: &SealedPassword,
        audit: &AuditEntry,
    ) -> Result<DdnsUser, DomainError>;
    /// A customer's DDNS update users ordered by name.
    fn ddns_users(&self, customer: CustomerId) -> Result<Vec<DdnsUser>, DomainError>;
    /// Loads the DDNS update user inside the write transaction, lets `decide` rule, applies the change with its audit
    /// record. `Ok(None)` when there is no such user (nothing was written).
    fn modify_ddns_user(
        &self,
        customer: CustomerId,
        target: &UserName,
        audit: &mut AuditEntry,
        decide: &mut DecideDdns<'_>,
    ) -> Result<Option<DdnsUser>, DomainError>;

    /// A failed state-changing call still leaves its audit record.
    fn record_audit(&self, audit: &AuditEntry) -> Result<(), DomainError>;
    /// The audit record `id` of `customer` with the result recorded beside it; `None` when there is none.
    fn job(&self, customer: CustomerId, id: JobId) -> Result<Option<JobRecord>, DomainError>;
    /// A customer's audit records matching `filter`, newest first, one keyset page (cursors as `query_users`).
    fn audit_events(
        &self,
        customer: CustomerId,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEvent>, DomainError>;
    /// Streams the audit records of `scope` (oldest first, one snapshot) into `sink`; an error from `sink` stops it.
    fn export_audit(
        &self,
        scope: ExportScope,
        sink: &mut dyn FnMut(&AuditEvent) -> Result<(), DomainError>,
    ) -> Result<ExportSummary, DomainError>;
    /// Records a finished export (its time, scope and highest job id), so that a purge can tell what was exported.
    fn record_export(&self, scope: ExportScope, at: Timestamp, summary: ExportSummary) -> Result<(), DomainError>;
    /// Removes the audit records (and their results) from before `before`, if an all-customer export made after
    /// them covers them all; records the purge as `audit` (unless there was nothing to remove).
    fn purge_audit(&self, before: Timestamp, audit: &AuditEntry) -> Result<PurgeOutcome, DomainError>;
}
