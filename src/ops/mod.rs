//! Operations: authenticate the token, authorize, turn the message into a domain call, and the result into data.
//! `dispatch` is one exhaustive match; each operation lives in its own file.

mod add_user_forbids;
mod add_user_groups;
mod add_user_permissions;
mod add_user_zones;
mod block_user;
mod check_permissions;
mod create_update_user;
mod create_user;
mod deactivate_user;
mod delete_one_update_user;
mod delete_user;
mod get_audit_events;
mod get_current_user;
mod get_job;
mod get_update_user_password;
mod get_update_users;
mod get_user;
mod get_user_permissions;
mod get_users;
mod reactivate_user;
mod remove_user_forbids;
mod remove_user_groups;
mod remove_user_permissions;
mod remove_user_zones;
mod session_is_alive;
mod session_keep_alive;
mod session_login;
mod session_logout;
mod set_user_forbids;
mod set_user_groups;
mod set_user_permissions;
mod set_user_zones;
mod unblock_user;
mod update_current_user;
mod update_update_user;
mod update_user;
mod update_user_password;
mod user_access;

use crate::app::App;
use crate::domain::audit::{AuditEntry, JobId, Outcome, RequestMeta};
use crate::domain::session::{Caller, authenticate};
use crate::domain::users::PasswordWork;
use crate::domain::values::Timestamp;
use crate::domain::{DomainError, ErrCode};
use crate::messages::common::Msg;
use crate::messages::{Data, Operation, Request};

/// Everything an operation knows about the request besides its message.
pub struct Ctx<'a> {
    pub app: &'a App,
    pub meta: &'a RequestMeta,
    pub job: JobId,
    pub now: Timestamp,
    /// The SHA-256 of the request's token when it was already computed (`reads_only`).
    pub token_hash: Option<crate::domain::session::TokenHash>,
}

/// A successful operation: its data and the INFO message that says what happened.
pub struct Reply {
    pub data: Data,
    pub info: String,
    /// GetJob answers with another call's job id, status and message instead of its own.
    pub replay: Option<Replay>,
    /// A WARN message after the INFO one (SessionLogin: the password expires soon).
    pub warning: Option<String>,
}

/// The frame of an earlier call, as GetJob replays it.
pub struct Replay {
    pub job: JobId,
    pub success: bool,
    pub msg: Msg,
}

impl Reply {
    fn new(data: Data, info: impl Into<String>) -> Self {
        Reply { data, info: info.into(), replay: None, warning: None }
    }
}

impl Ctx<'_> {
    fn caller(&self, token: &str, keep_alive: bool) -> Result<Caller, DomainError> {
        let hash = match &self.token_hash {
            Some(h) => h.clone(),
            None => crate::auth::token::hash(token),
        };
        authenticate(self.app.store.as_ref(), &hash, self.app.policy.session, self.now, keep_alive)
    }

    /// The audit record of a state-changing call; `info` is its success message, which GetJob answers later.
    fn audit(&self, caller: Option<&Caller>, op: Operation, target: &str, info: &str) -> AuditEntry {
        AuditEntry {
            job: self.job,
            at: self.now,
            customer: caller.map(|c| c.customer),
            actor: caller.map(|c| c.user_id),
            actor_name: caller.map(|c| c.user_name.to_string()).unwrap_or_default(),
            operation: op.name(),
            target: target.to_owned(),
            outcome: Outcome::Success,
            changed: Vec::new(),
            client_addr: self.meta.client_addr.clone(),
            correlation_id: self.meta.correlation_id.clone(),
            info: info.to_owned(),
        }
    }

    /// Runs a state-changing step; when it fails, its audit record still says who tried what. A step that stored
    /// its own failure record (with the change the failure implies, such as a counted wrong password) marks it by
    /// setting the outcome; nothing more is written then.
    fn audited<T>(
        &self,
        mut audit: AuditEntry,
        step: impl FnOnce(&mut AuditEntry) -> Result<T, DomainError>,
    ) -> Result<T, DomainError> {
        step(&mut audit).inspect_err(|err| {
            if audit.outcome != Outcome::Success {
                return;
            }
            audit.outcome = Outcome::of(err);
            audit.changed.clear();
            audit.info.clone_from(&err.info);
            if let Err(e) = self.app.store.record_audit(&audit) {
                tracing::error!(job_id = self.job.0, error = %e, "could not record a failure audit");
            }
        })
    }
}

/// Runs one decoded request. Blocking: call it from a blocking thread.
pub fn dispatch(ctx: &Ctx<'_>, request: Request) -> Result<Reply, DomainError> {
    #[cfg(debug_assertions)]
    if let Request::GetUser { key: crate::domain::user::UserKey::Name(user_name), .. } = &request
        && ctx.app.policy.panic_on_user_name == Some(user_name.as_str())
    {
        panic!("test-only panic trigger for user {user_name}");
    }
    let result = match request {
        Request::SessionLogin { customer, user_name, password, extras } => {
            session_login::run(ctx, &customer, &user_name, &password, &extras)
        }
        Request::SessionLogout { token } => session_logout::run(ctx, &token),
        Request::SessionIsAlive { token } => session_is_alive::run(ctx, &token),
        Request::SessionKeepAlive { token } => session_keep_alive::run(ctx, &token),
        Request::CreateUser { token, user } => create_user::run(ctx, &token, *user),
        Request::GetUser { token, key } => get_user::run(ctx, &token, &key),
        Request::GetUsers { token, query } => get_users::run(ctx, &token, &query),
        Request::UpdateUser { token, user_name, patch, expected_version } => {
            update_user::run(ctx, &token, &user_name, *patch, expected_version)
        }
        Request::BlockUser { token, user_name, expected_version } => {
            block_user::run(ctx, &token, &user_name, expected_version)
        }
        Request::UnblockUser { token, user_name, expected_version } => {
            unblock_user::run(ctx, &token, &user_name, expected_version)
        }
        Request::DeleteUser { token, user_name, expected_version } => {
            delete_user::run(ctx, &token, &user_name, expected_version)
        }
        Request::UpdateUserPassword { token, old_password, password } => {
            update_user_password::run(ctx, &token, old_password.as_deref(), &password)
        }
        Request::AddUserGroups(r) => add_user_groups::run(ctx, r),
        Request::SetUserGroups(r) => set_user_groups::run(ctx, r),
        Request::RemoveUserGroups(r) => remove_user_groups::run(ctx, r),
        Request::AddUserZones(r) => add_user_zones::run(ctx, r),
        Request::SetUserZones(r) => set_user_zones::run(ctx, r),
        Request::RemoveUserZones(r) => remove_user_zones::run(ctx, r),
        Request::AddUserPermissions(r) => add_user_permissions::run(ctx, r),
        Request::SetUserPermissions(r) => set_user_permissions::run(ctx, r),
        Request::RemoveUserPermissions(r) => remove_user_permissions::run(ctx, r),
        Request::AddUserForbids(r) => add_user_forbids::run(ctx, r),
        Request::SetUserForbids(r) => set_user_forbids::run(ctx, r),
        Request::RemoveUserForbids(r) => remove_user_forbids::run(ctx, r),
        Request::GetUserPermissions { token, user_name } => get_user_permissions::run(ctx, &token, user_name.as_ref()),
        Request::CheckPermissions { token, permissions, zone_name } => {
            check_permissions::run(ctx, &token, &permissions, zone_name.as_deref())
        }
        Request::GetJob { token, job } => get_job::run(ctx, &token, job),
        Request::CreateUpdateUser { token, nickname, password } => {
            create_update_user::run(ctx, &token, nickname, password)
        }
        Request::GetUpdateUsers { token } => get_update_users::run(ctx, &token),
        Request::UpdateUpdateUser { token, user_name, edit } => update_update_user::run(ctx, &token, &user_name, edit),
        Request::GetUpdateUserPassword { token, user_name } => get_update_user_password::run(ctx, &token, &user_name),
        Request::DeleteOneUpdateUser { token, user_name } => delete_one_update_user::run(ctx, &token, &user_name),
        Request::DeactivateUser { token, user_name, block_user, expected_version } => {
            deactivate_user::run(ctx, &token, &user_name, block_user, expected_version)
        }
        Request::ReactivateUser { token, user_name, unblock_user, expected_version } => {
            reactivate_user::run(ctx, &token, &user_name, unblock_user, expected_version)
        }
        Request::GetCurrentUser { token } => get_current_user::run(ctx, &token),
        Request::UpdateCurrentUser { token, patch, expected_version } => {
            update_current_user::run(ctx, &token, *patch, expected_version)
        }
        Request::GetAuditEvents { token, filter, page } => get_audit_events::run(ctx, &token, &filter, &page),
    };
    if let Err(e) = &result
        && e.code == ErrCode::InternalError
    {
        tracing::error!(job_id = ctx.job.0, "internal error answered");
    }
    result
}

/// Whether running `request` at `now` only reads, so that it may run on an async worker instead of the blocking
/// pool (whose hand-off costs about four context switches): a GetUser whose session needs no write (neither the
/// deletion of a dead session nor a once-a-minute activity record). Looks the session up (cached); gives the token's
/// hash back for `Ctx::token_hash`, or `None` when the request must go to the blocking pool.
pub fn reads_only(app: &App, request: &Request, now: Timestamp) -> Option<crate::domain::session::TokenHash> {
    let Request::GetUser { token, .. } = request else {
        return None;
    };
    let hash = crate::auth::token::hash(token);
    let only_reads = match app.store.session_by_hash(&hash) {
        Ok(Some(row)) => !crate::domain::session::authenticate_writes(&row, app.policy.session, now, false),
        // An unknown token is answered without a write; a store error is left to the blocking path to report.
        Ok(None) => true,
        Err(_) => false,
    };
    only_reads.then_some(hash)
}

/// Runs `f` with what setting a password needs: Argon2id hashing and the history's verifies, both on the hasher's
/// pool (the caller waits on its blocking thread), and the password rules.
fn with_password_work<T>(ctx: &Ctx<'_>, f: impl FnOnce(&PasswordWork<'_>) -> T) -> T {
    let hash = |p: &crate::domain::user::Password| hash(ctx, p);
    let verifies = |p: &str, stored: &str| ctx.app.hasher.verify(p, Some(stored));
    f(&PasswordWork { hash: &hash, verifies: &verifies, rules: ctx.app.policy.passwords, totp: &ctx.app.secrets })
}

/// Argon2id on the current (blocking) thread, bounded by the hasher's slots.
fn hash(ctx: &Ctx<'_>, password: &crate::domain::user::Password) -> Result<String, DomainError> {
    ctx.app.hasher.hash(password.expose()).map_err(|e| {
        tracing::error!(job_id = ctx.job.0, error = %e, "password hashing failed");
        DomainError::internal()
    })
}
