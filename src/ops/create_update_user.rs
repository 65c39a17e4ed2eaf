//! CreateUpdateUser: UpdateUserAdd; the server names the DDNS update user and, when asked to, makes its nickname and
//! password. The answer is the one place a chosen password is shown again.

use super::{Ctx, Reply};
use crate::auth::generate::SystemGenerator;
use crate::domain::DomainError;
use crate::domain::ddns::{self, DdnsPassword, Nickname};
use crate::domain::permission::{authorize, gate};
use crate::messages::{Data, Operation};

pub fn run(
    ctx: &Ctx<'_>,
    token: &str,
    nickname: Option<Nickname>,
    password: Option<DdnsPassword>,
) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    // The name is not known until the server makes it; the domain fills in target and info.
    let audit = ctx.audit(Some(&caller), Operation::CreateUpdateUser, "", "create: Update user created");
    ctx.audited(audit, |audit| {
        let by = authorize::<gate::UpdateUserAdd>(&caller)?;
        audit.changed = vec!["user_name", "nickname", "password"];
        let store = ctx.app.store.as_ref();
        let answer = ddns::create(store, &by, nickname, password, &ctx.app.secrets, &SystemGenerator, audit)?;
        Ok(Reply::new(Data::UpdateUser(Box::new(answer)), audit.info.clone()))
    })
}
