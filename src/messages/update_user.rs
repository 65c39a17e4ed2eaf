//! UpdateUserRequest and UpdateCurrentUserRequest: a patch. Absent = unchanged; empty or xsi:nil = cleared; a list
//! present replaces the list. Both requests carry the same patch elements (UpdateCurrentUser has no `user_name`: its
//! target is the caller), so that a non-self-service field is refused by name rather than as an unknown element.

use super::Request;
use super::common::{ACCESS_FIELDS, expected_version, flag, forbids, groups, permissions, profile_patch, zones};
use super::profile::Names;
use super::reader::{FAULT_INCOMPAT, Field, Fields, TOKEN, one, opt};
use crate::domain::DomainError;
use crate::domain::totp::{TotpKey, TotpPatch};
use crate::domain::user::{InputRules, Password, Patch, UserPatch};
use crate::domain::values::{Text, Timestamp, UserName};

/// The patch elements, in the order both WSDL types list them after their heads.
macro_rules! with_patch {
    ($($head:expr),*) => {
        &[
            $($head,)*
            opt("new_user_name"),
            opt("password"),
            opt("status"),
            ACCESS_FIELDS[0],
            ACCESS_FIELDS[1],
            ACCESS_FIELDS[2],
            ACCESS_FIELDS[3],
            opt("nickname"),
            opt("first_name"),
            opt("last_name"),
            opt("phone"),
            opt("fax"),
            opt("email"),
            opt("notify_email"),
            opt("pager_email"),
            opt("address"),
            opt("address_2"),
            opt("city"),
            opt("state"),
            opt("post_code"),
            opt("country"),
            opt("website"),
            opt("organization"),
            opt("display_name"),
            opt("middle_name"),
            opt("notes"),
            opt("hold"),
            opt("locked"),
            opt("password_expiry"),
            opt("require_pw_change"),
            opt("expected_version"),
            opt("is_totp_enabled"),
            opt("totp_label"),
            opt("totp_key"),
        ]
    };
}

pub const FIELDS: &[Field] = with_patch!(TOKEN, FAULT_INCOMPAT, one("user_name"));
/// UpdateCurrentUser: the same patch, on the caller's own record.
pub const CURRENT_FIELDS: &[Field] = with_patch!(TOKEN, FAULT_INCOMPAT);

/// A field that cannot be cleared: present but empty is MISSING_DATA, absent is unchanged.
fn unclearable<'f>(f: &'f Fields, name: &str) -> Result<Option<&'f str>, DomainError> {
    match f.text(name) {
        None => Ok(None),
        Some("") => Err(DomainError::missing(name)),
        Some(v) => Ok(Some(v)),
    }
}

fn unclearable_flag(f: &Fields, name: &str) -> Result<Option<bool>, DomainError> {
    unclearable(f, name)?.map(|v| flag(name, v)).transpose()
}

/// Absent in DynECT's tables, so always empty there. `totp_key` empty or nil turns TOTP off.
fn totp_patch(f: &Fields) -> Result<TotpPatch, DomainError> {
    let label = match f.text("totp_label") {
        None => None,
        Some("") => Some(Patch::Clear),
        Some(v) => Some(Patch::Set(Text::parse("totp_label", v)?)),
    };
    let key = match f.text("totp_key") {
        None => None,
        Some("") => Some(Patch::Clear),
        Some(v) => Some(Patch::Set(TotpKey::parse_base32("totp_key", v)?)),
    };
    let enabled = unclearable(f, "is_totp_enabled")?.map(|v| flag("is_totp_enabled", v)).transpose()?;
    Ok(TotpPatch { enabled, label, key })
}

/// `names` says where the rename and the groups are (DynECT 2.3.1 spells them `newuser_name` and `roles`).
pub fn decode(f: &Fields, rules: &InputRules, names: Names) -> Result<Request, DomainError> {
    let token = f.required("token")?.to_owned();
    let user_name = UserName::parse("user_name", f.required("user_name")?)?;
    let patch = patch(f, rules, names)?;
    let expected_version = expected_version(f)?;
    Ok(Request::UpdateUser { token, user_name, patch: Box::new(patch), expected_version })
}

/// UpdateCurrentUser (native only).
pub fn decode_current(f: &Fields, rules: &InputRules, names: Names) -> Result<Request, DomainError> {
    let token = f.required("token")?.to_owned();
    let patch = patch(f, rules, names)?;
    let expected_version = expected_version(f)?;
    Ok(Request::UpdateCurrentUser { token, patch: Box::new(patch), expected_version })
}

/// The patch elements; those a table lacks read as absent.
fn patch(f: &Fields, rules: &InputRules, names: Names) -> Result<UserPatch, DomainError> {
    let rename = names.new_user_name;
    let new_user_name = unclearable(f, rename)?.map(|n| UserName::parse(rename, n)).transpose()?;
    let password =
        unclearable(f, "password")?.map(|p| Password::parse("password", p, rules.min_password_chars)).transpose()?;
    let blocked = match unclearable(f, "status")? {
        None => None,
        Some("active") => Some(false),
        Some("blocked") => Some(true),
        Some(_) => return Err(DomainError::invalid("status", "active or blocked expected")),
    };
    let password_expiry = match f.text("password_expiry") {
        None => None,
        Some("") => Some(Patch::Clear),
        Some(v) => Some(Patch::Set(Timestamp::parse("password_expiry", v)?)),
    };
    Ok(UserPatch {
        totp: totp_patch(f)?,
        new_user_name,
        password,
        blocked,
        require_pw_change: unclearable_flag(f, "require_pw_change")?,
        hold: unclearable_flag(f, "hold")?,
        locked: unclearable_flag(f, "locked")?,
        password_expiry,
        profile: profile_patch(f, rules.phone_required)?,
        groups: f.present(names.groups).then(|| groups(f, names.groups)).transpose()?,
        permissions: f.present("permission").then(|| permissions(f)).transpose()?,
        zones: f.present("zone").then(|| zones(f)).transpose()?,
        forbids: f.present("forbid").then(|| forbids(f)).transpose()?,
    })
}
