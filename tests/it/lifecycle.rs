//! Operating the process and its data: /readyz and /metrics, graceful shutdown under keep-alive load (SIGTERM to the
//! real binary), files created 0600 whatever the umask, online backup and offline restore, the refusal of a newer
//! schema, the periodic session purge, and the version the binary and SessionLogin report.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader as AsyncBufReader};
use tokio::net::TcpStream;

use crate::helpers::{OWNER_PASSWORD, TestApp, envelope};

const BIN: &str = env!("CARGO_BIN_EXE_usergate");

/// `usergate <args>` with its stderr drained in the background; the address once it listens (for `serve`).
fn spawn_server(db: &Path, umask: &str) -> (Child, SocketAddr) {
    // Through sh only to set the umask: the files must come out 0600 even when it would allow more.
    let mut child = Command::new("sh")
        .args(["-c", &format!("umask {umask}; exec \"$0\" \"$@\""), BIN])
        .args(["--db", db.to_str().unwrap(), "serve", "--listen", "127.0.0.1:0"])
        .env("USERGATE_BOOTSTRAP_PASSWORD", OWNER_PASSWORD)
        .env_remove("USERGATE_CONFIG")
        .env("RUST_LOG", "warn,usergate=info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("usergate listening on http://").nth(1)
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(rest.trim_end_matches("/SOAP/").to_owned());
            }
        }
    });
    let addr = rx.recv_timeout(Duration::from_secs(60)).expect("usergate starts");
    (child, addr.parse().unwrap())
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

fn beside(db: &Path, suffix: &str) -> std::path::PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    s.into()
}

/// The value of the sample line starting with `series ` in a metrics text.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn readyz_and_metrics_report_requests_logins_sessions_and_the_writer() {
    let app = TestApp::spawn_with(|s| {
        s.lock_after_failures = 2;
        s.lockout_free_failures = 5;
    })
    .await;
    assert_eq!(app.http("GET", "/healthz", &[], b"").await.status, 200);
    let r = app.http("GET", "/readyz", &[], b"").await;
    assert_eq!((r.status, r.body.as_str()), (200, "ready\n"));
    let owner = app.owner_token().await;
    app.user_with(&owner, "mia", "").await;
    app.login("default", "mia", "wrong-pass-1").await.assert_fault("INVALID_DATA", "login:");
    app.login("default", "mia", "wrong-pass-1").await.assert_fault("INVALID_DATA", "login:");
    app.post_xml("<not-soap/>", None).await;

    let r = app.http("GET", "/metrics", &[], b"").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("application/openmetrics-text"));
    let m = r.body.as_str();
    let ok = |op: &str, outcome: &str| {
        sample(m, &format!("usergate_soap_requests_total{{operation=\"{op}\",outcome=\"{outcome}\"}}"))
    };
    assert_eq!(ok("SessionLogin", "success"), Some(2.0), "{m}");
    assert_eq!(ok("SessionLogin", "caller_error"), Some(2.0));
    assert_eq!(ok("CreateUser", "success"), Some(1.0));
    assert_eq!(ok("none", "caller_error"), Some(1.0));
    assert_eq!(ok("GetUser", "success"), Some(0.0), "every operation's series exists from the start");
    assert_eq!(sample(m, "usergate_soap_request_duration_seconds_count{operation=\"SessionLogin\"}"), Some(4.0));
    assert_eq!(sample(m, "usergate_login_failures_total"), Some(2.0));
    assert_eq!(sample(m, "usergate_lockouts_total"), Some(1.0), "the second failure hard-locks (lock_after 2)");
    // The owner's and mia's sessions.
    assert_eq!(sample(m, "usergate_sessions_alive"), Some(2.0));
    // The scrape itself is in flight.
    assert_eq!(sample(m, "usergate_http_requests_in_flight"), Some(1.0));
    assert_eq!(sample(m, "usergate_writer_queue_depth"), Some(0.0));
    let batches = sample(m, "usergate_writer_batch_size_count").unwrap();
    assert!(batches >= 4.0, "bootstrap, create, logins were committed: {batches}");
    assert!(m.ends_with("# EOF\n"));
}

/// One keep-alive connection's loop: requests back to back until an answer says `Connection: close`. Returns
/// how many answers it got, or the first failure (a reset, an answer cut short, EOF without `Connection: close`).
async fn keep_alive_client(addr: SocketAddr, token: String) -> Result<u32, String> {
    let stream = TcpStream::connect(addr).await.map_err(|e| format!("connect: {e}"))?;
    let (read, mut write) = stream.into_split();
    let mut read = AsyncBufReader::new(read);
    let mut answered = 0u32;
    loop {
        // Reads and writes alternate: GetUser reads, SessionKeepAlive records activity (a durable write).
        let body = if answered.is_multiple_of(2) {
            envelope("GetUser", &format!("<token>{token}</token><user_name>owner</user_name>"))
        } else {
            envelope("SessionKeepAlive", &format!("<token>{token}</token>"))
        };
        let req = format!(
            "POST /SOAP/ HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        write.write_all(req.as_bytes()).await.map_err(|e| format!("request {answered}: write: {e}"))?;
        let mut status = String::new();
        match read.read_line(&mut status).await {
            Ok(0) => return Err(format!("request {answered}: closed without an answer")),
            Ok(_) => {}
            Err(e) => return Err(format!("request {answered}: {e}")),
        }
        let (mut length, mut close) = (0usize, false);
        loop {
            let mut line = String::new();
            read.read_line(&mut line).await.map_err(|e| format!("request {answered}: head: {e}"))?;
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (k, v) = line.split_once(':').ok_or_else(|| format!("bad header {line:?}"))?;
            match k.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = v.trim().parse().map_err(|_| "bad length".to_owned())?,
                "connection" => close = v.trim().eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let mut body = vec![0u8; length];
        read.read_exact(&mut body).await.map_err(|e| format!("request {answered}: body cut: {e}"))?;
        if !status.contains(" 200 ") {
            return Err(format!("request {answered}: {status}: {}", String::from_utf8_lossy(&body)));
        }
        answered += 1;
        if close {
            // The server said so: nothing more may be sent; it closes cleanly.
            let mut rest = Vec::new();
            read.read_to_end(&mut rest).await.map_err(|e| format!("after Connection: close: {e}"))?;
            return if rest.is_empty() { Ok(answered) } else { Err("bytes after Connection: close".into()) };
        }
        if answered > 1_000_000 {
            return Err("the server never said Connection: close".into());
        }
    }
}

#[tokio::test]
async fn sigterm_under_keep_alive_load_answers_every_request_checkpoints_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ug.db");
    // umask 000: without explicit modes the files would be world-writable.
    let (mut child, addr) = spawn_server(&db, "000");
    for file in [db.clone(), beside(&db, "-wal"), beside(&db, "-shm"), beside(&db, ".lock"), db.with_extension("key")] {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    let probe = TestApp::attach(addr, tempfile::tempdir().unwrap());
    let token = probe.owner_token().await;

    let clients: Vec<_> = (0..4).map(|_| tokio::spawn(keep_alive_client(addr, token.clone()))).collect();
    // Load first: every connection is busy when the signal comes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    for c in clients {
        let answered = c.await.unwrap().unwrap_or_else(|e| panic!("a request was lost: {e}"));
        assert!(answered > 0);
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "exit status {status:?}");
    // Checkpointed: the database file holds everything (the WAL is gone or empty).
    let wal = beside(&db, "-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0, "WAL left behind");
    // And nothing listens any more.
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn backup_while_serving_restores_elsewhere_with_every_user_and_password() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let names: Vec<String> = (0..6).map(|i| format!("keep{i}")).collect();
    for name in &names {
        assert!(app.create_user(&owner, name, &format!("{name}-pass-1"), "").await.is_success());
    }
    // Writes go on while the backup runs.
    let (addr, writer_token) = (app.addr, owner.clone());
    let busy = tokio::spawn(async move {
        let other = TestApp::attach(addr, tempfile::tempdir().unwrap());
        for i in 0..40 {
            other.create_user(&writer_token, &format!("during{i}"), "during-pass-1", "").await;
        }
    });
    let backup_file = app.dir.path().join("backup.db");
    let out = Command::new(BIN)
        .args(["--db", app.db_path().to_str().unwrap(), "admin", "backup", backup_file.to_str().unwrap()])
        .env_remove("USERGATE_CONFIG")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(mode(&backup_file), 0o600);
    busy.await.unwrap();

    // Restoring over a database a server holds is refused, and the database is untouched.
    let restore = |db: &Path| {
        Command::new(BIN)
            .args(["--db", db.to_str().unwrap(), "admin", "restore", backup_file.to_str().unwrap()])
            .env_remove("USERGATE_CONFIG")
            .output()
            .unwrap()
    };
    let out = restore(&app.db_path());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("another usergate holds this database"));
    // Nor is a file that is not a usergate database restored.
    let fresh = tempfile::tempdir().unwrap();
    let junk = fresh.path().join("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    let out = Command::new(BIN)
        .args(["--db", fresh.path().join("usergate.db").to_str().unwrap(), "admin", "restore", junk.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a usergate database"));

    let out = restore(&fresh.path().join("usergate.db"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(mode(&fresh.path().join("usergate.db")), 0o600);
    let restored = TestApp::spawn_in(fresh, |_| {}).await;
    let owner2 = restored.owner_token().await;
    for name in &names {
        let r = restored.call("GetUser", &format!("<token>{owner2}</token><user_name>{name}</user_name>")).await;
        assert!(r.is_success(), "{name} missing after restore: {}", r.body);
        assert!(restored.login("default", name, &format!("{name}-pass-1")).await.is_success(), "{name} logs in");
    }
}

#[tokio::test]
async fn a_database_from_a_newer_usergate_is_refused_with_a_message_saying_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ug.db");
    let migrate = || {
        Command::new(BIN)
            .args(["--db", db.to_str().unwrap(), "migrate"])
            .env("USERGATE_BOOTSTRAP_PASSWORD", OWNER_PASSWORD)
            .env_remove("USERGATE_CONFIG")
            .output()
            .unwrap()
    };
    assert!(migrate().status.success());
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    conn.pragma_update(None, "user_version", version + 5).unwrap();
    drop(conn);
    for out in [
        migrate(),
        Command::new(BIN).args(["--db", db.to_str().unwrap(), "serve", "--listen", "127.0.0.1:0"]).output().unwrap(),
    ] {
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("is newer than this usergate (knows up to"), "{stderr}");
        assert!(stderr.contains("upgrade usergate"), "{stderr}");
    }
    let conn = rusqlite::Connection::open(&db).unwrap();
    let after: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(after, version + 5, "left as it was");
}

#[tokio::test]
async fn expired_sessions_are_purged_by_the_server_without_any_login() {
    let app = TestApp::spawn_with(|s| s.session_purge_interval_secs = 1).await;
    app.owner_token().await;
    let count =
        |app: &TestApp| -> i64 { app.sql().query_row("SELECT count(*) FROM sessions", [], |r| r.get(0)).unwrap() };
    assert_eq!(count(&app), 1);
    // Past the idle timeout (30 min by default).
    app.app().clock.advance(31 * 60);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while count(&app) > 0 {
        assert!(std::time::Instant::now() < deadline, "the expired session is still there");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_binary_and_session_login_report_the_same_version() {
    let out = Command::new(BIN).arg("--version").output().unwrap();
    assert!(out.status.success());
    let printed = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert_eq!(printed, format!("usergate {}", env!("CARGO_PKG_VERSION")));
    let app = TestApp::spawn().await;
    let r = app.login("default", "owner", OWNER_PASSWORD).await;
    assert_eq!(r.data_field("version").as_deref(), Some(env!("CARGO_PKG_VERSION")), "{}", r.body);
}

#[tokio::test]
async fn once_shutdown_begins_readyz_says_503_and_answers_close_their_connection() {
    let app = TestApp::spawn().await;
    let addr = app.addr;
    // A keep-alive connection, idle when the stop begins. One answer first, so that the server has accepted it (a
    // connection still in the listen backlog when the listener closes is refused, not drained).
    let stream = TcpStream::connect(addr).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut read = AsyncBufReader::new(read);
    write.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).await.unwrap();
    let mut first = [0u8; 12];
    read.read_exact(&mut first).await.unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let mut line = String::new();
    while line != "\r\n" {
        line.clear();
        read.read_line(&mut line).await.unwrap();
    }
    let mut ok = [0u8; 3];
    read.read_exact(&mut ok).await.unwrap();
    assert_eq!(&ok, b"ok\n");
    let stopping = tokio::spawn(app.stop());
    // Ask until the answer is the draining one (the first asks may come before the stop has begun).
    let mut asked = 0;
    let head = loop {
        asked += 1;
        assert!(asked < 1000, "never saw the draining answer");
        write.write_all(format!("GET /readyz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).await.unwrap();
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            assert!(read.read_line(&mut line).await.unwrap() > 0, "closed without an answer");
            if line == "\r\n" {
                break;
            }
            head.push(line.trim_end().to_ascii_lowercase());
        }
        let length: usize = head.iter().find_map(|h| h.strip_prefix("content-length: ")?.parse().ok()).unwrap();
        let mut body = vec![0u8; length];
        read.read_exact(&mut body).await.unwrap();
        if head[0].contains(" 503 ") {
            assert_eq!(body, b"shutting down\n");
            break head;
        }
        assert!(head[0].contains(" 200 "), "{head:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(head.iter().any(|h| h == "connection: close"), "{head:?}");
    // The server closes the connection after that answer, and the stop completes.
    let mut rest = Vec::new();
    read.read_to_end(&mut rest).await.unwrap();
    assert!(rest.is_empty());
    stopping.await.unwrap();
    assert!(TcpStream::connect(addr).await.is_err(), "nothing listens any more");
}

#[tokio::test]
async fn signals_right_after_the_listening_line_find_their_handlers() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ug.db");
    let (mut child, addr) = spawn_server(&db, "077");
    // At once: the handlers must already be installed (SIGHUP's default action would end the process).
    let signal = |name: &str| Command::new("kill").args([name, &child.id().to_string()]).status().unwrap();
    assert!(signal("-HUP").success());
    let probe = TestApp::attach(addr, tempfile::tempdir().unwrap());
    assert_eq!(probe.http("GET", "/healthz", &[], b"").await.status, 200, "SIGHUP must not end the server");
    assert!(signal("-TERM").success());
    assert_eq!(child.wait().unwrap().code(), Some(0), "SIGTERM drains and exits 0");
}

#[tokio::test]
async fn readyz_says_503_while_the_database_cannot_answer_its_read() {
    let app = TestApp::spawn().await;
    assert_eq!(app.http("GET", "/readyz", &[], b"").await.status, 200);
    // Another process breaks the schema under the server: its readiness read now fails.
    let sql = app.sql();
    sql.execute_batch("ALTER TABLE customers RENAME TO customers_away").unwrap();
    let r = app.http("GET", "/readyz", &[], b"").await;
    assert_eq!((r.status, r.body.as_str()), (503, "database not answering\n"));
    sql.execute_batch("ALTER TABLE customers_away RENAME TO customers").unwrap();
    assert_eq!(app.http("GET", "/readyz", &[], b"").await.status, 200, "ready again once the read works");
}
