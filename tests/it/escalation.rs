//! Permissions: each operation's gate, no escalation, nobody manages a more powerful user.

use crate::helpers::TestApp;

#[tokio::test]
async fn readonly_user_can_read_but_not_write() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let ro = app.user_with(&owner, "reader", "<group_name>READONLY</group_name>").await;
    app.user_with(&owner, "victim", "").await;
    assert!(app.call("GetUser", &format!("<token>{ro}</token><user_name>victim</user_name>")).await.is_success());
    assert!(app.call("GetUsers", &format!("<token>{ro}</token>")).await.is_success());
    for (op, extra) in [("UpdateUser", "<city>x</city>"), ("BlockUser", ""), ("UnblockUser", ""), ("DeleteUser", "")] {
        let r = app.call(op, &format!("<token>{ro}</token><user_name>victim</user_name>{extra}")).await;
        r.assert_fault("PERMISSION_DENIED", "permission:");
    }
    app.create_user(&ro, "new1", "secret-pass-1", "")
        .await
        .assert_fault("PERMISSION_DENIED", "permission: UserAdd is required");
}

#[tokio::test]
async fn default_user_cannot_read_others() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let plain = app.user_with(&owner, "plain", "").await;
    app.call("GetUser", &format!("<token>{plain}</token><user_name>owner</user_name>"))
        .await
        .assert_fault("PERMISSION_DENIED", "permission: UserGet is required");
}

#[tokio::test]
async fn no_escalation() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    // A user manager who is not an owner: user management permissions, granted directly.
    let mgr = app
        .user_with(
            &owner,
            "mgr",
            "<permission>UserAdd</permission><permission>UserGet</permission><permission>UserUpdate</permission>\
             <permission>UserBlock</permission><permission>UserDelete</permission><permission>PermissionUpdate</permission>",
        )
        .await;
    app.create_user(&mgr, "x1", "secret-pass-1", "<group_name>OWNER</group_name>")
        .await
        .assert_fault("PERMISSION_DENIED", "group_name: you cannot grant OWNER");
    app.create_user(&mgr, "x2", "secret-pass-1", "<permission>ZoneGet</permission>")
        .await
        .assert_fault("PERMISSION_DENIED", "permission: you cannot grant ZoneGet");
    assert!(app.create_user(&mgr, "x3", "secret-pass-1", "<permission>UserGet</permission>").await.is_success());
    // Cannot raise itself or touch the owner.
    app.call("UpdateUser", &format!("<token>{mgr}</token><user_name>mgr</user_name><group_name>OWNER</group_name>"))
        .await
        .assert_fault("PERMISSION_DENIED", "group_name: you cannot grant OWNER");
    app.call("UpdateUser", &format!("<token>{mgr}</token><user_name>mgr</user_name><permission>UserUnblock</permission><permission>UserAdd</permission>"))
        .await
        .assert_fault("PERMISSION_DENIED", "permission: you cannot grant UserUnblock");
    for op in ["BlockUser", "DeleteUser"] {
        app.call(op, &format!("<token>{mgr}</token><user_name>owner</user_name>"))
            .await
            .assert_fault("PERMISSION_DENIED", "user_name: owner holds permissions you do not");
    }
    app.call(
        "UpdateUser",
        &format!("<token>{mgr}</token><user_name>owner</user_name><password>taken-over-1</password>"),
    )
    .await
    .assert_fault("PERMISSION_DENIED", "user_name:");
    // Without UserUnblock, status=active is refused even through UpdateUser.
    assert!(app.call("BlockUser", &format!("<token>{mgr}</token><user_name>x3</user_name>")).await.is_success());
    app.call("UpdateUser", &format!("<token>{mgr}</token><user_name>x3</user_name><status>active</status>"))
        .await
        .assert_fault("PERMISSION_DENIED", "permission: UserUnblock is required");
    // Access lists need PermissionUpdate.
    let upd = app.user_with(&owner, "upd", "<permission>UserUpdate</permission><permission>UserGet</permission>").await;
    app.call("UpdateUser", &format!("<token>{upd}</token><user_name>x3</user_name><permission/>"))
        .await
        .assert_fault("PERMISSION_DENIED", "permission: PermissionUpdate is required");
}

#[tokio::test]
async fn forbid_wins_over_grant() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let t = app.user_with(&owner, "fb", "<group_name>READONLY</group_name><forbid><name>UserGet</name></forbid>").await;
    app.call("GetUsers", &format!("<token>{t}</token>")).await.assert_fault("PERMISSION_DENIED", "permission:");
}
