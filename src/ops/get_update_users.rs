//! GetUpdateUsers: UserGet (reading account information); the customer's DDNS update users, never their passwords.

use super::{Ctx, Reply};
use crate::domain::permission::{authorize, gate};
use crate::domain::{DomainError, ddns};
use crate::messages::Data;

pub fn run(ctx: &Ctx<'_>, token: &str) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let by = authorize::<gate::UserGet>(&caller)?;
    let users = ddns::list(ctx.app.store.as_ref(), &by)?;
    let info = format!("get: {} update users found", users.len());
    Ok(Reply::new(Data::UpdateUsers(users), info))
}
