//! Concurrent writes over HTTP (group commit): every one is answered, the failing ones alone fail, and every
//! acknowledged change and audit record survives a restart.

use std::sync::Arc;

use crate::helpers::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_are_all_acknowledged_durable_and_isolated() {
    let app = Arc::new(TestApp::spawn().await);
    let owner = app.owner_token().await;
    app.user_with(&owner, "gc", "").await;
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..24 {
        let (app, owner) = (Arc::clone(&app), owner.clone());
        calls.spawn(async move {
            // Every sixth renames gc onto an existing name: refused by the UNIQUE key inside its write transaction,
            // a failure among the successes of its batch.
            let change = if i % 6 == 5 {
                "<new_user_name>owner</new_user_name>".to_owned()
            } else {
                format!("<nickname>n{i}</nickname>")
            };
            let r = app.call("UpdateUser", &format!("<token>{owner}</token><user_name>gc</user_name>{change}")).await;
            (i, r)
        });
    }
    let mut acknowledged = Vec::new();
    while let Some(done) = calls.join_next().await {
        let (i, r) = done.unwrap();
        if i % 6 == 5 {
            r.assert_fault("TARGET_EXISTS", "new_user_name:");
        } else {
            assert!(r.is_success(), "{}", r.body);
            acknowledged.push(r.field("job_id").expect("job id"));
        }
    }
    assert_eq!(acknowledged.len(), 20);
    let last = app.call("GetUser", &format!("<token>{owner}</token><user_name>gc</user_name>")).await;
    let nickname = last.field("nickname").expect("nickname");

    let mut app = Arc::try_unwrap(app).unwrap_or_else(|_| panic!("every call has finished"));
    app.restart().await;
    let owner = app.owner_token().await;
    let after = app.call("GetUser", &format!("<token>{owner}</token><user_name>gc</user_name>")).await;
    assert_eq!(after.field("nickname"), Some(nickname), "the last acknowledged change is on disk");
    for job in &acknowledged {
        let r = app.call("GetJob", &format!("<token>{owner}</token><job_id>{job}</job_id>")).await;
        assert!(r.is_success(), "job {job} recorded: {}", r.body);
    }
}
