//! CheckPermissions: whether the caller itself may use each permission (in a zone, when given); no gate.

use super::{Ctx, Reply};
use crate::domain::permission::Permission;
use crate::domain::{DomainError, users};
use crate::messages::Data;

pub fn run(ctx: &Ctx<'_>, token: &str, asked: &[Permission], zone: Option<&str>) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let report = users::check_own(ctx.app.store.as_ref(), &caller, asked, zone)?;
    let info = format!(
        "check: {} of {} permissions allowed",
        report.allowed.len(),
        report.allowed.len() + report.forbidden.len()
    );
    Ok(Reply::new(Data::Permissions(Box::new(report)), info))
}
