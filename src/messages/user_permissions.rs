//! GetUserPermissionsRequest (`user_name` optional: absent = the caller) and CheckPermissionsRequest
//! (`permission+`, `zone_name?`), and the PermissionResponse both answer with.

use super::Request;
use super::common::permissions;
use super::reader::{FAULT_INCOMPAT, Field, Fields, Kind, TOKEN, many, opt};
use crate::domain::DomainError;
use crate::domain::permission::{PermissionLine, PermissionReport};
use crate::domain::values::{Text, UserName};
use crate::soap::write::{close, elem, elem_bool, open};

pub const GET_FIELDS: &[Field] = &[TOKEN, FAULT_INCOMPAT, opt("user_name")];
pub const CHECK_FIELDS: &[Field] = &[TOKEN, FAULT_INCOMPAT, many("permission", Kind::Text), opt("zone_name")];

pub fn decode_get(f: &Fields) -> Result<Request, DomainError> {
    let token = f.required("token")?.to_owned();
    let user_name = match f.text("user_name") {
        None | Some("") => None,
        Some(n) => Some(UserName::parse("user_name", n)?),
    };
    Ok(Request::GetUserPermissions { token, user_name })
}

pub fn decode_check(f: &Fields) -> Result<Request, DomainError> {
    let token = f.required("token")?.to_owned();
    let asked = permissions(f)?;
    if asked.is_empty() {
        return Err(DomainError::missing("permission"));
    }
    let zone_name = match f.text("zone_name") {
        None | Some("") => None,
        Some(z) => Some(Text::parse("zone_name", z)?.as_str().to_owned()),
    };
    Ok(Request::CheckPermissions { token, permissions: asked, zone_name })
}

fn line(out: &mut String, tag: &str, l: &PermissionLine) {
    open(out, tag);
    elem(out, "name", l.name.as_str());
    for z in &l.zones {
        open(out, "zone");
        elem(out, "zone_name", z.zone_name.as_str());
        elem(out, "recurse", if z.recurse { "Y" } else { "N" });
        close(out, "zone");
    }
    for r in &l.reasons {
        elem(out, "reason", r);
    }
    close(out, tag);
}

/// Writes `<data>` as PermissionResponse: `admin_override`, `allowed*`, `forbidden*`.
pub fn write(out: &mut String, r: &PermissionReport) {
    open(out, "data");
    elem_bool(out, "admin_override", r.admin_override);
    r.allowed.iter().for_each(|l| line(out, "allowed", l));
    r.forbidden.iter().for_each(|l| line(out, "forbidden", l));
    close(out, "data");
}
