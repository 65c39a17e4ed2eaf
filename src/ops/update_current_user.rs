//! UpdateCurrentUser: the caller edits its own self-service fields (TOTP ones included); no permission (UserUpdate
//! is not needed).

use super::{Ctx, Reply};
use crate::domain::user::UserPatch;
use crate::domain::{DomainError, users};
use crate::messages::{Data, Operation};

pub fn run(ctx: &Ctx<'_>, token: &str, patch: UserPatch, expected: Option<i64>) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let audit =
        ctx.audit(Some(&caller), Operation::UpdateCurrentUser, caller.user_name.as_str(), "update: User updated");
    ctx.audited(audit, |audit| {
        let allow_rename = ctx.app.policy.allow_self_rename;
        let store = ctx.app.store.as_ref();
        let user = super::with_password_work(ctx, |work| {
            users::update_self(store, &caller, patch, allow_rename, expected, work, audit)
        })?;
        Ok(Reply::new(Data::User(Box::new(user)), audit.info.clone()))
    })
}
