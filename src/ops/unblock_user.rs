//! UnblockUser: UserUnblock.

use super::{Ctx, Reply};
use crate::domain::permission::{authorize, gate};
use crate::domain::values::UserName;
use crate::domain::{DomainError, users};
use crate::messages::{Data, Operation};

pub fn run(ctx: &Ctx<'_>, token: &str, name: &UserName, expected: Option<i64>) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let audit = ctx.audit(Some(&caller), Operation::UnblockUser, name.as_str(), "unblock: User unblocked");
    ctx.audited(audit, |audit| {
        let by = authorize::<gate::UserUnblock>(&caller)?;
        let user = users::unblock(ctx.app.store.as_ref(), &by, name, expected, audit)?;
        Ok(Reply::new(Data::User(Box::new(user)), audit.info.clone()))
    })
}
