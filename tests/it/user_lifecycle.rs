//! Lifecycle and self-service (issue 7): DeactivateUser and ReactivateUser, hold, the owner-only fields of
//! UpdateUser, organization moves, GetUser by id or uid, GetCurrentUser, UpdateCurrentUser, and `expected_version`
//! (optimistic concurrency), including parallel writers holding the same version.

use crate::dynect::{V3, dyn_call};
use crate::helpers::{Resp, TestApp};

const PW: &str = "secret-pass-1";

/// The audit record of a job: its outcome, its changed fields, and the info GetJob answers.
fn audit_row(app: &TestApp, job: &str) -> (String, String, String) {
    let job: i64 = job.parse().unwrap();
    app.sql()
        .query_row(
            "SELECT a.outcome, a.changed, r.info FROM audit a JOIN job_results r ON r.job_id = a.id WHERE a.id = ?1",
            [job],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

fn version(r: &Resp) -> i64 {
    r.data_field("version").unwrap().parse().unwrap()
}

async fn get(app: &TestApp, token: &str, name: &str) -> Resp {
    app.call("GetUser", &format!("<token>{token}</token><user_name>{name}</user_name>")).await
}

#[tokio::test]
async fn deactivated_users_cannot_log_in_lose_their_sessions_and_stay_readable() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let own_token = app.user_with(&owner, "dora", "<city>Oslo</city>").await;
    let r = app.call("DeactivateUser", &format!("<token>{owner}</token><user_name>dora</user_name>")).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.data_field("active").as_deref(), Some("false"));
    assert_eq!(r.data_field("status").as_deref(), Some("active"), "active is independent of blocked");
    let (outcome, changed, _) = audit_row(&app, &r.field("job_id").unwrap());
    assert_eq!((outcome.as_str(), changed.as_str()), ("success", "active"));

    // Its session died at once; a login is the uniform failure.
    app.call("GetCurrentUser", &format!("<token>{own_token}</token>"))
        .await
        .assert_fault("INVALID_DATA", "login: Bad or expired token");
    app.login("default", "dora", PW).await.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    // Its data stays readable.
    let read = get(&app, &owner, "dora").await;
    assert!(read.is_success(), "{}", read.body);
    assert_eq!(read.data_field("active").as_deref(), Some("false"));
    assert_eq!(read.data_field("city").as_deref(), Some("Oslo"));

    // Deactivating again changes nothing and is no error.
    let again = app.call("DeactivateUser", &format!("<token>{owner}</token><user_name>dora</user_name>")).await;
    assert!(again.is_success(), "{}", again.body);
    assert_eq!(version(&again), version(&read));

    let back = app.call("ReactivateUser", &format!("<token>{owner}</token><user_name>dora</user_name>")).await;
    assert!(back.is_success(), "{}", back.body);
    assert_eq!(back.data_field("active").as_deref(), Some("true"));
    assert!(app.login("default", "dora", PW).await.is_success());
}

#[tokio::test]
async fn combined_flags_change_both_states_in_one_record() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.user_with(&owner, "eve", "").await;
    let c = format!("<token>{owner}</token><user_name>eve</user_name><block_user>true</block_user>");
    let r = app.call("DeactivateUser", &c).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(
        (r.data_field("active").as_deref(), r.data_field("status").as_deref()),
        (Some("false"), Some("blocked"))
    );
    let (_, changed, info) = audit_row(&app, &r.field("job_id").unwrap());
    assert_eq!(changed, "active,status");
    assert_eq!(info, "deactivate: User deactivated and blocked");
    assert_eq!(version(&r), 2, "one change, one version");

    // Reactivating alone leaves the block: still no login.
    let r = app.call("ReactivateUser", &format!("<token>{owner}</token><user_name>eve</user_name>")).await;
    assert_eq!((r.data_field("active").as_deref(), r.data_field("status").as_deref()), (Some("true"), Some("blocked")));
    app.login("default", "eve", PW).await.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    let c = format!("<token>{owner}</token><user_name>eve</user_name>");
    assert!(app.call("DeactivateUser", &c).await.is_success());
    let c = format!("<token>{owner}</token><user_name>eve</user_name><unblock_user>1</unblock_user>");
    let r = app.call("ReactivateUser", &c).await;
    assert_eq!((r.data_field("active").as_deref(), r.data_field("status").as_deref()), (Some("true"), Some("active")));
    let (_, changed, _) = audit_row(&app, &r.field("job_id").unwrap());
    assert_eq!(changed, "active,status");
    assert!(app.login("default", "eve", PW).await.is_success());
}

#[tokio::test]
async fn gates_and_rules_of_deactivation() {
    let app = TestApp::spawn_with(|s| s.login_rate_per_minute = 0).await;
    let owner = app.owner_token().await;
    app.user_with(&owner, "plain", "").await;
    app.user_with(&owner, "boss", "<group_name>ADMIN</group_name>").await;
    let deleter = app.user_with(&owner, "deleter", "<permission>UserDelete</permission>").await;
    let unblocker = app.user_with(&owner, "unblocker", "<permission>UserUnblock</permission>").await;

    // UserDelete gates both; the combined flags also need UserBlock / UserUnblock.
    let on = |t: &str, name: &str, extra: &str| format!("<token>{t}</token><user_name>{name}</user_name>{extra}");
    app.call("DeactivateUser", &on(&unblocker, "plain", ""))
        .await
        .assert_fault("PERMISSION_DENIED", "permission: UserDelete is required");
    app.call("DeactivateUser", &on(&deleter, "plain", "<block_user>true</block_user>"))
        .await
        .assert_fault("PERMISSION_DENIED", "permission: UserBlock is required");
    app.call("ReactivateUser", &on(&deleter, "plain", "<unblock_user>true</unblock_user>"))
        .await
        .assert_fault("PERMISSION_DENIED", "permission: UserUnblock is required");
    // Nobody acts on a more powerful user, nor on itself.
    app.call("DeactivateUser", &on(&deleter, "boss", ""))
        .await
        .assert_fault("PERMISSION_DENIED", "user_name: boss holds permissions you do not");
    app.call("DeactivateUser", &on(&deleter, "deleter", ""))
        .await
        .assert_fault("ILLEGAL_OPERATION", "user_name: you cannot deactivate yourself");
    let r = app.call("DeactivateUser", &on(&deleter, "plain", "")).await;
    assert!(r.is_success(), "{}", r.body);
    assert!(app.call("ReactivateUser", &on(&deleter, "plain", "")).await.is_success());
    // A failure leaves its audit record too.
    let r = app.call("DeactivateUser", &on(&deleter, "boss", "")).await;
    assert_eq!(audit_row(&app, &r.field("job_id").unwrap()).0, "PERMISSION_DENIED");
}

#[tokio::test]
async fn a_user_on_hold_cannot_be_deactivated_or_deleted() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.user_with(&owner, "held", "").await;
    let c = format!("<token>{owner}</token><user_name>held</user_name><hold>true</hold>");
    let r = app.call("UpdateUser", &c).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.data_field("hold").as_deref(), Some("true"));
    let target = format!("<token>{owner}</token><user_name>held</user_name>");
    app.call("DeactivateUser", &target).await.assert_fault("ILLEGAL_OPERATION", "user_name: the user is on hold");
    app.call("DeleteUser", &target).await.assert_fault("ILLEGAL_OPERATION", "user_name: the user is on hold");
    // Blocking is not a lifecycle change: it stays allowed.
    assert!(app.call("BlockUser", &target).await.is_success());
    let c = format!("<token>{owner}</token><user_name>held</user_name><hold>N</hold>");
    assert!(app.call("UpdateUser", &c).await.is_success());
    assert!(app.call("DeactivateUser", &target).await.is_success());
    assert!(app.call("DeleteUser", &target).await.is_success());
}

#[tokio::test]
async fn only_owners_set_hold_locked_expiry_and_must_change() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.user_with(&owner, "target", "").await;
    let updater = app.user_with(&owner, "updater", "<permission>UserUpdate</permission>").await;
    for (field, value) in [
        ("hold", "true"),
        ("locked", "false"),
        ("password_expiry", "2027-01-31T00:00:00Z"),
        ("require_pw_change", "true"),
    ] {
        let c = format!("<token>{updater}</token><user_name>target</user_name><{field}>{value}</{field}>");
        app.call("UpdateUser", &c).await.assert_fault("PERMISSION_DENIED", &format!("{field}: only an owner"));
    }
    // The rest of UpdateUser stays the updater's.
    let c = format!("<token>{updater}</token><user_name>target</user_name><city>Rome</city>");
    assert!(app.call("UpdateUser", &c).await.is_success());
    // Owners set them, and clear the expiry with an empty element.
    let c = format!(
        "<token>{owner}</token><user_name>target</user_name><password_expiry>2027-01-31T00:00:00Z</password_expiry>\
         <require_pw_change>true</require_pw_change>"
    );
    let r = app.call("UpdateUser", &c).await;
    assert_eq!(r.data_field("password_expiry").as_deref(), Some("2027-01-31T00:00:00Z"), "{}", r.body);
    assert_eq!(r.data_field("require_pw_change").as_deref(), Some("true"));
    let (_, changed, _) = audit_row(&app, &r.field("job_id").unwrap());
    assert_eq!(changed, "require_pw_change,password_expiry");
    let c = format!("<token>{owner}</token><user_name>target</user_name><password_expiry/>");
    let r = app.call("UpdateUser", &c).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.data_field("password_expiry"), None);
}

#[tokio::test]
async fn unlocking_through_update_user_forgets_the_failed_logins() {
    let app = TestApp::spawn_with(|s| {
        s.login_rate_per_minute = 0;
        s.lock_after_failures = 3;
    })
    .await;
    let owner = app.owner_token().await;
    let session = app.user_with(&owner, "lucy", "").await;
    for _ in 0..3 {
        app.login("default", "lucy", "wrong-password").await.assert_fault("INVALID_DATA", "login:");
    }
    let r = get(&app, &owner, "lucy").await;
    assert_eq!(r.data_field("locked").as_deref(), Some("true"), "{}", r.body);
    app.login("default", "lucy", PW).await.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    let failures = |app: &TestApp| -> i64 {
        app.sql()
            .query_row("SELECT COALESCE(SUM(failures), 0) FROM login_guard WHERE user_key = 'lucy'", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(failures(&app), 3);
    let c = format!("<token>{owner}</token><user_name>lucy</user_name><locked>false</locked>");
    let r = app.call("UpdateUser", &c).await;
    assert_eq!(r.data_field("locked").as_deref(), Some("false"), "{}", r.body);
    assert_eq!(failures(&app), 0, "the failed logins are forgotten, as UnblockUser does");
    assert!(app.login("default", "lucy", PW).await.is_success());

    // locked=true locks it again by hand, and ends its sessions.
    let c = format!("<token>{owner}</token><user_name>lucy</user_name><locked>true</locked>");
    assert!(app.call("UpdateUser", &c).await.is_success());
    app.call("GetCurrentUser", &format!("<token>{session}</token>")).await.assert_fault("INVALID_DATA", "login:");
    app.login("default", "lucy", PW).await.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
}

#[tokio::test]
async fn a_move_to_another_organization_is_audited_as_one() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.user_with(&owner, "mover", "").await;
    let c = format!("<token>{owner}</token><user_name>mover</user_name><organization>Acme</organization>");
    let r = app.call("UpdateUser", &c).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.info(), "update: User updated; organization: Org -> Acme");
    let job = r.field("job_id").unwrap();
    let (_, changed, info) = audit_row(&app, &job);
    assert_eq!((changed.as_str(), info.as_str()), ("organization", "update: User updated; organization: Org -> Acme"));
    let replay = app.call("GetJob", &format!("<token>{owner}</token><job_id>{job}</job_id>")).await;
    assert_eq!(replay.info(), "update: User updated; organization: Org -> Acme", "{}", replay.body);
    // Other changes name no move.
    let c = format!("<token>{owner}</token><user_name>mover</user_name><city>Paris</city>");
    assert_eq!(app.call("UpdateUser", &c).await.info(), "update: User updated");
}

#[tokio::test]
async fn get_user_by_exactly_one_key() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let created = app.create_user(&owner, "keyed", PW, "").await;
    let (id, uid) = (created.data_field("user_id").unwrap(), created.data_field("uid").unwrap());
    for key in [format!("<user_id>{id}</user_id>"), format!("<uid>{uid}</uid>"), "<user_name>KEYED</user_name>".into()]
    {
        let r = app.call("GetUser", &format!("<token>{owner}</token>{key}")).await;
        assert_eq!(r.data_field("user_name").as_deref(), Some("keyed"), "{key}: {}", r.body);
    }
    let app_ref = &app;
    let call = |children: String| {
        let c = format!("<token>{owner}</token>{children}");
        async move { app_ref.call("GetUser", &c).await }
    };
    call(String::new()).await.assert_fault("MISSING_DATA", "user_name: one of user_name, user_id or uid");
    call(format!("<user_id>{id}</user_id><uid>{uid}</uid>")).await.assert_fault("INVALID_DATA", "user_id: ");
    call(format!("<user_name>keyed</user_name><uid>{uid}</uid>"))
        .await
        .assert_fault("INVALID_DATA", "user_name: give exactly one of user_name, user_id, uid; also given: uid");
    // Another customer's user is not found by its id either.
    {
        let store = usergate::store::sqlite::SqliteStore::open(&app.db_path()).unwrap();
        let hasher = usergate::auth::password::PasswordHasher::new(1).unwrap();
        usergate::admin::create_owner(&store, &hasher, crate::helpers::target("other", "stranger", PW)).unwrap();
    }
    let stranger = app.token("other", "stranger", PW).await;
    let r = app.call("GetUser", &format!("<token>{stranger}</token><user_id>{id}</user_id>")).await;
    r.assert_fault("NOT_FOUND", "user_id: no such user");
    let r = app.call("GetUser", &format!("<token>{stranger}</token><uid>{uid}</uid>")).await;
    r.assert_fault("NOT_FOUND", "uid: no such user");

    // DynECT's GetOneUser keeps Dyn's shape: user_name required, no other key.
    let r = dyn_call(&app, V3, "GetOneUser", &format!("<token>{owner}</token><user_id>{id}</user_id>")).await;
    r.assert_fault("INVALID_DATA", "user_id: unknown element");
    dyn_call(&app, V3, "GetOneUser", &format!("<token>{owner}</token>"))
        .await
        .assert_fault("MISSING_DATA", "user_name: required");
    let r = dyn_call(&app, V3, "GetOneUser", &format!("<token>{owner}</token><user_name>keyed</user_name>")).await;
    assert!(r.is_success(), "{}", r.body);
    // Nor does DynECT take expected_version.
    let c = format!("<token>{owner}</token><user_name>keyed</user_name><expected_version>1</expected_version>");
    dyn_call(&app, V3, "BlockUser", &c).await.assert_fault("INVALID_DATA", "expected_version: unknown element");
}

#[tokio::test]
async fn get_current_user_needs_no_permission() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let t = app.user_with(&owner, "nobody", "<forbid><name>UserGet</name></forbid>").await;
    app.call("GetUser", &format!("<token>{t}</token><user_name>nobody</user_name>"))
        .await
        .assert_fault("PERMISSION_DENIED", "permission: UserGet");
    let r = app.call("GetCurrentUser", &format!("<token>{t}</token>")).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.data_field("user_name").as_deref(), Some("nobody"));
    assert_eq!(r.fields("name"), ["UserGet"], "its own forbids are shown to it");
}

#[tokio::test]
async fn update_current_user_edits_only_self_service_fields() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    // No UserUpdate, and even a forbid of it: the own record is still the user's.
    let t = app.user_with(&owner, "selfie", "<forbid><name>UserUpdate</name></forbid>").await;
    let c = format!(
        "<token>{t}</token><email>me@example.net</email><middle_name>Q</middle_name><website>https://me.example</website>"
    );
    let r = app.call("UpdateCurrentUser", &c).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.data_field("email").as_deref(), Some("me@example.net"));
    assert_eq!(version(&r), 2);
    let (_, changed, _) = audit_row(&app, &r.field("job_id").unwrap());
    assert_eq!(changed, "middle_name,email,website");
    for (field, value) in [
        ("organization", "Elsewhere"),
        ("notes", "n"),
        ("status", "blocked"),
        ("password", "another-pass-1"),
        ("permission", "UserUpdate"),
        ("group_name", "ADMIN"),
        ("locked", "false"),
        ("require_pw_change", "false"),
    ] {
        let c = format!("<token>{t}</token><city>X</city><{field}>{value}</{field}>");
        let r = app.call("UpdateCurrentUser", &c).await;
        r.assert_fault("PERMISSION_DENIED", &format!("{field}: not a field you may change"));
        assert_eq!(audit_row(&app, &r.field("job_id").unwrap()).0, "PERMISSION_DENIED");
    }
    let r = get(&app, &owner, "selfie").await;
    assert_eq!((r.data_field("city"), version(&r)), (None, 2), "refused requests changed nothing");
    // Required fields cannot be cleared; renaming oneself is off by default.
    app.call("UpdateCurrentUser", &format!("<token>{t}</token><nickname/>"))
        .await
        .assert_fault("MISSING_DATA", "nickname: required");
    app.call("UpdateCurrentUser", &format!("<token>{t}</token><new_user_name>selfie2</new_user_name>"))
        .await
        .assert_fault("PERMISSION_DENIED", "new_user_name: renaming yourself is not allowed");
}

#[tokio::test]
async fn self_rename_when_the_setting_allows_it() {
    let app = TestApp::spawn_with(|s| s.allow_self_rename = true).await;
    let owner = app.owner_token().await;
    let t = app.user_with(&owner, "oldname", "").await;
    let r = app.call("UpdateCurrentUser", &format!("<token>{t}</token><new_user_name>newname</new_user_name>")).await;
    assert_eq!(r.data_field("user_name").as_deref(), Some("newname"), "{}", r.body);
    // The session follows the user, not the name.
    let me = app.call("GetCurrentUser", &format!("<token>{t}</token>")).await;
    assert_eq!(me.data_field("user_name").as_deref(), Some("newname"), "{}", me.body);
    let c = format!("<token>{t}</token><new_user_name>owner</new_user_name>");
    app.call("UpdateCurrentUser", &c).await.assert_fault("TARGET_EXISTS", "new_user_name:");
}

#[tokio::test]
async fn expected_version_is_checked_by_every_user_write() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let t = app.user_with(&owner, "ver", "").await;
    let stale = "<expected_version>9</expected_version>";
    let on = |extra: &str| format!("<token>{owner}</token><user_name>ver</user_name>{extra}{stale}");
    let calls = [
        ("UpdateUser", on("<city>A</city>")),
        ("UpdateCurrentUser", format!("<token>{t}</token><city>A</city>{stale}")),
        ("BlockUser", on("")),
        ("UnblockUser", on("")),
        ("DeactivateUser", on("")),
        ("ReactivateUser", on("")),
        ("AddUserGroups", on("<group_name>READONLY</group_name>")),
        ("SetUserGroups", on("<group_name>READONLY</group_name>")),
        ("RemoveUserGroups", on("<group_name>READONLY</group_name>")),
        ("AddUserZones", on("<zone><zone_name>a.org</zone_name></zone>")),
        ("SetUserZones", on("<zone><zone_name>a.org</zone_name></zone>")),
        ("RemoveUserZones", on("<zone><zone_name>a.org</zone_name></zone>")),
        ("AddUserPermissions", on("<permission>UserGet</permission>")),
        ("SetUserPermissions", on("<permission>UserGet</permission>")),
        ("RemoveUserPermissions", on("<permission>UserGet</permission>")),
        ("AddUserForbids", on("<forbid><name>UserGet</name></forbid>")),
        ("SetUserForbids", on("<forbid><name>UserGet</name></forbid>")),
        ("RemoveUserForbids", on("<forbid><name>UserGet</name></forbid>")),
        ("DeleteUser", on("")),
    ];
    for (op, children) in &calls {
        let r = app.call(op, children).await;
        r.assert_fault("INVALID_VERSION", "expected_version: is 9, current 1");
        assert_eq!(audit_row(&app, &r.field("job_id").unwrap()).0, "INVALID_VERSION", "{op}");
    }
    assert_eq!(version(&get(&app, &owner, "ver").await), 1, "nothing changed");
    // The current version passes, and the write moves it on.
    let c =
        format!("<token>{owner}</token><user_name>ver</user_name><city>A</city><expected_version>1</expected_version>");
    assert_eq!(version(&app.call("UpdateUser", &c).await), 2);
    let r = app.call("UpdateUser", &c).await;
    r.assert_fault("INVALID_VERSION", "expected_version: is 1, current 2");
}

#[tokio::test]
async fn parallel_writers_with_the_same_version_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.user_with(&owner, "race", "").await;
    let v = version(&get(&app, &owner, "race").await);
    let requests = (0..16).map(|i| {
        let c = format!(
            "<token>{owner}</token><user_name>race</user_name><city>City {i}</city><expected_version>{v}</expected_version>"
        );
        let app = &app;
        async move { app.call("UpdateUser", &c).await }
    });
    let answers = futures_join_all(requests).await;
    let wins = answers.iter().filter(|r| r.is_success()).count();
    assert_eq!(wins, 1, "exactly one writer holding version {v} succeeds");
    for r in answers.iter().filter(|r| !r.is_success()) {
        r.assert_fault("INVALID_VERSION", &format!("expected_version: is {v}, current {}", v + 1));
        assert!(r.body.contains("<faultcode>soap:Client</faultcode>"), "never a Server fault: {}", r.body);
    }
    let after = get(&app, &owner, "race").await;
    assert_eq!(version(&after), v + 1);
    let winner = answers.iter().find(|r| r.is_success()).and_then(|r| r.data_field("city"));
    assert_eq!(after.data_field("city"), winner, "the stored city is the winner's");

    // The same holds across operations: a deactivation and an access-list edit racing on one version.
    let v = v + 1;
    let deactivate =
        format!("<token>{owner}</token><user_name>race</user_name><expected_version>{v}</expected_version>");
    let grant = format!(
        "<token>{owner}</token><user_name>race</user_name><permission>UserGet</permission>\
         <expected_version>{v}</expected_version>"
    );
    let (a, b) = tokio::join!(app.call("DeactivateUser", &deactivate), app.call("AddUserPermissions", &grant));
    assert_eq!([a.is_success(), b.is_success()].iter().filter(|s| **s).count(), 1, "{}\n{}", a.body, b.body);
    assert_eq!(version(&get(&app, &owner, "race").await), v + 1);
}

/// Awaits all futures concurrently (tokio has no join_all; the requests run side by side on the test's runtime).
async fn futures_join_all<F: std::future::Future<Output = Resp>>(futs: impl Iterator<Item = F>) -> Vec<Resp> {
    let mut set = Vec::new();
    for f in futs {
        set.push(Box::pin(f));
    }
    let mut out: Vec<Option<Resp>> = (0..set.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if out[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(r) => out[i] = Some(r),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    })
    .await;
    out.into_iter().flatten().collect()
}
