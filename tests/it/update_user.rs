//! UpdateUser: patch semantics (absent, clear, set), rename, lists, status, version.

use crate::helpers::TestApp;

async fn setup() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let r = app
        .create_user(
            &owner,
            "pat",
            "secret-pass-1",
            "<city>Paris</city><phone>+33 1 23 45 67 89</phone><permission>ZoneGet</permission>",
        )
        .await;
    assert!(r.is_success(), "{}", r.body);
    (app, owner)
}

#[tokio::test]
async fn partial_update_keeps_the_rest() {
    let (app, owner) = setup().await;
    let r = app
        .call("UpdateUser", &format!("<token>{owner}</token><user_name>pat</user_name><state>Île-de-France</state>"))
        .await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.field("state").as_deref(), Some("Île-de-France"));
    assert_eq!(r.field("city").as_deref(), Some("Paris"));
    assert_eq!(r.fields("permission"), vec!["ZoneGet"]);
    assert_eq!(r.field("version").as_deref(), Some("2"));
    // Nothing changed: the version stays.
    let r = app
        .call("UpdateUser", &format!("<token>{owner}</token><user_name>pat</user_name><state>Île-de-France</state>"))
        .await;
    assert_eq!(r.field("version").as_deref(), Some("2"));
}

#[tokio::test]
async fn clear_with_empty_or_nil_and_required_cannot_be_cleared() {
    let (app, owner) = setup().await;
    let nil = "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:nil=\"true\"";
    let r =
        app.call("UpdateUser", &format!("<token>{owner}</token><user_name>pat</user_name><city/><phone {nil}/>")).await;
    assert!(r.is_success(), "{}", r.body);
    assert!(r.field("city").is_none() && r.field("phone").is_none(), "{}", r.body);
    app.call("UpdateUser", &format!("<token>{owner}</token><user_name>pat</user_name><email/>"))
        .await
        .assert_fault("MISSING_DATA", "email: required");
    app.call("UpdateUser", &format!("<token>{owner}</token><user_name>pat</user_name><first_name {nil}/>"))
        .await
        .assert_fault("MISSING_DATA", "first_name: required");
    app.call("UpdateUser", &format!("<token>{owner}</token><user_name>pat</user_name><new_user_name/>"))
        .await
        .assert_fault("MISSING_DATA", "new_user_name: required");
}

#[tokio::test]
async fn rename_keeps_identity_and_sessions() {
    let (app, owner) = setup().await;
    let pat = app.token("default", "pat", "secret-pass-1").await;
    let before = app.call("GetUser", &format!("<token>{owner}</token><user_name>pat</user_name>")).await;
    let r = app
        .call(
            "UpdateUser",
            &format!("<token>{owner}</token><user_name>pat</user_name><new_user_name>patricia</new_user_name>"),
        )
        .await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.field("user_id"), before.field("user_id"));
    assert_eq!(r.field("uid"), before.field("uid"));
    app.call("GetUser", &format!("<token>{owner}</token><user_name>pat</user_name>"))
        .await
        .assert_fault("NOT_FOUND", "user_name:");
    assert!(
        app.call("SessionIsAlive", &format!("<token>{pat}</token>")).await.is_success(),
        "sessions survive a rename"
    );
    assert!(app.login("default", "patricia", "secret-pass-1").await.is_success());
    app.call(
        "UpdateUser",
        &format!("<token>{owner}</token><user_name>patricia</user_name><new_user_name>OWNER</new_user_name>"),
    )
    .await
    .assert_fault("TARGET_EXISTS", "new_user_name:");
}

#[tokio::test]
async fn lists_replace_and_empty_element_clears() {
    let (app, owner) = setup().await;
    let r = app
        .call("UpdateUser", &format!("<token>{owner}</token><user_name>pat</user_name><permission>RecordGet</permission><group_name>ADMIN,READONLY</group_name><zone><zone_name>z.org</zone_name></zone>"))
        .await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.fields("permission"), vec!["RecordGet"]);
    assert_eq!(r.fields("group_name"), vec!["ADMIN", "READONLY", "DEFAULT"]);
    let r = app
        .call(
            "UpdateUser",
            &format!("<token>{owner}</token><user_name>pat</user_name><permission/><group_name/><zone/>"),
        )
        .await;
    assert!(r.is_success(), "{}", r.body);
    assert!(r.fields("permission").is_empty());
    assert_eq!(r.fields("group_name"), vec!["DEFAULT"], "DEFAULT cannot be removed");
    assert!(r.fields("zone_name").is_empty());
}

#[tokio::test]
async fn status_acts_like_block_and_unblock() {
    let (app, owner) = setup().await;
    let pat = app.token("default", "pat", "secret-pass-1").await;
    let r = app
        .call("UpdateUser", &format!("<token>{owner}</token><user_name>pat</user_name><status>blocked</status>"))
        .await;
    assert_eq!(r.data_field("status").as_deref(), Some("blocked"), "{}", r.body);
    app.call("SessionIsAlive", &format!("<token>{pat}</token>")).await.assert_fault("INVALID_DATA", "login:");
    let r = app
        .call("UpdateUser", &format!("<token>{owner}</token><user_name>pat</user_name><status>active</status>"))
        .await;
    assert_eq!(r.data_field("status").as_deref(), Some("active"));
    app.call("UpdateUser", &format!("<token>{owner}</token><user_name>pat</user_name><status>gone</status>"))
        .await
        .assert_fault("INVALID_DATA", "status:");
}

#[tokio::test]
async fn admin_password_reset_revokes_target_sessions() {
    let (app, owner) = setup().await;
    let pat = app.token("default", "pat", "secret-pass-1").await;
    let r = app
        .call(
            "UpdateUser",
            &format!("<token>{owner}</token><user_name>pat</user_name><password>new-secret-2</password>"),
        )
        .await;
    assert!(r.is_success(), "{}", r.body);
    app.call("SessionIsAlive", &format!("<token>{pat}</token>")).await.assert_fault("INVALID_DATA", "login:");
    assert!(app.login("default", "pat", "new-secret-2").await.is_success());
    assert!(app.call("SessionIsAlive", &format!("<token>{owner}</token>")).await.is_success());
}
