//! The `usergate` binary itself: bootstrap password on stderr, the listening line, and the offline admin commands.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::helpers::TestApp;

const BIN: &str = env!("CARGO_BIN_EXE_usergate");

fn password_from(stderr: &str) -> Option<String> {
    stderr.lines().find_map(|l| l.strip_prefix("owner password: ")).map(|p| p.trim().to_owned())
}

#[tokio::test]
async fn serve_prints_a_generated_owner_password_once_and_the_listening_line() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("ug.db");
    let mut child = Command::new(BIN)
        .args(["--db", db.to_str().expect("utf-8 path"), "serve", "--listen", "127.0.0.1:0"])
        .env_remove("USERGATE_BOOTSTRAP_PASSWORD")
        .env_remove("USERGATE_CONFIG")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn usergate");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut seen = Vec::new();
    let mut addr = None;
    for line in lines.by_ref() {
        let line = line.expect("line");
        if let Some(rest) = line.split("usergate listening on http://").nth(1) {
            addr = rest.strip_suffix("/SOAP/").map(str::to_owned);
            break;
        }
        seen.push(line);
    }
    let addr = addr.unwrap_or_else(|| panic!("no listening line; stderr: {seen:?}"));
    let password = password_from(&seen.join("\n")).expect("owner password printed");
    assert!(password.len() >= 16, "a generated password is long: {password}");
    let _ = child.kill();
    let _ = child.wait();
    // On the same file again, nothing is generated or printed.
    let out = Command::new(BIN)
        .args(["--db", db.to_str().expect("utf-8 path"), "migrate"])
        .env_remove("USERGATE_BOOTSTRAP_PASSWORD")
        .output()
        .expect("migrate");
    assert!(out.status.success());
    assert!(password_from(&String::from_utf8_lossy(&out.stderr)).is_none());
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");

    // The printed password works.
    let mut s = crate::helpers::settings(&dir);
    s.db = db;
    let app = TestApp::spawn_in(dir, |set| *set = s).await;
    assert!(app.login("default", "owner", &password).await.is_success());
}

#[tokio::test]
async fn admin_create_owner_and_reset_password() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("usergate.db");
    let db_arg = db.to_str().expect("utf-8 path").to_owned();
    let admin = |args: &[&str], password: Option<&str>| {
        let mut c = Command::new(BIN);
        c.args(["--db", &db_arg, "admin"]).args(args).env_remove("USERGATE_CONFIG");
        match password {
            Some(p) => c.env("USERGATE_BOOTSTRAP_PASSWORD", p),
            None => c.env_remove("USERGATE_BOOTSTRAP_PASSWORD"),
        };
        c.output().expect("run admin")
    };
    let out = admin(&["create-owner", "--customer", "acme", "--user", "root"], Some("root-pass-1"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(password_from(&String::from_utf8_lossy(&out.stderr)).is_none(), "a given password is not printed");
    let out = admin(&["create-owner", "--customer", "acme", "--user", "ROOT"], Some("root-pass-1"));
    assert!(!out.status.success(), "the name is taken, ignoring case");
    let out = admin(&["reset-password", "--customer", "acme", "--user", "root"], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let generated = password_from(&String::from_utf8_lossy(&out.stderr)).expect("generated password printed");
    let out = admin(&["reset-password", "--customer", "acme", "--user", "ghost"], None);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no user ghost"));

    let app = TestApp::spawn_in(dir, |_| {}).await;
    app.login("acme", "root", "root-pass-1").await.assert_fault("INVALID_DATA", "login:");
    let token = app.token("acme", "root", &generated).await;
    let r = app.call("GetUser", &format!("<token>{token}</token><user_name>root</user_name>")).await;
    assert_eq!(r.fields("group_name"), vec!["OWNER", "DEFAULT"]);
    // The existing database was not bootstrapped again: no `default` customer appeared.
    app.login("default", "owner", crate::helpers::OWNER_PASSWORD).await.assert_fault("INVALID_DATA", "login:");
}
