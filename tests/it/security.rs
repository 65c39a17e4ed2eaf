//! Security properties: tokens at rest, uniform login failures and their Argon2 work, the per-account lockout, the
//! per-source login rate, session expiry and purge. Time is moved on the App's clock, never slept.

use std::net::SocketAddr;

use crate::helpers::{OWNER_PASSWORD, Resp, TestApp, envelope};

const PW: &str = "secret-pass-1";

/// The body with its job id masked: two answers that differ only by it are the same answer.
fn masked(r: &Resp) -> String {
    let mut out = String::new();
    let mut rest = r.body.as_str();
    while let Some(at) = rest.find("<job_id>") {
        let (head, tail) = rest.split_at(at + "<job_id>".len());
        out.push_str(head);
        out.push('#');
        rest = &tail[tail.find('<').unwrap_or(tail.len())..];
    }
    out.push_str(rest);
    out
}

/// One login and the Argon2 runs (hashes and verifies) it cost.
async fn login_work(app: &TestApp, customer: &str, user: &str, password: &str) -> (Resp, u64) {
    let before = app.app().hasher.runs();
    let r = app.login(customer, user, password).await;
    (r, app.app().hasher.runs() - before)
}

fn count(app: &TestApp, sql: &str) -> i64 {
    app.sql().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[tokio::test]
async fn tokens_are_256_random_bits_and_only_their_hash_is_stored() {
    use base64::Engine as _;
    let app = TestApp::spawn().await;
    let mut tokens = Vec::new();
    for _ in 0..12 {
        tokens.push(app.owner_token().await);
    }
    let raw: Vec<Vec<u8>> = tokens
        .iter()
        .map(|t| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(t).expect("base64url token"))
        .collect();
    assert!(raw.iter().all(|b| b.len() == 32), "256 bits each");
    let mut distinct = raw.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), raw.len());

    let scan = |files: &[std::path::PathBuf]| {
        let bytes: Vec<u8> = files.iter().filter_map(|f| std::fs::read(f).ok()).flatten().collect();
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        for (token, raw) in tokens.iter().zip(&raw) {
            assert!(!has(token.as_bytes()), "token {token} found in the database files");
            assert!(!has(raw), "raw bytes of token {token} found in the database files");
            // The scan reads what the store wrote: the token's SHA-256 is there.
            let hash = usergate::auth::token::hash(token).0;
            assert!(has(hash.as_bytes()), "the hash of {token} should be in the database files");
        }
    };
    let db = app.db_path();
    let wal = db.with_extension("db-wal");
    assert!(wal.exists(), "WAL mode: the log file exists while running");
    scan(&[db.clone(), wal.clone()]);
    // After a clean stop the log is checkpointed into the main file: scan that too.
    let dir = app.stop().await;
    scan(&[dir.path().join("usergate.db"), dir.path().join("usergate.db-wal")]);
}

#[tokio::test]
async fn login_failures_are_identical_and_cost_the_same_work() {
    // A low hard-lock threshold, so that a real lock is reached in three tries (no delays before five).
    let app = TestApp::spawn_with(|s| s.lock_after_failures = 3).await;
    let owner = app.owner_token().await;
    for name in ["wrongpw", "blocked1", "deact", "locked1"] {
        app.user_with(&owner, name, "").await;
    }
    assert!(
        app.call("BlockUser", &format!("<token>{owner}</token><user_name>blocked1</user_name>")).await.is_success()
    );
    // Deactivation has no SOAP operation yet (the core has the flag); set it as an operator would.
    app.sql().execute("UPDATE users SET active = 0 WHERE user_name_key = 'deact'", []).unwrap();
    for _ in 0..3 {
        app.login("default", "locked1", "wrong-pass").await;
    }

    let reference = app.login("default", "owner", "wrong-password").await;
    reference.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    assert_eq!(reference.info(), "login: Bad or expired credentials");
    let cases = [
        ("unknown user", "default", "nobody", PW, 1),
        ("unknown customer", "nocustomer", "owner", OWNER_PASSWORD, 1),
        ("wrong password", "default", "wrongpw", "wrong-pass-1", 1),
        ("blocked, right password", "default", "blocked1", PW, 1),
        ("blocked, wrong password", "default", "blocked1", "wrong-pass-1", 1),
        ("deactivated", "default", "deact", PW, 1),
        ("locked (refused unchecked)", "default", "locked1", PW, 0),
    ];
    for (what, customer, user, password, work) in cases {
        let (r, runs) = login_work(&app, customer, user, password).await;
        assert_eq!(r.status, reference.status, "{what}");
        assert_eq!(masked(&r), masked(&reference), "{what}: the same answer, job id aside");
        assert_eq!(runs, work, "{what}: Argon2 runs");
    }
    // The locked user's row says so (GetUser), and its correct password still does not open it.
    let r = app.call("GetUser", &format!("<token>{owner}</token><user_name>locked1</user_name>")).await;
    assert_eq!(r.field("locked").as_deref(), Some("true"));
}

#[tokio::test]
async fn the_lockout_does_not_tell_real_names_from_unknown_ones() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.user_with(&owner, "real", "").await;
    let mut answers = Vec::new();
    for name in ["real", "ghost"] {
        let mut work = Vec::new();
        for i in 0..16 {
            // Past the free five, step over each delay; the last attempt falls inside the 15 min one (a window
            // wide enough that a slow machine cannot leave it).
            if (5..15).contains(&i) {
                app.app().clock.advance(901);
            }
            let (r, runs) = login_work(&app, "default", name, "wrong-pass-1").await;
            work.push(runs);
            answers.push(masked(&r));
        }
        // Fifteen counted failures (one verify each), then the delay refuses without verifying.
        let mut expected = vec![1; 15];
        expected.push(0);
        assert_eq!(work, expected, "{name}");
    }
    answers.dedup();
    assert_eq!(answers.len(), 1, "every answer is the same");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM login_guard WHERE failures = 15"), 2);
}

#[tokio::test]
async fn lockout_delay_doubles_to_fifteen_minutes_and_a_success_resets_it() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.user_with(&owner, "vic", "").await;
    let clock = &app.app().clock;
    for _ in 0..5 {
        let (r, runs) = login_work(&app, "default", "vic", "wrong-pass-1").await;
        r.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
        assert_eq!(runs, 1, "the first five failures are checked at once");
    }
    // Failure k (k >= 5) delays the next attempt by 2^(k-5) s, at most 900 s. Step past each delay and fail again.
    for k in 5..11u32 {
        clock.advance(1_i64 << (k - 5));
        let (_, runs) = login_work(&app, "default", "vic", "wrong-pass-1").await;
        assert_eq!(runs, 1, "after the {k}th failure's delay the password is checked again");
    }
    // The delays long enough to probe from inside without racing the wall clock: 64, 128, 256, 512, then 900 s.
    for (k, delay) in [(11, 64), (12, 128), (13, 256), (14, 512), (15, 900), (16, 900)] {
        clock.advance(delay - 10);
        let (r, runs) = login_work(&app, "default", "vic", PW).await;
        assert_eq!((runs, r.info().as_str()), (0, "login: Bad or expired credentials"), "inside delay {k}");
        clock.advance(11);
        let (_, runs) = login_work(&app, "default", "vic", "wrong-pass-1").await;
        assert_eq!(runs, 1, "past the delay after failure {k}");
    }
    clock.advance(901);
    let (r, _) = login_work(&app, "default", "vic", PW).await;
    assert!(r.is_success(), "the right password after the delay: {}", r.body);
    // The success reset the count: four wrong and a right one go straight through.
    for _ in 0..4 {
        assert_eq!(login_work(&app, "default", "vic", "wrong-pass-1").await.1, 1);
    }
    assert!(app.login("default", "vic", PW).await.is_success());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM login_guard"), 0);
}

#[tokio::test]
async fn hard_lock_at_100_failures_until_unblock_and_it_survives_restart() {
    let mut app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.user_with(&owner, "hugo", "").await;
    for _ in 0..100 {
        app.app().clock.advance(901);
        let (_, runs) = login_work(&app, "default", "hugo", "wrong-pass-1").await;
        assert_eq!(runs, 1);
    }
    let lock_records = "SELECT COUNT(*) FROM audit WHERE operation = 'SessionLogin' AND changed = 'locked'";
    assert_eq!(count(&app, lock_records), 1, "the failure that locked is marked in the audit trail");
    app.app().clock.advance(30 * 24 * 3600);
    let (r, runs) = login_work(&app, "default", "hugo", PW).await;
    assert_eq!((runs, r.info().as_str()), (0, "login: Bad or expired credentials"), "locked for good");
    // Persisted: a restart does not forget it (the restarted clock is the real one, a month earlier).
    app.restart().await;
    let (r, runs) = login_work(&app, "default", "hugo", PW).await;
    assert_eq!((runs, r.info().as_str()), (0, "login: Bad or expired credentials"), "still locked after restart");
    let owner = app.owner_token().await;
    let r = app.call("UnblockUser", &format!("<token>{owner}</token><user_name>hugo</user_name>")).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.field("locked").as_deref(), Some("false"));
    assert!(app.login("default", "hugo", PW).await.is_success());
}

#[tokio::test]
async fn unblock_also_ends_a_delay() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.user_with(&owner, "dora", "").await;
    for _ in 0..15 {
        app.app().clock.advance(901);
        app.login("default", "dora", "wrong-pass-1").await;
    }
    assert_eq!(login_work(&app, "default", "dora", PW).await.1, 0, "in a 15 min delay");
    // The first owner session idled out while the clock ran.
    let owner = app.owner_token().await;
    assert!(app.call("UnblockUser", &format!("<token>{owner}</token><user_name>dora</user_name>")).await.is_success());
    assert!(app.login("default", "dora", PW).await.is_success());
}

#[tokio::test]
async fn admin_unlock_lifts_a_hard_lock_while_serving() {
    let app = TestApp::spawn_with(|s| s.lock_after_failures = 3).await;
    let owner = app.owner_token().await;
    app.user_with(&owner, "ulla", "").await;
    for _ in 0..3 {
        app.login("default", "ulla", "wrong-pass-1").await;
    }
    assert_eq!(login_work(&app, "default", "ulla", PW).await.1, 0);
    let admin = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_usergate"))
            .args(["--db", app.db_path().to_str().unwrap(), "admin", "unlock"])
            .args(args)
            .env_remove("USERGATE_CONFIG")
            .output()
            .unwrap()
    };
    let out = admin(&["ghost"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user ghost in customer default"));
    let out = admin(&["ULLA", "--customer", "Default"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(app.login("default", "ulla", PW).await.is_success());
    let audited = count(&app, "SELECT COUNT(*) FROM audit WHERE operation = 'AdminUnlock' AND outcome = 'success'");
    assert_eq!(audited, 1);
}

/// A raw HTTP request from a chosen loopback address (all of 127.0.0.0/8 reaches the server on 127.0.0.1).
async fn post_from(from: [u8; 4], to: SocketAddr, op: &str, children: &str) -> Resp {
    post_body_from(from, to, &envelope(op, children)).await
}

/// `post_from` with a whole envelope (a DynECT one).
async fn post_body_from(from: [u8; 4], to: SocketAddr, body: &str) -> Resp {
    crate::helpers::post_from(from, to, "", body).await
}

fn login_children(user: &str, password: &str) -> String {
    format!("<user_name>{user}</user_name><customer_name>default</customer_name><password>{password}</password>")
}

#[tokio::test]
async fn login_rate_is_limited_per_source_address() {
    let app = TestApp::spawn_with(|s| {
        // One a minute: the refill is slow enough that a slow machine's real seconds cannot change the counts.
        s.login_rate_per_minute = 1;
        s.login_rate_burst = 3;
    })
    .await;
    let attacker = [127, 0, 0, 2];
    // One source sprays wrong passwords over many accounts: only the burst reaches them.
    let mut refused = 0;
    for i in 0..10 {
        let before = app.app().hasher.runs();
        let r = post_from(attacker, app.addr, "SessionLogin", &login_children(&format!("acct{i}"), "guess-1234")).await;
        if r.err_cd().as_deref() == Some("SERVICE_UNAVAILABLE") {
            refused += 1;
            assert_eq!(r.status, 500);
            assert!(r.body.contains("<faultcode>soap:Server</faultcode>"), "{}", r.body);
            assert_eq!(r.info(), "login: too many login attempts from your address; retry later");
            assert_eq!(app.app().hasher.runs(), before, "a refused source costs no Argon2 work");
        } else {
            r.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
        }
    }
    assert_eq!(refused, 7);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM login_guard"), 3, "only admitted attempts count on accounts");
    // Another source is not affected, and neither are other operations from the limited one.
    let r = post_from([127, 0, 0, 3], app.addr, "SessionLogin", &login_children("owner", OWNER_PASSWORD)).await;
    assert!(r.is_success(), "{}", r.body);
    let token = r.field("token").unwrap();
    let r = post_from(attacker, app.addr, "SessionIsAlive", &format!("<token>{token}</token>")).await;
    assert!(r.is_success(), "{}", r.body);
    // A minute later the source may try once more.
    app.app().clock.advance(60);
    let r = post_from(attacker, app.addr, "SessionLogin", &login_children("owner", OWNER_PASSWORD)).await;
    assert!(r.is_success(), "{}", r.body);
    let r = post_from(attacker, app.addr, "SessionLogin", &login_children("owner", OWNER_PASSWORD)).await;
    assert_eq!(r.err_cd().as_deref(), Some("SERVICE_UNAVAILABLE"));
}

/// A DynECT SessionLogin envelope of WSDL `version` (2.3.1 or 3.7.16).
fn dynect_login(version: &str, user: &str, password: &str) -> String {
    format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:d=\"https://api2.dynect.net/wsdl/{version}/Dynect/\"><s:Body><d:SessionLoginRequest>{}\
         </d:SessionLoginRequest></s:Body></s:Envelope>",
        login_children(user, password)
    )
}

#[tokio::test]
async fn dynect_logins_share_the_per_source_rate() {
    let app = TestApp::spawn_with(|s| {
        s.login_rate_per_minute = 1;
        s.login_rate_burst = 3;
    })
    .await;
    let source = [127, 0, 0, 4];
    // The burst spent across the three profiles: the limit is one bucket per address, whatever the namespace.
    let r = post_from(source, app.addr, "SessionLogin", &login_children("owner", "guess-1234")).await;
    r.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    for version in ["2.3.1", "3.7.16"] {
        let r = post_body_from(source, app.addr, &dynect_login(version, "owner", "guess-1234")).await;
        assert_eq!(r.err_cd().as_deref(), Some("INVALID_DATA"), "{}", r.body);
    }
    let before = app.app().hasher.runs();
    for version in ["2.3.1", "3.7.16"] {
        let r = post_body_from(source, app.addr, &dynect_login(version, "owner", OWNER_PASSWORD)).await;
        assert_eq!((r.status, r.err_cd().as_deref()), (500, Some("SERVICE_UNAVAILABLE")), "{}", r.body);
        assert_eq!(r.info(), "login: too many login attempts from your address; retry later");
        assert!(r.body.contains(&format!("https://api2.dynect.net/wsdl/{version}/Dynect/")), "{}", r.body);
    }
    let r = post_from(source, app.addr, "SessionLogin", &login_children("owner", OWNER_PASSWORD)).await;
    assert_eq!(r.err_cd().as_deref(), Some("SERVICE_UNAVAILABLE"), "{}", r.body);
    assert_eq!(app.app().hasher.runs(), before, "a refused source costs no Argon2 work in any profile");
}

#[tokio::test]
async fn dynect_logins_and_update_user_names_share_the_lockout() {
    // A hard lock after three failures and no delay before it: the counts are exact, with no window to race.
    let app = TestApp::spawn_with(|s| {
        s.login_rate_per_minute = 0;
        s.lockout_free_failures = 10;
        s.lock_after_failures = 3;
    })
    .await;
    let owner = app.owner_token().await;
    app.user_with(&owner, "vic", "").await;
    let created = app.call("CreateUpdateUser", &format!("<token>{owner}</token><password>{PW}</password>")).await;
    assert!(created.is_success(), "{}", created.body);
    let ddns = created.data_field("user_name").unwrap();
    let source = [127, 0, 0, 5];
    let runs = || app.app().hasher.runs();
    // One failure per profile locks vic: the count is the account's, whichever contract the client speaks.
    let before = runs();
    let r = post_from(source, app.addr, "SessionLogin", &login_children("vic", "wrong-pass-1")).await;
    r.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    for version in ["2.3.1", "3.7.16"] {
        let r = post_body_from(source, app.addr, &dynect_login(version, "vic", "wrong-pass-1")).await;
        assert_eq!(
            (r.err_cd().as_deref(), r.info().as_str()),
            (Some("INVALID_DATA"), "login: Bad or expired credentials")
        );
    }
    assert_eq!(runs() - before, 3, "each failure was checked");
    let before = runs();
    for version in ["2.3.1", "3.7.16"] {
        let r = post_body_from(source, app.addr, &dynect_login(version, "vic", PW)).await;
        assert_eq!(
            (r.err_cd().as_deref(), r.info().as_str()),
            (Some("INVALID_DATA"), "login: Bad or expired credentials")
        );
    }
    assert!(!app.login("default", "vic", PW).await.is_success(), "locked in the native profile too");
    assert_eq!(runs(), before, "a locked account is refused without a password check");
    // A DDNS update user cannot log in to the management operations, even with its own password; its name is
    // throttled and locked like any other, over DynECT too.
    let before = runs();
    let r = post_body_from(source, app.addr, &dynect_login("3.7.16", &ddns, PW)).await;
    assert_eq!((r.err_cd().as_deref(), r.info().as_str()), (Some("INVALID_DATA"), "login: Bad or expired credentials"));
    let r = post_from(source, app.addr, "SessionLogin", &login_children(&ddns, PW)).await;
    r.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    let r = post_body_from(source, app.addr, &dynect_login("2.3.1", &ddns, PW)).await;
    assert_eq!(r.err_cd().as_deref(), Some("INVALID_DATA"));
    assert_eq!(runs() - before, 3, "an update user's name costs the same work as any name");
    let before = runs();
    let r = post_body_from(source, app.addr, &dynect_login("3.7.16", &ddns, PW)).await;
    assert_eq!(r.err_cd().as_deref(), Some("INVALID_DATA"));
    assert_eq!(runs(), before, "the update user's name is locked");
    let sql = format!(
        "SELECT COUNT(*) FROM login_guard WHERE locked = 1 AND user_key IN ('vic', '{}')",
        ddns.to_ascii_lowercase()
    );
    assert_eq!(count(&app, &sql), 2);
}

#[tokio::test]
async fn sessions_expire_server_side_by_the_clock() {
    let app = TestApp::spawn().await;
    let clock = &app.app().clock;
    let idle = app.owner_token().await;
    let busy = app.owner_token().await;
    let alive = |t: &str| format!("<token>{t}</token>");
    // Kept alive every 29 minutes, a session outlives the 30 min idle limit but not the 12 h absolute one.
    for _ in 0..24 {
        clock.advance(29 * 60);
        assert!(app.call("SessionKeepAlive", &alive(&busy)).await.is_success());
    }
    app.call("SessionIsAlive", &alive(&idle)).await.assert_fault("INVALID_DATA", "login: Bad or expired token");
    clock.advance(30 * 60);
    app.call("SessionKeepAlive", &alive(&busy)).await.assert_fault("INVALID_DATA", "login: Bad or expired token");
}

#[tokio::test]
async fn expired_sessions_are_purged() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        app.owner_token().await;
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions"), 5);
    // Nobody uses those five again: they are never looked up, so only the purge can remove them.
    app.app().clock.advance(31 * 60);
    let fresh = app.owner_token().await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions"), 1, "the idle ones went with the next login");
    app.app().clock.advance(12 * 3600 + 1);
    app.login("default", "owner", OWNER_PASSWORD).await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions"), 1);
    app.call("SessionIsAlive", &format!("<token>{fresh}</token>")).await.assert_fault("INVALID_DATA", "login:");
}

/// A real `usergate serve` child at debug level, its stderr collected as it runs.
struct Child {
    process: std::process::Child,
    log: std::sync::Arc<std::sync::Mutex<String>>,
    reader: std::thread::JoinHandle<()>,
}

fn spawn_child(dir: &tempfile::TempDir, owner_password: &str) -> (Child, SocketAddr) {
    use std::io::{BufRead, BufReader};
    let mut process = std::process::Command::new(env!("CARGO_BIN_EXE_usergate"))
        .args(["--db", dir.path().join("usergate.db").to_str().unwrap(), "serve", "--listen", "127.0.0.1:0"])
        .env("USERGATE_BOOTSTRAP_PASSWORD", owner_password)
        .env("RUST_LOG", "debug")
        .env_remove("USERGATE_CONFIG")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = process.stderr.take().unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    let sink = std::sync::Arc::clone(&log);
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("usergate listening on http://").nth(1) {
                let _ = tx.send(rest.trim_end_matches("/SOAP/").to_owned());
            }
            let mut log = sink.lock().unwrap();
            log.push_str(&line);
            log.push('\n');
        }
    });
    let addr = rx.recv_timeout(std::time::Duration::from_secs(60)).expect("listening line").parse().unwrap();
    (Child { process, log, reader }, addr)
}

#[tokio::test]
async fn secrets_never_reach_the_log_or_the_audit_trail() {
    let owner_pw = "Owner-Secret-7f3a9c";
    let (pw1, pw2, pw3, wrong, bad_xml_pw) =
        ("Alice-First-91c2e", "Alice-Second-0b7d4", "Alice-Third-5e8a1", "Wrong-Guess-c44f2", "Broken-Xml-d1e93");
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn_child(&dir, owner_pw);
    let app = TestApp::attach(addr, dir);

    let mut tokens = vec![app.token("default", "owner", owner_pw).await];
    let owner = tokens[0].clone();
    let t = |token: &str, rest: &str| format!("<token>{token}</token>{rest}");
    assert!(app.create_user(&owner, "alice", pw1, "").await.is_success());
    assert!(app.call("GetUser", &t(&owner, "<user_name>alice</user_name>")).await.is_success());
    let r =
        app.call("UpdateUser", &t(&owner, &format!("<user_name>alice</user_name><password>{pw2}</password>"))).await;
    assert!(r.is_success(), "{}", r.body);
    tokens.push(app.token("default", "alice", pw2).await);
    let change = format!("<old_password>{pw2}</old_password><password>{pw3}</password>");
    let r = app.call("UpdateUserPassword", &t(&tokens[1], &change)).await;
    assert!(r.is_success(), "{}", r.body);
    app.login("default", "alice", wrong).await.assert_fault("INVALID_DATA", "login:");
    app.login("nocustomer", "alice", pw3).await.assert_fault("INVALID_DATA", "login:");
    tokens.push(app.token("default", "alice", pw3).await);
    let alice = tokens[2].clone();
    assert!(app.call("SessionKeepAlive", &t(&alice, "")).await.is_success());
    assert!(app.call("SessionIsAlive", &t(&alice, "")).await.is_success());
    // Refusals that carry secrets: a too-short password, a wrong old password, a dead token, unreadable XML.
    app.create_user(&owner, "bob", "Sh0rt", "").await.assert_fault("INVALID_DATA", "password:");
    let bad_old = format!("<old_password>{wrong}</old_password><password>{pw1}</password>");
    app.call("UpdateUserPassword", &t(&alice, &bad_old)).await.assert_fault("INVALID_DATA", "old_password:");
    let broken = format!(
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:u=\"urn:usergate:1\">\
         <soapenv:Body><u:SessionLoginRequest><password>{bad_xml_pw}</pass></u:SessionLoginRequest></soapenv:Body>"
    );
    assert_eq!(app.post_xml(&broken, None).await.status, 500);
    for op in ["BlockUser", "UnblockUser"] {
        assert!(app.call(op, &t(&owner, "<user_name>alice</user_name>")).await.is_success());
    }
    app.call("SessionIsAlive", &t(&alice, "")).await.assert_fault("INVALID_DATA", "login:");
    assert!(app.call("GetUsers", &t(&owner, "")).await.is_success());
    assert!(app.call("DeleteUser", &t(&owner, "<user_name>alice</user_name>")).await.is_success());
    let marker = "secrets-scan-marker-5521";
    let body = envelope("SessionLogout", &t(&owner, ""));
    let r =
        app.http("POST", "/SOAP/", &[("Content-Type", "text/xml"), ("X-Request-Id", marker)], body.as_bytes()).await;
    assert_eq!(r.status, 200, "{}", r.body);

    let audit: Vec<String> = {
        let conn = app.sql();
        let mut stmt = conn.prepare("SELECT * FROM audit").unwrap();
        let columns = stmt.column_count();
        stmt.query_map([], |row| {
            Ok((0..columns).map(|i| format!("{:?}", row.get_ref(i).unwrap())).collect::<Vec<_>>().join("|"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    child.process.kill().unwrap();
    child.process.wait().unwrap();
    child.reader.join().unwrap();
    let log = child.log.lock().unwrap().clone();

    // The capture works: the debug access log carries the request id sent above, and the trail has every call.
    assert!(log.contains(marker), "debug output captured");
    assert_eq!(audit.len(), 14, "bootstrap, 5 logins, 8 other state changes (the short password never decoded)");
    let mut secrets: Vec<&str> = vec![owner_pw, pw1, pw2, pw3, wrong, bad_xml_pw, "Sh0rt", "$argon2id$"];
    secrets.extend(tokens.iter().map(String::as_str));
    let hashes: Vec<String> = tokens.iter().map(|t| usergate::auth::token::hash(t).0).collect();
    secrets.extend(hashes.iter().map(String::as_str));
    for secret in secrets {
        assert!(!log.contains(secret), "{secret:?} appears in the log");
        assert!(!audit.iter().any(|row| row.contains(secret)), "{secret:?} appears in the audit trail");
    }
}

#[tokio::test]
async fn parallel_guesses_on_a_throttled_account_get_one_check() {
    let app = std::sync::Arc::new(TestApp::spawn_with(|s| s.hash_concurrency = 4).await);
    let owner = app.owner_token().await;
    app.user_with(&owner, "para", "").await;
    for _ in 0..10 {
        app.app().clock.advance(901);
        app.login("default", "para", "wrong-pass-1").await;
    }
    app.app().clock.advance(901);
    // Past the delay after ten failures: eight guesses at once. One is checked (and counted, which starts a 64 s
    // delay, longer than any slow machine takes to answer the rest); the others are refused unchecked, whatever the
    // interleaving.
    let before = app.app().hasher.runs();
    let guesses: Vec<_> = (0..8)
        .map(|i| {
            let app = std::sync::Arc::clone(&app);
            tokio::spawn(async move { app.login("default", "para", &format!("guess-{i}-pass")).await })
        })
        .collect();
    for g in guesses {
        g.await.unwrap().assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    }
    assert_eq!(app.app().hasher.runs() - before, 1);
    assert_eq!(count(&app, "SELECT failures FROM login_guard WHERE user_key = 'para'"), 11);
}
