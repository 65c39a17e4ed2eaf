//! ReactivateUser: UserDelete (the gate of DeactivateUser, which it undoes), plus UserUnblock for `unblock_user`.

use super::{Ctx, Reply};
use crate::domain::permission::{authorize, gate};
use crate::domain::values::UserName;
use crate::domain::{DomainError, users};
use crate::messages::{Data, Operation};

pub fn run(
    ctx: &Ctx<'_>,
    token: &str,
    name: &UserName,
    unblock: bool,
    expected: Option<i64>,
) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let info = if unblock { "reactivate: User reactivated and unblocked" } else { "reactivate: User reactivated" };
    let audit = ctx.audit(Some(&caller), Operation::ReactivateUser, name.as_str(), info);
    ctx.audited(audit, |audit| {
        let by = authorize::<gate::UserDelete>(&caller)?;
        let user = users::reactivate(ctx.app.store.as_ref(), &by, name, unblock, expected, audit)?;
        Ok(Reply::new(Data::User(Box::new(user)), audit.info.clone()))
    })
}
