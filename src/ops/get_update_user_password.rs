//! GetUpdateUserPassword: UserAuthGetPW; opens a DDNS update user's sealed password. Every read, refused or not,
//! leaves an audit record (never the password itself), so this read answers under its own job id.

use super::{Ctx, Reply};
use crate::domain::permission::{authorize, gate};
use crate::domain::values::UserName;
use crate::domain::{DomainError, ddns};
use crate::messages::{Data, Operation};

pub fn run(ctx: &Ctx<'_>, token: &str, name: &UserName) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let audit = ctx.audit(Some(&caller), Operation::GetUpdateUserPassword, name.as_str(), "password: Retrieved");
    ctx.audited(audit, |audit| {
        let by = authorize::<gate::UserAuthGetPW>(&caller)?;
        audit.changed = Vec::new();
        let answer = ddns::password(ctx.app.store.as_ref(), &by, name, &ctx.app.secrets, audit)?;
        Ok(Reply::new(Data::UpdateUser(Box::new(answer)), audit.info.clone()))
    })
}
