//! BlockUser, UnblockUser, DeleteUser, UpdateUserPassword: sessions die when they must, nothing else does.

use crate::helpers::{OWNER_PASSWORD, TestApp};

#[tokio::test]
async fn block_kills_sessions_and_login_until_unblocked() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let t1 = app.user_with(&owner, "bo", "").await;
    let t2 = app.token("default", "bo", "secret-pass-1").await;
    let by = format!("<token>{owner}</token><user_name>bo</user_name>");
    let r = app.call("BlockUser", &by).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.data_field("status").as_deref(), Some("blocked"));
    let again = app.call("BlockUser", &by).await;
    assert!(again.is_success(), "blocking a blocked user is not an error");
    assert_eq!(again.field("version"), r.field("version"));
    for t in [&t1, &t2] {
        app.call("SessionIsAlive", &format!("<token>{t}</token>")).await.assert_fault("INVALID_DATA", "login:");
    }
    app.login("default", "bo", "secret-pass-1").await.assert_fault("INVALID_DATA", "login:");
    let listed = app.call("GetUsers", &format!("<token>{owner}</token><search>bo</search>")).await;
    assert_eq!(listed.data_field("status").as_deref(), Some("blocked"), "get and list show the same state");
    let r = app.call("UnblockUser", &by).await;
    assert_eq!(r.data_field("status").as_deref(), Some("active"));
    assert!(app.login("default", "bo", "secret-pass-1").await.is_success());
}

#[tokio::test]
async fn delete_is_permanent_and_kills_sessions() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let t = app.user_with(&owner, "del", "").await;
    let by = format!("<token>{owner}</token><user_name>del</user_name>");
    let r = app.call("DeleteUser", &by).await;
    assert!(r.is_success(), "{}", r.body);
    assert!(r.field("data").is_none());
    app.call("GetUser", &by).await.assert_fault("NOT_FOUND", "user_name:");
    app.call("DeleteUser", &by).await.assert_fault("NOT_FOUND", "user_name:");
    app.call("SessionIsAlive", &format!("<token>{t}</token>")).await.assert_fault("INVALID_DATA", "login:");
    // The name is free again.
    assert!(app.create_user(&owner, "del", "secret-pass-1", "").await.is_success());
}

#[tokio::test]
async fn owner_cannot_block_or_delete_itself_and_last_owner_stays() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let me = format!("<token>{owner}</token><user_name>owner</user_name>");
    app.call("BlockUser", &me).await.assert_fault("ILLEGAL_OPERATION", "user_name: you cannot block yourself");
    app.call("DeleteUser", &me).await.assert_fault("ILLEGAL_OPERATION", "user_name: you cannot delete yourself");
    app.call("UpdateUser", &format!("{me}<group_name>ADMIN</group_name>"))
        .await
        .assert_fault("ILLEGAL_OPERATION", "group_name: the last owner cannot leave OWNER");
    // A second owner may remove the first; then the second is the last one.
    let second = app.user_with(&owner, "owner2", "<group_name>OWNER</group_name>").await;
    let r = app.call("BlockUser", &format!("<token>{second}</token><user_name>owner</user_name>")).await;
    assert!(r.is_success(), "{}", r.body);
    app.call(
        "UpdateUser",
        &format!("<token>{second}</token><user_name>owner2</user_name><group_name>ADMIN</group_name>"),
    )
    .await
    .assert_fault("ILLEGAL_OPERATION", "group_name:");
}

#[tokio::test]
async fn own_password_change_needs_old_password_and_revokes_other_sessions() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let t1 = app.user_with(&owner, "pw", "").await;
    let t2 = app.token("default", "pw", "secret-pass-1").await;
    app.call(
        "UpdateUserPassword",
        &format!("<token>{t1}</token><old_password>wrong-pass</old_password><password>brand-new-1</password>"),
    )
    .await
    .assert_fault("INVALID_DATA", "old_password:");
    app.call("UpdateUserPassword", &format!("<token>{t1}</token><password>brand-new-1</password>"))
        .await
        .assert_fault("MISSING_DATA", "old_password: required");
    app.call(
        "UpdateUserPassword",
        &format!("<token>{t1}</token><old_password>secret-pass-1</old_password><password>short</password>"),
    )
    .await
    .assert_fault("INVALID_DATA", "password:");
    let r = app
        .call(
            "UpdateUserPassword",
            &format!("<token>{t1}</token><old_password>secret-pass-1</old_password><password>brand-new-1</password>"),
        )
        .await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.field("user_name").as_deref(), Some("pw"));
    assert!(app.call("SessionIsAlive", &format!("<token>{t1}</token>")).await.is_success(), "own session lives");
    app.call("SessionIsAlive", &format!("<token>{t2}</token>")).await.assert_fault("INVALID_DATA", "login:");
    app.login("default", "pw", "secret-pass-1").await.assert_fault("INVALID_DATA", "login:");
    assert!(app.login("default", "pw", "brand-new-1").await.is_success());
    assert!(app.login("default", "owner", OWNER_PASSWORD).await.is_success());
}

#[tokio::test]
async fn lockout_after_consecutive_failures() {
    let app = TestApp::spawn_with(|s| s.lock_after_failures = 3).await;
    let owner = app.owner_token().await;
    app.user_with(&owner, "lock", "").await;
    for _ in 0..3 {
        app.login("default", "lock", "wrong-pass").await.assert_fault("INVALID_DATA", "login:");
    }
    app.login("default", "lock", "secret-pass-1")
        .await
        .assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    let r = app.call("GetUser", &format!("<token>{owner}</token><user_name>lock</user_name>")).await;
    assert_eq!(r.field("locked").as_deref(), Some("true"));
    assert_eq!(r.data_field("status").as_deref(), Some("active"), "locked is not blocked");
}
