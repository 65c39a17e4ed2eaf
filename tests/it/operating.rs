//! Operating the server: configuration layers and `usergate config check`, the README's key table, trusted
//! proxies (X-Forwarded-For for the audit and the login rate), the whole-request timeout.

use std::process::Command;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{OWNER_PASSWORD, TestApp, envelope, post_from};

const BIN: &str = env!("CARGO_BIN_EXE_usergate");

/// `usergate config check` with these extra arguments and environment, in a clean environment of ours.
fn config_check(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("USERGATE_")) {
        c.env_remove(k);
    }
    c.args(args).args(["config", "check"]).envs(env.iter().copied()).env_remove("RUST_LOG");
    let out = c.output().expect("run usergate config check");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

#[test]
fn config_check_prints_the_effective_settings_and_exits_2_when_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = config_check(&[], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("body_limit = 65536") && out.contains("request_timeout_secs = 30"), "{out}");

    let file = dir.path().join("usergate.toml");
    std::fs::write(&file, "search_limit = 5\nbody_limit = 2048\n").unwrap();
    let path = file.to_str().unwrap();
    let (code, out, err) = config_check(
        &["--config", path, "--set", "body_limit=4096"],
        &[("USERGATE_SEARCH_LIMIT", "7"), ("USERGATE_BOOTSTRAP_PASSWORD", "very-secret-1")],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("search_limit = 7"), "the environment wins over the file: {out}");
    assert!(out.contains("body_limit = 4096"), "a flag wins over both: {out}");
    assert!(!out.contains("very-secret-1") && !err.contains("very-secret-1"), "secrets are redacted");

    std::fs::write(&file, "# limits\nsearch_limit = 5\nbody_limit = 100\n").unwrap();
    let (code, _, err) = config_check(&["--config", path], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("body_limit") && err.contains(&format!("{path} line 3")), "{err}");

    std::fs::write(&file, "serch_limit = 5\n").unwrap();
    let (code, _, err) = config_check(&["--config", path], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("serch_limit") && err.contains("unknown key") && err.contains("line 1"), "{err}");

    let (code, _, err) = config_check(&[], &[("USERGATE_TRUSTED_PROXIES", "10.0.0.0/99")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("trusted_proxies") && err.contains("USERGATE_TRUSTED_PROXIES"), "{err}");

    let (code, _, err) = config_check(&[], &[("USERGATE_TLS_CERT_FILE", "/nonexistent.pem")]);
    assert_eq!(code, 2, "one TLS file without the other: {err}");
    assert!(err.contains("tls_key_file"), "{err}");
}

#[test]
fn every_setting_has_a_readme_row_with_its_environment_variable() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let missing: Vec<String> = usergate::config_source::keys()
        .iter()
        .filter(|key| {
            let var = usergate::config_source::env_var(key);
            !readme.lines().any(|l| l.starts_with(&format!("| `{key}`")) && l.contains(&format!("`{var}`")))
        })
        .map(|k| (*k).to_owned())
        .collect();
    assert!(missing.is_empty(), "README's Configuration table needs a row (key, env var) for: {missing:?}");
}

fn login(password: &str) -> String {
    envelope(
        "SessionLogin",
        &format!("<user_name>owner</user_name><customer_name>default</customer_name><password>{password}</password>"),
    )
}

fn audit_client(app: &TestApp, job_id: &str) -> String {
    app.sql().query_row("SELECT client_addr FROM audit WHERE id = ?1", [job_id], |r| r.get(0)).unwrap()
}

const PROXY: [u8; 4] = [127, 0, 0, 2];
const OTHER: [u8; 4] = [127, 0, 0, 3];

async fn proxied_app() -> TestApp {
    TestApp::spawn_with(|s| {
        s.trusted_proxies = vec!["127.0.0.2/32".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
        // One a minute: slow enough that real seconds on a slow machine cannot change the counts.
        s.login_rate_per_minute = 1;
        s.login_rate_burst = 2;
    })
    .await
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = proxied_app().await;
    let r = post_from(OTHER, app.addr, "X-Forwarded-For: 6.6.6.6\r\n", &login(OWNER_PASSWORD)).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(audit_client(&app, &r.field("job_id").unwrap()), "127.0.0.3", "the audit shows the real peer");
    // A new spoofed address per attempt does not buy new attempts: the rate counts the real peer.
    let r = post_from(OTHER, app.addr, "X-Forwarded-For: 7.7.7.7\r\n", &login(OWNER_PASSWORD)).await;
    assert!(r.is_success(), "{}", r.body);
    let r = post_from(OTHER, app.addr, "X-Forwarded-For: 8.8.8.8\r\n", &login(OWNER_PASSWORD)).await;
    assert_eq!(r.err_cd().as_deref(), Some("SERVICE_UNAVAILABLE"), "{}", r.body);
}

#[tokio::test]
async fn forwarded_for_from_a_trusted_proxy_is_the_client() {
    let app = proxied_app().await;
    // The right-most address that is not a trusted proxy; what the client wrote on the left is not believed.
    let xff = "X-Forwarded-For: 9.9.9.9, 1.2.3.4, 10.1.1.1\r\nX-Forwarded-Proto: https\r\n";
    let r = post_from(PROXY, app.addr, xff, &login(OWNER_PASSWORD)).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(audit_client(&app, &r.field("job_id").unwrap()), "1.2.3.4");
    // The rate is per forwarded client: 1.2.3.4 has used its burst, 5.6.6.5 has not.
    let r = post_from(PROXY, app.addr, "X-Forwarded-For: 1.2.3.4\r\n", &login(OWNER_PASSWORD)).await;
    assert!(r.is_success(), "{}", r.body);
    let r = post_from(PROXY, app.addr, "X-Forwarded-For: 1.2.3.4\r\n", &login(OWNER_PASSWORD)).await;
    assert_eq!(r.err_cd().as_deref(), Some("SERVICE_UNAVAILABLE"), "{}", r.body);
    let r = post_from(PROXY, app.addr, "X-Forwarded-For: 5.6.6.5\r\n", &login(OWNER_PASSWORD)).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(audit_client(&app, &r.field("job_id").unwrap()), "5.6.6.5");
    // Without the header the proxy itself is the client.
    let r = post_from(PROXY, app.addr, "", &login("wrong-password")).await;
    assert_eq!(audit_client(&app, &r.field("job_id").unwrap()), "127.0.0.2");
}

#[tokio::test]
async fn a_request_past_the_whole_request_timeout_is_a_server_fault() {
    let app = TestApp::spawn_with(|s| {
        s.request_timeout_secs = 1;
        s.body_timeout_secs = 60;
    })
    .await;
    // A body that never finishes: the body timeout is far away, the whole-request one is not.
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head =
        "POST /SOAP/ HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: 500\r\n\r\n";
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(b"<soapenv:Envelope").await.unwrap();
    let mut buf = vec![0u8; 4096];
    let mut got = Vec::new();
    while !String::from_utf8_lossy(&got).contains("</soap:Envelope>") {
        let n = s.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed without an answer: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 500"), "{text}");
    assert!(text.contains("<faultcode>soap:Server</faultcode>"), "{text}");
    assert!(text.contains("<err_cd>SERVICE_UNAVAILABLE</err_cd>"), "{text}");
    // The server is fine afterwards.
    assert!(app.login("default", "owner", OWNER_PASSWORD).await.is_success());
}
