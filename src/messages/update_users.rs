//! DDNS update users on the wire (DynECT's "UpdateUser" resource, not UpdateUser the operation): the
//! CreateUpdateUser and UpdateUpdateUser requests, and UpdateUserData, the `data` of their answers.

use super::Request;
use super::profile::Generation;
use super::reader::{FAULT_INCOMPAT, Field, Fields, TOKEN, one, opt};
use crate::domain::DomainError;
use crate::domain::ddns::{DdnsEdit, DdnsPassword, DdnsUser, Nickname, UPDATE_GROUP, parse_flag};
use crate::domain::user::InputRules;
use crate::domain::values::UserName;
use crate::soap::write::{close, elem, elem_int, open};

/// CreateUpdateUserRequest. Both may be absent or empty: the server generates what is not given.
pub const CREATE_FIELDS: &[Field] = &[TOKEN, FAULT_INCOMPAT, opt("nickname"), opt("password")];

/// UpdateUpdateUserRequest: the user, then exactly one of `password` (empty: generate one), `block`, `unblock`.
pub const UPDATE_FIELDS: &[Field] =
    &[TOKEN, FAULT_INCOMPAT, one("user_name"), opt("password"), opt("block"), opt("unblock")];

pub fn decode_create(f: &Fields, rules: &InputRules) -> Result<Request, DomainError> {
    let token = f.required("token")?.to_owned();
    let nickname = Nickname::parse("nickname", f.text("nickname").unwrap_or(""))?;
    let password = DdnsPassword::parse("password", f.text("password").unwrap_or(""), rules.min_password_chars)?;
    Ok(Request::CreateUpdateUser { token, nickname, password })
}

pub fn decode_update(f: &Fields, rules: &InputRules) -> Result<Request, DomainError> {
    let token = f.required("token")?.to_owned();
    let user_name = UserName::parse("user_name", f.required("user_name")?)?;
    let mut edits: Vec<(&'static str, DdnsEdit)> = Vec::new();
    if let Some(p) = f.text("password") {
        edits.push(("password", DdnsEdit::Password(DdnsPassword::parse("password", p, rules.min_password_chars)?)));
    }
    // An empty flag is as good as absent (some toolkits send every optional element).
    for (name, edit) in [("block", DdnsEdit::Block), ("unblock", DdnsEdit::Unblock)] {
        if parse_flag(name, f.text(name).unwrap_or(""))? {
            edits.push((name, edit));
        }
    }
    match edits.len() {
        0 => Err(DomainError::invalid("password", "one of password, block or unblock is required")),
        1 => {
            let (_, edit) = edits.remove(0);
            Ok(Request::UpdateUpdateUser { token, user_name, edit })
        }
        _ => Err(DomainError::invalid(
            edits[1].0,
            format_args!("cannot be combined with {} (send one of password, block, unblock)", edits[0].0),
        )),
    }
}

/// Writes `<data>` for one update user in the profile's shape (`None`: native), with the password only when the
/// answer carries one.
/// - native UpdateUserData: DynECT 3.x's order (`user_name`, `password?`, `group_name*`, `status`), then `nickname`,
///   `created_at`, `updated_at`;
/// - DynECT 3.x UpdateUser: `user_name`, `password?`, `group_name*`, `status`;
/// - DynECT 2.3.1 UpdateUser: `user_name`, `password`, `daan`, `roles`, `status`, all required (only CreateUpdateUser
///   answers it, which always has the password); `daan` is never explained by Dyn and is 0, as in its UserData.
pub fn write(out: &mut String, u: &DdnsUser, password: Option<&DdnsPassword>, generation: Option<Generation>) {
    let status = if u.blocked { "blocked" } else { "active" };
    open(out, "data");
    elem(out, "user_name", u.user_name.as_str());
    if generation == Some(Generation::Two) {
        elem(out, "password", password.map_or("", DdnsPassword::expose));
        elem_int(out, "daan", 0);
        elem(out, "roles", UPDATE_GROUP);
        elem(out, "status", status);
        close(out, "data");
        return;
    }
    if let Some(p) = password {
        elem(out, "password", p.expose());
    }
    elem(out, "group_name", UPDATE_GROUP);
    elem(out, "status", status);
    if generation.is_none() {
        elem(out, "nickname", u.nickname.as_str());
        elem(out, "created_at", &u.created_at.to_rfc3339());
        elem(out, "updated_at", &u.updated_at.to_rfc3339());
    }
    close(out, "data");
}
