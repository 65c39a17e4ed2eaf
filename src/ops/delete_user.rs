//! DeleteUser: UserDelete; permanent, and the user's sessions die with it.

use super::{Ctx, Reply};
use crate::domain::permission::{authorize, gate};
use crate::domain::values::UserName;
use crate::domain::{DomainError, users};
use crate::messages::{Data, Operation};

pub fn run(ctx: &Ctx<'_>, token: &str, name: &UserName, expected: Option<i64>) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let audit = ctx.audit(Some(&caller), Operation::DeleteUser, name.as_str(), "delete: User deleted");
    ctx.audited(audit, |audit| {
        let by = authorize::<gate::UserDelete>(&caller)?;
        users::delete(ctx.app.store.as_ref(), &by, name, expected, audit)?;
        Ok(Reply::new(Data::None, audit.info.clone()))
    })
}
