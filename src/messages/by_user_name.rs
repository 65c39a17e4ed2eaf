//! GetUser, BlockUser, UnblockUser and DeleteUser requests: `token`, `fault_incompat`, `user_name`.

use super::reader::{FAULT_INCOMPAT, Field, Fields, TOKEN, one};
use crate::domain::DomainError;
use crate::domain::values::UserName;

pub const FIELDS: &[Field] = &[TOKEN, FAULT_INCOMPAT, one("user_name")];

pub fn decode(f: &Fields) -> Result<(String, UserName), DomainError> {
    let token = f.required("token")?.to_owned();
    let user_name = UserName::parse("user_name", f.required("user_name")?)?;
    Ok((token, user_name))
}
