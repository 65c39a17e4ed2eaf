//! DeactivateUser: UserDelete (it takes a user out of service, as deleting would, but keeps it), plus UserBlock for
//! `block_user`; the user's sessions die at once.

use super::{Ctx, Reply};
use crate::domain::permission::{authorize, gate};
use crate::domain::values::UserName;
use crate::domain::{DomainError, users};
use crate::messages::{Data, Operation};

pub fn run(
    ctx: &Ctx<'_>,
    token: &str,
    name: &UserName,
    block: bool,
    expected: Option<i64>,
) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let info = if block { "deactivate: User deactivated and blocked" } else { "deactivate: User deactivated" };
    let audit = ctx.audit(Some(&caller), Operation::DeactivateUser, name.as_str(), info);
    ctx.audited(audit, |audit| {
        let by = authorize::<gate::UserDelete>(&caller)?;
        let user = users::deactivate(ctx.app.store.as_ref(), &by, name, block, expected, audit)?;
        Ok(Reply::new(Data::User(Box::new(user)), audit.info.clone()))
    })
}
