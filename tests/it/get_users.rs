//! GetUser and GetUsers: ordering, case-insensitive search, the result cap, tenant isolation.

use crate::helpers::TestApp;

#[tokio::test]
async fn list_is_ordered_and_searchable() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    for (name, first) in [("zed", "Zoë"), ("amy", "Amelia"), ("Bea", "Beatrix")] {
        let r = app.create_user(&owner, name, "secret-pass-1", "").await;
        assert!(r.is_success(), "{}", r.body);
        let u = format!("<token>{owner}</token><user_name>{name}</user_name><first_name>{first}</first_name>");
        assert!(app.call("UpdateUser", &u).await.is_success());
    }
    let all = app.call("GetUsers", &format!("<token>{owner}</token>")).await;
    assert!(all.is_success(), "{}", all.body);
    assert_eq!(all.fields("user_name"), vec!["amy", "Bea", "owner", "zed"]);
    let s = app.call("GetUsers", &format!("<token>{owner}</token><search>ZOË</search>")).await;
    assert_eq!(s.fields("user_name"), vec!["zed"], "unicode case-insensitive search on names");
    let s = app.call("GetUsers", &format!("<token>{owner}</token><search>EXAMPLE.ORG</search>")).await;
    assert_eq!(s.fields("user_name"), vec!["amy", "Bea", "zed"], "search on email");
    let s = app.call("GetUsers", &format!("<token>{owner}</token><search>nomatch</search>")).await;
    assert!(s.is_success() && s.fields("user_name").is_empty());
    assert_eq!(s.info(), "get: Found 0 users");
}

#[tokio::test]
async fn too_many_matches_is_operation_failed() {
    let app = TestApp::spawn_with(|s| s.search_limit = 2).await;
    let owner = app.owner_token().await;
    for n in ["u1", "u2"] {
        assert!(app.create_user(&owner, n, "secret-pass-1", "").await.is_success());
    }
    let r = app.call("GetUsers", &format!("<token>{owner}</token>")).await;
    assert_eq!(r.err_cd().as_deref(), Some("OPERATION_FAILED"));
    assert_eq!(r.info(), "search: 3 users match; narrow the search");
    assert!(r.body.contains("<faultcode>soap:Server</faultcode>"));
    let r = app.call("GetUsers", &format!("<token>{owner}</token><search>@EXAMPLE.org</search>")).await;
    assert_eq!(r.fields("user_name"), vec!["u1", "u2"]);
}

#[tokio::test]
async fn customers_are_isolated() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    assert!(app.create_user(&owner, "mine", "secret-pass-1", "").await.is_success());
    let store = usergate::open_store(&crate::helpers::settings(&app.dir)).expect("store");
    let hasher = usergate::auth::password::PasswordHasher::new(1).expect("hasher");
    usergate::admin::create_owner(&store, &hasher, crate::helpers::target("other", "boss", "bosspass1"))
        .expect("second customer");
    let other = app.token("other", "boss", "bosspass1").await;
    for op in ["GetUser", "UpdateUser", "BlockUser", "UnblockUser", "DeleteUser"] {
        let r = app.call(op, &format!("<token>{other}</token><user_name>mine</user_name>")).await;
        r.assert_fault("NOT_FOUND", "user_name:");
    }
    let list = app.call("GetUsers", &format!("<token>{other}</token>")).await;
    assert_eq!(list.fields("user_name"), vec!["boss"]);
    // The same name may exist in both customers.
    assert!(app.create_user(&other, "mine", "secret-pass-1", "").await.is_success());
    app.call("GetUser", &format!("<token>{owner}</token><user_name>nobody</user_name>"))
        .await
        .assert_fault("NOT_FOUND", "user_name:");
}
