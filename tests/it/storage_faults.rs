//! Storage faults on a running server: a full disk (a size-limited tmpfs filled by a ballast file) and a
//! read-only database (`chattr +i`: the tests run as root, which permission bits do not stop). Writes get a Server
//! fault with INTERNAL_ERROR, reads keep working, nothing half-written appears, the file stays intact, and writes
//! succeed again once the fault is gone, without a restart.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::helpers::{Resp, TestApp};

/// Runs a system command the fault needs; its failure fails the test (these tests are never skipped).
fn run(cmd: &str, args: &[&str]) {
    let out = Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("{cmd}: {e}"));
    assert!(out.status.success(), "{cmd} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A size-limited tmpfs, unmounted when dropped (also when the test fails).
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: PathBuf, size: &str) -> Tmpfs {
        std::fs::create_dir_all(&at).expect("mount point");
        run("mount", &["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs", at.to_str().expect("utf-8 path")]);
        Tmpfs(at)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// `chattr +i` on files, undone when dropped (an immutable file cannot even be deleted).
struct Immutable(Vec<PathBuf>);

impl Immutable {
    fn set(files: Vec<PathBuf>) -> Immutable {
        for f in &files {
            run("chattr", &["+i", f.to_str().expect("utf-8 path")]);
        }
        Immutable(files)
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        for f in &self.0 {
            let _ = Command::new("chattr").arg("-i").arg(f).status();
        }
    }
}

/// Fills the file system holding `path` with a ballast file until it is full.
fn fill(path: &Path) {
    let mut f = std::fs::File::create(path).expect("ballast");
    let chunk = vec![0xA5u8; 64 * 1024];
    loop {
        match f.write(&chunk) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
    // Whatever is left is less than a page.
    let _ = f.sync_all();
}

fn integrity_check(db: &Path) {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let result: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check");
    assert_eq!(result, "ok");
}

#[track_caller]
fn assert_internal_error(r: &Resp, what: &str) {
    assert_eq!(r.status, 500, "{what}: {}", r.body);
    assert_eq!(r.field("faultcode").as_deref(), Some("soap:Server"), "{what}: {}", r.body);
    assert_eq!(r.err_cd().as_deref(), Some("INTERNAL_ERROR"), "{what}: {}", r.body);
}

/// Every kind of write fails with INTERNAL_ERROR and leaves nothing; the reads answer.
async fn writes_fail_reads_work(app: &TestApp, owner: &str) {
    let r = app.create_user(owner, "during", "secret-pass-1", "").await;
    assert_internal_error(&r, "CreateUser");
    let r = app
        .call("UpdateUser", &format!("<token>{owner}</token><user_name>before</user_name><nickname>X</nickname>"))
        .await;
    assert_internal_error(&r, "UpdateUser");
    let r = app.call("BlockUser", &format!("<token>{owner}</token><user_name>before</user_name>")).await;
    assert_internal_error(&r, "BlockUser");
    let r = app.call("DeleteUser", &format!("<token>{owner}</token><user_name>before</user_name>")).await;
    assert_internal_error(&r, "DeleteUser");
    // Reads: the session's activity cannot be recorded (touched at most every second here), the read still works.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = app.call("GetUser", &format!("<token>{owner}</token><user_name>before</user_name>")).await;
    assert!(r.is_success(), "GetUser during the fault: {}", r.body);
    assert_eq!(r.data_field("nickname").as_deref(), Some("before"), "the failed update left nothing");
    assert_eq!(r.data_field("status").as_deref(), Some("active"), "the failed block left nothing");
    let r = app.call("GetUsers", &format!("<token>{owner}</token>")).await;
    assert!(r.is_success(), "GetUsers during the fault: {}", r.body);
    assert!(!r.body.contains("<user_name>during</user_name>"), "the failed create left nothing");
    let r = app.call("SessionIsAlive", &format!("<token>{owner}</token>")).await;
    assert!(r.is_success(), "SessionIsAlive during the fault: {}", r.body);
}

async fn writes_work_again(app: &TestApp, owner: &str, db: &Path) {
    let r = app.create_user(owner, "after", "secret-pass-1", "").await;
    assert!(r.is_success(), "CreateUser once the fault is gone: {}", r.body);
    let r = app
        .call("UpdateUser", &format!("<token>{owner}</token><user_name>before</user_name><nickname>Y</nickname>"))
        .await;
    assert!(r.is_success(), "UpdateUser once the fault is gone: {}", r.body);
    let r = app.call("GetUser", &format!("<token>{owner}</token><user_name>during</user_name>")).await;
    assert_eq!(r.err_cd().as_deref(), Some("NOT_FOUND"), "{}", r.body);
    integrity_check(db);
}

#[tokio::test]
async fn disk_full_fails_writes_keeps_reads_and_recovers_without_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let fs_dir = dir.path().join("fs");
    // 16 MiB: the database and a WAL below its 1,000-page checkpoint fit; the ballast takes the rest.
    let fs = Tmpfs::mount(fs_dir.clone(), "16m");
    let db = fs_dir.join("usergate.db");
    let db_setting = db.clone();
    let app = TestApp::spawn_in(dir, |s| {
        s.db = db_setting;
        s.session_idle_secs = 4;
    })
    .await;
    let owner = app.owner_token().await;
    let r = app.create_user(&owner, "before", "secret-pass-1", "").await;
    assert!(r.is_success(), "{}", r.body);

    let ballast = fs_dir.join("ballast");
    fill(&ballast);
    writes_fail_reads_work(&app, &owner).await;
    std::fs::remove_file(&ballast).expect("space returns");
    writes_work_again(&app, &owner, &db).await;
    let dir = app.stop().await;
    drop(fs);
    drop(dir);
}

#[tokio::test]
async fn read_only_database_fails_writes_keeps_reads_and_recovers_without_restart() {
    let app = TestApp::spawn_with(|s| s.session_idle_secs = 4).await;
    let db = app.dir.path().join("usergate.db");
    let owner = app.owner_token().await;
    let r = app.create_user(&owner, "before", "secret-pass-1", "").await;
    assert!(r.is_success(), "{}", r.body);

    // The database and its WAL (the shared-memory index stays writable: readers need it, and it holds no data).
    let wal = app.dir.path().join("usergate.db-wal");
    let frozen = Immutable::set(vec![db.clone(), wal]);
    writes_fail_reads_work(&app, &owner).await;
    drop(frozen);
    writes_work_again(&app, &owner, &db).await;
    app.stop().await;
}
