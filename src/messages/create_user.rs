//! CreateUserRequest: the user's name, password, access lists and profile (DynECT 3.x order, native extras last).

use super::Request;
use super::common::{ACCESS_FIELDS, access, profile};
use super::profile::Names;
use super::reader::{FAULT_INCOMPAT, Field, Fields, TOKEN, one, opt};
use crate::domain::DomainError;
use crate::domain::user::{InputRules, NewUser, Password};
use crate::domain::values::UserName;

pub const FIELDS: &[Field] = &[
    TOKEN,
    FAULT_INCOMPAT,
    one("user_name"),
    one("password"),
    ACCESS_FIELDS[0],
    ACCESS_FIELDS[1],
    ACCESS_FIELDS[2],
    ACCESS_FIELDS[3],
    one("nickname"),
    one("first_name"),
    one("last_name"),
    opt("phone"),
    opt("fax"),
    one("email"),
    opt("notify_email"),
    opt("pager_email"),
    opt("address"),
    opt("address_2"),
    opt("city"),
    opt("state"),
    opt("post_code"),
    opt("country"),
    opt("website"),
    one("organization"),
    opt("display_name"),
    opt("middle_name"),
    opt("notes"),
];

/// How many elements at the end of `FIELDS` are native-only (DynECT 3.x ends at `organization`).
pub const NATIVE_EXTRAS: usize = 3;

/// `names.groups` is where the groups are: repeated `group_name`, or DynECT 2.3.1's comma-joined `roles`.
pub fn decode(f: &Fields, rules: &InputRules, names: Names) -> Result<Request, DomainError> {
    let token = f.required("token")?.to_owned();
    let user_name = UserName::parse("user_name", f.required("user_name")?)?;
    let password = Password::parse("password", f.required("password")?, rules.min_password_chars)?;
    let user =
        NewUser { user_name, password, profile: profile(f, rules.phone_required)?, access: access(f, names.groups)? };
    Ok(Request::CreateUser { token, user: Box::new(user) })
}
