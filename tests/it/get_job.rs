//! GetJob: the recorded status, message and user of an earlier state-changing call; NOT_FOUND for reads, unknown
//! ids and other customers' jobs; no secrets; the user data only for its actor or a UserGet holder.

use crate::helpers::{Resp, TestApp, target};

fn job_of(r: &Resp) -> String {
    r.field("job_id").unwrap_or_else(|| panic!("no job_id: {}", r.body))
}

async fn get_job(app: &TestApp, token: &str, job: &str) -> Resp {
    app.call("GetJob", &format!("<token>{token}</token><job_id>{job}</job_id>")).await
}

#[tokio::test]
async fn replays_a_success_with_the_user_as_it_was() {
    let mut app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let created = app.create_user(&owner, "jane", "secret-pass-1", "<city>Oslo</city>").await;
    assert!(created.is_success());
    let added = app
        .call(
            "AddUserGroups",
            &format!("<token>{owner}</token><user_name>jane</user_name><group_name>ADMIN</group_name>"),
        )
        .await;
    assert!(added.is_success());
    app.call("UpdateUser", &format!("<token>{owner}</token><user_name>jane</user_name><city>Rome</city>")).await;
    let r = get_job(&app, &owner, &job_of(&created)).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(job_of(&r), job_of(&created), "answered under the job's own id");
    assert_eq!(r.info(), "create: User created");
    assert!(r.body.contains("<data xsi:type=\"tns:UserData\">"), "{}", r.body);
    assert_eq!(r.field("user_name").as_deref(), Some("jane"));
    assert_eq!(r.field("city").as_deref(), Some("Oslo"), "the user as the call answered, not as it is now");
    assert_eq!(r.fields("group_name"), ["DEFAULT"]);
    assert_eq!(r.field("user_id"), created.field("user_id"));
    assert_eq!(r.field("created_at"), created.field("created_at"));
    let r = get_job(&app, &owner, &format!(" {} ", job_of(&added))).await;
    assert_eq!(r.info(), "update: group_name added");
    assert_eq!(r.fields("group_name"), ["DEFAULT", "ADMIN"]);
    // Deleting answers no user; the job says so too. Jobs outlive restarts.
    let deleted = app.call("DeleteUser", &format!("<token>{owner}</token><user_name>jane</user_name>")).await;
    app.restart().await;
    let owner = app.owner_token().await;
    let r = get_job(&app, &owner, &job_of(&deleted)).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.info(), "delete: User deleted");
    assert!(!r.body.contains("<data"), "{}", r.body);
    assert!(get_job(&app, &owner, &job_of(&created)).await.is_success());
}

#[tokio::test]
async fn replays_a_failure_without_faulting() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let failed = app.call("BlockUser", &format!("<token>{owner}</token><user_name>owner</user_name>")).await;
    failed.assert_fault("ILLEGAL_OPERATION", "user_name: you cannot block yourself");
    let job = failed.field("job_id").expect("the fault carries its job id");
    let r = get_job(&app, &owner, &job).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.field("status").as_deref(), Some("failure"));
    assert_eq!(r.field("lvl").as_deref(), Some("ERROR"));
    assert_eq!(r.err_cd().as_deref(), Some("ILLEGAL_OPERATION"));
    assert_eq!(r.info(), "user_name: you cannot block yourself");
    assert_eq!(job_of(&r), job);
    // A denied login of this customer is a failed job as well.
    let bad = app.login("default", "owner", "wrong-password").await;
    let r = get_job(&app, &owner, &job_of(&bad)).await;
    assert_eq!(
        (r.field("status").as_deref(), r.info().as_str()),
        (Some("failure"), "login: Bad or expired credentials")
    );
}

#[tokio::test]
async fn not_found_for_reads_unknown_and_other_customers_jobs() {
    let app = TestApp::spawn().await;
    let owner = app.owner_token().await;
    let read = app.call("GetUser", &format!("<token>{owner}</token><user_name>owner</user_name>")).await;
    let keep = app.call("SessionKeepAlive", &format!("<token>{owner}</token>")).await;
    let envelope_fault = app.call("GetUser", &format!("<token>{owner}</token>")).await;
    for job in [job_of(&read), job_of(&keep), job_of(&envelope_fault), "999999999".into()] {
        get_job(&app, &owner, &job).await.assert_fault("NOT_FOUND", "job_id: no such job");
    }
    // The job of this very GetJob is a read too.
    let r = get_job(&app, &owner, "999999999").await;
    get_job(&app, &owner, &job_of(&r)).await.assert_fault("NOT_FOUND", "job_id: no such job");
    let store = usergate::open_store(&crate::helpers::settings(&app.dir)).expect("store");
    let hasher = usergate::auth::password::PasswordHasher::new(1).expect("hasher");
    usergate::admin::create_owner(&store, &hasher, target("other", "carol", "carolpass1")).expect("carol");
    let carol = app.token("other", "carol", "carolpass1").await;
    let theirs = app.create_user(&carol, "dave", "secret-pass-1", "").await;
    assert!(get_job(&app, &carol, &job_of(&theirs)).await.is_success());
    get_job(&app, &owner, &job_of(&theirs)).await.assert_fault("NOT_FOUND", "job_id: no such job");
    for bad in ["abc", "0", "-5", "1.5"] {
        get_job(&app, &owner, bad).await.assert_fault("INVALID_DATA", "job_id: a positive integer expected");
    }
    app.call("GetJob", &format!("<token>{owner}</token>")).await.assert_fault("MISSING_DATA", "job_id: required");
    let r = app
        .call("GetJob", &format!("<token>{owner}</token><fault_incompat>1</fault_incompat><job_id>999999999</job_id>"))
        .await;
    assert_eq!((r.status, r.err_cd().as_deref()), (200, Some("NOT_FOUND")), "{}", r.body);
    get_job(&app, "dead", "1").await.assert_fault("INVALID_DATA", "login: Bad or expired token");
}

#[tokio::test]
async fn never_a_secret_and_data_only_for_actor_or_user_get() {
    let app = TestApp::spawn().await;
    let login = app.login("default", "owner", crate::helpers::OWNER_PASSWORD).await;
    let owner = login.field("token").expect("token");
    let r = get_job(&app, &owner, &job_of(&login)).await;
    assert!(r.is_success(), "{}", r.body);
    assert_eq!(r.info(), "login: Login successful");
    assert!(!r.body.contains("<data") && !r.body.contains(&owner), "the token is never recorded: {}", r.body);
    let created = app.create_user(&owner, "plain", "secret-pass-1", "").await;
    let plain = app.token("default", "plain", "secret-pass-1").await;
    let changed = app
        .call(
            "UpdateUserPassword",
            &format!(
                "<token>{plain}</token><old_password>secret-pass-1</old_password><password>secret-pass-2</password>"
            ),
        )
        .await;
    assert!(changed.is_success(), "{}", changed.body);
    // Without UserGet: the status and message of anyone's job, the user data only of one's own.
    let r = get_job(&app, &plain, &job_of(&created)).await;
    assert!(r.is_success() && !r.body.contains("<data"), "{}", r.body);
    let r = get_job(&app, &plain, &job_of(&changed)).await;
    assert_eq!(r.field("user_name").as_deref(), Some("plain"), "{}", r.body);
    assert!(get_job(&app, &owner, &job_of(&changed)).await.body.contains("<user_name>plain</user_name>"));
    // What is kept for GetJob holds neither passwords, hashes nor tokens.
    let db = rusqlite::Connection::open(app.dir.path().join("usergate.db")).expect("db");
    let kept: String = db
        .query_row("SELECT group_concat(info || coalesce(user_view, ''), '|') FROM job_results", [], |r| r.get(0))
        .expect("job results");
    assert!(kept.contains("\"user_name\":\"plain\""), "{kept}");
    for secret in ["secret-pass", crate::helpers::OWNER_PASSWORD, "$argon2", owner.as_str(), plain.as_str()] {
        assert!(!kept.contains(secret), "{secret} kept in job_results");
    }
}
