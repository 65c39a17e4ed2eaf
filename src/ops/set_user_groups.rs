//! SetUserGroups: PermissionUpdate; replaces a user's groups (DEFAULT always stays); the last owner stays in OWNER.

use super::{Ctx, Reply};
use crate::domain::DomainError;
use crate::messages::Operation;
use crate::messages::user_access::AccessRequest;

pub fn run(ctx: &Ctx<'_>, r: AccessRequest) -> Result<Reply, DomainError> {
    super::user_access::run(ctx, Operation::SetUserGroups, r)
}
