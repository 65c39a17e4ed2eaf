//! Schema migrations: numbered SQL files applied in number order, each in one transaction, tracked by
//! `PRAGMA user_version`.

use rusqlite::{Connection, TransactionBehavior};

use super::error::StoreError;

/// Every migration with its file number, in number order. Append only: a released file never changes and a
/// number is never reused. Numbers can be missing (branches reserved them).
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_login_guard.sql")),
    (3, include_str!("migrations/0003_jobs.sql")),
    (4, include_str!("migrations/0004_update_users.sql")),
    (5, include_str!("migrations/0005_search.sql")),
    (6, include_str!("migrations/0006_passwords.sql")),
];

/// `user_version` at or above this is `KEYED` + the number of the last file applied, every file listed before it
/// applied too.
const KEYED: i64 = 1000;

/// Below `KEYED`, `user_version` counted the files applied in this order: main released 0003 and 0004 before 0002
/// existed there, so such a database may lack 0002 while having later files. Files missing from it are applied in
/// number order, and after 0002 (the only gap) what is applied is again a prefix of `MIGRATIONS`. Main released
/// three files that way; a positional value above 3 came from a branch whose later files are not these (today's
/// 0005 is not the one such a branch had), so it is refused as too new rather than misread.
const LEGACY_ORDER: &[i64] = &[1, 3, 4];

pub(super) fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |&(number, _)| KEYED + number)
}

/// The newest migration file number a `user_version` says is applied (what operators see in messages).
fn schema_number(version: i64) -> i64 {
    if version >= KEYED {
        return version - KEYED;
    }
    let count = usize::try_from(version).unwrap_or(0);
    // A positional count past the known order names files we cannot know: show the count itself.
    count.checked_sub(1).and_then(|last| LEGACY_ORDER.get(last)).copied().unwrap_or(version)
}

/// The file numbers a database at `version` has applied, or `SchemaTooNew` if it has one this build lacks.
pub(super) fn applied(version: i64) -> Result<Vec<i64>, StoreError> {
    let too_new = || StoreError::SchemaTooNew { found: schema_number(version), known: schema_number(latest()) };
    let numbers: Vec<i64> = if version >= KEYED {
        let last = version - KEYED;
        if !MIGRATIONS.iter().any(|&(number, _)| number == last) {
            return Err(too_new());
        }
        MIGRATIONS.iter().map(|&(number, _)| number).filter(|&number| number <= last).collect()
    } else {
        let count = usize::try_from(version).unwrap_or(0);
        LEGACY_ORDER.get(..count).ok_or_else(too_new)?.to_vec()
    };
    if numbers.iter().all(|number| MIGRATIONS.iter().any(|&(known, _)| known == *number)) {
        Ok(numbers)
    } else {
        Err(too_new())
    }
}

/// The `user_version` that says `numbers` are applied, if they are a prefix of `MIGRATIONS`.
fn encode(numbers: &[i64]) -> Option<i64> {
    let prefix = MIGRATIONS.iter().take_while(|&&(number, _)| numbers.contains(&number)).count();
    if prefix != numbers.len() {
        return None;
    }
    Some(prefix.checked_sub(1).map_or(0, |last| KEYED + MIGRATIONS[last].0))
}

/// Applies the migrations the database has not seen yet.
pub(super) fn run(conn: &mut Connection) -> Result<(), StoreError> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let before = applied(found)?;
    for &(number, sql) in MIGRATIONS.iter().filter(|(number, _)| !before.contains(number)) {
        // IMMEDIATE: two processes opening the same new file must not both apply 0001.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Re-read inside the lock: another process may have migrated since the read above.
        let current: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let mut done = applied(current)?;
        if done.contains(&number) {
            continue;
        }
        tx.execute_batch(sql)?;
        done.push(number);
        let version = encode(&done).ok_or_else(|| {
            StoreError::Corrupt(format!("migrations {done:?} leave a gap; user_version {current} cannot say so"))
        })?;
        // user_version lives in the database header, so setting it is part of this transaction.
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap()
    }

    fn tables(conn: &Connection) -> Vec<String> {
        let mut stmt = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    /// A database as main's positional runner left it: `count` files of `LEGACY_ORDER` applied.
    fn legacy(count: usize) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        for number in &LEGACY_ORDER[..count] {
            let sql = MIGRATIONS.iter().find(|(n, _)| n == number).unwrap().1;
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", i64::try_from(count).unwrap()).unwrap();
        conn
    }

    #[test]
    fn a_new_database_gets_every_file() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn).unwrap();
        assert_eq!(version(&conn), KEYED + 6);
        assert_eq!(version(&conn), latest());
        let names = tables(&conn);
        for table in ["users", "login_guard", "job_results", "update_users", "audit_exports", "password_history"] {
            assert!(names.iter().any(|n| n == table), "{table} missing from {names:?}");
        }
        // A second run finds nothing to do.
        run(&mut conn).unwrap();
        assert_eq!(version(&conn), latest());
    }

    #[test]
    fn databases_of_the_positional_runner_gain_0002_and_keep_the_rest() {
        for count in 0..=3 {
            let mut conn = legacy(count);
            run(&mut conn).unwrap_or_else(|e| panic!("legacy version {count}: {e}"));
            assert_eq!(version(&conn), latest(), "legacy version {count}");
            assert!(tables(&conn).iter().any(|n| n == "login_guard"), "legacy version {count}");
        }
    }

    #[test]
    fn files_this_build_lacks_are_refused() {
        // Legacy 4 and 5 came from branches with other later files; keyed 1007 names a file this build lacks.
        for found in [4, 5, 6, KEYED + 7, KEYED + 100] {
            assert!(
                matches!(applied(found), Err(StoreError::SchemaTooNew { .. })),
                "user_version {found} should be too new"
            );
        }
    }

    #[test]
    fn a_newer_schema_is_refused_with_both_numbers_and_what_to_do() {
        let mut conn = Connection::open_in_memory().unwrap();
        run(&mut conn).unwrap();
        conn.pragma_update(None, "user_version", latest() + 3).unwrap();
        let err = run(&mut conn).unwrap_err().to_string();
        let (found, known) = (schema_number(latest() + 3), schema_number(latest()));
        assert_eq!(
            err,
            format!("database schema {found} is newer than this usergate (knows up to {known}): upgrade usergate")
        );
        assert_eq!(found, known + 3);
        // Nothing was applied or changed.
        assert_eq!(version(&conn), latest() + 3);
    }

    #[test]
    fn only_prefixes_are_encoded() {
        assert_eq!(encode(&[]), Some(0));
        assert_eq!(encode(&[1, 3, 4, 2]), Some(KEYED + 4));
        assert_eq!(encode(&[1, 2, 3, 4, 5]), Some(KEYED + 5));
        assert_eq!(encode(&[1, 3]), None);
    }
}
