//! CreateUser: every field stored and answered; validation names the field; duplicates ignore case.

use crate::helpers::{TestApp, user_children};

#[tokio::test]
async fn create_with_everything_and_get_it_back() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let extra = "<permission>ZoneGet</permission><permission>RecordGet</permission><group_name>READONLY</group_name>\
        <zone><zone_name>example.org</zone_name></zone><zone><zone_name>b.example.org</zone_name><recurse>N</recurse></zone>\
        <forbid><name>RecordDelete</name><zone><zone_name>example.org</zone_name></zone></forbid>\
        <phone>+1 (603) 555-0100 x12</phone><fax>555</fax><notify_email>n@example.org</notify_email>\
        <pager_email>p@example.org</pager_email><address>1 Main St</address><address_2>Suite 2</address_2>\
        <city>Manchester</city><state>NH</state><post_code>03101</post_code><country>US</country>\
        <website>https://example.org/</website><display_name>Jo Doe</display_name><middle_name>Q</middle_name>\
        <notes>  kept   verbatim  </notes>";
    let r = app.create_user(&owner, "Jo.Doe-1_x", "secret-pass-1", extra).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.info(), "create: User created");
    let g = app.call("GetUser", &format!("<token>{owner}</token><user_name>jo.doe-1_X</user_name>")).await;
    assert!(g.is_success(), "lookup ignores case: {}", g.body);
    assert_eq!(g.field("user_name").as_deref(), Some("Jo.Doe-1_x"), "stored as given");
    assert_eq!(g.fields("group_name"), vec!["READONLY", "DEFAULT"]);
    assert_eq!(g.fields("permission"), vec!["ZoneGet", "RecordGet"]);
    assert_eq!(g.fields("zone_name"), vec!["example.org", "b.example.org", "example.org"]);
    assert_eq!(g.fields("recurse"), vec!["Y", "N", "Y"]);
    assert_eq!(g.field("name").as_deref(), Some("RecordDelete"));
    for (f, v) in [
        ("nickname", "Jo.Doe-1_x"),
        ("phone", "+1 (603) 555-0100 x12"),
        ("notes", "  kept   verbatim  "),
        ("website", "https://example.org/"),
        ("middle_name", "Q"),
        ("status", "active"),
        ("active", "true"),
        ("locked", "false"),
        ("hold", "false"),
        ("require_pw_change", "false"),
        ("is_totp_enabled", "false"),
        ("version", "1"),
    ] {
        assert_eq!(g.data_field(f).as_deref(), Some(v), "{f}");
    }
    assert!(g.field("user_id").is_some_and(|id| id.parse::<i64>().is_ok()));
    assert!(g.field("uid").is_some_and(|u| u.len() >= 16));
    assert!(g.field("created_at").is_some_and(|t| t.ends_with('Z')));
    assert!(g.field("last_login_at").is_none());
    for secret in ["secret-pass-1", "argon2", "password"] {
        assert!(!g.body.contains(secret), "no {secret} in responses");
    }
}

#[tokio::test]
async fn validation_names_the_field() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let cases: Vec<(String, &str, &str)> = vec![
        (user_children(&owner, "bad name", "secret-pass-1", ""), "INVALID_DATA", "user_name:"),
        (user_children(&owner, &"x".repeat(65), "secret-pass-1", ""), "INVALID_DATA", "user_name:"),
        (user_children(&owner, "shortpw", "short", ""), "INVALID_DATA", "password: too short (minimum 8)"),
        (user_children(&owner, "u1", "secret-pass-1", "<phone>12345</phone>"), "INVALID_DATA", "phone:"),
        (user_children(&owner, "u1", "secret-pass-1", "<website>ftp://x</website>"), "INVALID_DATA", "website:"),
        (
            user_children(&owner, "u1", "secret-pass-1", "<group_name>GODS</group_name>"),
            "INVALID_DATA",
            "group_name: unknown group GODS",
        ),
        (
            user_children(&owner, "u1", "secret-pass-1", "<permission>Fly</permission>"),
            "INVALID_DATA",
            "permission: unknown permission Fly",
        ),
        (
            user_children(&owner, "u1", "secret-pass-1", "<zone><zone_name>z</zone_name><recurse>X</recurse></zone>"),
            "INVALID_DATA",
            "recurse:",
        ),
        (
            user_children(&owner, "u1", "secret-pass-1", &format!("<city>{}</city>", "c".repeat(256))),
            "INVALID_DATA",
            "city: longer than 255",
        ),
        (user_children(&owner, "u1", "secret-pass-1", "<bogus>1</bogus>"), "INVALID_DATA", "bogus: unknown element"),
        (
            user_children(&owner, "u1", "secret-pass-1", "<city>a</city><city>b</city>"),
            "INVALID_DATA",
            "city: repeated",
        ),
        (user_children(&owner, "", "secret-pass-1", ""), "MISSING_DATA", "user_name: required"),
        (
            format!(
                "<token>{owner}</token><user_name>u1</user_name><password>secret-pass-1</password><nickname>n</nickname><first_name>f</first_name><last_name>l</last_name><organization>o</organization>"
            ),
            "MISSING_DATA",
            "email: required",
        ),
        (
            format!(
                "<token>{owner}</token><user_name>u1</user_name><password>secret-pass-1</password><nickname>n</nickname><first_name></first_name><last_name>l</last_name><email>a@b</email><organization>o</organization>"
            ),
            "MISSING_DATA",
            "first_name: required",
        ),
    ];
    for (children, code, prefix) in cases {
        app.call("CreateUser", &children).await.assert_fault(code, prefix);
    }
    let email = user_children(&owner, "u1", "secret-pass-1", "").replace("u1@example.org", "not-an-email");
    app.call("CreateUser", &email).await.assert_fault("INVALID_DATA", "email: not a valid address");
}

#[tokio::test]
async fn duplicates_ignore_case_and_phone_can_be_required() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    assert!(app.create_user(&owner, "Dup", "secret-pass-1", "").await.is_success());
    app.create_user(&owner, "dUP", "secret-pass-1", "").await.assert_fault("TARGET_EXISTS", "user_name:");

    let strict = TestApp::spawn_with(|s| s.phone_required = true).await;
    let owner = strict.owner_token().await;
    strict.create_user(&owner, "nophone", "secret-pass-1", "").await.assert_fault("MISSING_DATA", "phone: required");
    assert!(strict.create_user(&owner, "phone", "secret-pass-1", "<phone>+44 20 7946 0000</phone>").await.is_success());
}

#[tokio::test]
async fn group_name_comma_joined() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let r = app.create_user(&owner, "multi", "secret-pass-1", "<group_name>ADMIN, READONLY</group_name>").await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.fields("group_name"), vec!["ADMIN", "READONLY", "DEFAULT"]);
}
