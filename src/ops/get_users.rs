//! GetUsers: UserGet; ordered by user_name, bounded by the search limit.

use super::{Ctx, Reply};
use crate::domain::permission::{authorize, gate};
use crate::domain::{DomainError, users};
use crate::messages::Data;

pub fn run(ctx: &Ctx<'_>, token: &str, search: Option<&str>) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let by = authorize::<gate::UserGet>(&caller)?;
    let found = users::list(ctx.app.store.as_ref(), &by, search, ctx.app.policy.limits)?;
    let info = format!("get: Found {} users", found.len());
    Ok(Reply::new(Data::Users(found), info))
}
