//! UpdateUserPassword: UserChangepw; the caller's own password, old one required; other sessions die.

use super::{Ctx, Reply};
use crate::domain::permission::{authorize, gate};
use crate::domain::user::Password;
use crate::domain::{DomainError, users};
use crate::messages::{Data, Operation};

pub fn run(ctx: &Ctx<'_>, token: &str, old_password: &str, password: &Password) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let audit = ctx.audit(
        Some(&caller),
        Operation::UpdateUserPassword,
        caller.user_name.as_str(),
        "password: Password changed",
    );
    ctx.audited(audit, |audit| {
        let by = authorize::<gate::UserChangepw>(&caller)?;
        let verify = |stored: &str| ctx.app.hasher.verify(old_password, Some(stored));
        let user = users::change_own_password(
            ctx.app.store.as_ref(),
            &by,
            Some(&verify),
            password,
            &|p| super::hash(ctx, p),
            audit,
        )?;
        Ok(Reply::new(Data::User(Box::new(user)), audit.info.clone()))
    })
}
