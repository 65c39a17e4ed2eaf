//! The database's files as an operator handles them: created 0600, the `<db>.lock` a server holds, online backup
//! (SQLite's backup API, from a read snapshot, so the server keeps writing) and offline restore (checked, then an
//! atomic rename over the old file).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::error::StoreError;
use super::migrate;

/// `path` with `suffix` appended to its file name (`usergate.db` -> `usergate.db.lock`).
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Creates `path` if missing, readable and writable by its owner only whatever the umask (SQLite then gives the
/// `-wal` and `-shm` files the same mode). An existing file keeps the mode its operator gave it.
pub(super) fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(file) => set_private(&file),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// 0600 on an open file (a umask can only have narrowed the creation mode; this makes it exact).
fn set_private(file: &File) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// The advisory lock a serving process holds on `<db>.lock` for as long as it runs; `restore` needs it too, so it
/// cannot replace a database under a running server (nor can two servers share one file).
#[derive(Debug)]
pub struct DbLock {
    _file: File,
    pub path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{path}: another usergate holds this database (a server is running on it)")]
    Held { path: String },
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
}

impl DbLock {
    /// Takes the exclusive lock on `<db>.lock` (created 0600), or says who has it. Released when dropped, and by
    /// the kernel when the process dies.
    pub fn acquire(db: &Path) -> Result<DbLock, LockError> {
        let path = beside(db, ".lock");
        let io = |source| LockError::Io { path: path.display().to_string(), source };
        create_private(&path).map_err(io)?;
        let file = OpenOptions::new().read(true).write(true).open(&path).map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(DbLock { _file: file, path }),
            Err(std::fs::TryLockError::WouldBlock) => Err(LockError::Held { path: path.display().to_string() }),
            Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
        }
    }
}

/// Copies the database at `from` (with whatever its WAL holds) into a new standalone file `to` (rollback journal,
/// so it is one file), 0600, synced. One backup step over a read snapshot: the source's writers are not blocked,
/// and the copy is the database as of one commit.
fn copy_database(from: &Connection, to: &Path) -> Result<(), StoreError> {
    create_private(to).map_err(|e| StoreError::File(format!("{}: {e}", to.display())))?;
    let mut dst = Connection::open(to)?;
    {
        let backup = Backup::new(from, &mut dst)?;
        loop {
            match backup.step(-1)? {
                StepResult::Done => break,
                StepResult::More => {}
                // Another connection holds a lock that even a reader must wait for (rare in WAL): try again.
                StepResult::Busy | StepResult::Locked => std::thread::sleep(Duration::from_millis(20)),
                _ => {}
            }
        }
    }
    // The copy of page 1 says WAL; a backup is easier to move around as one file.
    let _: String = dst.pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get(0))?;
    drop(dst);
    sync_file(to)
}

fn sync_file(path: &Path) -> Result<(), StoreError> {
    let file = |e: std::io::Error| StoreError::File(format!("{}: {e}", path.display()));
    File::open(path).and_then(|f| f.sync_all()).map_err(file)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The rename (or the new name) is durable once its directory is.
        File::open(dir).and_then(|d| d.sync_all()).map_err(file)?;
    }
    Ok(())
}

/// A temporary name in `target`'s directory (a rename within one file system is atomic).
fn temp_beside(target: &Path, what: &str) -> PathBuf {
    beside(target, &format!(".{what}-{}", std::process::id()))
}

/// Whether two paths name one existing file (a backup over its own database would destroy it).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Schema facts of a backup: what `restore` checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupFacts {
    /// `PRAGMA user_version` of the copy.
    pub schema: i64,
    pub users: i64,
}

/// Online backup of the database at `db` into `dest` (replaced atomically if it exists). Safe while a server
/// writes: the copy is one consistent snapshot.
pub fn backup(db: &Path, dest: &Path) -> Result<BackupFacts, StoreError> {
    if !db.exists() {
        return Err(StoreError::File(format!("{}: no such database", db.display())));
    }
    if same_file(db, dest) {
        return Err(StoreError::File(format!("{}: that is the database itself", dest.display())));
    }
    let src = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    src.busy_timeout(super::BUSY_TIMEOUT)?;
    let tmp = temp_beside(dest, "partial");
    let copied = copy_database(&src, &tmp).and_then(|()| check(&tmp));
    let facts = match copied {
        Ok(facts) => facts,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    std::fs::rename(&tmp, dest).map_err(|e| StoreError::File(format!("{}: {e}", dest.display())))?;
    sync_file(dest)?;
    Ok(facts)
}

/// Whether `path` is a usergate database this build can open: intact, migrated by us to a schema we know.
pub fn check(path: &Path) -> Result<BackupFacts, StoreError> {
    let not_ours = |why: &str| StoreError::File(format!("{}: not a usergate database ({why})", path.display()));
    if !path.is_file() {
        return Err(not_ours("no such file"));
    }
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|_| not_ours("unreadable"))?;
    let ok: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(|_| not_ours("not SQLite"))?;
    if ok != "ok" {
        return Err(not_ours(&format!("quick_check: {ok}")));
    }
    let schema: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if schema == 0 {
        return Err(not_ours("no usergate schema"));
    }
    // A schema from a newer usergate is refused with the same message as at start-up.
    migrate::applied(schema)?;
    let users: i64 =
        conn.query_row("SELECT count(*) FROM users", [], |r| r.get(0)).map_err(|_| not_ours("no users table"))?;
    Ok(BackupFacts { schema, users })
}

/// Offline restore: checks `from`, copies it beside `db`, removes the old WAL and shared-memory files (a stale WAL
/// would be replayed over the restored pages) and renames the copy over `db`. Takes the database's lock, so it
/// refuses while a server runs.
pub fn restore(db: &Path, from: &Path) -> Result<BackupFacts, RestoreError> {
    let _lock = DbLock::acquire(db)?;
    if same_file(db, from) {
        return Err(StoreError::File(format!("{}: that is the database itself", from.display())).into());
    }
    let facts = check(from)?;
    let src = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(StoreError::from)?;
    let tmp = temp_beside(db, "restoring");
    if let Err(e) = copy_database(&src, &tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.into());
    }
    drop(src);
    let file = |p: &Path, e: std::io::Error| StoreError::File(format!("{}: {e}", p.display()));
    for suffix in ["-wal", "-shm"] {
        let stale = beside(db, suffix);
        match std::fs::remove_file(&stale) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(file(&stale, e).into()),
        }
    }
    std::fs::rename(&tmp, db).map_err(|e| file(db, e))?;
    sync_file(db)?;
    Ok(facts)
}

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(transparent)]
    Lock(#[from] LockError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_database_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("u.db");
        let first = DbLock::acquire(&db).unwrap();
        assert!(matches!(DbLock::acquire(&db), Err(LockError::Held { .. })));
        drop(first);
        DbLock::acquire(&db).unwrap();
    }

    #[test]
    fn a_database_is_not_backed_up_over_or_restored_from_itself() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("u.db");
        drop(super::super::SqliteStore::open(&db).unwrap());
        let again = dir.path().join(".").join("u.db");
        assert!(backup(&db, &again).unwrap_err().to_string().contains("the database itself"));
        assert!(restore(&db, &again).unwrap_err().to_string().contains("the database itself"));
        // A real copy works, and is restored.
        let copy = dir.path().join("copy.db");
        assert_eq!(backup(&db, &copy).unwrap().users, 0);
        assert_eq!(restore(&db, &copy).unwrap().users, 0);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 3, "no temporary file left behind: {names:?}");
    }

    #[test]
    fn files_that_are_not_ours_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, b"not a database at all, not even close to one; just text").unwrap();
        assert!(check(&junk).is_err());
        let empty = dir.path().join("empty.db");
        Connection::open(&empty).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
        assert!(check(&empty).unwrap_err().to_string().contains("no usergate schema"));
        assert!(check(&dir.path().join("missing.db")).is_err());
    }
}
