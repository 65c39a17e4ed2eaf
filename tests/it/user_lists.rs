//! The access-list operations (Add/Set/Remove User{Groups,Zones,Permissions,Forbids}): what each does to the list,
//! their gate (PermissionUpdate), no escalation, and the failures that name their element.

use crate::helpers::{Resp, TestApp};

async fn edit(app: &TestApp, token: &str, op: &str, user: &str, items: &str) -> Resp {
    app.call(op, &format!("<token>{token}</token><user_name>{user}</user_name>{items}")).await
}

/// Calls `op`, asserting success.
async fn ok(app: &TestApp, token: &str, op: &str, user: &str, items: &str) -> Resp {
    let r = edit(app, token, op, user, items).await;
    assert!(r.is_success(), "{op} {items}: {}", r.body);
    r
}

async fn get(app: &TestApp, token: &str, user: &str) -> Resp {
    let r = app.call("GetUser", &format!("<token>{token}</token><user_name>{user}</user_name>")).await;
    assert!(r.is_success(), "{}", r.body);
    r
}

#[tokio::test]
async fn groups_add_set_remove() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.user_with(&owner, "g1", "").await;
    let r = ok(&app, &owner, "AddUserGroups", "g1", "<group_name>ADMIN</group_name><group_name>READONLY</group_name>")
        .await;
    assert_eq!(r.fields("group_name"), ["DEFAULT", "ADMIN", "READONLY"]);
    assert_eq!(r.info(), "update: group_name added");
    assert_eq!(r.data_field("version").as_deref(), Some("2"));
    // Adding what is there changes nothing, not even the version.
    let r = ok(&app, &owner, "AddUserGroups", "g1", "<group_name>ADMIN</group_name>").await;
    assert_eq!(r.fields("group_name"), ["DEFAULT", "ADMIN", "READONLY"]);
    assert_eq!(r.data_field("version").as_deref(), Some("2"));
    let r =
        ok(&app, &owner, "RemoveUserGroups", "g1", "<group_name>READONLY</group_name><group_name>OWNER</group_name>")
            .await;
    assert_eq!(r.fields("group_name"), ["DEFAULT", "ADMIN"]);
    // Set replaces (comma-joined is accepted as for UpdateUser); DEFAULT always stays.
    let r = ok(&app, &owner, "SetUserGroups", "g1", "<group_name>READONLY,ADMIN</group_name>").await;
    assert_eq!(r.fields("group_name"), ["READONLY", "ADMIN", "DEFAULT"]);
    let r = ok(&app, &owner, "SetUserGroups", "g1", "").await;
    assert_eq!(r.fields("group_name"), ["DEFAULT"]);
    assert_eq!(get(&app, &owner, "g1").await.fields("group_name"), ["DEFAULT"]);
    edit(&app, &owner, "RemoveUserGroups", "g1", "<group_name>DEFAULT</group_name>")
        .await
        .assert_fault("ILLEGAL_OPERATION", "group_name: every user stays in DEFAULT");
    edit(&app, &owner, "AddUserGroups", "g1", "").await.assert_fault("MISSING_DATA", "group_name: required");
    edit(&app, &owner, "AddUserGroups", "g1", "<group_name>WIZARD</group_name>")
        .await
        .assert_fault("INVALID_DATA", "group_name: unknown group WIZARD");
}

#[tokio::test]
async fn zones_match_by_name_and_update_recurse() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.user_with(&owner, "z1", "").await;
    let z = |n: &str, r: &str| format!("<zone><zone_name>{n}</zone_name><recurse>{r}</recurse></zone>");
    let r = ok(&app, &owner, "AddUserZones", "z1", &(z("example.org", "Y") + &z("b.example.net", "N"))).await;
    assert_eq!(r.fields("zone_name"), ["example.org", "b.example.net"]);
    assert_eq!(r.fields("recurse"), ["Y", "N"]);
    let r = ok(&app, &owner, "AddUserZones", "z1", &z("EXAMPLE.org.", "N")).await;
    assert_eq!(r.fields("zone_name"), ["example.org", "b.example.net"]);
    assert_eq!(r.fields("recurse"), ["N", "N"]);
    let r = ok(&app, &owner, "RemoveUserZones", "z1", "<zone><zone_name>Example.ORG</zone_name></zone>").await;
    assert_eq!(r.fields("zone_name"), ["b.example.net"]);
    let r = ok(&app, &owner, "SetUserZones", "z1", &z("c.org", "")).await;
    assert_eq!(r.fields("zone_name"), ["c.org"]);
    assert_eq!(r.fields("recurse"), ["Y"]);
    edit(&app, &owner, "SetUserZones", "z1", &z("c.org", "maybe"))
        .await
        .assert_fault("INVALID_DATA", "recurse: Y or N expected");
    edit(&app, &owner, "RemoveUserZones", "z1", "").await.assert_fault("MISSING_DATA", "zone: required");
    let r = ok(&app, &owner, "SetUserZones", "z1", "<zone/>").await;
    assert!(r.fields("zone_name").is_empty(), "{}", r.body);
}

#[tokio::test]
async fn permissions_add_set_remove_take_effect_at_once() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let p1 = app.user_with(&owner, "p1", "").await;
    app.user_with(&owner, "other", "").await;
    let peek = format!("<token>{p1}</token><user_name>other</user_name>");
    app.call("GetUser", &peek).await.assert_fault("PERMISSION_DENIED", "permission: UserGet is required");
    let r = ok(
        &app,
        &owner,
        "AddUserPermissions",
        "p1",
        "<permission>UserGet</permission><permission>ZoneGet</permission>",
    )
    .await;
    assert_eq!(r.fields("permission"), ["UserGet", "ZoneGet"]);
    // The grant applies to the user's live session at once.
    assert!(app.call("GetUser", &peek).await.is_success());
    let r = ok(
        &app,
        &owner,
        "SetUserPermissions",
        "p1",
        "<permission>RecordGet</permission><permission>UserGet</permission>",
    )
    .await;
    assert_eq!(r.fields("permission"), ["RecordGet", "UserGet"]);
    let r = ok(
        &app,
        &owner,
        "RemoveUserPermissions",
        "p1",
        "<permission>UserGet</permission><permission>ZoneAdd</permission>",
    )
    .await;
    assert_eq!(r.fields("permission"), ["RecordGet"]);
    app.call("GetUser", &peek).await.assert_fault("PERMISSION_DENIED", "permission: UserGet is required");
    edit(&app, &owner, "AddUserPermissions", "p1", "<permission>UserFly</permission>")
        .await
        .assert_fault("INVALID_DATA", "permission: unknown permission UserFly");
    let r = ok(&app, &owner, "SetUserPermissions", "p1", "<permission/>").await;
    assert!(r.fields("permission").is_empty());
}

#[tokio::test]
async fn forbids_add_narrow_and_lift() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let f1 = app.user_with(&owner, "f1", "<group_name>READONLY</group_name>").await;
    let f = |name: &str, zones: &[&str]| {
        let zs: String = zones.iter().map(|z| format!("<zone><zone_name>{z}</zone_name></zone>")).collect();
        format!("<forbid><name>{name}</name>{zs}</forbid>")
    };
    let r = ok(&app, &owner, "AddUserForbids", "f1", &(f("RecordAdd", &["a.org"]) + &f("RecordAdd", &["b.org"]))).await;
    assert_eq!(r.fields("name"), ["RecordAdd"]);
    assert_eq!(r.fields("zone_name"), ["a.org", "b.org"]);
    let r = ok(&app, &owner, "RemoveUserForbids", "f1", &f("RecordAdd", &["a.org"])).await;
    assert_eq!(r.fields("zone_name"), ["b.org"]);
    // A forbid without zones applies everywhere, and wins over the READONLY group's grant.
    let probe = format!("<token>{f1}</token><user_name>owner</user_name>");
    assert!(app.call("GetUser", &probe).await.is_success());
    ok(&app, &owner, "AddUserForbids", "f1", &f("UserGet", &[])).await;
    app.call("GetUser", &probe).await.assert_fault("PERMISSION_DENIED", "permission: UserGet is required");
    let r = ok(&app, &owner, "RemoveUserForbids", "f1", &f("UserGet", &[])).await;
    assert_eq!(r.fields("name"), ["RecordAdd"]);
    assert!(app.call("GetUser", &probe).await.is_success());
    let r = ok(&app, &owner, "SetUserForbids", "f1", &f("ZoneGet", &[])).await;
    assert_eq!(r.fields("name"), ["ZoneGet"]);
    assert!(r.fields("zone_name").is_empty());
    edit(&app, &owner, "AddUserForbids", "f1", &f("Nope", &[]))
        .await
        .assert_fault("INVALID_DATA", "forbid: unknown permission Nope");
    edit(&app, &owner, "AddUserForbids", "f1", "<forbid><zone><zone_name>x.org</zone_name></zone></forbid>")
        .await
        .assert_fault("MISSING_DATA", "name: required");
}

#[tokio::test]
async fn gate_is_permission_update() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let upd = app.user_with(&owner, "upd", "<permission>UserUpdate</permission><permission>UserGet</permission>").await;
    let admin = app.user_with(&owner, "adm", "<group_name>ADMIN</group_name>").await;
    app.user_with(&owner, "victim", "").await;
    for token in [&upd, &admin] {
        for (op, items) in [
            ("AddUserGroups", "<group_name>DEFAULT</group_name>"),
            ("SetUserZones", ""),
            ("RemoveUserPermissions", "<permission>UserGet</permission>"),
            ("SetUserForbids", "<forbid><name>UserGet</name></forbid>"),
        ] {
            edit(&app, token, op, "victim", items)
                .await
                .assert_fault("PERMISSION_DENIED", "permission: PermissionUpdate is required");
        }
    }
}

#[tokio::test]
async fn no_escalation_through_lists() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let mgr =
        app.user_with(&owner, "mgr", "<permission>PermissionUpdate</permission><permission>UserGet</permission>").await;
    app.user_with(&owner, "x1", "").await;
    // x2 holds ZoneGet but a forbid masks it, so the manager (without ZoneGet) may still manage x2.
    let x2 =
        "<permission>ZoneGet</permission><forbid><name>ZoneGet</name></forbid><forbid><name>UserGet</name></forbid>";
    app.user_with(&owner, "x2", x2).await;
    edit(&app, &mgr, "AddUserGroups", "x1", "<group_name>OWNER</group_name>")
        .await
        .assert_fault("PERMISSION_DENIED", "group_name: you cannot grant OWNER");
    edit(&app, &mgr, "SetUserGroups", "x1", "<group_name>READONLY</group_name>")
        .await
        .assert_fault("PERMISSION_DENIED", "group_name: you cannot grant READONLY");
    edit(&app, &mgr, "AddUserPermissions", "x1", "<permission>UserGet</permission><permission>ZoneGet</permission>")
        .await
        .assert_fault("PERMISSION_DENIED", "permission: you cannot grant ZoneGet");
    assert!(edit(&app, &mgr, "AddUserPermissions", "x1", "<permission>UserGet</permission>").await.is_success());
    // Lifting a forbid hands the permission back: only for permissions the caller holds.
    assert!(edit(&app, &mgr, "RemoveUserForbids", "x2", "<forbid><name>UserGet</name></forbid>").await.is_success());
    edit(&app, &mgr, "SetUserForbids", "x2", "").await.assert_fault("PERMISSION_DENIED", "forbid: you cannot grant");
    // x2 holds nothing the manager lacks (RecordAdd is forbidden to it), so adding forbids is fine.
    assert!(edit(&app, &mgr, "AddUserForbids", "x2", "<forbid><name>UserLogin</name></forbid>").await.is_success());
    // Nobody raises itself, and nobody edits a more powerful user.
    edit(&app, &mgr, "AddUserPermissions", "mgr", "<permission>UserAdd</permission>")
        .await
        .assert_fault("PERMISSION_DENIED", "permission: you cannot grant UserAdd");
    edit(&app, &mgr, "AddUserForbids", "owner", "<forbid><name>UserGet</name></forbid>")
        .await
        .assert_fault("PERMISSION_DENIED", "user_name: owner holds permissions you do not");
}

#[tokio::test]
async fn last_owner_not_found_and_fault_incompat() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    edit(&app, &owner, "RemoveUserGroups", "owner", "<group_name>OWNER</group_name>")
        .await
        .assert_fault("ILLEGAL_OPERATION", "group_name: the last owner cannot leave OWNER");
    edit(&app, &owner, "SetUserGroups", "owner", "<group_name>ADMIN</group_name>")
        .await
        .assert_fault("ILLEGAL_OPERATION", "group_name: the last owner cannot leave OWNER");
    // With a second owner, the first may leave.
    let owner2 = app.user_with(&owner, "owner2", "<group_name>OWNER</group_name>").await;
    assert!(edit(&app, &owner, "RemoveUserGroups", "owner", "<group_name>OWNER</group_name>").await.is_success());
    edit(&app, &owner2, "AddUserZones", "nobody", "<zone><zone_name>a.org</zone_name></zone>")
        .await
        .assert_fault("NOT_FOUND", "user_name: no such user");
    let r = app
        .call(
            "AddUserPermissions",
            &format!("<token>{owner2}</token><fault_incompat>1</fault_incompat><user_name>nobody</user_name><permission>UserGet</permission>"),
        )
        .await;
    assert_eq!((r.status, r.field("status").as_deref()), (200, Some("failure")), "{}", r.body);
    assert_eq!(r.err_cd().as_deref(), Some("NOT_FOUND"));
    edit(&app, "not-a-token", "SetUserPermissions", "owner2", "")
        .await
        .assert_fault("INVALID_DATA", "login: Bad or expired token");
}

#[tokio::test]
async fn each_edit_is_audited_with_the_list_it_changed() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    app.user_with(&owner, "aud", "").await;
    let changed = ok(&app, &owner, "AddUserZones", "aud", "<zone><zone_name>a.org</zone_name></zone>").await;
    let same = ok(&app, &owner, "AddUserZones", "aud", "<zone><zone_name>a.org</zone_name></zone>").await;
    let denied = edit(&app, &owner, "RemoveUserGroups", "aud", "<group_name>DEFAULT</group_name>").await;
    let db = rusqlite::Connection::open(app.dir.path().join("usergate.db")).expect("db");
    let row = |r: &Resp| {
        let id: i64 = r.field("job_id").expect("job id").parse().expect("numeric");
        db.query_row("SELECT operation, target, outcome, changed FROM audit WHERE id = ?1", [id], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?, row.get::<_, String>(3)?))
        })
        .expect("audit row")
    };
    let strings = |a: [&str; 4]| a.map(str::to_owned).into();
    assert_eq!(row(&changed), strings(["AddUserZones", "aud", "success", "zone"]));
    assert_eq!(row(&same), strings(["AddUserZones", "aud", "success", ""]));
    assert_eq!(row(&denied), strings(["RemoveUserGroups", "aud", "ILLEGAL_OPERATION", ""]));
}
