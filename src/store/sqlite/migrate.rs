//! Schema migrations: numbered SQL files applied in order, each in one transaction, tracked by `PRAGMA user_version`.

use rusqlite::{Connection, TransactionBehavior};

use super::error::StoreError;

/// Migration `i` brings the schema from version `i` to `i + 1`. Append only: a released file never changes.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_login_guard.sql"),
    include_str!("migrations/0003_jobs.sql"),
];

pub(super) fn latest() -> i64 {
    // A handful of files: the length always fits.
    i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX)
}

/// Applies the migrations the database has not seen yet.
pub(super) fn run(conn: &mut Connection) -> Result<(), StoreError> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > latest() {
        return Err(StoreError::SchemaTooNew { found, known: latest() });
    }
    for (version, sql) in (1..).zip(MIGRATIONS).skip(usize::try_from(found).unwrap_or(0)) {
        // IMMEDIATE: two processes opening the same new file must not both apply 0001.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Re-read inside the lock: another process may have migrated since the read above.
        let current: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if current >= version {
            continue;
        }
        tx.execute_batch(sql)?;
        // user_version lives in the database header, so setting it is part of this transaction.
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}
