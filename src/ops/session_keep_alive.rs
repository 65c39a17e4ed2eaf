//! SessionKeepAlive: records activity now, so the idle timeout starts again.

use super::{Ctx, Reply};
use crate::domain::DomainError;
use crate::messages::Data;

pub fn run(ctx: &Ctx<'_>, token: &str) -> Result<Reply, DomainError> {
    ctx.caller(token, true)?;
    Ok(Reply::new(Data::None, "keepalive: Session kept alive"))
}
