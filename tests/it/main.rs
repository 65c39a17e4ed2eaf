//! The one integration test binary: drives a real usergate over HTTP.

// Tests may panic on anything: a panic is a failed test with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod audit_log;
mod authz_matrix;
mod block_delete;
mod cli;
mod client_captures;
mod crash_loop;
mod create_user;
mod dynect;
mod envelope;
mod escalation;
mod fixtures;
mod get_job;
mod get_users;
mod group_commit;
mod helpers;
mod hostile;
mod lifecycle;
mod operating;
mod passwords;
mod permission_report;
mod readme_examples;
mod robustness;
mod search;
mod security;
mod session;
mod soap12;
mod storage_faults;
mod tidy;
mod tls;
mod update_user;
mod update_users;
mod user_lifecycle;
mod user_lists;
