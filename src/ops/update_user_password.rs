//! UpdateUserPassword: UserChangepw; the caller's own password, the old one checked when given (native requires it,
//! DynECT has none) behind the account's login lockout; other sessions die.

use super::{Ctx, Reply};
use crate::domain::permission::{authorize, gate};
use crate::domain::user::Password;
use crate::domain::{DomainError, users};
use crate::messages::{Data, Operation};

pub fn run(ctx: &Ctx<'_>, token: &str, old_password: Option<&str>, password: &Password) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let audit = ctx.audit(
        Some(&caller),
        Operation::UpdateUserPassword,
        caller.user_name.as_str(),
        "password: Password changed",
    );
    ctx.audited(audit, |audit| {
        let by = authorize::<gate::UserChangepw>(&caller)?;
        let verify = |stored: &str| old_password.is_some_and(|old| ctx.app.hasher.verify(old, Some(stored)));
        let old = old_password.map(|_| users::OldPassword {
            verify: &verify,
            lockout: ctx.app.policy.lockout,
            in_flight: &ctx.app.logins_in_flight,
        });
        let user = super::with_password_work(ctx, |work| {
            users::change_own_password(ctx.app.store.as_ref(), &by, old.as_ref(), password, work, audit)
        })?;
        Ok(Reply::new(Data::User(Box::new(user)), audit.info.clone()))
    })
}
