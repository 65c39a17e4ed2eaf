//! GetAuditEvents over HTTP (filters, newest-first keyset pages, permissions, deleted users still named), the
//! append-only audit table (no operation changes a recorded row), and `usergate admin audit export|purge`.

use std::collections::BTreeSet;
use std::process::Command;

use crate::helpers::TestApp;

const BIN: &str = env!("CARGO_BIN_EXE_usergate");

/// Every audit row and its result, as bytes (SQLite's own text of each value), keyed by job id.
fn snapshot(app: &TestApp) -> Vec<(i64, String)> {
    let db = app.sql();
    let mut stmt = db
        .prepare(
            "SELECT a.id, quote(a.at) || '|' || quote(a.customer_id) || '|' || quote(a.actor_id) || '|' || \
             quote(a.actor_name) || '|' || quote(a.operation) || '|' || quote(a.target) || '|' || quote(a.outcome) \
             || '|' || quote(a.changed) || '|' || quote(a.client_addr) || '|' || quote(a.correlation_id) || '|' || \
             quote(r.info) || '|' || quote(r.user_view) FROM audit a LEFT JOIN job_results r ON r.job_id = a.id \
             ORDER BY a.id",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
}

#[tokio::test]
async fn no_operation_changes_a_recorded_audit_row() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    assert!(app.create_user(&owner, "old", "secret-pass-1", "").await.is_success());
    let t = |c: &str| format!("<token>{owner}</token>{c}");
    let before = snapshot(&app);
    assert!(before.len() >= 2, "{before:?}");
    // Every kind of operation, successes and failures, on the users the earlier rows name.
    let ddns = app.call("CreateUpdateUser", &t("<nickname>cam</nickname>")).await;
    let ddns_name = ddns.data_field("user_name").unwrap();
    let calls: Vec<(&str, String)> = vec![
        ("SessionIsAlive", t("")),
        ("SessionKeepAlive", t("")),
        ("GetUser", t("<user_name>old</user_name>")),
        ("GetUsers", t("<page_size>5</page_size>")),
        ("UpdateUser", t("<user_name>old</user_name><city>Rome</city>")),
        ("UpdateUser", t("<user_name>old</user_name><new_user_name>renamed</new_user_name>")),
        ("BlockUser", t("<user_name>renamed</user_name>")),
        ("UnblockUser", t("<user_name>renamed</user_name>")),
        ("BlockUser", t("<user_name>owner</user_name>")),
        ("AddUserGroups", t("<user_name>renamed</user_name><group_name>READONLY</group_name>")),
        ("SetUserGroups", t("<user_name>renamed</user_name><group_name>ADMIN</group_name>")),
        ("RemoveUserGroups", t("<user_name>renamed</user_name><group_name>ADMIN</group_name>")),
        ("AddUserZones", t("<user_name>renamed</user_name><zone><zone_name>a.example</zone_name></zone>")),
        ("SetUserZones", t("<user_name>renamed</user_name><zone><zone_name>b.example</zone_name></zone>")),
        ("RemoveUserZones", t("<user_name>renamed</user_name><zone><zone_name>b.example</zone_name></zone>")),
        ("AddUserPermissions", t("<user_name>renamed</user_name><permission>UserGet</permission>")),
        ("SetUserPermissions", t("<user_name>renamed</user_name><permission>UserAdd</permission>")),
        ("RemoveUserPermissions", t("<user_name>renamed</user_name><permission>UserAdd</permission>")),
        ("AddUserForbids", t("<user_name>renamed</user_name><forbid><name>UserGet</name></forbid>")),
        ("SetUserForbids", t("<user_name>renamed</user_name><forbid><name>UserAdd</name></forbid>")),
        ("RemoveUserForbids", t("<user_name>renamed</user_name><forbid><name>UserAdd</name></forbid>")),
        ("GetUserPermissions", t("<user_name>renamed</user_name>")),
        ("CheckPermissions", t("<permission>UserGet</permission>")),
        ("GetJob", t(&format!("<job_id>{}</job_id>", before[0].0))),
        ("GetAuditEvents", t("<page_size>2</page_size>")),
        ("GetUpdateUsers", t("")),
        ("UpdateUpdateUser", t(&format!("<user_name>{ddns_name}</user_name><block>true</block>"))),
        ("GetUpdateUserPassword", t(&format!("<user_name>{ddns_name}</user_name>"))),
        ("DeleteOneUpdateUser", t(&format!("<user_name>{ddns_name}</user_name>"))),
        ("DeactivateUser", t("<user_name>renamed</user_name><block_user>true</block_user>")),
        ("ReactivateUser", t("<user_name>renamed</user_name><unblock_user>true</unblock_user>")),
        ("DeactivateUser", t("<user_name>owner</user_name>")),
        ("GetCurrentUser", t("")),
        ("UpdateCurrentUser", t("<city>Paris</city>")),
        ("CreateUser", crate::helpers::user_children(&owner, "old", "secret-pass-1", "")),
        ("DeleteUser", t("<user_name>renamed</user_name>")),
        ("DeleteUser", t("<user_name>nobody</user_name>")),
        ("UpdateUserPassword", t("<old_password>ownerpass1</old_password><password>ownerpass2</password>")),
    ];
    let mut ops: BTreeSet<&str> = calls.iter().map(|(op, _)| *op).collect();
    ops.insert("CreateUpdateUser");
    for (op, children) in &calls {
        app.call(op, children).await;
    }
    let login = app.login("default", "owner", "ownerpass2").await;
    assert!(login.is_success());
    let token = login.field("token").unwrap();
    app.login("default", "owner", "wrong-password").await;
    assert!(app.call("SessionLogout", &format!("<token>{token}</token>")).await.is_success());
    ops.extend(["SessionLogin", "SessionLogout"]);
    let every: BTreeSet<&str> = usergate::messages::Operation::ALL.iter().map(|o| o.name()).collect();
    assert_eq!(ops, every, "the test runs every operation");

    let after = snapshot(&app);
    assert!(after.len() > before.len() + 20, "the calls left records");
    assert_eq!(&after[..before.len()], &before[..], "an earlier audit row changed");
    // The deleted user is still named by its records, and they are still listed.
    let r = app.call("GetAuditEvents", &format!("<token>{token}</token>")).await;
    let owner2 = app.token("default", "owner", "ownerpass2").await;
    let r2 = app
        .call("GetAuditEvents", &format!("<token>{owner2}</token><target>renamed</target><page_size>100</page_size>"))
        .await;
    assert!(r2.fields("operation").contains(&"DeleteUser".to_owned()), "{}", r2.body);
    assert!(r2.fields("operation").contains(&"BlockUser".to_owned()), "{}", r2.body);
    assert_eq!(r.err_cd().as_deref(), Some("INVALID_DATA"), "a logged-out token");
    // Nor can SQL change them behind the server's back.
    for sql in
        ["UPDATE audit SET outcome = 'success'", "DELETE FROM audit WHERE id = 1", "UPDATE job_results SET info = ''"]
    {
        let err = app.sql().execute(sql, []).unwrap_err().to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
}

#[tokio::test]
async fn events_are_newest_first_filtered_and_paged_without_gaps() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    for n in ["e1", "e2", "e3", "e4"] {
        assert!(app.create_user(&owner, n, "secret-pass-1", "").await.is_success());
    }
    // Refused by a rule (not by the decoder, which leaves no record).
    let r = app.call("BlockUser", &format!("<token>{owner}</token><user_name>owner</user_name>")).await;
    assert_eq!(r.err_cd().as_deref(), Some("ILLEGAL_OPERATION"));
    let q = format!("<token>{owner}</token><operation>CreateUser</operation><page_size>2</page_size>");
    let first = app.call("GetAuditEvents", &q).await;
    assert!(first.is_success(), "{}", first.body);
    assert_eq!(first.fields("target"), ["e4", "e3"]);
    assert_eq!(first.field("total").as_deref(), Some("4"));
    let cursor = first.field("next_cursor").unwrap();
    // Records made between pages are newer: they never push an older one onto the next page twice.
    assert!(app.create_user(&owner, "e5", "secret-pass-1", "").await.is_success());
    let second = app.call("GetAuditEvents", &format!("{q}<cursor>{cursor}</cursor>")).await;
    assert_eq!(second.fields("target"), ["e2", "e1"]);
    assert_eq!(second.field("next_cursor"), None);
    // Each answer's first job_id is its own; the events' follow, strictly decreasing across both pages.
    let events = |r: &crate::helpers::Resp| {
        r.fields("job_id").iter().skip(1).map(|s| s.parse::<i64>().unwrap()).collect::<Vec<_>>()
    };
    let ids = [events(&first), events(&second)].concat();
    assert_eq!(ids.len(), 4);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    // A failure, with its err_cd and the field named in its info; the changed fields of a success.
    let r = app.call("GetAuditEvents", &format!("<token>{owner}</token><outcome>failure</outcome>")).await;
    assert_eq!(r.fields("operation"), ["BlockUser"]);
    assert_eq!(r.fields("err_cd"), ["ILLEGAL_OPERATION"]);
    assert_eq!(r.fields("info")[1], "user_name: you cannot block yourself");
    let r = app.call("GetAuditEvents", &format!("<token>{owner}</token><target>E5</target><actor>OWNER</actor>")).await;
    assert_eq!(r.fields("changed"), ["user_name", "password"]);
    assert_eq!(r.fields("client_addr"), ["127.0.0.1"]);
    // Correlation ids from the request header.
    let body = crate::helpers::envelope("BlockUser", &format!("<token>{owner}</token><user_name>e1</user_name>"));
    let hdrs = [("Content-Type", "text/xml"), ("X-Request-Id", "trace-42")];
    assert!(app.http("POST", "/SOAP/", &hdrs, body.as_bytes()).await.is_success());
    let r =
        app.call("GetAuditEvents", &format!("<token>{owner}</token><correlation_id>trace-42</correlation_id>")).await;
    assert_eq!((r.fields("operation"), r.fields("target")), (vec!["BlockUser".to_owned()], vec!["e1".to_owned()]));
    // Time range: everything is after 2000 and before 2999.
    let r = app
        .call("GetAuditEvents", &format!("<token>{owner}</token><since>2000-01-01</since><until>2999-01-01T00:00:00Z</until><page_size>1</page_size>"))
        .await;
    assert!(r.field("total").unwrap().parse::<u64>().unwrap() >= 7);
    // A cursor of one filter does not page another.
    app.call("GetAuditEvents", &format!("<token>{owner}</token><cursor>{cursor}</cursor>"))
        .await
        .assert_fault("INVALID_DATA", "cursor: ");
}

#[tokio::test]
async fn owners_and_permission_get_holders_see_their_customer_only() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let plain = app.user_with(&owner, "plain", "").await;
    app.call("GetAuditEvents", &format!("<token>{plain}</token>"))
        .await
        .assert_fault("PERMISSION_DENIED", "permission: PermissionGet is required");
    let granted = app.user_with(&owner, "granted", "<permission>PermissionGet</permission>").await;
    let r = app.call("GetAuditEvents", &format!("<token>{granted}</token><target>plain</target>")).await;
    assert!(r.fields("operation").contains(&"CreateUser".to_owned()), "{}", r.body);
    let forbidden = app
        .user_with(&owner, "ro", "<group_name>READONLY</group_name><forbid><name>PermissionGet</name></forbid>")
        .await;
    app.call("GetAuditEvents", &format!("<token>{forbidden}</token>"))
        .await
        .assert_fault("PERMISSION_DENIED", "permission:");
    let store = usergate::open_store(&crate::helpers::settings(&app.dir)).expect("store");
    let hasher = usergate::auth::password::PasswordHasher::new(1).expect("hasher");
    usergate::admin::create_owner(&store, &hasher, crate::helpers::target("other", "boss", "bosspass1")).unwrap();
    let boss = app.token("other", "boss", "bosspass1").await;
    let r = app.call("GetAuditEvents", &format!("<token>{boss}</token><page_size>1000</page_size>")).await;
    let targets: BTreeSet<String> = r.fields("target").into_iter().collect();
    assert_eq!(targets, BTreeSet::from(["boss".to_owned()]), "{}", r.body);
}

fn admin(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(["--db", db.to_str().unwrap(), "admin", "audit"])
        .args(args)
        .env_remove("USERGATE_CONFIG")
        .env_remove("USERGATE_BOOTSTRAP_PASSWORD")
        .output()
        .expect("run usergate")
}

#[tokio::test]
async fn export_streams_csv_and_jsonl_and_purge_needs_a_fresh_export() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let extra = "<city>Oslo, \"Old\" Town</city>";
    assert!(app.create_user(&owner, "x1", "secret-pass-1", extra).await.is_success());
    let db = app.db_path();
    // Against the running server: the export only reads.
    let out = admin(&db, &["export", "--format", "jsonl"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ops: Vec<&str> = lines.iter().map(|v| v["operation"].as_str().unwrap()).collect();
    assert_eq!(ops, ["AdminCreateOwner", "SessionLogin", "CreateUser"], "oldest first");
    assert_eq!(lines[2]["target"], "x1");
    assert_eq!(lines[2]["customer"], "default");

    let csv_path = app.dir.path().join("audit.csv");
    let out =
        admin(&db, &["export", "--format", "csv", "--customer", "default", "--output", csv_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let rows: Vec<&str> = csv.split_terminator("\r\n").collect();
    assert_eq!(rows.len(), 4, "{csv}");
    assert!(rows[0].starts_with("job_id,at,customer,actor,operation,target,outcome,err_cd,info,changed,"));
    assert!(
        rows[3].contains(",default,owner,CreateUser,x1,success,,create: User created,user_name password,"),
        "{}",
        rows[3]
    );
    let bad = admin(&db, &["export", "--format", "csv", "--customer", "nobody"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no customer nobody"));

    // A one-customer export does not cover a purge; a newer record is not covered by the older export either.
    let later = "2999-01-01T00:00:00Z";
    let ts = |a: &str| app.sql().query_row(a, [], |r| r.get::<_, i64>(0)).unwrap();
    let rows_before = ts("SELECT COUNT(*) FROM audit");
    assert!(app.create_user(&owner, "x2", "secret-pass-1", "").await.is_success());
    let refused = admin(&db, &["purge", "--before", later]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("usergate admin audit export"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(ts("SELECT COUNT(*) FROM audit"), rows_before + 1, "nothing purged");
    // A --since export starts too late for the oldest record.
    assert!(admin(&db, &["export", "--format", "csv", "--since", "2999-01-01"]).status.success());
    assert!(!admin(&db, &["purge", "--before", later]).status.success());
    assert!(!admin(&db, &["purge", "--before", "not-a-date"]).status.success());
    // A full export, then the purge: everything before the date goes, the purge leaves its own record.
    assert!(
        admin(&db, &["export", "--format", "jsonl", "--output", app.dir.path().join("all.jsonl").to_str().unwrap()])
            .status
            .success()
    );
    let purged = admin(&db, &["purge", "--before", later]);
    assert!(purged.status.success(), "{}", String::from_utf8_lossy(&purged.stderr));
    assert_eq!(ts("SELECT COUNT(*) FROM audit"), 1);
    assert_eq!(ts("SELECT COUNT(*) FROM audit WHERE operation = 'AdminAuditPurge'"), 1);
    assert_eq!(ts("SELECT COUNT(*) FROM audit_exports"), 4, "every finished export is recorded");
    // The server keeps working and its job ids keep growing.
    let r = app.create_user(&owner, "x3", "secret-pass-1", "").await;
    assert!(r.is_success(), "{}", r.body);
    let r = app.call("GetAuditEvents", &format!("<token>{owner}</token>")).await;
    assert_eq!(r.fields("target"), ["x3"]);
    // Without --before and without a retention setting, the command says what it needs.
    let out = admin(&db, &["purge"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--before"));
}

#[tokio::test]
async fn with_a_retention_the_server_purges_what_an_export_covers() {
    let app = TestApp::spawn().await;
    assert!(app.create_user(&app.owner_token().await, "kept", "secret-pass-1", "").await.is_success());
    let dir = app.stop().await;
    let db = dir.path().join("usergate.db");
    // A record from 1970 (inserting is what the audit allows), under the job ids the server reserved and left unused.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO audit (id, at, customer_id, actor_id, actor_name, operation, target, outcome, changed, \
         client_addr, correlation_id) VALUES (9999, 1000, 1, 1, 'owner', 'UpdateUser', 'kept', 'success', '', \
         '127.0.0.1', 'old')",
        [],
    )
    .unwrap();
    drop(conn);
    let count =
        |sql: &str| rusqlite::Connection::open(&db).unwrap().query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    let before = count("SELECT COUNT(*) FROM audit");
    // Not exported yet: a server with a one-day retention keeps it.
    let app = TestApp::spawn_in(dir, |s| s.audit_retention_days = 1).await;
    let dir = app.stop().await;
    assert_eq!(count("SELECT COUNT(*) FROM audit WHERE id = 9999"), 1);
    assert!(
        admin(&db, &["export", "--format", "jsonl", "--output", dir.path().join("a.jsonl").to_str().unwrap()])
            .status
            .success()
    );
    // Exported: the server's first retention round (at start) removes it and only it.
    let app = TestApp::spawn_in(dir, |s| s.audit_retention_days = 1).await;
    let mut gone = false;
    for _ in 0..200 {
        if count("SELECT COUNT(*) FROM audit WHERE id = 9999") == 0 {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(gone, "the aged, exported record was purged");
    assert_eq!(count("SELECT COUNT(*) FROM audit WHERE operation = 'AdminAuditPurge'"), 1);
    assert_eq!(count("SELECT COUNT(*) FROM audit WHERE id <> 9999 AND operation <> 'AdminAuditPurge'"), before - 1);
    app.stop().await;
}
