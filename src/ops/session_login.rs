//! SessionLogin: verify the password (Argon2id) and open a session; every failure looks the same.

use super::{Ctx, Reply};
use crate::domain::DomainError;
use crate::domain::session::{LoginInputs, login};
use crate::domain::values::{CustomerName, UserName};
use crate::messages::{Data, Operation};

pub fn run(ctx: &Ctx<'_>, customer: &CustomerName, user_name: &UserName, password: &str) -> Result<Reply, DomainError> {
    let (token, token_hash) = crate::auth::token::generate().map_err(|_| DomainError::internal())?;
    let mut audit = ctx.audit(None, Operation::SessionLogin, user_name.as_str(), "login: Login successful");
    audit.actor_name = user_name.to_string();
    let hasher = &ctx.app.hasher;
    let verify = |stored: Option<&str>| hasher.verify(password, stored);
    let inputs = LoginInputs { verify: &verify, lock_after: ctx.app.policy.lock_after, token_hash };
    login(ctx.app.store.as_ref(), customer, user_name, inputs, &mut audit)?;
    Ok(Reply::new(Data::Login { token, version: env!("CARGO_PKG_VERSION") }, audit.info))
}
