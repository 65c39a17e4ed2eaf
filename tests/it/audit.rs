//! The audit trail: one record per state-changing call, in the same transaction, keyed by the response's job id.

use crate::helpers::TestApp;

#[derive(Debug, PartialEq)]
struct Row {
    operation: String,
    actor_name: String,
    target: String,
    outcome: String,
    changed: String,
    client_addr: String,
    correlation_id: String,
}

fn audit_row(app: &TestApp, job_id: &str) -> Option<Row> {
    let db = rusqlite::Connection::open(app.dir.path().join("usergate.db")).expect("open db");
    let id: i64 = job_id.parse().expect("numeric job id");
    db.query_row(
        "SELECT operation, actor_name, target, outcome, changed, client_addr, correlation_id FROM audit WHERE id = ?1",
        [id],
        |r| {
            Ok(Row {
                operation: r.get(0)?,
                actor_name: r.get(1)?,
                target: r.get(2)?,
                outcome: r.get(3)?,
                changed: r.get(4)?,
                client_addr: r.get(5)?,
                correlation_id: r.get(6)?,
            })
        },
    )
    .ok()
}

#[tokio::test]
async fn state_changes_and_their_failures_are_audited_under_the_job_id() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let body = crate::helpers::envelope(
        "CreateUser",
        &crate::helpers::user_children(&owner, "aud", "secret-pass-1", "<city>Oslo</city>"),
    );
    let r =
        app.http("POST", "/SOAP/", &[("Content-Type", "text/xml"), ("X-Request-Id", "trace-1")], body.as_bytes()).await;
    assert!(r.is_success(), "{}", r.body);
    let row = audit_row(&app, &r.field("job_id").unwrap_or_default()).expect("audit row for the create");
    assert_eq!(row.operation, "CreateUser");
    assert_eq!((row.actor_name.as_str(), row.target.as_str(), row.outcome.as_str()), ("owner", "aud", "success"));
    assert_eq!(row.client_addr, "127.0.0.1");
    assert_eq!(row.correlation_id, "trace-1");

    let r = app
        .call(
            "UpdateUser",
            &format!(
                "<token>{owner}</token><user_name>aud</user_name><city>Bergen</city><password>another-pass-2</password>"
            ),
        )
        .await;
    let row = audit_row(&app, &r.field("job_id").unwrap_or_default()).expect("audit row for the update");
    assert_eq!(row.changed, "password,city", "field names only");

    let r = app.call("DeleteUser", &format!("<token>{owner}</token><user_name>owner</user_name>")).await;
    assert_eq!(r.err_cd().as_deref(), Some("ILLEGAL_OPERATION"));
    let row = audit_row(&app, &r.field("job_id").unwrap_or_default()).expect("failures are audited too");
    assert_eq!(
        (row.operation.as_str(), row.outcome.as_str(), row.changed.as_str()),
        ("DeleteUser", "ILLEGAL_OPERATION", "")
    );

    let r = app.login("default", "aud", "wrong-password").await;
    let row = audit_row(&app, &r.field("job_id").unwrap_or_default()).expect("failed logins are audited");
    assert_eq!((row.operation.as_str(), row.outcome.as_str()), ("SessionLogin", "INVALID_DATA"));

    // Reads take a job id from the same sequence but leave no record.
    let r = app.call("GetUser", &format!("<token>{owner}</token><user_name>aud</user_name>")).await;
    assert!(audit_row(&app, &r.field("job_id").unwrap_or_default()).is_none());

    let db = rusqlite::Connection::open(app.dir.path().join("usergate.db")).expect("open db");
    let leaked: i64 = db
        .query_row(
            "SELECT count(*) FROM audit WHERE changed LIKE '%pass-%' OR target LIKE '%pass-%' OR actor_name LIKE '%pass%'",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert_eq!(leaked, 0, "no secret values in the audit trail");
}

#[tokio::test]
async fn job_ids_strictly_increase() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let mut last = 0i64;
    for i in 0..6 {
        let r = if i % 2 == 0 {
            app.call("GetUsers", &format!("<token>{owner}</token>")).await
        } else {
            app.call("BlockUser", &format!("<token>{owner}</token><user_name>nobody</user_name>")).await
        };
        let job: i64 = r.field("job_id").and_then(|j| j.parse().ok()).expect("job id");
        assert!(job > last, "{job} after {last}");
        last = job;
    }
}
