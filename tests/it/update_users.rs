//! DDNS update users end to end: generated names and passwords, the one-change rule of UpdateUpdateUser, passwords
//! sealed at rest and read back only with UserAuthGetPW (audited), no login to the management operations, one name
//! space with ordinary users, and GetJob that never answers a password.

use crate::helpers::{Resp, TestApp};

async fn create(app: &TestApp, token: &str, children: &str) -> Resp {
    app.call("CreateUpdateUser", &format!("<token>{token}</token>{children}")).await
}

async fn password_of(app: &TestApp, token: &str, name: &str) -> Resp {
    app.call("GetUpdateUserPassword", &format!("<token>{token}</token><user_name>{name}</user_name>")).await
}

async fn update(app: &TestApp, token: &str, name: &str, change: &str) -> Resp {
    app.call("UpdateUpdateUser", &format!("<token>{token}</token><user_name>{name}</user_name>{change}")).await
}

fn db(app: &TestApp) -> rusqlite::Connection {
    rusqlite::Connection::open(app.dir.path().join("usergate.db")).expect("open db")
}

/// (operation, target, outcome) of the audit record with this job id.
fn audit_of(app: &TestApp, job: &str) -> (String, String, String) {
    let id: i64 = job.parse().expect("numeric job id");
    db(app)
        .query_row("SELECT operation, target, outcome FROM audit WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("audit row")
}

#[tokio::test]
async fn create_list_change_read_and_delete() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;

    let r = create(&app, &owner, "<nickname></nickname><password></password>").await;
    assert!(r.is_success(), "{}", r.body);
    let name = r.data_field("user_name").expect("generated name");
    let generated = r.data_field("password").expect("a generated password is answered");
    assert!(name.starts_with("ddns-") && name.len() == 15, "{name}");
    assert_eq!(r.data_field("nickname").as_deref(), Some(name.as_str()), "a generated nickname is the name");
    assert_eq!(generated.len(), 20);
    assert_eq!(r.data_field("group_name").as_deref(), Some("UPDATE"));
    assert_eq!(r.data_field("status").as_deref(), Some("active"));

    let chosen = create(&app, &owner, "<nickname>garage router 1</nickname><password>garage-pass-1</password>").await;
    assert!(chosen.is_success(), "{}", chosen.body);
    let garage = chosen.data_field("user_name").expect("name");
    assert_ne!(garage, name);

    // The list never carries a password.
    let list = app.call("GetUpdateUsers", &format!("<token>{owner}</token>")).await;
    assert!(list.is_success(), "{}", list.body);
    let mut names = list.fields("user_name");
    names.sort();
    let mut expected = vec![name.clone(), garage.clone()];
    expected.sort();
    assert_eq!(names, expected);
    assert!(list.fields("password").is_empty(), "{}", list.body);
    assert_eq!(list.fields("nickname").len(), 2);

    // The password reads back as it was set, generated or chosen.
    let r = password_of(&app, &owner, &name).await;
    assert_eq!(r.data_field("password"), Some(generated.clone()), "{}", r.body);
    assert_eq!(password_of(&app, &owner, &garage).await.data_field("password").as_deref(), Some("garage-pass-1"));

    // A chosen new password is not echoed; a generated one is, once.
    let r = update(&app, &owner, &garage, "<password>garage-pass-2</password>").await;
    assert!(r.is_success() && r.data_field("password").is_none(), "{}", r.body);
    assert_eq!(password_of(&app, &owner, &garage).await.data_field("password").as_deref(), Some("garage-pass-2"));
    let r = update(&app, &owner, &garage, "<password/>").await;
    let rotated = r.data_field("password").expect("generated on update");
    assert!(rotated.len() == 20 && rotated != "garage-pass-2");
    assert_eq!(password_of(&app, &owner, &garage).await.data_field("password"), Some(rotated));

    // Block and unblock, with the spellings DynECT's clients send.
    for (change, status) in [
        ("<block>True</block>", "blocked"),
        ("<block>1</block>", "blocked"),
        ("<unblock>Y</unblock>", "active"),
        ("<block>true</block>", "blocked"),
        ("<unblock>TRUE</unblock>", "active"),
    ] {
        let r = update(&app, &owner, &name, change).await;
        assert_eq!(r.data_field("status").as_deref(), Some(status), "{change}: {}", r.body);
    }

    let r = app.call("DeleteOneUpdateUser", &format!("<token>{owner}</token><user_name>{name}</user_name>")).await;
    assert!(r.is_success(), "{}", r.body);
    password_of(&app, &owner, &name).await.assert_fault("NOT_FOUND", "user_name:");
    let list = app.call("GetUpdateUsers", &format!("<token>{owner}</token>")).await;
    assert_eq!(list.fields("user_name"), vec![garage]);
}

#[tokio::test]
async fn exactly_one_change_per_update() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let name = create(&app, &owner, "").await.data_field("user_name").expect("name");
    for (change, field) in [
        ("", "password:"),
        ("<password>new-pass-123</password><block>true</block>", "block:"),
        ("<block>Y</block><unblock>1</unblock>", "unblock:"),
        ("<password>new-pass-123</password><unblock>True</unblock>", "unblock:"),
        ("<block>N</block>", "block:"),
        ("<unblock>later</unblock>", "unblock:"),
    ] {
        update(&app, &owner, &name, change).await.assert_fault("INVALID_DATA", field);
    }
    // Nothing changed: still active, the same password.
    let r = password_of(&app, &owner, &name).await;
    assert_eq!(r.data_field("status").as_deref(), Some("active"));
    create(&app, &owner, &format!("<nickname>{}</nickname>", "n".repeat(18)))
        .await
        .assert_fault("INVALID_DATA", "nickname: longer than 17 characters");
    assert!(create(&app, &owner, &format!("<nickname>{}</nickname>", "ñ".repeat(17))).await.is_success());
}

#[tokio::test]
async fn permissions_gate_each_operation() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let name = create(&app, &owner, "<password>garage-pass-1</password>").await.data_field("user_name").expect("name");
    // DEFAULT alone: nothing. ADMIN: no user management, so no update users either.
    let plain = app.user_with(&owner, "plain", "").await;
    let admin = app.user_with(&owner, "admin1", "<group_name>ADMIN</group_name>").await;
    for token in [&plain, &admin] {
        create(&app, token, "").await.assert_fault("PERMISSION_DENIED", "permission: UpdateUserAdd is required");
        update(&app, token, &name, "<block>1</block>")
            .await
            .assert_fault("PERMISSION_DENIED", "permission: UpdateUserUpdate is required");
        password_of(&app, token, &name)
            .await
            .assert_fault("PERMISSION_DENIED", "permission: UserAuthGetPW is required");
        app.call("DeleteOneUpdateUser", &format!("<token>{token}</token><user_name>{name}</user_name>"))
            .await
            .assert_fault("PERMISSION_DENIED", "permission: UpdateUserDelete is required");
    }
    app.call("GetUpdateUsers", &format!("<token>{plain}</token>"))
        .await
        .assert_fault("PERMISSION_DENIED", "permission: UserGet is required");

    // Each permission granted on its own opens its operation only.
    let ops = "<permission>UpdateUserAdd</permission><permission>UpdateUserUpdate</permission>\
               <permission>UpdateUserDelete</permission><permission>UserGet</permission>";
    let manager = app.user_with(&owner, "ddnsmgr", ops).await;
    let mine = create(&app, &manager, "").await;
    assert!(mine.is_success(), "{}", mine.body);
    let mine = mine.data_field("user_name").expect("name");
    assert!(update(&app, &manager, &mine, "<block>Y</block>").await.is_success());
    assert!(app.call("GetUpdateUsers", &format!("<token>{manager}</token>")).await.is_success());
    password_of(&app, &manager, &mine).await.assert_fault("PERMISSION_DENIED", "permission: UserAuthGetPW");
    let reader = app.user_with(&owner, "pwreader", "<permission>UserAuthGetPW</permission>").await;
    assert_eq!(password_of(&app, &reader, &name).await.data_field("password").as_deref(), Some("garage-pass-1"));
    let r = app.call("DeleteOneUpdateUser", &format!("<token>{manager}</token><user_name>{mine}</user_name>")).await;
    assert!(r.is_success(), "{}", r.body);

    // A forbid wins over the grant.
    let forbidden = app
        .user_with(
            &owner,
            "forbidden",
            "<permission>UserAuthGetPW</permission><forbid><name>UserAuthGetPW</name></forbid>",
        )
        .await;
    password_of(&app, &forbidden, &name).await.assert_fault("PERMISSION_DENIED", "permission:");

    // Another customer's update users do not exist.
    let store = usergate::open_store(&crate::helpers::settings(&app.dir)).expect("store");
    let hasher = usergate::auth::password::PasswordHasher::new(1).expect("hasher");
    usergate::admin::create_owner(&store, &hasher, crate::helpers::target("other", "carol", "carolpass1"))
        .expect("carol");
    let carol = app.token("other", "carol", "carolpass1").await;
    password_of(&app, &carol, &name).await.assert_fault("NOT_FOUND", "user_name:");
    let list = app.call("GetUpdateUsers", &format!("<token>{carol}</token>")).await;
    assert!(list.is_success() && list.fields("user_name").is_empty(), "{}", list.body);
}

#[tokio::test]
async fn update_users_cannot_log_in_and_share_the_name_space() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let r = create(&app, &owner, "<password>garage-pass-1</password>").await;
    let name = r.data_field("user_name").expect("name");
    let refused = app.login("default", &name, "garage-pass-1").await;
    let unknown = app.login("default", "nobody-here", "garage-pass-1").await;
    refused.assert_fault("INVALID_DATA", "login: Bad or expired credentials");
    assert_eq!(refused.info(), unknown.info(), "the uniform login failure");

    // Ordinary users cannot take an update user's name, by create or rename, in any case.
    let upper = name.to_uppercase();
    app.create_user(&owner, &upper, "secret-pass-1", "").await.assert_fault("TARGET_EXISTS", "user_name:");
    assert!(app.create_user(&owner, "someone", "secret-pass-1", "").await.is_success());
    app.call(
        "UpdateUser",
        &format!("<token>{owner}</token><user_name>someone</user_name><new_user_name>{name}</new_user_name>"),
    )
    .await
    .assert_fault("TARGET_EXISTS", "new_user_name:");
    // Nor join the UPDATE group; and the update user is no ordinary user to the management operations.
    app.call(
        "AddUserGroups",
        &format!("<token>{owner}</token><user_name>someone</user_name><group_name>UPDATE</group_name>"),
    )
    .await
    .assert_fault("INVALID_DATA", "group_name: UPDATE");
    app.call("GetUser", &format!("<token>{owner}</token><user_name>{name}</user_name>"))
        .await
        .assert_fault("NOT_FOUND", "user_name:");
    // And the other way round: the update-user operations do not reach ordinary users.
    update(&app, &owner, "someone", "<block>1</block>").await.assert_fault("NOT_FOUND", "user_name:");
}

#[tokio::test]
async fn passwords_are_sealed_at_rest_and_never_in_jobs_or_audit() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let secret = "very-distinct-ddns-secret";
    let r = create(&app, &owner, &format!("<password>{secret}</password>")).await;
    let name = r.data_field("user_name").expect("name");
    let create_job = r.field("job_id").expect("job");
    let r = update(&app, &owner, &name, "<password></password>").await;
    let rotated = r.data_field("password").expect("generated");
    let update_job = r.field("job_id").expect("job");
    let r = password_of(&app, &owner, &name).await;
    assert_eq!(r.data_field("password"), Some(rotated.clone()));
    let read_job = r.field("job_id").expect("job");

    // GetJob answers each of them without the password.
    for job in [&create_job, &update_job, &read_job] {
        let r = app.call("GetJob", &format!("<token>{owner}</token><job_id>{job}</job_id>")).await;
        assert!(r.is_success(), "{}", r.body);
        assert!(!r.body.contains(secret) && !r.body.contains(&rotated) && !r.body.contains("<password>"), "{}", r.body);
    }
    assert_eq!(audit_of(&app, &read_job), ("GetUpdateUserPassword".into(), name.clone(), "success".into()));

    // Neither the database file (WAL included) nor the audit holds a password in the clear; the key is not there.
    let key_path = app.dir.path().join("usergate.key");
    let key = std::fs::read_to_string(&key_path).expect("key file made at first start");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(std::fs::metadata(&key_path).expect("key").permissions().mode() & 0o777, 0o600);
    }
    for f in ["usergate.db", "usergate.db-wal"] {
        let bytes = std::fs::read(app.dir.path().join(f)).unwrap_or_default();
        for needle in [secret, rotated.as_str(), key.trim()] {
            assert!(!bytes.windows(needle.len()).any(|w| w == needle.as_bytes()), "{f} holds {needle}");
        }
    }
    let sealed: Vec<u8> = db(&app)
        .query_row("SELECT password_sealed FROM update_users WHERE user_name = ?1", [&name], |r| r.get(0))
        .expect("row");
    assert_eq!(sealed.len(), 1 + 24 + rotated.len() + 16, "format byte, nonce, ciphertext, tag");
}

#[tokio::test]
async fn every_password_read_is_audited_and_the_key_file_is_needed() {
    let mut app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let name = create(&app, &owner, "<password>garage-pass-1</password>").await.data_field("user_name").expect("name");
    let reader = app.user_with(&owner, "ro", "<group_name>READONLY</group_name>").await;
    let denied = password_of(&app, &reader, &name).await;
    denied.assert_fault("PERMISSION_DENIED", "permission:");
    let job = denied.field("job_id").expect("job");
    assert_eq!(audit_of(&app, &job), ("GetUpdateUserPassword".into(), name.clone(), "PERMISSION_DENIED".into()));
    let missing = password_of(&app, &owner, "ddns-nobody").await;
    let job = missing.field("job_id").expect("job");
    assert_eq!(audit_of(&app, &job), ("GetUpdateUserPassword".into(), "ddns-nobody".into(), "NOT_FOUND".into()));

    // Same key file after a restart: the password opens.
    app.restart().await;
    let owner = app.owner_token().await;
    assert_eq!(password_of(&app, &owner, &name).await.data_field("password").as_deref(), Some("garage-pass-1"));

    // Another key: the sealed password does not open, and the client learns nothing but INTERNAL_ERROR.
    let key = app.dir.path().join("usergate.key");
    std::fs::remove_file(&key).expect("remove key");
    app.restart().await;
    assert!(key.exists(), "a new key is made when none exists");
    let owner = app.owner_token().await;
    let r = password_of(&app, &owner, &name).await;
    assert_eq!(r.err_cd().as_deref(), Some("INTERNAL_ERROR"), "{}", r.body);
    assert!(!r.body.contains("garage-pass-1"));
    assert_eq!(audit_of(&app, &r.field("job_id").expect("job")).2, "INTERNAL_ERROR");
}

#[tokio::test]
async fn the_key_file_is_named_by_the_configuration() {
    let keys = tempfile::tempdir().expect("dir");
    let path = keys.path().join("ddns.key");
    let p = path.clone();
    let app = TestApp::spawn_with(move |s| s.key_file = Some(p)).await;
    assert!(path.exists() && !app.dir.path().join("usergate.key").exists());
    let owner = app.owner_token().await;
    assert!(create(&app, &owner, "").await.is_success());
    app.stop().await;
    // A key file others can read is refused at start.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        let dir = tempfile::tempdir().expect("dir");
        let mut s = crate::helpers::settings(&dir);
        s.key_file = Some(path.clone());
        let err = usergate::start(s).await.err().expect("refused").to_string();
        assert!(err.contains("readable by others"), "{err}");
    }
}

#[tokio::test]
async fn the_dynect_profile_serves_update_users_in_each_generation() {
    use crate::dynect::{V2, V3, dyn_call};
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let t = format!("<token>{owner}</token>");

    // 2.3.1 has CreateUpdateUser only, answering Dyn's UpdateUser type (password, daan, roles, status required).
    let r = dyn_call(&app, V2, "CreateUpdateUser", &format!("{t}<nickname/><password/>")).await;
    assert!(r.is_success(), "{}", r.body);
    assert!(r.body.contains(&format!("xmlns:tns=\"{V2}\"")), "answered in the request's namespace");
    let name = r.data_field("user_name").expect("name");
    let generated = r.data_field("password").expect("password");
    assert_eq!(r.data_field("roles").as_deref(), Some("UPDATE"));
    assert_eq!(r.data_field("daan").as_deref(), Some("0"));
    assert!(r.data_field("nickname").is_none() && r.data_field("group_name").is_none(), "{}", r.body);
    let r = dyn_call(&app, V2, "GetUpdateUsers", &t).await;
    assert_eq!(r.err_cd().as_deref(), Some("INVALID_REQUEST"), "not a 2.3.1 operation: {}", r.body);
    dyn_call(&app, V2, "CreateUpdateUser", &format!("{t}<nickname>x</nickname>"))
        .await
        .assert_fault("MISSING_DATA", "password: required");

    // 3.x: all five, Dyn's 3.x UpdateUser shape; the user is the one 2.3.1 made (one store).
    let r = dyn_call(&app, V3, "GetUpdateUsers", &t).await;
    assert_eq!(r.fields("user_name"), vec![name.clone()], "{}", r.body);
    assert!(r.data_field("password").is_none() && r.data_field("nickname").is_none(), "{}", r.body);
    let r = dyn_call(&app, V3, "GetUpdateUserPassword", &format!("{t}<user_name>{name}</user_name>")).await;
    assert_eq!(r.data_field("password"), Some(generated));
    // Dyn's help calls the user `nickname` in UpdateUpdateUser; block and unblock are native only.
    let r = dyn_call(
        &app,
        V3,
        "UpdateUpdateUser",
        &format!("{t}<nickname>{name}</nickname><password>dyn3-pass-1</password>"),
    )
    .await;
    assert!(r.is_success() && r.data_field("password").is_none(), "{}", r.body);
    dyn_call(&app, V3, "UpdateUpdateUser", &format!("{t}<user_name>{name}</user_name><block>1</block>"))
        .await
        .assert_fault("INVALID_DATA", "block: unknown element");
    let r = dyn_call(&app, V3, "GetUpdateUserPassword", &format!("{t}<user_name>{name}</user_name>")).await;
    assert_eq!(r.data_field("password").as_deref(), Some("dyn3-pass-1"));
    let r = dyn_call(&app, V3, "DeleteOneUpdateUser", &format!("{t}<user_name>{name}</user_name>")).await;
    assert!(r.is_success(), "{}", r.body);
    let r = update(&app, &owner, &name, "<unblock>1</unblock>").await;
    r.assert_fault("NOT_FOUND", "user_name:");
}
