//! `SqliteStore`: the SQLite implementation of the `Store` port. One writer connection behind a mutex (every write
//! is one IMMEDIATE transaction, audit record included), a few reader connections that see committed writes (WAL),
//! and the job-id sequence. Methods block: callers run them on the blocking pool.

mod error;
mod migrate;
mod queries;
mod rows;
#[cfg(test)]
mod tests;
mod user_view;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

pub use error::StoreError;

use crate::domain::audit::{AuditEntry, JobId, JobRecord};
use crate::domain::error::DomainError;
use crate::domain::login_guard::{AccountKey, GuardState};
use crate::domain::session::{SessionId, TokenHash};
use crate::domain::store::{
    Change, CustomerFacts, Decide, LoginRecord, NewUserRecord, Revoke, Search, SessionRow, Store,
};
use crate::domain::user::{CustomerId, User, UserId};
use crate::domain::values::{CustomerName, Timestamp, UserName};

/// design.md section 6: a writer waits this long for another process's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle reader connections kept; more are opened under load and closed when returned.
const MAX_IDLE_READERS: usize = 8;
/// Enough for every distinct statement the store prepares, so `prepare_cached` never evicts.
const STATEMENT_CACHE: usize = 64;
/// Job ids reserved per durable write of the ceiling.
const JOB_ID_BLOCK: i64 = 10_000;

pub struct SqliteStore {
    writer: Mutex<Connection>,
    path: PathBuf,
    readers: Mutex<Vec<Connection>>,
    /// The next job id to hand out.
    next_job: AtomicI64,
    /// The highest job id durably reserved (`meta.job_id_ceiling`): ids up to it survive a crash unreused.
    job_ceiling: AtomicI64,
}

/// A panic while a lock was held unwound through the `Transaction`, which rolled back; the connection is clean.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn configure_writer(conn: &Connection) -> Result<(), StoreError> {
    let mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::NoWal(mode));
    }
    // FULL: a commit is on disk when it returns, so an acknowledged change survives power loss.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Reserves job ids `from..=ceiling` durably and returns the ceiling.
fn reserve_job_ids(conn: &mut Connection, from: i64) -> Result<i64, StoreError> {
    let ceiling = from.saturating_add(JOB_ID_BLOCK - 1);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    queries::set_job_id_ceiling(&tx, ceiling)?;
    tx.commit()?;
    Ok(ceiling)
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let mut conn = Connection::open(path)?;
        configure_writer(&conn)?;
        migrate::run(&mut conn)?;
        // Ids up to the stored ceiling may have been handed out before a crash, even without an audit record.
        let next = queries::job_id_floor(&conn)?.saturating_add(1);
        let ceiling = reserve_job_ids(&mut conn, next)?;
        Ok(SqliteStore {
            writer: Mutex::new(conn),
            path: path.to_owned(),
            readers: Mutex::new(Vec::new()),
            next_job: AtomicI64::new(next),
            job_ceiling: AtomicI64::new(ceiling),
        })
    }

    /// Runs `f` in one IMMEDIATE transaction on the writer; an error from `f` rolls it back.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut conn = lock(&self.writer);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Runs `f` on a reader connection, opening one when none is idle.
    fn read<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let idle = lock(&self.readers).pop();
        let mut conn = match idle {
            Some(conn) => conn,
            None => open_reader(&self.path)?,
        };
        let out = f(&mut conn);
        let mut readers = lock(&self.readers);
        if readers.len() < MAX_IDLE_READERS {
            readers.push(conn);
        }
        out
    }

    fn next_job(&self) -> Result<JobId, StoreError> {
        let id = self.next_job.fetch_add(1, Ordering::Relaxed);
        if id <= self.job_ceiling.load(Ordering::Acquire) {
            return Ok(JobId(id));
        }
        let mut conn = lock(&self.writer);
        // Another caller may have reserved a block while this one waited for the writer.
        if id <= self.job_ceiling.load(Ordering::Acquire) {
            return Ok(JobId(id));
        }
        let ceiling = reserve_job_ids(&mut conn, id)?;
        self.job_ceiling.fetch_max(ceiling, Ordering::Release);
        Ok(JobId(id))
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
            let facts = CustomerFacts { working_owners: queries::working_owners(tx, customer)? };
            match decide(&user, facts).map_err(StoreError::Rejected)? {
                Change::Delete => {
                    queries::delete_user(tx, user.id)?;
                    queries::insert_audit(tx, audit, None)?;
                    Ok(Some(user))
                }
                Change::Update { user: new, password_hash, revoke, changed, unlock } => {
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
                        queries::set_password_hash(tx, new.id, hash)?;
                    }
                    // After the rename (if any): the lockout is looked up under the current name.
                    if unlock {
                        queries::unlock_user(tx, new.id)?;
                    }
                    if !new.is_totp_enabled {
                        queries::clear_totp_key(tx, new.id)?;
                    }
                    queries::revoke_sessions(tx, new.id, revoke)?;
                    audit.changed = changed;
                    queries::insert_audit(tx, audit, Some(&new))?;
                    Ok(Some(new))
                }
            }
        })
    }
}

impl Store for SqliteStore {
    fn next_job_id(&self) -> Result<JobId, DomainError> {
        Ok(self.next_job()?)
    }

    fn customer_count(&self) -> Result<u64, DomainError> {
        Ok(self.read(|c| queries::customer_count(c))?)
    }

    fn find_customer(&self, name: &CustomerName) -> Result<Option<CustomerId>, DomainError> {
        Ok(self.read(|c| queries::find_customer(c, &name.key()))?)
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
        Ok(self.read(|c| {
            // One snapshot for the user row and its lists.
            let tx = c.transaction()?;
            let user = queries::user_by_key(&tx, customer, &name.key())?;
            tx.commit()?;
            Ok(user)
        })?)
    }

    fn user_by_id(&self, customer: CustomerId, id: UserId) -> Result<Option<User>, DomainError> {
        Ok(self.read(|c| {
            let tx = c.transaction()?;
            let user = queries::user_by_id(&tx, customer, id)?;
            tx.commit()?;
            Ok(user)
        })?)
    }

    fn password_hash(&self, id: UserId) -> Result<Option<String>, DomainError> {
        Ok(self.read(|c| queries::password_hash(c, id))?)
    }

    fn search_users(&self, customer: CustomerId, search: Option<&str>, limit: u64) -> Result<Search, DomainError> {
        Ok(self.read(|c| {
            // One snapshot, so the count, the users and their lists agree.
            let tx = c.transaction()?;
            let n = queries::count_matching(&tx, customer, search)?;
            let found = if n > limit {
                Search::TooMany(n)
            } else {
                Search::Found(queries::users_matching(&tx, customer, search)?)
            };
            tx.commit()?;
            Ok(found)
        })?)
    }

    fn insert_user(&self, new: &NewUserRecord, audit: &AuditEntry) -> Result<User, DomainError> {
        let mut user = User {
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
            password_expiry: None,
            totp_label: None,
            is_totp_enabled: false,
            created_at: new.now,
            updated_at: new.now,
            last_login_at: None,
            version: 1,
        };
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
        Ok(self.modify(customer, target, audit, decide)?)
    }

    fn reset_password(&self, id: UserId, password_hash: &str, audit: &AuditEntry) -> Result<(), DomainError> {
        Ok(self.write(|tx| {
            queries::reset_password(tx, id, password_hash, audit.at)?;
            queries::unlock_user(tx, id)?;
            queries::revoke_sessions(tx, id, Revoke::All)?;
            queries::insert_audit(tx, audit, None)
        })?)
    }

    fn login_guard(&self, account: &AccountKey) -> Result<Option<GuardState>, DomainError> {
        Ok(self.read(|c| queries::login_guard(c, account))?)
    }

    fn record_login(&self, login: &LoginRecord, audit: &AuditEntry) -> Result<(), DomainError> {
        Ok(self.write(|tx| {
            match login {
                LoginRecord::Success { user_id, token_hash, account, purge } => {
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
        })?)
    }

    fn session_by_hash(&self, hash: &TokenHash) -> Result<Option<SessionRow>, DomainError> {
        Ok(self.read(|c| queries::session_by_hash(c, hash))?)
    }

    fn touch_session(&self, id: SessionId, now: Timestamp) -> Result<(), DomainError> {
        Ok(self.write(|tx| queries::touch_session(tx, id, now))?)
    }

    fn delete_session(&self, id: SessionId) -> Result<(), DomainError> {
        Ok(self.write(|tx| queries::delete_session(tx, id))?)
    }

    fn logout(&self, id: SessionId, audit: &AuditEntry) -> Result<(), DomainError> {
        Ok(self.write(|tx| {
            queries::delete_session(tx, id)?;
            queries::insert_audit(tx, audit, None)
        })?)
    }

    fn record_audit(&self, audit: &AuditEntry) -> Result<(), DomainError> {
        Ok(self.write(|tx| queries::insert_audit(tx, audit, None))?)
    }

    fn job(&self, customer: CustomerId, id: JobId) -> Result<Option<JobRecord>, DomainError> {
        Ok(self.read(|c| queries::job(c, customer, id))?)
    }
}
