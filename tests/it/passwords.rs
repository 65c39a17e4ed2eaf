//! Passwords and the second factor: policy (length, common list, history), expiry and must-change at SessionLogin
//! with `new_password`, the expiry warning, and TOTP with codes the test computes from the key and the server's clock.

use usergate::auth::totp::{STEP_SECS, code, step_at};

use crate::helpers::{Resp, TestApp};

/// RFC 6238's SHA-1 test key, base32.
const KEY_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const KEY: &[u8] = b"12345678901234567890";
const DAY: i64 = 86_400;

fn login_children(user: &str, password: &str, extra: &str) -> String {
    format!("<user_name>{user}</user_name><customer_name>default</customer_name><password>{password}</password>{extra}")
}

async fn login(app: &TestApp, user: &str, password: &str, extra: &str) -> Resp {
    app.call("SessionLogin", &login_children(user, password, extra)).await
}

/// The code the user's authenticator shows now, by the server's clock.
fn current_code(app: &TestApp) -> String {
    code(KEY, step_at(app.app().clock.now().0))
}

fn warnings(r: &Resp) -> Vec<String> {
    r.body
        .split("<msgs>")
        .skip(1)
        .filter(|m| m.contains("<lvl>WARN</lvl>"))
        .filter_map(|m| crate::helpers::field(m, "info"))
        .collect()
}

/// A user of `default` with TOTP on (set by the owner).
async fn totp_user(app: &TestApp, owner: &str, name: &str) {
    let r = app.create_user(owner, name, "tina-pass-1", "").await;
    assert!(r.is_success(), "{}", r.body);
    let c = format!("<token>{owner}</token><user_name>{name}</user_name><totp_key>{KEY_B32}</totp_key>");
    let r = app.call("UpdateUser", &c).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.data_field("is_totp_enabled").as_deref(), Some("true"));
}

#[tokio::test]
async fn totp_login_needs_the_current_code_once() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    totp_user(&app, &owner, "tina").await;
    // Missing and wrong codes are the uniform failure, also with the right password.
    login(&app, "tina", "tina-pass-1", "").await.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    let wrong = format!("{:06}", (current_code(&app).parse::<u32>().unwrap() + 1) % 1_000_000);
    let r = login(&app, "tina", "tina-pass-1", &format!("<totp_code>{wrong}</totp_code>")).await;
    r.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    // A right code with a wrong password tells nothing either.
    let r = login(&app, "tina", "wrong-pass-1", &format!("<totp_code>{}</totp_code>", current_code(&app))).await;
    r.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    let now_code = current_code(&app);
    let r = login(&app, "tina", "tina-pass-1", &format!("<totp_code>{now_code}</totp_code>")).await;
    assert!(r.is_success(), "{}", r.body);
    // The same code again is a replay.
    let r = login(&app, "tina", "tina-pass-1", &format!("<totp_code>{now_code}</totp_code>")).await;
    r.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    // One step later the next code works; a code two steps old does not.
    app.app().clock.advance(STEP_SECS);
    let r = login(&app, "tina", "tina-pass-1", &format!("<totp_code>{}</totp_code>", current_code(&app))).await;
    assert!(r.is_success(), "{}", r.body);
    app.app().clock.advance(3 * STEP_SECS);
    let old = code(KEY, step_at(app.app().clock.now().0) - 2);
    let r = login(&app, "tina", "tina-pass-1", &format!("<totp_code>{old}</totp_code>")).await;
    r.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    // Wrong codes counted like wrong passwords: the account's failure count is in login_guard.
    let failures: i64 =
        app.sql().query_row("SELECT failures FROM login_guard WHERE user_key = 'tina'", [], |r| r.get(0)).unwrap();
    assert_eq!(failures, 1, "the last wrong code counts (successes reset the count)");
    // Turning TOTP off lets the password alone in again.
    let c = format!("<token>{owner}</token><user_name>tina</user_name><is_totp_enabled>false</is_totp_enabled>");
    assert!(app.call("UpdateUser", &c).await.is_success());
    assert!(login(&app, "tina", "tina-pass-1", "").await.is_success());
}

#[tokio::test]
async fn two_concurrent_logins_with_one_code_let_exactly_one_in() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    totp_user(&app, &owner, "tina").await;
    for round in 0..3 {
        let c = format!("<totp_code>{}</totp_code>", current_code(&app));
        let (a, b) = tokio::join!(login(&app, "tina", "tina-pass-1", &c), login(&app, "tina", "tina-pass-1", &c));
        let wins = [&a, &b].iter().filter(|r| r.is_success()).count();
        assert_eq!(wins, 1, "round {round}: {}\n{}", a.body, b.body);
        let loser = if a.is_success() { &b } else { &a };
        loser.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
        app.app().clock.advance(STEP_SECS);
    }
}

#[tokio::test]
async fn the_key_stays_sealed() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    totp_user(&app, &owner, "tina").await;
    let conn = app.sql();
    let sealed: Vec<u8> =
        conn.query_row("SELECT totp_key FROM users WHERE user_name = 'tina'", [], |r| r.get(0)).unwrap();
    assert!(!sealed.windows(KEY.len()).any(|w| w == KEY), "the key is stored sealed");
    let mut texts: Vec<String> = Vec::new();
    for sql in
        ["SELECT COALESCE(user_view, '') || info FROM job_results", "SELECT changed || target || actor_name FROM audit"]
    {
        let mut stmt = conn.prepare(sql).unwrap();
        texts.extend(stmt.query_map([], |r| r.get::<_, String>(0)).unwrap().map(Result::unwrap));
    }
    assert!(texts.iter().any(|t| t.contains("totp_key")), "the audit names the field: {texts:?}");
    for t in &texts {
        assert!(!t.contains(KEY_B32) && !t.contains("12345678901234567890"), "key in {t}");
    }
    let r = app.call("GetUser", &format!("<token>{owner}</token><user_name>tina</user_name>")).await;
    assert!(!r.body.contains("totp_key") && !r.body.contains(KEY_B32), "{}", r.body);
}

#[tokio::test]
async fn expiry_warns_then_requires_a_new_password() {
    let app = TestApp::spawn_with(|s| {
        s.password_max_age_days = 30;
        s.password_expiry_warn_days = 14;
    })
    .await;
    let owner = app.owner_token().await;
    let r = app.create_user(&owner, "pat", "pat-pass-1", "").await;
    assert!(r.is_success(), "{}", r.body);
    assert!(r.data_field("password_expiry").is_some(), "a new password expires: {}", r.body);
    let r = login(&app, "pat", "pat-pass-1", "").await;
    assert!(r.is_success() && warnings(&r).is_empty(), "{}", r.body);
    app.app().clock.advance(20 * DAY);
    let r = login(&app, "pat", "pat-pass-1", "").await;
    assert!(r.is_success(), "{}", r.body);
    let warned = warnings(&r);
    assert_eq!(warned.len(), 1, "{}", r.body);
    assert!(warned[0].starts_with("password: expires in 10 days"), "{warned:?}");
    app.app().clock.advance(11 * DAY);
    // Expired: a wrong password still gets the uniform answer; the right one is told to send new_password.
    login(&app, "pat", "wrong-pass-1", "").await.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    login(&app, "pat", "pat-pass-1", "").await.assert_fault("INVALID_DATA", "password: expired, send new_password");
    let reuse = "<new_password>pat-pass-1</new_password>";
    login(&app, "pat", "pat-pass-1", reuse).await.assert_fault("INVALID_DATA", "new_password: used recently");
    let r = login(&app, "pat", "pat-pass-1", "<new_password>pat-pass-2</new_password>").await;
    assert!(r.is_success() && warnings(&r).is_empty(), "{}", r.body);
    login(&app, "pat", "pat-pass-1", "").await.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    assert!(login(&app, "pat", "pat-pass-2", "").await.is_success());
    // The change is audited as the login's own record, naming the field.
    let changed: String = app
        .sql()
        .query_row(
            "SELECT changed FROM audit WHERE operation = 'SessionLogin' AND outcome = 'success' AND changed != '' ",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(changed, "password");
}

#[tokio::test]
async fn must_change_is_lifted_by_the_new_password() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    assert!(app.create_user(&owner, "max", "max-pass-1", "").await.is_success());
    let old = app.token("default", "max", "max-pass-1").await;
    let c = format!("<token>{owner}</token><user_name>max</user_name><require_pw_change>true</require_pw_change>");
    assert!(app.call("UpdateUser", &c).await.is_success());
    login(&app, "max", "wrong-pass-1", "").await.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    let r = login(&app, "max", "max-pass-1", "").await;
    r.assert_fault("INVALID_DATA", "password: must be changed, send new_password");
    let r = login(&app, "max", "max-pass-1", "<new_password>123456789</new_password>").await;
    r.assert_fault("INVALID_DATA", "new_password: too common");
    let r = login(&app, "max", "max-pass-1", "<new_password>max-pass-2</new_password>").await;
    assert!(r.is_success(), "{}", r.body);
    assert!(login(&app, "max", "max-pass-2", "").await.is_success(), "the flag is cleared");
    // The password change ended the session from before.
    let r = app.call("SessionIsAlive", &format!("<token>{old}</token>")).await;
    assert!(!r.is_success(), "{}", r.body);
    let flag: i64 =
        app.sql().query_row("SELECT require_pw_change FROM users WHERE user_name = 'max'", [], |r| r.get(0)).unwrap();
    assert_eq!(flag, 0);
}

#[tokio::test]
async fn history_refuses_the_last_n_passwords() {
    let app = TestApp::spawn_with(|s| s.password_history = 3).await;
    let owner = app.owner_token().await;
    assert!(app.create_user(&owner, "hal", "hal-pass-1", "").await.is_success());
    let token = app.token("default", "hal", "hal-pass-1").await;
    let (app, token) = (&app, token.as_str());
    let change = |old: &'static str, new: &'static str| {
        let c = format!("<token>{token}</token><old_password>{old}</old_password><password>{new}</password>");
        async move { app.call("UpdateUserPassword", &c).await }
    };
    assert!(change("hal-pass-1", "hal-pass-2").await.is_success());
    assert!(change("hal-pass-2", "hal-pass-3").await.is_success());
    // hal-pass-1 is the third most recent (the current one counts): refused.
    change("hal-pass-3", "hal-pass-1").await.assert_fault("INVALID_DATA", "password: used recently");
    assert!(change("hal-pass-3", "hal-pass-4").await.is_success());
    // Now it is the fourth: allowed again.
    assert!(change("hal-pass-4", "hal-pass-1").await.is_success());
    // An owner's UpdateUser password follows the same rule.
    let c = format!("<token>{owner}</token><user_name>hal</user_name><password>hal-pass-4</password>");
    app.call("UpdateUser", &c).await.assert_fault("INVALID_DATA", "password: used recently");
}

#[tokio::test]
async fn wrong_old_passwords_count_toward_the_lockout() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    assert!(app.create_user(&owner, "olga", "olga-pass-1", "").await.is_success());
    let token = app.token("default", "olga", "olga-pass-1").await;
    let change = |old: &str, new: &str| {
        format!("<token>{token}</token><old_password>{old}</old_password><password>{new}</password>")
    };
    for _ in 0..5 {
        let r = app.call("UpdateUserPassword", &change("guess-pass-1", "olga-pass-2")).await;
        r.assert_fault("INVALID_DATA", "old_password: does not match");
    }
    // Five failures: the account is in its delay, for this check and for logins alike, even with the right password.
    let r = app.call("UpdateUserPassword", &change("olga-pass-1", "olga-pass-2")).await;
    r.assert_fault("INVALID_DATA", "old_password: too many wrong attempts; retry later");
    login(&app, "olga", "olga-pass-1", "").await.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    let failures: i64 =
        app.sql().query_row("SELECT failures FROM login_guard WHERE user_key = 'olga'", [], |r| r.get(0)).unwrap();
    assert_eq!(failures, 5, "refusals in the delay do not count");
    // Each wrong guess left one failure audit record (and no second one).
    let records: i64 = app
        .sql()
        .query_row(
            "SELECT count(*) FROM audit WHERE operation = 'UpdateUserPassword' AND outcome = 'INVALID_DATA'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(records, 6);
    app.app().clock.advance(2);
    assert!(app.call("UpdateUserPassword", &change("olga-pass-1", "olga-pass-2")).await.is_success());
    let left: i64 =
        app.sql().query_row("SELECT count(*) FROM login_guard WHERE user_key = 'olga'", [], |r| r.get(0)).unwrap();
    assert_eq!(left, 0, "a right old password forgets the failures");
}

#[tokio::test]
async fn a_user_sets_its_own_totp_key_through_update_current_user() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let token = app.user_with(&owner, "sam", "").await;
    let c = format!("<token>{token}</token><totp_label>sam phone</totp_label><totp_key>{KEY_B32}</totp_key>");
    let r = app.call("UpdateCurrentUser", &c).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.data_field("is_totp_enabled").as_deref(), Some("true"));
    login(&app, "sam", "secret-pass-1", "").await.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    let r = login(&app, "sam", "secret-pass-1", &format!("<totp_code>{}</totp_code>", current_code(&app))).await;
    assert!(r.is_success(), "{}", r.body);
}
