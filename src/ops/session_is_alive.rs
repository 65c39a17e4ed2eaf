//! SessionIsAlive: whether the token is still good, without extending it beyond normal use.

use super::{Ctx, Reply};
use crate::domain::DomainError;
use crate::messages::Data;

pub fn run(ctx: &Ctx<'_>, token: &str) -> Result<Reply, DomainError> {
    ctx.caller(token, false)?;
    Ok(Reply::new(Data::None, "isalive: Session is alive"))
}
