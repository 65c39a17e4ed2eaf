//! UpdateUserRequest: a patch. Absent = unchanged; empty or xsi:nil = cleared; a list present replaces the list.

use super::Request;
use super::common::{ACCESS_FIELDS, forbids, groups, permissions, profile_patch, zones};
use super::profile::Names;
use super::reader::{FAULT_INCOMPAT, Field, Fields, TOKEN, one, opt};
use crate::domain::DomainError;
use crate::domain::totp::{TotpKey, TotpPatch};
use crate::domain::user::{InputRules, Password, Patch, UserPatch};
use crate::domain::values::{Text, UserName};

pub const FIELDS: &[Field] = &[
    TOKEN,
    FAULT_INCOMPAT,
    one("user_name"),
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
    opt("is_totp_enabled"),
    opt("totp_label"),
    opt("totp_key"),
];

/// A field that cannot be cleared: present but empty is MISSING_DATA, absent is unchanged.
fn unclearable<'f>(f: &'f Fields, name: &str) -> Result<Option<&'f str>, DomainError> {
    match f.text(name) {
        None => Ok(None),
        Some("") => Err(DomainError::missing(name)),
        Some(v) => Ok(Some(v)),
    }
}

/// Y/N (DynECT), true/false, 1/0, in any case.
fn flag(name: &str, v: &str) -> Result<bool, DomainError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "y" | "true" | "1" => Ok(true),
        "n" | "false" | "0" => Ok(false),
        _ => Err(DomainError::invalid(name, "Y or N expected")),
    }
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
    let rename = names.new_user_name;
    let new_user_name = unclearable(f, rename)?.map(|n| UserName::parse(rename, n)).transpose()?;
    // Only DynECT 3.x carries it; absent elsewhere.
    let require_pw_change = unclearable(f, "require_pw_change")?.map(|v| flag("require_pw_change", v)).transpose()?;
    let password =
        unclearable(f, "password")?.map(|p| Password::parse("password", p, rules.min_password_chars)).transpose()?;
    let blocked = match unclearable(f, "status")? {
        None => None,
        Some("active") => Some(false),
        Some("blocked") => Some(true),
        Some(_) => return Err(DomainError::invalid("status", "active or blocked expected")),
    };
    let patch = UserPatch {
        totp: totp_patch(f)?,
        new_user_name,
        password,
        blocked,
        require_pw_change,
        profile: profile_patch(f, rules.phone_required)?,
        groups: f.present(names.groups).then(|| groups(f, names.groups)).transpose()?,
        permissions: f.present("permission").then(|| permissions(f)).transpose()?,
        zones: f.present("zone").then(|| zones(f)).transpose()?,
        forbids: f.present("forbid").then(|| forbids(f)).transpose()?,
    };
    Ok(Request::UpdateUser { token, user_name, patch: Box::new(patch) })
}
