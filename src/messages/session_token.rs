//! SessionLogout, SessionIsAlive and SessionKeepAlive requests: `token`, `fault_incompat`.

use super::reader::{FAULT_INCOMPAT, Field, Fields, TOKEN};
use crate::domain::DomainError;

pub const FIELDS: &[Field] = &[TOKEN, FAULT_INCOMPAT];

pub fn token(f: &Fields) -> Result<String, DomainError> {
    Ok(f.required("token")?.to_owned())
}
