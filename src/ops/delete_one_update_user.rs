//! DeleteOneUpdateUser: UpdateUserDelete; permanent.

use super::{Ctx, Reply};
use crate::domain::permission::{authorize, gate};
use crate::domain::values::UserName;
use crate::domain::{DomainError, ddns};
use crate::messages::{Data, Operation};

pub fn run(ctx: &Ctx<'_>, token: &str, name: &UserName) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let audit = ctx.audit(Some(&caller), Operation::DeleteOneUpdateUser, name.as_str(), "delete: Update user deleted");
    ctx.audited(audit, |audit| {
        let by = authorize::<gate::UpdateUserDelete>(&caller)?;
        ddns::delete(ctx.app.store.as_ref(), &by, name, audit)?;
        Ok(Reply::new(Data::None, audit.info.clone()))
    })
}
