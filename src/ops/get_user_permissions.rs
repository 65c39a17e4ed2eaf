//! GetUserPermissions: PermissionGet for another user; one's own report needs no permission.

use super::{Ctx, Reply};
use crate::domain::permission::{authorize, gate};
use crate::domain::values::UserName;
use crate::domain::{DomainError, users};
use crate::messages::Data;

pub fn run(ctx: &Ctx<'_>, token: &str, name: Option<&UserName>) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let store = ctx.app.store.as_ref();
    let (report, whose) = match name.filter(|n| n.key() != caller.user_name.key()) {
        Some(n) => (users::user_permissions(store, &authorize::<gate::PermissionGet>(&caller)?, n)?, n),
        None => (users::own_permissions(store, &caller)?, &caller.user_name),
    };
    Ok(Reply::new(Data::Permissions(Box::new(report)), format!("report: Permissions of {whose}")))
}
