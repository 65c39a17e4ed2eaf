//! UpdateUserPasswordRequest: `token`, `fault_incompat`, `old_password`, `password` (the caller's own).

use super::Request;
use super::reader::{FAULT_INCOMPAT, Field, Fields, TOKEN, one};
use crate::domain::DomainError;
use crate::domain::user::{InputRules, MAX_PASSWORD_BYTES, Password};

pub const FIELDS: &[Field] = &[TOKEN, FAULT_INCOMPAT, one("old_password"), one("password")];

/// The old password is read when the table has it (native); DynECT's tables do not, and the token suffices there.
pub fn decode(f: &Fields, rules: &InputRules) -> Result<Request, DomainError> {
    let token = f.required("token")?.to_owned();
    let old_password = match f.text("old_password") {
        None => None,
        Some(_) => {
            let old = f.required("old_password")?;
            if old.len() > MAX_PASSWORD_BYTES {
                return Err(DomainError::invalid("old_password", "does not match"));
            }
            Some(old.to_owned())
        }
    };
    let password = Password::parse("password", f.required("password")?, rules.min_password_chars)?;
    Ok(Request::UpdateUserPassword { token, old_password, password })
}
