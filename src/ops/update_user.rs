//! UpdateUser: UserUpdate, plus PermissionUpdate for lists, UserBlock/UserUnblock for status, and the OWNER group
//! for hold, locked, password_expiry, require_pw_change and another user's TOTP fields.

use super::{Ctx, Reply};
use crate::domain::permission::{authorize, gate};
use crate::domain::user::UserPatch;
use crate::domain::values::UserName;
use crate::domain::{DomainError, users};
use crate::messages::{Data, Operation};

pub fn run(
    ctx: &Ctx<'_>,
    token: &str,
    name: &UserName,
    patch: UserPatch,
    expected: Option<i64>,
) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let audit = ctx.audit(Some(&caller), Operation::UpdateUser, name.as_str(), "update: User updated");
    ctx.audited(audit, |audit| {
        let by = authorize::<gate::UserUpdate>(&caller)?;
        let store = ctx.app.store.as_ref();
        let user =
            super::with_password_work(ctx, |work| users::update(store, &by, name, patch, expected, work, audit))?;
        Ok(Reply::new(Data::User(Box::new(user)), audit.info.clone()))
    })
}
