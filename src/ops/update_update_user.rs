//! UpdateUpdateUser: UpdateUserUpdate; one of a new password (empty: generated, and answered once), block, unblock.

use super::{Ctx, Reply};
use crate::auth::generate::SystemGenerator;
use crate::domain::DomainError;
use crate::domain::ddns::{self, DdnsEdit};
use crate::domain::permission::{authorize, gate};
use crate::domain::values::UserName;
use crate::messages::{Data, Operation};

pub fn run(ctx: &Ctx<'_>, token: &str, name: &UserName, edit: DdnsEdit) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let info = match edit {
        DdnsEdit::Password(_) => "update: Update user password changed",
        DdnsEdit::Block => "update: Update user blocked",
        DdnsEdit::Unblock => "update: Update user unblocked",
    };
    let audit = ctx.audit(Some(&caller), Operation::UpdateUpdateUser, name.as_str(), info);
    ctx.audited(audit, |audit| {
        let by = authorize::<gate::UpdateUserUpdate>(&caller)?;
        let store = ctx.app.store.as_ref();
        let answer = ddns::update(store, &by, name, edit, &ctx.app.secrets, &SystemGenerator, audit)?;
        Ok(Reply::new(Data::UpdateUser(Box::new(answer)), audit.info.clone()))
    })
}
