//! DeactivateUserRequest and ReactivateUserRequest: `token`, `fault_incompat`, `user_name`, the combined flag
//! (`block_user` / `unblock_user`, py42's names) and `expected_version`.

use super::Request;
use super::common::{expected_version, flag};
use super::reader::{FAULT_INCOMPAT, Field, Fields, TOKEN, one, opt};
use crate::domain::DomainError;
use crate::domain::values::UserName;

pub const DEACTIVATE_FIELDS: &[Field] =
    &[TOKEN, FAULT_INCOMPAT, one("user_name"), opt("block_user"), opt("expected_version")];
pub const REACTIVATE_FIELDS: &[Field] =
    &[TOKEN, FAULT_INCOMPAT, one("user_name"), opt("unblock_user"), opt("expected_version")];

/// An optional flag: absent or empty = false.
fn optional_flag(f: &Fields, name: &str) -> Result<bool, DomainError> {
    match f.text(name) {
        None | Some("") => Ok(false),
        Some(v) => flag(name, v),
    }
}

fn head(f: &Fields) -> Result<(String, UserName, Option<i64>), DomainError> {
    let token = f.required("token")?.to_owned();
    let user_name = UserName::parse("user_name", f.required("user_name")?)?;
    Ok((token, user_name, expected_version(f)?))
}

pub fn decode_deactivate(f: &Fields) -> Result<Request, DomainError> {
    let (token, user_name, expected_version) = head(f)?;
    let block_user = optional_flag(f, "block_user")?;
    Ok(Request::DeactivateUser { token, user_name, block_user, expected_version })
}

pub fn decode_reactivate(f: &Fields) -> Result<Request, DomainError> {
    let (token, user_name, expected_version) = head(f)?;
    let unblock_user = optional_flag(f, "unblock_user")?;
    Ok(Request::ReactivateUser { token, user_name, unblock_user, expected_version })
}
