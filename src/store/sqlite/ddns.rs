//! The SQL of DDNS update users (`update_users`, migration 0004): rows, inserts, the write-transaction rule runner.
//! Like `queries.rs`, these functions neither begin nor commit.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::error::StoreError;
use super::queries;
use crate::domain::audit::AuditEntry;
use crate::domain::ddns::{DdnsChange, DdnsUser, DdnsUserId, DecideDdns, Nickname, SealedPassword};
use crate::domain::user::CustomerId;
use crate::domain::values::{Timestamp, UserName};

const COLUMNS: &str = "id, customer_id, user_name, nickname, blocked, created_at, updated_at, version";

fn from_row(r: &Row<'_>) -> Result<DdnsUser, StoreError> {
    let name: String = r.get(2)?;
    Ok(DdnsUser {
        id: DdnsUserId(r.get(0)?),
        customer: CustomerId(r.get(1)?),
        user_name: UserName::parse("user_name", &name)
            .map_err(|e| StoreError::Corrupt(format!("update user {name}: {}", e.info)))?,
        nickname: Nickname::trusted(r.get(3)?),
        blocked: r.get(4)?,
        created_at: Timestamp(r.get(5)?),
        updated_at: Timestamp(r.get(6)?),
        version: r.get(7)?,
    })
}

pub(super) fn insert(conn: &Connection, user: &DdnsUser, sealed: &SealedPassword) -> Result<DdnsUserId, StoreError> {
    conn.prepare_cached(
        "INSERT INTO update_users (customer_id, user_name, user_name_key, nickname, password_sealed, blocked, \
         created_at, updated_at, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        user.customer.0,
        user.user_name.as_str(),
        user.user_name.key(),
        user.nickname.as_str(),
        sealed.0,
        user.blocked,
        user.created_at.0,
        user.updated_at.0,
        user.version,
    ])
    .map_err(StoreError::on_update_user_name)?;
    Ok(DdnsUserId(conn.last_insert_rowid()))
}

pub(super) fn list(conn: &Connection, customer: CustomerId) -> Result<Vec<DdnsUser>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM update_users WHERE customer_id = ?1 ORDER BY user_name_key, id"
    ))?;
    let mut rows = stmt.query([customer.0])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(from_row(r)?);
    }
    Ok(out)
}

fn by_key(
    conn: &Connection,
    customer: CustomerId,
    key: &str,
) -> Result<Option<(DdnsUser, SealedPassword)>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS}, password_sealed FROM update_users WHERE customer_id = ?1 AND user_name_key = ?2"
    ))?;
    let found = stmt.query_row(params![customer.0, key], |r| Ok((from_row(r), r.get::<_, Vec<u8>>(8)?))).optional()?;
    found.map(|(user, sealed)| Ok((user?, SealedPassword(sealed)))).transpose()
}

/// Loads the user, lets `decide` rule (an error rolls the transaction back), applies its change and writes the
/// audit record, whose `job_results` row never holds the user or its password.
pub(super) fn modify(
    conn: &Connection,
    customer: CustomerId,
    target: &UserName,
    audit: &mut AuditEntry,
    decide: &mut DecideDdns<'_>,
) -> Result<Option<DdnsUser>, StoreError> {
    let Some((user, sealed)) = by_key(conn, customer, &target.key())? else {
        return Ok(None);
    };
    let answer = match decide(&user, &sealed).map_err(StoreError::Rejected)? {
        DdnsChange::Delete => {
            conn.prepare_cached("DELETE FROM update_users WHERE id = ?1")?.execute([user.id.0])?;
            user
        }
        DdnsChange::Reveal => user,
        DdnsChange::Update { user: next, password, changed } => {
            // Identity, name and nickname never change: only the state the domain may edit is written.
            let next = DdnsUser {
                id: user.id,
                customer: user.customer,
                user_name: user.user_name.clone(),
                nickname: user.nickname.clone(),
                created_at: user.created_at,
                ..next
            };
            if next != user {
                conn.prepare_cached(
                    "UPDATE update_users SET blocked = ?2, updated_at = ?3, version = ?4 WHERE id = ?1",
                )?
                .execute(params![next.id.0, next.blocked, next.updated_at.0, next.version])?;
            }
            if let Some(p) = password {
                conn.prepare_cached("UPDATE update_users SET password_sealed = ?2 WHERE id = ?1")?
                    .execute(params![next.id.0, p.0])?;
            }
            audit.changed = changed;
            next
        }
    };
    queries::insert_audit(conn, audit, None)?;
    Ok(Some(answer))
}
