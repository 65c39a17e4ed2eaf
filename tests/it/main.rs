//! The one integration test binary: drives a real usergate over HTTP.

mod block_delete;
mod create_user;
mod envelope;
mod escalation;
mod fixtures;
mod get_users;
mod helpers;
mod session;
mod tidy;
mod update_user;
