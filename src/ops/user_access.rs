//! What the twelve access-list operations share: PermissionUpdate, the edit inside the write transaction, and the
//! user's updated data as the answer.

use super::{Ctx, Reply};
use crate::domain::permission::{authorize, gate};
use crate::domain::{DomainError, users};
use crate::messages::user_access::AccessRequest;
use crate::messages::{Data, Operation};

pub fn run(ctx: &Ctx<'_>, op: Operation, r: AccessRequest) -> Result<Reply, DomainError> {
    let caller = ctx.caller(&r.token, false)?;
    let info = format!("update: {} {}", r.items.field(), r.edit.verb());
    let audit = ctx.audit(Some(&caller), op, r.user_name.as_str(), &info);
    ctx.audited(audit, |audit| {
        let by = authorize::<gate::PermissionUpdate>(&caller)?;
        let user =
            users::edit_access(ctx.app.store.as_ref(), &by, &r.user_name, r.edit, &r.items, r.expected_version, audit)?;
        Ok(Reply::new(Data::User(Box::new(user)), info))
    })
}
