//! SessionLoginRequest: `fault_incompat`, `user_name`, `customer_name`, `password` (DynECT's order), then the native
//! extras `new_password` and `totp_code`.

use super::Request;
use super::reader::{FAULT_INCOMPAT, Field, Fields, one, opt};
use crate::domain::DomainError;
use crate::domain::user::{InputRules, MAX_PASSWORD_BYTES, Password};
use crate::domain::values::{CustomerName, UserName};

pub const FIELDS: &[Field] =
    &[FAULT_INCOMPAT, one("user_name"), one("customer_name"), one("password"), opt("new_password"), opt("totp_code")];

/// Fields at the end of `FIELDS` that only the native profile has (Dyn's WSDLs have neither).
pub const NATIVE_EXTRAS: usize = 2;

/// The native profile's extras: a new password to set, the TOTP code.
#[derive(Debug, Default)]
pub struct Extras {
    pub new_password: Option<Password>,
    pub totp_code: Option<String>,
}

/// A TOTP code is six digits; anything longer is refused before any work, like an overlong password.
const MAX_CODE_BYTES: usize = 16;

pub fn decode(f: &Fields, rules: &InputRules) -> Result<Request, DomainError> {
    let user_name = UserName::parse("user_name", f.required("user_name")?)?;
    let customer = CustomerName::parse("customer_name", f.required("customer_name")?)?;
    let password = f.required("password")?;
    // No policy check on login (old passwords must keep working), only the hashing bound.
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(DomainError::bad_credentials());
    }
    // The new one is checked like any password being set; an empty element is as good as none.
    let new_password = match f.text("new_password") {
        None | Some("") => None,
        Some(p) => Some(Password::parse("new_password", p, rules.min_password_chars)?),
    };
    let totp_code = match f.text("totp_code") {
        None | Some("") => None,
        Some(c) if c.len() > MAX_CODE_BYTES => return Err(DomainError::bad_credentials()),
        Some(c) => Some(c.trim().to_owned()),
    };
    let extras = Extras { new_password, totp_code };
    Ok(Request::SessionLogin { customer, user_name, password: password.to_owned(), extras })
}
