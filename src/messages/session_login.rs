//! SessionLoginRequest: `fault_incompat`, `user_name`, `customer_name`, `password` (DynECT's order).

use super::Request;
use super::reader::{FAULT_INCOMPAT, Field, Fields, one};
use crate::domain::DomainError;
use crate::domain::user::MAX_PASSWORD_BYTES;
use crate::domain::values::{CustomerName, UserName};

pub const FIELDS: &[Field] = &[FAULT_INCOMPAT, one("user_name"), one("customer_name"), one("password")];

pub fn decode(f: &Fields) -> Result<Request, DomainError> {
    let user_name = UserName::parse("user_name", f.required("user_name")?)?;
    let customer = CustomerName::parse("customer_name", f.required("customer_name")?)?;
    let password = f.required("password")?;
    // No policy check on login (old passwords must keep working), only the hashing bound.
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(DomainError::bad_credentials());
    }
    Ok(Request::SessionLogin { customer, user_name, password: password.to_owned() })
}
