//! `SqliteStore`: the SQLite implementation of the `Store` port. One writer connection with group commit (`writer.rs`:
//! every write is atomic on its own, audit record included, and durable when it returns), a few reader connections
//! that see committed writes (WAL), and the job-id sequence. Methods block: callers run them on the blocking pool.

pub mod backup;
mod cache;
mod cursor;
mod ddns;
mod error;
mod migrate;
mod queries;
mod rows;
mod search;
#[cfg(test)]
mod tests;
mod user_view;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use cache::{Cache, Changed};
pub use error::StoreError;
use writer::Writer;

use crate::domain::audit::{AuditEntry, JobId, JobRecord};
use crate::domain::ddns::{DdnsUser, DecideDdns, SealedPassword};
use crate::domain::error::DomainError;
use crate::domain::login_guard::{AccountKey, GuardState};
use crate::domain::search::{
    AuditEvent, AuditFilter, ExportScope, ExportSummary, Page, PageRequest, PurgeOutcome, UserQuery, UserSearch,
};
use crate::domain::session::{SessionId, TokenHash};
use crate::domain::store::{
    Change, CustomerFacts, Decide, LoginRecord, NewUserRecord, Revoke, SessionCutoffs, SessionRow, Store,
};
use crate::domain::totp::TotpState;
use crate::domain::user::{CustomerId, User, UserId};
use crate::domain::values::{CustomerName, Timestamp, UserName};

/// design.md section 6: a connection waits this long for another process's lock before failing (the default of
/// `db_busy_timeout_ms`).
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle reader connections kept; more are opened under load and closed when returned.
const MAX_IDLE_READERS: usize = 8;
/// Enough for every fixed statement the store prepares and the filter combinations of GetUsers and
/// GetAuditEvents in use, so that `prepare_cached` rarely evicts.
const STATEMENT_CACHE: usize = 256;
/// Job ids reserved per durable write of the ceiling.
const JOB_ID_BLOCK: i64 = 10_000;

pub struct SqliteStore {
    // Readers are dropped first: the writer, closing last, checkpoints and removes the WAL, so that the next start
    // need not replay it (start-up time is a benchmark target).
    readers: Mutex<Vec<Connection>>,
    writer: Writer,
    path: PathBuf,
    /// How long a reader opened later waits for a lock.
    busy_timeout: Duration,
    /// Sessions and their users, for the lookups of every authenticated request (`cache.rs`).
    cache: Cache,
    /// The next job id to hand out.
    next_job: AtomicI64,
    /// The highest job id durably reserved (`meta.job_id_ceiling`): ids up to it survive a crash unreused.
    job_ceiling: AtomicI64,
    /// Signs page cursors (`cursor.rs`), from the database's own secret.
    cursor_key: cursor::CursorKey,
}

/// A panic while a lock was held unwound through the `Transaction`, which rolled back; the connection is clean.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn configure_writer(conn: &Connection, busy_timeout: Duration) -> Result<(), StoreError> {
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::NoWal(mode));
    }
    // FULL: a commit is on disk when it returns, so an acknowledged change survives power loss.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(busy_timeout)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

fn open_reader(path: &Path, busy_timeout: Duration) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(busy_timeout)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database at `path`, with the default busy timeout.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        Self::open_with(path, BUSY_TIMEOUT)
    }

    /// `open`, each connection waiting up to `busy_timeout` for another process's lock (`db_busy_timeout_ms`).
    pub fn open_with(path: &Path, busy_timeout: Duration) -> Result<SqliteStore, StoreError> {
        // 0600 before SQLite creates it: the -wal and -shm files take the database file's mode.
        backup::create_private(path).map_err(|e| StoreError::File(format!("{}: {e}", path.display())))?;
        let mut conn = Connection::open(path)?;
        configure_writer(&conn, busy_timeout)?;
        migrate::run(&mut conn)?;
        // Ids up to the stored ceiling may have been handed out before a crash, even without an audit record.
        let next = queries::job_id_floor(&conn)?.saturating_add(1);
        // Nothing reserved yet: the first job id reserves the first block, a durable write that start-up skips.
        let ceiling = next - 1;
        let cursor_key = cursor::CursorKey::new(&search::cursor_secret(&conn)?);
        Ok(SqliteStore {
            cursor_key,
            readers: Mutex::new(Vec::new()),
            writer: Writer::new(conn),
            cache: Cache::default(),
            path: path.to_owned(),
            busy_timeout,
            next_job: AtomicI64::new(next),
            job_ceiling: AtomicI64::new(ceiling),
        })
    }

    /// What `/metrics` reads from the writer: its batch sizes and how many writes wait for it.
    pub fn writer_gauges(self: &std::sync::Arc<Self>) -> crate::metrics::WriterGauges {
        let me = std::sync::Arc::downgrade(self);
        crate::metrics::WriterGauges {
            batch_sizes: self.writer.batch_sizes(),
            queue_depth: Box::new(move || {
                me.upgrade().map_or(0, |s| i64::try_from(s.writer.queue_depth()).unwrap_or(i64::MAX))
            }),
        }
    }

    /// Copies the WAL into the database file and truncates it (shutdown: the file then stands alone).
    pub fn checkpoint(&self) -> Result<(), StoreError> {
        self.writer.idle(|conn| {
            // busy = 1 means a reader still held an old snapshot: the WAL could not be reset this time.
            let (busy, _, _): (i64, i64, i64) =
                conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            if busy != 0 {
                return Err(StoreError::CheckpointBusy);
            }
            Ok(())
        })
    }

    /// Runs `f` as one write (group commit): an error from `f` rolls back `f`'s changes only; `Ok` is durable.
    fn write<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.writer.write(f)
    }

    /// Runs `f` on a reader connection, opening one when none is idle.
    fn read<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let idle = lock(&self.readers).pop();
        let mut conn = match idle {
            Some(conn) => conn,
            None => open_reader(&self.path, self.busy_timeout)?,
        };
        let out = f(&mut conn);
        let mut readers = lock(&self.readers);
        if readers.len() < MAX_IDLE_READERS {
            readers.push(conn);
        }
        out
    }

    /// `f` in one read transaction, so that its queries see one snapshot. BEGIN and COMMIT are cached statements
    /// (rusqlite's `transaction()` parses them again on every call).
    fn snapshot<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.read(|c| {
            c.prepare_cached("BEGIN")?.execute([])?;
            let out = f(c);
            // A read transaction has nothing to keep or undo: COMMIT ends it either way.
            c.prepare_cached("COMMIT")?.execute([])?;
            out
        })
    }

    fn next_job(&self) -> Result<JobId, StoreError> {
        let id = self.next_job.fetch_add(1, Ordering::Relaxed);
        if id <= self.job_ceiling.load(Ordering::Acquire) {
            return Ok(JobId(id));
        }
        let ceiling = self.write(|conn| {
            // Another caller may have reserved a block while this one waited for the writer.
            let known = self.job_ceiling.load(Ordering::Acquire);
            if id <= known {
                return Ok(known);
            }
            let ceiling = id.saturating_add(JOB_ID_BLOCK - 1);
            queries::set_job_id_ceiling(conn, ceiling)?;
            Ok(ceiling)
        })?;
        self.job_ceiling.fetch_max(ceiling, Ordering::Release);
        Ok(JobId(id))
    }

    /// Bench data: inserts `records` (each with its lists) in one write with one audit record for all. Much faster
    /// than one `insert_user` each; used by `usergate admin seed-bench` only.
    pub fn seed_users(&self, records: &[NewUserRecord], audit: &AuditEntry) -> Result<(), DomainError> {
        Ok(self.write(|conn| {
            for new in records {
                let user = new_user(new);
                let id = queries::insert_user(conn, &user, &new.password_hash)?;
                queries::write_access(conn, id, &user.access, false)?;
            }
            queries::insert_audit(conn, audit, None)
        })?)
    }

    fn modify(
        &self,
        customer: CustomerId,
        target: &UserName,
        audit: &mut AuditEntry,
        decide: &mut Decide<'_>,
    ) -> Result<Option<User>, StoreError> {
        self.write(|tx| {
            let Some(user) = queries::user_by_key(tx, customer, &target.key())? else {
                return Ok(None);
            };
            let working_owners =
                if user.is_working_owner() { Some(queries::working_owners(tx, customer)?) } else { None };
            let facts = CustomerFacts { working_owners };
            match decide(&user, facts).map_err(StoreError::Rejected)? {
                Change::Delete => {
                    queries::delete_user(tx, user.id)?;
                    queries::insert_audit(tx, audit, None)?;
                    Ok(Some(user))
                }
                Change::Update { user: new, password_hash, revoke, changed, unlock, detail, totp_key } => {
                    // Identity never changes; everything else (version and updated_at included) is the domain's.
                    let new = User {
                        id: user.id,
                        uid: user.uid.clone(),
                        customer: user.customer,
                        created_at: user.created_at,
                        ..*new
                    };
                    // A change that changes nothing (blocking a blocked user) still leaves its audit record.
                    if new != user {
                        let renamed = new.user_name.key() != user.user_name.key();
                        queries::update_user(tx, &new, renamed)?;
                        if renamed {
                            queries::rename_login_guard(tx, customer, &user.user_name.key(), &new.user_name.key())?;
                        }
                    }
                    if new.access != user.access {
                        queries::write_access(tx, new.id, &new.access, true)?;
                    }
                    if let Some(hash) = &password_hash {
                        queries::set_password_hash(tx, new.id, hash, audit.at)?;
                    }
                    // After the rename (if any): the lockout is looked up under the current name.
                    if unlock {
                        queries::unlock_user(tx, new.id)?;
                    }
                    if let Some(sealed) = totp_key.as_ref().filter(|_| new.is_totp_enabled) {
                        queries::set_totp_key(tx, new.id, sealed)?;
                    }
                    if !new.is_totp_enabled {
                        queries::clear_totp_key(tx, new.id)?;
                    }
                    queries::revoke_sessions(tx, new.id, revoke)?;
                    audit.changed = changed;
                    if let Some(d) = detail {
                        audit.info = format!("{}; {d}", audit.info);
                    }
                    queries::insert_audit(tx, audit, Some(&new))?;
                    Ok(Some(new))
                }
            }
        })
    }
}

/// The row a new user starts as (its id comes from the insert).
fn new_user(new: &NewUserRecord) -> User {
    User {
        id: UserId(0),
        uid: new.uid.clone(),
        customer: new.customer,
        user_name: new.user.user_name.clone(),
        profile: new.user.profile.clone(),
        access: new.user.access.clone(),
        blocked: false,
        active: true,
        locked: false,
        hold: false,
        require_pw_change: false,
        password_expiry: new.password_expiry,
        totp_label: None,
        is_totp_enabled: false,
        created_at: new.now,
        updated_at: new.now,
        last_login_at: None,
        version: 1,
    }
}

impl Store for SqliteStore {
    fn next_job_id(&self) -> Result<JobId, DomainError> {
        Ok(self.next_job()?)
    }

    fn next_job_id_if_reserved(&self) -> Option<JobId> {
        let ceiling = self.job_ceiling.load(Ordering::Acquire);
        // The same counter as `next_job`: ids stay unique and increasing whichever way they are taken.
        self.next_job
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |id| (id <= ceiling).then_some(id + 1))
            .ok()
            .map(JobId)
    }

    fn customer_count(&self) -> Result<u64, DomainError> {
        Ok(self.read(|c| queries::customer_count(c))?)
    }

    fn find_customer(&self, name: &CustomerName) -> Result<Option<CustomerId>, DomainError> {
        Ok(self.read(|c| queries::find_customer(c, &name.key()))?)
    }

    fn customer_key(&self, id: CustomerId) -> Result<Option<String>, DomainError> {
        Ok(self.read(|c| queries::customer_key(c, id))?)
    }

    fn ensure_customer(&self, name: &CustomerName) -> Result<CustomerId, DomainError> {
        let key = name.key();
        // Most calls find it: look on a reader first so they cost no write.
        if let Some(id) = self.read(|c| queries::find_customer(c, &key))? {
            return Ok(id);
        }
        Ok(self.write(|tx| match queries::find_customer(tx, &key)? {
            Some(id) => Ok(id),
            None => queries::insert_customer(tx, name.as_str(), &key, Timestamp::now()),
        })?)
    }

    fn user_by_name(&self, customer: CustomerId, name: &UserName) -> Result<Option<User>, DomainError> {
        let key = name.key();
        if let Some(user) = self.cache.user_named(customer, &key) {
            return Ok(Some(user));
        }
        let generation = self.cache.generation();
        // One snapshot for the user row and its lists.
        let user = self.snapshot(|c| queries::user_by_key(c, customer, &key))?;
        if let Some(u) = &user {
            self.cache.put_user(generation, u);
        }
        Ok(user)
    }

    fn user_by_id(&self, customer: CustomerId, id: UserId) -> Result<Option<User>, DomainError> {
        if let Some(user) = self.cache.user(customer, id) {
            return Ok(Some(user));
        }
        let generation = self.cache.generation();
        let user = self.snapshot(|c| queries::user_by_id(c, customer, id))?;
        if let Some(u) = &user {
            self.cache.put_user(generation, u);
        }
        Ok(user)
    }

    fn password_history(&self, id: UserId, count: usize) -> Result<Vec<String>, DomainError> {
        Ok(self.read(|c| queries::password_history(c, id, count))?)
    }

    fn totp_state(&self, id: UserId) -> Result<Option<TotpState>, DomainError> {
        Ok(self.read(|c| queries::totp_state(c, id))?)
    }

    fn user_by_uid(&self, customer: CustomerId, uid: &str) -> Result<Option<User>, DomainError> {
        Ok(self.snapshot(|c| queries::user_by_uid(c, customer, uid))?)
    }

    fn password_hash(&self, id: UserId) -> Result<Option<String>, DomainError> {
        Ok(self.read(|c| queries::password_hash(c, id))?)
    }

    fn query_users(&self, customer: CustomerId, query: &UserQuery, limit: u64) -> Result<UserSearch, DomainError> {
        // One snapshot, so the page, its users' lists and the total agree.
        Ok(self.snapshot(|c| search::query_users(c, &self.cursor_key, customer, query, limit))?)
    }

    fn insert_user(&self, new: &NewUserRecord, audit: &AuditEntry) -> Result<User, DomainError> {
        let mut user = new_user(new);
        self.write(|tx| {
            user.id = queries::insert_user(tx, &user, &new.password_hash)?;
            queries::write_access(tx, user.id, &user.access, false)?;
            queries::forget_login_guard(tx, user.customer, &user.user_name.key())?;
            queries::insert_audit(tx, audit, Some(&user))
        })?;
        Ok(user)
    }

    fn modify_user(
        &self,
        customer: CustomerId,
        target: &UserName,
        audit: &mut AuditEntry,
        decide: &mut Decide<'_>,
    ) -> Result<Option<User>, DomainError> {
        let changed = self.modify(customer, target, audit, decide)?;
        if let Some(user) = &changed {
            // Committed: its sessions may have been revoked, or the user deleted, blocked, renamed...
            self.cache.invalidate(Changed::User(user.id));
        }
        Ok(changed)
    }

    fn reset_password(&self, id: UserId, password_hash: &str, audit: &AuditEntry) -> Result<(), DomainError> {
        self.write(|tx| {
            queries::reset_password(tx, id, password_hash, audit.at)?;
            queries::unlock_user(tx, id)?;
            queries::revoke_sessions(tx, id, Revoke::All)?;
            queries::insert_audit(tx, audit, None)
        })?;
        self.cache.invalidate(Changed::User(id));
        Ok(())
    }

    fn login_guard(&self, account: &AccountKey) -> Result<Option<GuardState>, DomainError> {
        Ok(self.read(|c| queries::login_guard(c, account))?)
    }

    fn record_login(&self, login: &LoginRecord, audit: &AuditEntry) -> Result<(), DomainError> {
        self.write(|tx| {
            match login {
                LoginRecord::Success { user_id, token_hash, account, purge, new_password, totp_step } => {
                    // Inside the write transaction: of two logins with one code, the second finds the mark moved.
                    if let Some(step) = totp_step
                        && !queries::advance_totp_step(tx, *user_id, *step)?
                    {
                        return Err(StoreError::Rejected(DomainError::bad_credentials()));
                    }
                    if let Some(set) = new_password {
                        queries::password_set_at_login(tx, *user_id, set, audit.at)?;
                        // Before the new session exists: a password change ends every other session.
                        queries::revoke_sessions(tx, *user_id, Revoke::All)?;
                    }
                    queries::login_succeeded(tx, *user_id, token_hash, audit.at)?;
                    queries::clear_login_guard(tx, account)?;
                    queries::purge_expired_sessions(tx, *purge)?;
                }
                LoginRecord::Failure { account, user_id, at, hard_lock_after } => {
                    queries::login_failed(tx, account, *user_id, *at, *hard_lock_after)?
                }
                LoginRecord::Refused => {}
            }
            queries::insert_audit(tx, audit, None)
        })?;
        // last_login_at and locked are part of the user. Purged sessions need no invalidation: they are expired, so a
        // cached copy is refused (and deleted) by the expiry check all the same.
        match login {
            LoginRecord::Success { user_id, .. } | LoginRecord::Failure { user_id: Some(user_id), .. } => {
                self.cache.invalidate(Changed::User(*user_id));
            }
            LoginRecord::Failure { user_id: None, .. } | LoginRecord::Refused => {}
        }
        Ok(())
    }

    fn session_by_hash(&self, hash: &TokenHash) -> Result<Option<SessionRow>, DomainError> {
        if let Some(row) = self.cache.session(&hash.0) {
            return Ok(Some(row));
        }
        let generation = self.cache.generation();
        let row = self.read(|c| queries::session_by_hash(c, hash))?;
        if let Some(r) = &row {
            self.cache.put_session(generation, &hash.0, r);
        }
        Ok(row)
    }

    fn touch_session(&self, id: SessionId, now: Timestamp) -> Result<(), DomainError> {
        self.write(|tx| queries::touch_session(tx, id, now))?;
        self.cache.invalidate(Changed::Session(id));
        Ok(())
    }

    fn delete_session(&self, id: SessionId) -> Result<(), DomainError> {
        self.write(|tx| queries::delete_session(tx, id))?;
        self.cache.invalidate(Changed::Session(id));
        Ok(())
    }

    fn logout(&self, id: SessionId, audit: &AuditEntry) -> Result<(), DomainError> {
        self.write(|tx| {
            queries::delete_session(tx, id)?;
            queries::insert_audit(tx, audit, None)
        })?;
        self.cache.invalidate(Changed::Session(id));
        Ok(())
    }

    fn purge_expired_sessions(&self, cutoffs: SessionCutoffs, limit: u32) -> Result<usize, DomainError> {
        // Expired sessions need no cache invalidation (see `record_login`).
        Ok(self.write(|tx| queries::purge_sessions(tx, cutoffs, i64::from(limit)))?)
    }

    fn live_sessions(&self, cutoffs: SessionCutoffs) -> Result<u64, DomainError> {
        Ok(self.read(|c| queries::live_sessions(c, cutoffs))?)
    }

    fn insert_ddns_user(
        &self,
        user: &DdnsUser,
        password: &SealedPassword,
        audit: &AuditEntry,
    ) -> Result<DdnsUser, DomainError> {
        let id = self.write(|tx| {
            let id = ddns::insert(tx, user, password)?;
            queries::insert_audit(tx, audit, None)?;
            Ok(id)
        })?;
        Ok(DdnsUser { id, ..user.clone() })
    }

    fn ddns_users(&self, customer: CustomerId) -> Result<Vec<DdnsUser>, DomainError> {
        Ok(self.read(|c| ddns::list(c, customer))?)
    }

    fn modify_ddns_user(
        &self,
        customer: CustomerId,
        target: &UserName,
        audit: &mut AuditEntry,
        decide: &mut DecideDdns<'_>,
    ) -> Result<Option<DdnsUser>, DomainError> {
        Ok(self.write(|tx| ddns::modify(tx, customer, target, audit, decide))?)
    }

    fn record_audit(&self, audit: &AuditEntry) -> Result<(), DomainError> {
        Ok(self.write(|tx| queries::insert_audit(tx, audit, None))?)
    }

    fn job(&self, customer: CustomerId, id: JobId) -> Result<Option<JobRecord>, DomainError> {
        Ok(self.read(|c| queries::job(c, customer, id))?)
    }

    fn audit_events(
        &self,
        customer: CustomerId,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEvent>, DomainError> {
        Ok(self.snapshot(|c| search::audit_events(c, &self.cursor_key, customer, filter, page))?)
    }

    fn export_audit(
        &self,
        scope: ExportScope,
        sink: &mut dyn FnMut(&AuditEvent) -> Result<(), DomainError>,
    ) -> Result<ExportSummary, DomainError> {
        // One read snapshot: rows committed while the export runs are neither half-written nor counted.
        Ok(self.snapshot(|c| search::export_audit(c, scope, sink))?)
    }

    fn record_export(&self, scope: ExportScope, at: Timestamp, summary: ExportSummary) -> Result<(), DomainError> {
        Ok(self.write(|tx| search::record_export(tx, scope, at, summary))?)
    }

    fn purge_audit(&self, before: Timestamp, audit: &AuditEntry) -> Result<PurgeOutcome, DomainError> {
        // Nothing that old: nothing to do, and nothing to record (the retention timer asks every hour).
        let Some((newest, oldest_at)) = self.read(|c| search::purge_span(c, before))? else {
            return Ok(PurgeOutcome::Purged(0));
        };
        if !self.read(|c| search::exported(c, newest, oldest_at))? {
            return Ok(PurgeOutcome::NotExported { newest: JobId(newest) });
        }
        // In batches, each its own short transaction: a running server's writers wait for one batch at most.
        let mut purged = 0u64;
        loop {
            let n = self.write(|tx| search::purge_batch(tx, before, newest))?;
            purged += n;
            if n < search::PURGE_BATCH as u64 {
                break;
            }
        }
        self.record_audit(audit)?;
        Ok(PurgeOutcome::Purged(purged))
    }
}
