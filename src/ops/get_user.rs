//! GetUser: UserGet; by `user_name`, `user_id` or `uid`; another customer's users do not exist.

use super::{Ctx, Reply};
use crate::domain::permission::{authorize, gate};
use crate::domain::user::UserKey;
use crate::domain::{DomainError, users};
use crate::messages::Data;

pub fn run(ctx: &Ctx<'_>, token: &str, key: &UserKey) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let by = authorize::<gate::UserGet>(&caller)?;
    let user = users::get(ctx.app.store.as_ref(), &by, key)?;
    Ok(Reply::new(Data::User(Box::new(user)), "get: Found the user"))
}
