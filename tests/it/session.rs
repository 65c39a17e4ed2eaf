//! SessionLogin, SessionLogout, SessionIsAlive, SessionKeepAlive; uniform login failures; restart keeps sessions.

use crate::helpers::{OWNER_PASSWORD, TestApp};

#[tokio::test]
async fn login_then_is_alive_keep_alive_logout() {
    let app = TestApp::spawn().await;
    let r = app.login("default", "owner", OWNER_PASSWORD).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.info(), "login: Login successful");
    assert_eq!(r.field("version").as_deref(), Some(env!("CARGO_PKG_VERSION")));
    let token = r.field("token").unwrap_or_default();
    assert_eq!(token.len(), 43);
    let t = format!("<token>{token}</token>");
    assert!(app.call("SessionIsAlive", &t).await.is_success());
    assert!(app.call("SessionKeepAlive", &t).await.is_success());
    let out = app.call("SessionLogout", &t).await;
    assert!(out.is_success(), "{}", out.body);
    app.call("SessionIsAlive", &t).await.assert_fault("INVALID_DATA", "login:");
    app.call("SessionLogout", &t).await.assert_fault("INVALID_DATA", "login:");
}

#[tokio::test]
async fn login_failures_are_uniform() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.user_with(&owner, "blocked1", "").await;
    assert!(
        app.call("BlockUser", &format!("<token>{owner}</token><user_name>blocked1</user_name>")).await.is_success()
    );
    for (customer, user, password) in [
        ("default", "owner", "wrong-password"),
        ("default", "nobody", OWNER_PASSWORD),
        ("nocustomer", "owner", OWNER_PASSWORD),
        ("default", "blocked1", "secret-pass-1"),
    ] {
        let r = app.login(customer, user, password).await;
        r.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
        assert_eq!(r.info(), "login: Bad or expired credentials");
    }
}

#[tokio::test]
async fn unknown_token_and_missing_token() {
    let app = TestApp::spawn().await;
    app.call("GetUser", "<token>nope</token><user_name>owner</user_name>").await.assert_fault("INVALID_DATA", "login:");
    app.call("GetUser", "<user_name>owner</user_name>").await.assert_fault("MISSING_DATA", "token: required");
    app.call("GetUser", "<token/><user_name>owner</user_name>").await.assert_fault("MISSING_DATA", "token: required");
}

#[tokio::test]
async fn fault_incompat_answers_status_failure() {
    let app = TestApp::spawn().await;
    let r = app
        .call(
            "SessionLogin",
            "<fault_incompat>1</fault_incompat><user_name>owner</user_name><customer_name>default</customer_name><password>bad-password</password>",
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.field("status").as_deref(), Some("failure"));
    assert_eq!(r.err_cd().as_deref(), Some("INVALID_DATA"));
    assert!(r.body.contains("<tns:SessionLoginResponse"));
    assert!(!r.body.contains("Fault"));
}

#[tokio::test]
async fn users_and_sessions_survive_restart() {
    let mut app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let r = app.create_user(&owner, "keeper", "secret-pass-1", "<city>Kept</city>").await;
    assert!(r.is_success(), "{}", r.body);
    let job_before: i64 = r.field("job_id").and_then(|j| j.parse().ok()).unwrap_or(0);
    app.restart().await;
    let r = app.call("GetUser", &format!("<token>{owner}</token><user_name>keeper</user_name>")).await;
    assert!(r.is_success(), "session survives restart: {}", r.body);
    assert_eq!(r.field("city").as_deref(), Some("Kept"));
    let job_after: i64 = r.field("job_id").and_then(|j| j.parse().ok()).unwrap_or(0);
    assert!(job_after > job_before, "job ids keep increasing across restarts: {job_before} -> {job_after}");
    assert!(app.login("default", "keeper", "secret-pass-1").await.is_success());
}

#[tokio::test]
async fn correlation_id_is_echoed_or_generated() {
    let app = TestApp::spawn().await;
    let body = crate::helpers::envelope("SessionIsAlive", "<token>x</token>");
    let r =
        app.http("POST", "/SOAP/", &[("Content-Type", "text/xml"), ("X-Request-Id", "req-42")], body.as_bytes()).await;
    assert_eq!(r.header("x-request-id"), Some("req-42"));
    let r = app
        .http("POST", "/SOAP/", &[("Content-Type", "text/xml"), ("X-Correlation-Id", "corr-7")], body.as_bytes())
        .await;
    assert_eq!(r.header("x-request-id"), Some("corr-7"));
    let r = app.http("POST", "/SOAP/", &[("Content-Type", "text/xml")], body.as_bytes()).await;
    assert!(r.header("x-request-id").is_some_and(|v| v.len() >= 16));
}

#[tokio::test]
async fn idle_and_absolute_expiry() {
    // Configured lifetimes; the servers' clocks are moved, not waited for, with margins no slow machine eats up.
    let idle = TestApp::spawn_with(|s| s.session_idle_secs = 60).await;
    let absolute = TestApp::spawn_with(|s| s.session_absolute_secs = 2).await;
    let kept = idle.owner_token().await;
    let left = idle.owner_token().await;
    let old = absolute.owner_token().await;
    idle.app().clock.advance(40);
    assert!(idle.call("SessionKeepAlive", &format!("<token>{kept}</token>")).await.is_success());
    idle.app().clock.advance(40);
    assert!(
        idle.call("SessionIsAlive", &format!("<token>{kept}</token>")).await.is_success(),
        "activity restarts the idle timeout"
    );
    idle.call("SessionIsAlive", &format!("<token>{left}</token>")).await.assert_fault("INVALID_DATA", "login:");
    absolute.app().clock.advance(3);
    absolute.call("SessionKeepAlive", &format!("<token>{old}</token>")).await.assert_fault("INVALID_DATA", "login:");
}
