//! AddUserForbids: PermissionUpdate; forbids permissions to a user, everywhere or in some zones.

use super::{Ctx, Reply};
use crate::domain::DomainError;
use crate::messages::Operation;
use crate::messages::user_access::AccessRequest;

pub fn run(ctx: &Ctx<'_>, r: AccessRequest) -> Result<Reply, DomainError> {
    super::user_access::run(ctx, Operation::AddUserForbids, r)
}
