//! GetUsersRequest: `token`, `fault_incompat`, `search?` (a case-insensitive substring of names and email).

use super::Request;
use super::reader::{FAULT_INCOMPAT, Field, Fields, TOKEN, opt};
use crate::domain::DomainError;
use crate::domain::values::Text;

pub const FIELDS: &[Field] = &[TOKEN, FAULT_INCOMPAT, opt("search")];

pub fn decode(f: &Fields) -> Result<Request, DomainError> {
    let token = f.required("token")?.to_owned();
    let search = match f.text("search") {
        Some(s) if !s.is_empty() => Some(Text::parse("search", s)?.as_str().to_owned()),
        _ => None,
    };
    Ok(Request::GetUsers { token, search })
}
