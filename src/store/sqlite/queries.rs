//! The SQL the store runs, as functions on a connection (or a transaction, which derefs to one). They neither
//! begin nor commit: `SqliteStore` decides the transaction around them.

use std::collections::HashMap;
use std::sync::LazyLock;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use super::error::StoreError;
use super::rows::{self, USER_SQL};
use super::user_view;
use crate::domain::audit::{AuditEntry, JobId, JobRecord, Outcome};
use crate::domain::login_guard::{AccountKey, GuardState};
use crate::domain::passwords::MAX_HISTORY;
use crate::domain::permission::Group;
use crate::domain::session::{SessionId, TokenHash};
use crate::domain::store::{PasswordSet, Revoke, SessionCutoffs, SessionRow};
use crate::domain::totp::{SealedTotp, TotpState};
use crate::domain::user::{Access, CustomerId, User, UserId};
use crate::domain::values::{Forbid, Timestamp};

const JOB_ID_CEILING: &str = "job_id_ceiling";

fn position(i: usize) -> i64 {
    // A list longer than i64::MAX cannot exist in memory.
    i64::try_from(i).unwrap_or(i64::MAX)
}

fn count(n: i64) -> u64 {
    // COUNT(*) is never negative.
    u64::try_from(n).unwrap_or(0)
}

// ---- customers

pub(super) fn customer_count(conn: &Connection) -> Result<u64, StoreError> {
    let n: i64 = conn.prepare_cached("SELECT COUNT(*) FROM customers")?.query_row([], |r| r.get(0))?;
    Ok(count(n))
}

pub(super) fn find_customer(conn: &Connection, key: &str) -> Result<Option<CustomerId>, StoreError> {
    let id = conn
        .prepare_cached("SELECT id FROM customers WHERE name_key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    Ok(id.map(CustomerId))
}

pub(super) fn customer_key(conn: &Connection, id: CustomerId) -> Result<Option<String>, StoreError> {
    let key = conn
        .prepare_cached("SELECT name_key FROM customers WHERE id = ?1")?
        .query_row([id.0], |r| r.get(0))
        .optional()?;
    Ok(key)
}

pub(super) fn insert_customer(
    conn: &Connection,
    name: &str,
    key: &str,
    now: Timestamp,
) -> Result<CustomerId, StoreError> {
    conn.prepare_cached("INSERT INTO customers (name, name_key, created_at) VALUES (?1, ?2, ?3)")?
        .execute(params![name, key, now.0])?;
    Ok(CustomerId(conn.last_insert_rowid()))
}

// ---- users

/// Which users a list query covers: one user, or several (their ids as a JSON array).
pub(super) enum Scope {
    User(UserId),
    Users(String),
}

fn one_user(
    conn: &Connection,
    sql: &str,
    customer: CustomerId,
    key: &dyn rusqlite::ToSql,
) -> Result<Option<User>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut found = stmt.query(params![customer.0, key])?;
    let Some(row) = found.next()? else {
        return Ok(None);
    };
    let mut user = rows::user_from_row(row)?;
    drop(found);
    load_access(conn, &Scope::User(user.id), std::slice::from_mut(&mut user))?;
    Ok(Some(user))
}

/// By name ignoring case (`key` is `UserName::key()`).
pub(super) fn user_by_key(conn: &Connection, customer: CustomerId, key: &str) -> Result<Option<User>, StoreError> {
    one_user(conn, &USER_SQL.by_key, customer, &key)
}

pub(super) fn user_by_id(conn: &Connection, customer: CustomerId, id: UserId) -> Result<Option<User>, StoreError> {
    one_user(conn, &USER_SQL.by_id, customer, &id.0)
}

pub(super) fn user_by_uid(conn: &Connection, customer: CustomerId, uid: &str) -> Result<Option<User>, StoreError> {
    one_user(conn, &USER_SQL.by_uid, customer, &uid)
}

/// The five access lists of the users in a scope as ONE statement (one statement run instead of five: this read is
/// on every GetUser). Columns: list kind (`LIST_*`), user id, position, name, recurse, and for forbid zones their
/// own position (the third column then is the forbid's). Unordered: an ORDER BY on the compound costs SQLite a
/// sorter that measured dearer than the four statements saved; `load_access` sorts the few rows instead.
fn list_sql(filter: &str) -> String {
    format!(
        "SELECT 0, user_id, position, group_name, NULL, NULL FROM user_groups WHERE {filter} \
         UNION ALL SELECT 1, user_id, position, permission, NULL, NULL FROM user_permissions WHERE {filter} \
         UNION ALL SELECT 2, user_id, position, zone_name, recurse, NULL FROM user_zones WHERE {filter} \
         UNION ALL SELECT 3, user_id, position, name, NULL, NULL FROM user_forbids WHERE {filter} \
         UNION ALL SELECT 4, user_id, forbid_position, zone_name, recurse, position FROM user_forbid_zones \
         WHERE {filter}"
    )
}

/// kind, user id, position, zone position, name, recurse.
type ListRow = (i64, i64, i64, i64, String, Option<bool>);

const LIST_GROUP: i64 = 0;
const LIST_PERMISSION: i64 = 1;
const LIST_ZONE: i64 = 2;
const LIST_FORBID: i64 = 3;
const LIST_FORBID_ZONE: i64 = 4;

// `+?1`, not `?1`: SQLite 3.54 re-prepares a statement on every run when a bound parameter pins the leading column
// of its ORDER BY (measured: a third of GetUser's CPU went to re-parsing); the unary plus keeps the primary-key
// search and stops that.
pub(super) static LISTS_BY_USER: LazyLock<String> = LazyLock::new(|| list_sql("user_id = +?1"));
static LISTS_BY_IDS: LazyLock<String> = LazyLock::new(|| list_sql("user_id IN (SELECT value FROM json_each(?1))"));

/// Fills the access lists of `users` (all within `scope`) from one statement.
pub(super) fn load_access(conn: &Connection, scope: &Scope, users: &mut [User]) -> Result<(), StoreError> {
    let mut stmt = match scope {
        Scope::User(_) => conn.prepare_cached(&LISTS_BY_USER)?,
        Scope::Users(_) => conn.prepare_cached(&LISTS_BY_IDS)?,
    };
    let mut found = match scope {
        Scope::User(id) => stmt.query([id.0])?,
        Scope::Users(ids) => stmt.query([ids])?,
    };
    let mut items = Vec::new();
    while let Some(row) = found.next()? {
        let item: ListRow = (
            row.get(0)?,
            row.get(1)?,
            row.get(2)?,
            row.get::<_, Option<i64>>(5)?.unwrap_or(0),
            row.get(3)?,
            row.get(4)?,
        );
        items.push(item);
    }
    drop(found);
    // By kind (forbids before their zones), user, position and zone position: the stored order.
    items.sort_unstable_by_key(|&(kind, user, pos, sub, _, _)| (kind, user, pos, sub));
    // Rows of users outside `users` cannot appear when the caller read both in one snapshot; they are skipped.
    let index: HashMap<i64, usize> = users.iter().enumerate().map(|(i, u)| (u.id.0, i)).collect();
    // Forbid zones name their forbid by (user, position); remember where each forbid landed.
    let mut forbid_at: HashMap<(i64, i64), usize> = HashMap::new();
    for (kind, user_id, pos, _, name, recurse) in items {
        let Some(a) = index.get(&user_id).map(|&i| &mut users[i].access) else {
            continue;
        };
        let recurse = recurse.unwrap_or(false);
        match kind {
            LIST_GROUP => a.groups.push(rows::group(&name)?),
            LIST_PERMISSION => a.permissions.push(rows::permission(&name)?),
            LIST_ZONE => a.zones.push(rows::zone(name, recurse)),
            LIST_FORBID => {
                forbid_at.insert((user_id, pos), a.forbids.len());
                a.forbids.push(Forbid { name: rows::permission(&name)?, zones: Vec::new() });
            }
            LIST_FORBID_ZONE => {
                let i = forbid_at
                    .get(&(user_id, pos))
                    .ok_or_else(|| StoreError::Corrupt(format!("user {user_id}: zone of missing forbid {pos}")))?;
                a.forbids[*i].zones.push(rows::zone(name, recurse));
            }
            other => return Err(StoreError::Corrupt(format!("unknown list kind {other}"))),
        }
    }
    Ok(())
}

pub(super) fn insert_user(conn: &Connection, user: &User, password_hash: &str) -> Result<UserId, StoreError> {
    let mut values = rows::user_values(user);
    values.push(Value::Text(password_hash.to_owned()));
    conn.prepare_cached(&USER_SQL.insert)?
        .execute(params_from_iter(values))
        .map_err(|e| StoreError::on_user_name(e, false))?;
    Ok(UserId(conn.last_insert_rowid()))
}

/// Writes every column of `user` (by its id); `renamed` only picks the field a name collision is reported on.
pub(super) fn update_user(conn: &Connection, user: &User, renamed: bool) -> Result<(), StoreError> {
    let mut values = rows::user_values(user);
    values.push(Value::Integer(user.id.0));
    let n = conn
        .prepare_cached(&USER_SQL.update)?
        .execute(params_from_iter(values))
        .map_err(|e| StoreError::on_user_name(e, renamed))?;
    if n == 0 {
        return Err(StoreError::NoSuchUser(user.id.0));
    }
    Ok(())
}

/// Writes the lists of a user; `replace` first removes the stored ones (a new user has none).
pub(super) fn write_access(conn: &Connection, id: UserId, access: &Access, replace: bool) -> Result<(), StoreError> {
    if replace {
        // user_forbid_zones go with their forbids (ON DELETE CASCADE).
        for sql in [
            "DELETE FROM user_groups WHERE user_id = ?1",
            "DELETE FROM user_permissions WHERE user_id = ?1",
            "DELETE FROM user_zones WHERE user_id = ?1",
            "DELETE FROM user_forbids WHERE user_id = ?1",
        ] {
            conn.prepare_cached(sql)?.execute([id.0])?;
        }
    }
    let mut stmt =
        conn.prepare_cached("INSERT INTO user_groups (user_id, position, group_name) VALUES (?1, ?2, ?3)")?;
    for (i, g) in access.groups.iter().enumerate() {
        stmt.execute(params![id.0, position(i), g.as_str()])?;
    }
    let mut stmt =
        conn.prepare_cached("INSERT INTO user_permissions (user_id, position, permission) VALUES (?1, ?2, ?3)")?;
    for (i, p) in access.permissions.iter().enumerate() {
        stmt.execute(params![id.0, position(i), p.as_str()])?;
    }
    let mut stmt =
        conn.prepare_cached("INSERT INTO user_zones (user_id, position, zone_name, recurse) VALUES (?1, ?2, ?3, ?4)")?;
    for (i, z) in access.zones.iter().enumerate() {
        stmt.execute(params![id.0, position(i), z.zone_name.as_str(), z.recurse])?;
    }
    let mut forbid = conn.prepare_cached("INSERT INTO user_forbids (user_id, position, name) VALUES (?1, ?2, ?3)")?;
    let mut zone = conn.prepare_cached(
        "INSERT INTO user_forbid_zones (user_id, forbid_position, position, zone_name, recurse) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (i, f) in access.forbids.iter().enumerate() {
        forbid.execute(params![id.0, position(i), f.name.as_str()])?;
        for (j, z) in f.zones.iter().enumerate() {
            zone.execute(params![id.0, position(i), position(j), z.zone_name.as_str(), z.recurse])?;
        }
    }
    Ok(())
}

pub(super) fn delete_user(conn: &Connection, id: UserId) -> Result<(), StoreError> {
    // Sessions and lists go with it (ON DELETE CASCADE).
    conn.prepare_cached("DELETE FROM users WHERE id = ?1")?.execute([id.0])?;
    Ok(())
}

/// Owners of the customer who can still act: the last of them may not be removed or disabled.
pub(super) fn working_owners(conn: &Connection, customer: CustomerId) -> Result<u64, StoreError> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM users u WHERE u.customer_id = ?1 AND u.blocked = 0 AND u.active = 1 \
             AND EXISTS (SELECT 1 FROM user_groups g WHERE g.user_id = u.id AND g.group_name = ?2)",
        )?
        .query_row(params![customer.0, Group::Owner.as_str()], |r| r.get(0))?;
    Ok(count(n))
}

pub(super) fn password_hash(conn: &Connection, id: UserId) -> Result<Option<String>, StoreError> {
    let hash = conn
        .prepare_cached("SELECT password_hash FROM users WHERE id = ?1")?
        .query_row([id.0], |r| r.get(0))
        .optional()?;
    Ok(hash)
}

/// Sets the hash and clears the lockout; bumps the version because `locked` is part of the user.
pub(super) fn reset_password(conn: &Connection, id: UserId, hash: &str, now: Timestamp) -> Result<(), StoreError> {
    let n = conn
        .prepare_cached(
            "UPDATE users SET failed_logins = 0, locked = 0, updated_at = ?2, version = version + 1 WHERE id = ?1",
        )?
        .execute(params![id.0, now.0])?;
    if n == 0 {
        return Err(StoreError::NoSuchUser(id.0));
    }
    set_password_hash(conn, id, hash, now)
}

/// Sets the hash, keeping the one it replaces in the history (at most `MAX_HISTORY` earlier hashes per user).
pub(super) fn set_password_hash(conn: &Connection, id: UserId, hash: &str, now: Timestamp) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO password_history (user_id, password_hash, replaced_at) \
         SELECT id, password_hash, ?2 FROM users WHERE id = ?1",
    )?
    .execute(params![id.0, now.0])?;
    conn.prepare_cached(
        "DELETE FROM password_history WHERE user_id = ?1 AND id NOT IN \
         (SELECT id FROM password_history WHERE user_id = ?1 ORDER BY id DESC LIMIT ?2)",
    )?
    .execute(params![id.0, i64::try_from(MAX_HISTORY).unwrap_or(i64::MAX)])?;
    conn.prepare_cached("UPDATE users SET password_hash = ?2 WHERE id = ?1")?.execute(params![id.0, hash])?;
    Ok(())
}

/// The current hash, then the replaced ones newest first: `count` at most.
pub(super) fn password_history(conn: &Connection, id: UserId, count: usize) -> Result<Vec<String>, StoreError> {
    let limit = i64::try_from(count).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(
        "SELECT password_hash FROM (SELECT password_hash, 0 AS o, 0 AS id FROM users WHERE id = ?1 \
         UNION ALL SELECT password_hash, 1, id FROM password_history WHERE user_id = ?1) \
         ORDER BY o, id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![id.0, limit], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The TOTP key is not part of `User`: turning TOTP off forgets it (and its replay mark).
pub(super) fn clear_totp_key(conn: &Connection, id: UserId) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE users SET totp_key = NULL, totp_last_step = NULL WHERE id = ?1 AND totp_key IS NOT NULL",
    )?
    .execute([id.0])?;
    Ok(())
}

/// A new sealed key; codes of the old key's steps say nothing about the new one, so the replay mark starts over.
pub(super) fn set_totp_key(conn: &Connection, id: UserId, sealed: &SealedTotp) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE users SET totp_key = ?2, totp_last_step = NULL WHERE id = ?1")?
        .execute(params![id.0, sealed.0])?;
    Ok(())
}

pub(super) fn totp_state(conn: &Connection, id: UserId) -> Result<Option<TotpState>, StoreError> {
    let state = conn
        .prepare_cached("SELECT totp_key, totp_last_step FROM users WHERE id = ?1 AND totp_key IS NOT NULL")?
        .query_row([id.0], |r| Ok(TotpState { sealed: SealedTotp(r.get(0)?), last_step: r.get(1)? }))
        .optional()?;
    Ok(state)
}

/// Moves the replay mark to `step` if it is past it; false when it is not (the code was used already).
pub(super) fn advance_totp_step(conn: &Connection, id: UserId, step: i64) -> Result<bool, StoreError> {
    let n = conn
        .prepare_cached(
            "UPDATE users SET totp_last_step = ?2 WHERE id = ?1 AND totp_key IS NOT NULL \
             AND (totp_last_step IS NULL OR totp_last_step < ?2)",
        )?
        .execute(params![id.0, step])?;
    Ok(n == 1)
}

/// A password set at login: lifts must-change, sets the expiry, and counts as a change of the user.
pub(super) fn password_set_at_login(
    conn: &Connection,
    id: UserId,
    set: &PasswordSet,
    now: Timestamp,
) -> Result<(), StoreError> {
    set_password_hash(conn, id, &set.hash, now)?;
    conn.prepare_cached(
        "UPDATE users SET require_pw_change = 0, password_expiry = ?2, updated_at = ?3, version = version + 1 \
         WHERE id = ?1",
    )?
    .execute(params![id.0, set.expiry.map(|t| t.0), now.0])?;
    Ok(())
}

// ---- logins and sessions

pub(super) fn login_succeeded(
    conn: &Connection,
    id: UserId,
    token: &TokenHash,
    at: Timestamp,
) -> Result<(), StoreError> {
    let n = conn
        .prepare_cached(
            "INSERT INTO sessions (user_id, customer_id, token_hash, created_at, last_seen_at) \
             SELECT id, customer_id, ?2, ?3, ?3 FROM users WHERE id = ?1",
        )?
        .execute(params![id.0, token.0, at.0])?;
    if n == 0 {
        return Err(StoreError::NoSuchUser(id.0));
    }
    conn.prepare_cached("UPDATE users SET last_login_at = ?2 WHERE id = ?1")?.execute(params![id.0, at.0])?;
    Ok(())
}

/// An account name's failed-login state.
pub(super) fn login_guard(conn: &Connection, account: &AccountKey) -> Result<Option<GuardState>, StoreError> {
    let state = conn
        .prepare_cached(
            "SELECT failures, last_failure_at, locked FROM login_guard WHERE customer_key = ?1 AND user_key = ?2",
        )?
        .query_row([&account.customer, &account.user], |r| {
            Ok(GuardState {
                // Counts stay far below u32::MAX: each one is a verified wrong password.
                failures: u32::try_from(r.get::<_, i64>(0)?).unwrap_or(u32::MAX),
                last_failure_at: Timestamp(r.get(1)?),
                locked: r.get(2)?,
            })
        })
        .optional()?;
    Ok(state)
}

/// Counts a failed login of an account name; the count reaching `hard_lock_after` locks the name and, when there
/// is one, the user.
pub(super) fn login_failed(
    conn: &Connection,
    account: &AccountKey,
    user: Option<UserId>,
    at: Timestamp,
    hard_lock_after: u32,
) -> Result<(), StoreError> {
    // In the DO UPDATE branch, bare column names are the stored row, so `failures + 1` is the new count.
    let locked: bool = conn
        .prepare_cached(
            "INSERT INTO login_guard (customer_key, user_key, failures, last_failure_at, locked) \
             VALUES (?1, ?2, 1, ?3, ?4 <= 1) \
             ON CONFLICT (customer_key, user_key) DO UPDATE SET failures = failures + 1, \
             last_failure_at = excluded.last_failure_at, \
             locked = CASE WHEN failures + 1 >= ?4 THEN 1 ELSE locked END \
             RETURNING locked",
        )?
        .query_row(params![account.customer, account.user, at.0, i64::from(hard_lock_after)], |r| r.get(0))?;
    if let (true, Some(id)) = (locked, user) {
        conn.prepare_cached("UPDATE users SET locked = 1 WHERE id = ?1")?.execute([id.0])?;
    }
    Ok(())
}

/// Forgets an account name's failed logins (a successful login).
pub(super) fn clear_login_guard(conn: &Connection, account: &AccountKey) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM login_guard WHERE customer_key = ?1 AND user_key = ?2")?
        .execute([&account.customer, &account.user])?;
    Ok(())
}

/// Lifts a user's lockout: its name's failed logins and the lock on the user row.
pub(super) fn unlock_user(conn: &Connection, id: UserId) -> Result<(), StoreError> {
    conn.prepare_cached(
        "DELETE FROM login_guard WHERE (customer_key, user_key) = \
         (SELECT c.name_key, u.user_name_key FROM users u JOIN customers c ON c.id = u.customer_id WHERE u.id = ?1)",
    )?
    .execute([id.0])?;
    conn.prepare_cached("UPDATE users SET locked = 0, failed_logins = 0 WHERE id = ?1")?.execute([id.0])?;
    Ok(())
}

/// Drops what a name collected while no user held it: a user created (or renamed) under it starts unthrottled.
pub(super) fn forget_login_guard(conn: &Connection, customer: CustomerId, user_key: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "DELETE FROM login_guard WHERE user_key = ?2 AND customer_key = (SELECT name_key FROM customers WHERE id = ?1)",
    )?
    .execute(params![customer.0, user_key])?;
    Ok(())
}

/// A renamed user keeps its failed logins (a rename must not reset a lockout); whatever the new name had collected
/// while nobody held it is dropped.
pub(super) fn rename_login_guard(
    conn: &Connection,
    customer: CustomerId,
    old_key: &str,
    new_key: &str,
) -> Result<(), StoreError> {
    forget_login_guard(conn, customer, new_key)?;
    conn.prepare_cached(
        "UPDATE login_guard SET user_key = ?3 WHERE user_key = ?2 \
         AND customer_key = (SELECT name_key FROM customers WHERE id = ?1)",
    )?
    .execute(params![customer.0, old_key, new_key])?;
    Ok(())
}

/// Expired sessions of each kind (idle, too old) purged per successful login: more than a login creates, so dead
/// rows never pile up, and few enough that one login's transaction stays short.
const PURGE_PER_LOGIN: i64 = 64;

/// Deletes up to `PURGE_PER_LOGIN` idle and as many too-old sessions; returns how many. Two index range scans
/// with their own LIMIT, so a pass costs the same however many dead sessions there are.
pub(super) fn purge_expired_sessions(conn: &Connection, cutoffs: SessionCutoffs) -> Result<usize, StoreError> {
    purge_sessions(conn, cutoffs, PURGE_PER_LOGIN)
}

/// `purge_expired_sessions` with another bound (the periodic purge's).
pub(super) fn purge_sessions(conn: &Connection, cutoffs: SessionCutoffs, limit: i64) -> Result<usize, StoreError> {
    let idle = conn
        .prepare_cached("DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE last_seen_at <= ?1 LIMIT ?2)")?
        .execute(params![cutoffs.idle_before.0, limit])?;
    let old = conn
        .prepare_cached("DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE created_at <= ?1 LIMIT ?2)")?
        .execute(params![cutoffs.created_before.0, limit])?;
    Ok(idle + old)
}

/// Sessions ended by neither deadline. One pass over the `last_seen_at` index range; scrapes are rare.
pub(super) fn live_sessions(conn: &Connection, cutoffs: SessionCutoffs) -> Result<u64, StoreError> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM sessions WHERE last_seen_at > ?1 AND created_at > ?2")?
        .query_row(params![cutoffs.idle_before.0, cutoffs.created_before.0], |r| r.get(0))?;
    Ok(u64::try_from(n).unwrap_or(0))
}

pub(super) fn session_by_hash(conn: &Connection, hash: &TokenHash) -> Result<Option<SessionRow>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT id, customer_id, user_id, created_at, last_seen_at FROM sessions WHERE token_hash = ?1",
        )?
        .query_row([&hash.0], |r| {
            Ok(SessionRow {
                id: SessionId(r.get(0)?),
                customer: CustomerId(r.get(1)?),
                user_id: UserId(r.get(2)?),
                created_at: Timestamp(r.get(3)?),
                last_seen_at: Timestamp(r.get(4)?),
            })
        })
        .optional()?;
    Ok(row)
}

pub(super) fn touch_session(conn: &Connection, id: SessionId, now: Timestamp) -> Result<(), StoreError> {
    // max(): a late, slower request must not move last_seen_at back.
    conn.prepare_cached("UPDATE sessions SET last_seen_at = max(last_seen_at, ?2) WHERE id = ?1")?
        .execute(params![id.0, now.0])?;
    Ok(())
}

pub(super) fn delete_session(conn: &Connection, id: SessionId) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM sessions WHERE id = ?1")?.execute([id.0])?;
    Ok(())
}

pub(super) fn revoke_sessions(conn: &Connection, user: UserId, revoke: Revoke) -> Result<(), StoreError> {
    match revoke {
        Revoke::None => {}
        Revoke::All => {
            conn.prepare_cached("DELETE FROM sessions WHERE user_id = ?1")?.execute([user.0])?;
        }
        Revoke::AllBut(keep) => {
            conn.prepare_cached("DELETE FROM sessions WHERE user_id = ?1 AND id <> ?2")?.execute([user.0, keep.0])?;
        }
    }
    Ok(())
}

// ---- audit and job ids

/// The audit record and, beside it, what GetJob answers: the info and the user the call answered with (`None` when
/// it answered none or its answer held a secret).
pub(super) fn insert_audit(conn: &Connection, a: &AuditEntry, answered: Option<&User>) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO audit (id, at, customer_id, actor_id, actor_name, operation, target, outcome, changed, \
         client_addr, correlation_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        a.job.0,
        a.at.0,
        a.customer.map(|c| c.0),
        a.actor.map(|u| u.0),
        a.actor_name,
        a.operation,
        a.target,
        rows::outcome(&a.outcome),
        a.changed.join(","),
        a.client_addr,
        a.correlation_id,
    ])?;
    let view = answered.map(user_view::to_json).transpose()?;
    conn.prepare_cached("INSERT INTO job_results (job_id, info, user_view) VALUES (?1, ?2, ?3)")?
        .execute(params![a.job.0, a.info, view])?;
    Ok(())
}

/// A customer's audit record with its recorded result (absent for records older than results).
pub(super) fn job(conn: &Connection, customer: CustomerId, id: JobId) -> Result<Option<JobRecord>, StoreError> {
    let row = conn
        .prepare_cached(
            "SELECT a.actor_id, a.operation, a.outcome, r.info, r.user_view FROM audit a \
             LEFT JOIN job_results r ON r.job_id = a.id WHERE a.id = ?1 AND a.customer_id = ?2",
        )?
        .query_row(params![id.0, customer.0], |r| {
            Ok((
                r.get::<_, Option<i64>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })
        .optional()?;
    let Some((actor, operation, outcome, info, view)) = row else {
        return Ok(None);
    };
    Ok(Some(JobRecord {
        job: id,
        actor: actor.map(UserId),
        operation,
        outcome: Outcome::parse(&outcome),
        info,
        user: view.map(|v| user_view::from_json(customer, &v)).transpose()?,
    }))
}

/// The highest job id that may already have been handed out: the reserved ceiling or the newest audit record.
pub(super) fn job_id_floor(conn: &Connection) -> Result<i64, StoreError> {
    let floor = conn
        .prepare_cached(
            "SELECT max(coalesce((SELECT value FROM meta WHERE key = ?1), 0), \
             coalesce((SELECT max(id) FROM audit), 0))",
        )?
        .query_row([JOB_ID_CEILING], |r| r.get(0))?;
    Ok(floor)
}

pub(super) fn set_job_id_ceiling(conn: &Connection, ceiling: i64) -> Result<(), StoreError> {
    conn.prepare_cached(
        // max(): reservations of one group-commit batch may arrive out of order; the ceiling never goes down.
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)",
    )?
    .execute(params![JOB_ID_CEILING, ceiling])?;
    Ok(())
}
