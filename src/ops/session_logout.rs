//! SessionLogout: the token dies at once.

use super::{Ctx, Reply};
use crate::domain::DomainError;
use crate::messages::{Data, Operation};

pub fn run(ctx: &Ctx<'_>, token: &str) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let audit =
        ctx.audit(Some(&caller), Operation::SessionLogout, caller.user_name.as_str(), "logout: Logout successful");
    ctx.app.store.logout(caller.session, &audit)?;
    Ok(Reply::new(Data::None, audit.info))
}
