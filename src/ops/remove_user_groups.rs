//! RemoveUserGroups: PermissionUpdate; removes groups from a user; DEFAULT cannot go, nor the last owner's OWNER.

use super::{Ctx, Reply};
use crate::domain::DomainError;
use crate::messages::Operation;
use crate::messages::user_access::AccessRequest;

pub fn run(ctx: &Ctx<'_>, r: AccessRequest) -> Result<Reply, DomainError> {
    super::user_access::run(ctx, Operation::RemoveUserGroups, r)
}
