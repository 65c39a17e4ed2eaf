//! RemoveUserZones: PermissionUpdate; removes zones (by name, ignoring case) from a user.

use super::{Ctx, Reply};
use crate::domain::DomainError;
use crate::messages::Operation;
use crate::messages::user_access::AccessRequest;

pub fn run(ctx: &Ctx<'_>, r: AccessRequest) -> Result<Reply, DomainError> {
    super::user_access::run(ctx, Operation::RemoveUserZones, r)
}
