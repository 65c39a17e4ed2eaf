//! UpdateUser: UserUpdate, plus PermissionUpdate for lists and UserBlock/UserUnblock for status.

use super::{Ctx, Reply};
use crate::domain::permission::{authorize, gate};
use crate::domain::user::UserPatch;
use crate::domain::values::UserName;
use crate::domain::{DomainError, users};
use crate::messages::{Data, Operation};

pub fn run(ctx: &Ctx<'_>, token: &str, name: &UserName, patch: UserPatch) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let audit = ctx.audit(Some(&caller), Operation::UpdateUser, name.as_str(), "update: User updated");
    ctx.audited(audit, |audit| {
        let by = authorize::<gate::UserUpdate>(&caller)?;
        let store = ctx.app.store.as_ref();
        let user = super::with_password_work(ctx, |work| {
            users::update(store, &by, name, patch, work, &ctx.app.secrets, audit)
        })?;
        Ok(Reply::new(Data::User(Box::new(user)), audit.info.clone()))
    })
}
