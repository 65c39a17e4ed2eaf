//! CreateUser: UserAdd (and PermissionUpdate for access lists); the password is hashed off the writer.

use super::{Ctx, Reply};
use crate::domain::permission::{authorize, gate};
use crate::domain::user::NewUser;
use crate::domain::{DomainError, users};
use crate::messages::{Data, Operation};

pub fn run(ctx: &Ctx<'_>, token: &str, new: NewUser) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let audit = ctx.audit(Some(&caller), Operation::CreateUser, new.user_name.as_str(), "create: User created");
    ctx.audited(audit, |audit| {
        let by = authorize::<gate::UserAdd>(&caller)?;
        let uid = crate::auth::token::generate_uid().map_err(|_| DomainError::internal())?;
        audit.changed = vec!["user_name", "password"];
        let user =
            super::with_password_work(ctx, |work| users::create(ctx.app.store.as_ref(), &by, new, work, uid, audit))?;
        Ok(Reply::new(Data::User(Box::new(user)), audit.info.clone()))
    })
}
