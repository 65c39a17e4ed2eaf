//! GetUsers' filters, sorts and keyset pages over HTTP: nobody skipped or repeated while users come, go and are
//! renamed between pages; cursors bound to their query; the unpaged answer unchanged.

use std::collections::BTreeSet;

use crate::helpers::TestApp;

/// Follows `next_cursor` from the first page of `children` to the last; between pages `between` may change things.
async fn walk<F, Fut>(app: &TestApp, children: &str, mut between: F) -> Vec<String>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0.. {
        let c = cursor.as_ref().map(|c| format!("<cursor>{c}</cursor>")).unwrap_or_default();
        let r = app.call("GetUsers", &format!("{children}{c}")).await;
        assert!(r.is_success(), "page {page}: {}", r.body);
        assert!(r.field("total").is_some(), "a paged answer has total: {}", r.body);
        seen.extend(r.fields("user_name"));
        cursor = r.field("next_cursor");
        if cursor.is_none() {
            break;
        }
        between(page).await;
    }
    seen
}

#[tokio::test]
async fn pages_skip_and_repeat_nobody_while_users_change() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    for i in 0..20 {
        assert!(app.create_user(&owner, &format!("m{i:02}"), "secret-pass-1", "").await.is_success());
    }
    // Between pages: delete a user not yet seen and one already seen, create one before and one after the cursor,
    // rename one already seen to a later name. Every user present from start to end must appear exactly once.
    let changes = [
        ("DeleteUser", "<user_name>m15</user_name>"),
        ("DeleteUser", "<user_name>m01</user_name>"),
        ("CreateUser", "a00"),
        ("CreateUser", "z99"),
        ("UpdateUser", "<user_name>m02</user_name><new_user_name>y02</new_user_name>"),
    ];
    for (sort, order) in [("user_name", "asc"), ("created_at", "desc"), ("last_login_at", "asc")] {
        let app = &app;
        let owner = &owner;
        let query = format!("<token>{owner}</token><search>m</search><sort>{sort}</sort><order>{order}</order>");
        let before: BTreeSet<String> = app
            .call("GetUsers", &format!("{query}<page_size>1000</page_size>"))
            .await
            .fields("user_name")
            .into_iter()
            .collect();
        let seen = walk(app, &format!("{query}<page_size>3</page_size>"), |page| async move {
            let Some(&(op, arg)) = changes.get(page) else { return };
            let r = if op == "CreateUser" {
                let name = format!("{arg}{sort}");
                app.create_user(owner, &format!("m{name}"), "secret-pass-1", "").await
            } else {
                app.call(op, &format!("<token>{owner}</token>{arg}")).await
            };
            // A later sort's run finds the deletes and the rename done already.
            assert!(r.is_success() || r.err_cd().as_deref() == Some("NOT_FOUND"), "{op}: {}", r.body);
        })
        .await;
        let unique: BTreeSet<String> = seen.iter().cloned().collect();
        assert_eq!(unique.len(), seen.len(), "{sort} {order}: a user was repeated: {seen:?}");
        let after: BTreeSet<String> = app
            .call("GetUsers", &format!("{query}<page_size>1000</page_size>"))
            .await
            .fields("user_name")
            .into_iter()
            .collect();
        // Present before and after (never deleted, never renamed between) means seen.
        for name in before.intersection(&after) {
            assert!(unique.contains(name), "{sort} {order}: {name} was skipped: {seen:?}");
        }
    }
}

#[tokio::test]
async fn filters_combine_and_the_unpaged_answer_is_unchanged() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    assert!(app.create_user(&owner, "ro", "secret-pass-1", "<group_name>READONLY</group_name>").await.is_success());
    let forbid = "<group_name>READONLY</group_name><forbid><name>UserGet</name></forbid>";
    assert!(app.create_user(&owner, "ro-forbidden", "secret-pass-1", forbid).await.is_success());
    let zoned = "<group_name>READONLY</group_name><forbid><name>UserGet</name><zone><zone_name>a.example</zone_name></zone></forbid>";
    assert!(app.create_user(&owner, "ro-zoned", "secret-pass-1", zoned).await.is_success());
    assert!(app.create_user(&owner, "granted", "secret-pass-1", "<permission>UserGet</permission>").await.is_success());
    assert!(app.create_user(&owner, "blocked1", "secret-pass-1", "").await.is_success());
    assert!(
        app.call("BlockUser", &format!("<token>{owner}</token><user_name>blocked1</user_name>")).await.is_success()
    );

    let names = |r: &crate::helpers::Resp| r.fields("user_name");
    // Holds UserGet: owners, READONLY members, direct grants; a forbid without zones takes it away, one with zones
    // does not.
    let r = app.call("GetUsers", &format!("<token>{owner}</token><permission>UserGet</permission>")).await;
    assert_eq!(names(&r), ["granted", "owner", "ro", "ro-zoned"]);
    assert_eq!(r.field("total"), None, "an unpaged answer has no paging elements");
    let r = app.call("GetUsers", &format!("<token>{owner}</token><status>blocked</status>")).await;
    assert_eq!(names(&r), ["blocked1"]);
    let r = app
        .call(
            "GetUsers",
            &format!(
                "<token>{owner}</token><status>active</status><group_name>READONLY</group_name><page_size>2</page_size>"
            ),
        )
        .await;
    assert_eq!(names(&r), ["ro", "ro-forbidden"]);
    assert_eq!(r.field("total").as_deref(), Some("3"));
    let r = app.call("GetUsers", &format!("<token>{owner}</token><email>GRANTED@example.ORG</email>")).await;
    assert_eq!(names(&r), ["granted"]);
    // Logged in: owner only. last_login_before the far future: everyone, those who never logged in too.
    let r = app
        .call(
            "GetUsers",
            &format!("<token>{owner}</token><sort>last_login_at</sort><order>desc</order><page_size>1</page_size>"),
        )
        .await;
    assert_eq!(names(&r), ["owner"]);
    let r = app
        .call("GetUsers", &format!("<token>{owner}</token><last_login_before>2999-01-01T00:00:00Z</last_login_before>"))
        .await;
    assert_eq!(names(&r).len(), 6);
    let r = app
        .call("GetUsers", &format!("<token>{owner}</token><last_login_before>2000-01-01T00:00:00Z</last_login_before>"))
        .await;
    assert_eq!(names(&r).len(), 5, "all but the owner never logged in");
    // Unpaged over the search limit is still OPERATION_FAILED; paged it is fine.
    let app2 = TestApp::spawn_with(|s| s.search_limit = 2).await;
    let o2 = app2.owner_token().await;
    for n in ["u1", "u2"] {
        assert!(app2.create_user(&o2, n, "secret-pass-1", "").await.is_success());
    }
    let r = app2.call("GetUsers", &format!("<token>{o2}</token>")).await;
    assert_eq!(r.err_cd().as_deref(), Some("OPERATION_FAILED"));
    let r = app2.call("GetUsers", &format!("<token>{o2}</token><page_size>2</page_size>")).await;
    assert_eq!((names(&r).len(), r.field("total")), (2, Some("3".into())));
}

#[tokio::test]
async fn cursors_belong_to_their_query_and_cannot_be_forged() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    for n in ["c1", "c2", "c3"] {
        assert!(app.create_user(&owner, n, "secret-pass-1", "").await.is_success());
    }
    let first = app.call("GetUsers", &format!("<token>{owner}</token><page_size>2</page_size>")).await;
    let cursor = first.field("next_cursor").expect("a second page");
    let ok =
        app.call("GetUsers", &format!("<token>{owner}</token><page_size>2</page_size><cursor>{cursor}</cursor>")).await;
    assert_eq!(ok.fields("user_name"), ["c3", "owner"]);
    assert_eq!(ok.field("next_cursor"), None, "the last page has no cursor");
    // Another sort, order, filter, or an altered cursor: INVALID_DATA naming the cursor.
    for other in ["<sort>created_at</sort>", "<order>desc</order>", "<search>c</search>", "<status>active</status>"] {
        let r = app
            .call(
                "GetUsers",
                &format!("<token>{owner}</token><page_size>2</page_size>{other}<cursor>{cursor}</cursor>"),
            )
            .await;
        r.assert_fault("INVALID_DATA", "cursor: ");
    }
    let mut forged = cursor.clone().into_bytes();
    forged[2] = if forged[2] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    app.call("GetUsers", &format!("<token>{owner}</token><cursor>{forged}</cursor>"))
        .await
        .assert_fault("INVALID_DATA", "cursor: ");
    // A cursor of GetAuditEvents does not page GetUsers.
    let audit = app.call("GetAuditEvents", &format!("<token>{owner}</token><page_size>1</page_size>")).await;
    let audit_cursor = audit.field("next_cursor").expect("more events");
    app.call("GetUsers", &format!("<token>{owner}</token><cursor>{audit_cursor}</cursor>"))
        .await
        .assert_fault("INVALID_DATA", "cursor: ");
    // Nor does it work for another customer.
    let store = usergate::open_store(&crate::helpers::settings(&app.dir)).expect("store");
    let hasher = usergate::auth::password::PasswordHasher::new(1).expect("hasher");
    usergate::admin::create_owner(&store, &hasher, crate::helpers::target("other", "boss", "bosspass1")).unwrap();
    let boss = app.token("other", "boss", "bosspass1").await;
    app.call("GetUsers", &format!("<token>{boss}</token><page_size>2</page_size><cursor>{cursor}</cursor>"))
        .await
        .assert_fault("INVALID_DATA", "cursor: ");
}

#[tokio::test]
async fn listing_needs_user_get() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let plain = app.user_with(&owner, "plain", "").await;
    app.call("GetUsers", &format!("<token>{plain}</token><page_size>5</page_size>"))
        .await
        .assert_fault("PERMISSION_DENIED", "permission: UserGet is required");
    let reader = app.user_with(&owner, "reader", "<group_name>READONLY</group_name>").await;
    let r = app.call("GetUsers", &format!("<token>{reader}</token><page_size>5</page_size>")).await;
    assert_eq!(r.fields("user_name"), ["owner", "plain", "reader"]);
}
