//! GetCurrentUser: the caller's own UserData; any live session, no permission.

use super::{Ctx, Reply};
use crate::domain::{DomainError, users};
use crate::messages::Data;

pub fn run(ctx: &Ctx<'_>, token: &str) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let user = users::current(ctx.app.store.as_ref(), &caller)?;
    Ok(Reply::new(Data::User(Box::new(user)), "get: Found the user"))
}
