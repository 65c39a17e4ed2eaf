//! GetUserPermissions (the report, its gate, reasons) and CheckPermissions (the caller's own answers, zones).

use crate::helpers::{Resp, TestApp, field};

/// The `(name, reasons)` of each `<allowed>` or `<forbidden>` entry (`tag`) of a report.
fn entries(r: &Resp, tag: &str) -> Vec<(String, Vec<String>)> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = r.body.as_str();
    while let Some(at) = rest.find(&open) {
        let body = &rest[at + open.len()..];
        let end = body.find(&close).expect("closed entry");
        let entry = &body[..end];
        let resp = Resp { status: 200, headers: vec![], body: entry.to_owned() };
        out.push((field(entry, "name").unwrap_or_default(), resp.fields("reason")));
        rest = &body[end..];
    }
    out
}

fn names(r: &Resp, tag: &str) -> Vec<String> {
    entries(r, tag).into_iter().map(|(n, _)| n).collect()
}

#[tokio::test]
async fn report_lists_grants_with_their_reasons() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let r = app.call("GetUserPermissions", &format!("<token>{owner}</token>")).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.data_field("admin_override").as_deref(), Some("true"));
    let all = entries(&r, "allowed");
    assert_eq!(all.len(), 50, "every permission of the catalogue");
    assert!(all.iter().all(|(_, why)| why == &["OWNER", "DEFAULT"] || why == &["OWNER"]), "{all:?}");
    let extra = "<group_name>READONLY</group_name><permission>UserGet</permission><permission>RecordAdd</permission>\
                 <zone><zone_name>example.org</zone_name></zone>\
                 <forbid><name>PermissionGet</name></forbid>\
                 <forbid><name>RecordAdd</name><zone><zone_name>lab.example.org</zone_name><recurse>N</recurse></zone></forbid>";
    app.user_with(&owner, "ro", extra).await;
    let r = app.call("GetUserPermissions", &format!("<token>{owner}</token><user_name>RO</user_name>")).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.info(), "report: Permissions of RO");
    assert_eq!(r.data_field("admin_override").as_deref(), Some("false"));
    assert_eq!(
        entries(&r, "allowed"),
        [
            ("UserGet".into(), vec!["READONLY".into(), "user".into()]),
            ("UserLogin".into(), vec!["DEFAULT".into()]),
            ("UserChangepw".into(), vec!["DEFAULT".into()]),
            ("GroupGet".into(), vec!["READONLY".into()]),
            ("RecordAdd".into(), vec!["user".into()]),
        ]
    );
    assert_eq!(
        entries(&r, "forbidden"),
        [("PermissionGet".into(), vec!["forbid".into()]), ("RecordAdd".into(), vec!["forbid".into()])]
    );
    // Allowed permissions carry the user's zones; the zoned forbid carries its own.
    assert_eq!(r.fields("zone_name").len(), 5 + 1);
    assert!(r.body.contains("<zone_name>lab.example.org</zone_name><recurse>N</recurse>"), "{}", r.body);
}

#[tokio::test]
async fn report_gate_and_not_found() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let plain = app.user_with(&owner, "plain", "").await;
    // One's own report needs no permission, under any spelling of one's name.
    for own in ["", "<user_name>plain</user_name>", "<user_name>PLAIN</user_name>", "<user_name/>"] {
        let r = app.call("GetUserPermissions", &format!("<token>{plain}</token>{own}")).await;
        assert!(r.is_success(), "{own}: {}", r.body);
        assert_eq!(names(&r, "allowed"), ["UserLogin", "UserChangepw"]);
    }
    app.call("GetUserPermissions", &format!("<token>{plain}</token><user_name>owner</user_name>"))
        .await
        .assert_fault("PERMISSION_DENIED", "permission: PermissionGet is required");
    let ro = app.user_with(&owner, "ro", "<group_name>READONLY</group_name>").await;
    assert!(
        app.call("GetUserPermissions", &format!("<token>{ro}</token><user_name>owner</user_name>")).await.is_success()
    );
    app.call("GetUserPermissions", &format!("<token>{ro}</token><user_name>nobody</user_name>"))
        .await
        .assert_fault("NOT_FOUND", "user_name: no such user");
    app.call("GetUserPermissions", &format!("<token>{ro}</token><user_name>bad name!</user_name>"))
        .await
        .assert_fault("INVALID_DATA", "user_name:");
    app.call("GetUserPermissions", "<token>nope</token>").await.assert_fault("INVALID_DATA", "login:");
}

#[tokio::test]
async fn check_answers_for_the_caller_in_zones() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let extra = "<permission>RecordAdd</permission><zone><zone_name>example.org</zone_name></zone>\
                 <forbid><name>RecordAdd</name><zone><zone_name>lab.example.org</zone_name></zone></forbid>";
    let z = app.user_with(&owner, "zoned", extra).await;
    let check = |perms: &str, zone: &str| {
        let zone = if zone.is_empty() { String::new() } else { format!("<zone_name>{zone}</zone_name>") };
        format!("<token>{z}</token>{perms}{zone}")
    };
    let r = app
        .call("CheckPermissions", &check("<permission>UserLogin</permission><permission>UserAdd</permission>", ""))
        .await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.info(), "check: 1 of 2 permissions allowed");
    assert_eq!(entries(&r, "allowed"), [("UserLogin".into(), vec!["DEFAULT".into()])]);
    assert_eq!(entries(&r, "forbidden"), [("UserAdd".into(), vec!["permission not found".into()])]);
    let rec = "<permission>RecordAdd</permission>";
    for (zone, allowed, why) in [
        ("", true, ""),
        ("www.example.org", true, ""),
        ("EXAMPLE.org.", true, ""),
        ("db.lab.example.org", false, "forbid"),
        ("example.net", false, "zone"),
    ] {
        let r = app.call("CheckPermissions", &check(rec, zone)).await;
        assert!(r.is_success(), "{}", r.body);
        if allowed {
            assert_eq!(names(&r, "allowed"), ["RecordAdd"], "{zone}");
        } else {
            assert_eq!(entries(&r, "forbidden"), [("RecordAdd".into(), vec![why.into()])], "{zone}");
        }
    }
    let r =
        app.call("CheckPermissions", &format!("<token>{owner}</token>{rec}<zone_name>example.net</zone_name>")).await;
    assert_eq!(r.data_field("admin_override").as_deref(), Some("true"));
    assert_eq!(entries(&r, "allowed"), [("RecordAdd".into(), vec!["OWNER".into()])]);
    app.call("CheckPermissions", &check("", "example.org")).await.assert_fault("MISSING_DATA", "permission: required");
    app.call("CheckPermissions", &check("<permission>Teleport</permission>", ""))
        .await
        .assert_fault("INVALID_DATA", "permission: unknown permission Teleport");
}
