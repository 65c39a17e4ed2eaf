//! AddUserGroups: PermissionUpdate; adds groups to a user; only groups the caller is in (any group, for owners).

use super::{Ctx, Reply};
use crate::domain::DomainError;
use crate::messages::Operation;
use crate::messages::user_access::AccessRequest;

pub fn run(ctx: &Ctx<'_>, r: AccessRequest) -> Result<Reply, DomainError> {
    super::user_access::run(ctx, Operation::AddUserGroups, r)
}
