//! GetAuditEvents: owners or PermissionGet; the audit records of the caller's customer, newest first, one page.

use super::{Ctx, Reply};
use crate::domain::DomainError;
use crate::domain::permission::{authorize, gate};
use crate::domain::search::{self, AuditFilter, PageRequest};
use crate::messages::Data;

pub fn run(ctx: &Ctx<'_>, token: &str, filter: &AuditFilter, page: &PageRequest) -> Result<Reply, DomainError> {
    let caller = ctx.caller(token, false)?;
    let by = authorize::<gate::PermissionGet>(&caller)?;
    let found = search::audit_events(ctx.app.store.as_ref(), &by, filter, page)?;
    let info = format!("get: Found {} of {} events", found.items.len(), found.total);
    Ok(Reply::new(Data::AuditEvents(Box::new(found)), info))
}
