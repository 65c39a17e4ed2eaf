//! RemoveUserForbids: PermissionUpdate; lifts forbids (or some of their zones); only for permissions the caller holds.

use super::{Ctx, Reply};
use crate::domain::DomainError;
use crate::messages::Operation;
use crate::messages::user_access::AccessRequest;

pub fn run(ctx: &Ctx<'_>, r: AccessRequest) -> Result<Reply, DomainError> {
    super::user_access::run(ctx, Operation::RemoveUserForbids, r)
}
