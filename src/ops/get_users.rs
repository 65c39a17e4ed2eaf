//! GetUsers: UserGet; filtered and sorted (by user_name unless asked otherwise); unpaged bounded by the search
//! limit, paged by keyset cursor.

use super::{Ctx, Reply};
use crate::domain::DomainError;
use crate::domain::permission::{authorize, gate};
use crate::domain::search::{self, UserQuery};
use crate::messages::Data;

pub fn run(ctx: &Ctx<'_>, token: &str, query: &UserQuery) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let by = authorize::<gate::UserGet>(&caller)?;
    let page = search::users(ctx.app.store.as_ref(), &by, query, ctx.app.policy.limits)?;
    let info = format!("get: Found {} users", page.items.len());
    // Unpaged answers stay as they always were: the users and nothing after them.
    let data = if query.page.is_some() { Data::UserPage(Box::new(page)) } else { Data::Users(page.items) };
    Ok(Reply::new(data, info))
}
