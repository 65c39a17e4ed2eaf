//! Requests naming one user: GetUser (by `user_name`, `user_id` or `uid`); BlockUser, UnblockUser and DeleteUser
//! (`user_name`, then the optional `expected_version`); the DDNS lookups and DynECT's shapes (`token`,
//! `fault_incompat`, `user_name`).

use super::common::expected_version;
use super::reader::{FAULT_INCOMPAT, Field, Fields, TOKEN, one, opt};
use crate::domain::user::{UserId, UserKey};
use crate::domain::values::UserName;
use crate::domain::{DomainError, ErrCode};

pub const FIELDS: &[Field] = &[TOKEN, FAULT_INCOMPAT, one("user_name")];
/// Native BlockUser, UnblockUser, DeleteUser.
pub const VERSIONED_FIELDS: &[Field] = &[TOKEN, FAULT_INCOMPAT, one("user_name"), opt("expected_version")];
/// Native GetUser: exactly one of the three keys (DynECT's GetOneUser keeps `FIELDS`, user_name required).
pub const GET_FIELDS: &[Field] = &[TOKEN, FAULT_INCOMPAT, opt("user_name"), opt("user_id"), opt("uid")];

/// Longest uid accepted: ours are 22 characters; the cap only bounds the lookup.
const MAX_UID: usize = 64;

pub fn decode(f: &Fields) -> Result<(String, UserName), DomainError> {
    let token = f.required("token")?.to_owned();
    let user_name = UserName::parse("user_name", f.required("user_name")?)?;
    Ok((token, user_name))
}

/// `decode` plus `expected_version` (absent from the tables without it).
pub fn decode_versioned(f: &Fields) -> Result<(String, UserName, Option<i64>), DomainError> {
    let (token, user_name) = decode(f)?;
    Ok((token, user_name, expected_version(f)?))
}

/// GetUser: the token and the one key given. Empty elements count as absent (suds sends unset ones empty). On
/// GetUser's hot path: no allocation beyond the key itself.
pub fn decode_get(f: &Fields) -> Result<(String, UserKey), DomainError> {
    let token = f.required("token")?.to_owned();
    let given = |n: &'static str| f.text(n).filter(|v| !v.is_empty()).map(|v| (n, v));
    let (name, id, uid) = (given("user_name"), given("user_id"), given("uid"));
    let mut present = [name, id, uid].into_iter().flatten();
    let Some((first, _)) = present.next() else {
        return Err(DomainError::new(ErrCode::MissingData, "user_name", "one of user_name, user_id or uid required"));
    };
    if let Some((second, _)) = present.next() {
        let third = present.next().map_or(String::new(), |(n, _)| format!(", {n}"));
        let info = format_args!("give exactly one of user_name, user_id, uid; also given: {second}{third}");
        return Err(DomainError::invalid(first, info));
    }
    let key = match (name, id, uid) {
        (Some((_, v)), _, _) => UserKey::Name(UserName::parse("user_name", v)?),
        (_, Some((_, v)), _) => {
            let id = v.trim().parse::<i64>().map_err(|_| DomainError::invalid("user_id", "an integer expected"))?;
            UserKey::Id(UserId(id))
        }
        (_, _, Some((_, v))) if v.chars().count() <= MAX_UID => UserKey::Uid(v.to_owned()),
        _ => return Err(DomainError::invalid("uid", format_args!("longer than {MAX_UID} characters"))),
    };
    Ok((token, key))
}
