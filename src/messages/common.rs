//! Pieces shared by several messages: access lists, profile fields, and the response frame
//! (`job_id`, `status`, `msgs*`, then the operation's data).

use std::fmt::Write as _;

use super::reader::{Fields, Kind, RawZone, many};
use crate::domain::DomainError;
use crate::domain::permission::{Group, Permission};
use crate::domain::user::{Access, Patch, Profile, ProfileField};
use crate::domain::values::{Forbid, Text, Zone};
use crate::soap::write::{elem, elem_int};
use crate::soap::{Version, write, write_msg};

/// The access lists, in DynECT 3.x's order.
pub const ACCESS_FIELDS: [super::reader::Field; 4] = [
    many("permission", Kind::Text),
    many("group_name", Kind::Text),
    many("zone", Kind::Zone),
    many("forbid", Kind::Forbid),
];

fn zone(z: &RawZone) -> Result<Zone, DomainError> {
    Zone::parse(&z.zone_name, z.recurse.as_deref())
}

/// Groups as repeated elements or one comma-joined string (DynECT's help shows `'ADMIN,OWNER'`; 2.3.1's `roles`).
pub fn groups(f: &Fields, name: &str) -> Result<Vec<Group>, DomainError> {
    f.texts(name)
        .flat_map(|t| t.split(','))
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(|g| Group::parse(name, g))
        .collect()
}

pub fn permissions(f: &Fields) -> Result<Vec<Permission>, DomainError> {
    f.texts("permission").map(|p| Permission::parse("permission", p)).collect()
}

pub fn zones(f: &Fields) -> Result<Vec<Zone>, DomainError> {
    f.zones("zone").map(zone).collect()
}

pub fn forbids(f: &Fields) -> Result<Vec<Forbid>, DomainError> {
    f.forbids("forbid")
        .map(|(name, zs)| {
            Ok(Forbid {
                name: Permission::parse("forbid", name)?,
                zones: zs.iter().map(zone).collect::<Result<_, _>>()?,
            })
        })
        .collect()
}

pub fn access(f: &Fields, groups_name: &str) -> Result<Access, DomainError> {
    Ok(Access { groups: groups(f, groups_name)?, permissions: permissions(f)?, zones: zones(f)?, forbids: forbids(f)? })
}

/// A whole profile for CreateUser: required fields present and non-empty, optional ones validated when given.
pub fn profile(f: &Fields, phone_required: bool) -> Result<Profile, DomainError> {
    let mut p = Profile::default();
    for &field in ProfileField::ALL {
        let required = field.required() || (phone_required && field == ProfileField::Phone);
        let value = match f.text(field.name()) {
            Some(v) if !v.is_empty() => Some(field.parse(v)?),
            _ if required => return Err(DomainError::missing(field.name())),
            _ => None,
        };
        p.set(field, value);
    }
    Ok(p)
}

/// The profile part of a patch: absent = unchanged; empty or nil = cleared (MISSING_DATA for required fields).
pub fn profile_patch(f: &Fields, phone_required: bool) -> Result<Vec<(ProfileField, Patch<Text>)>, DomainError> {
    let mut out = Vec::new();
    for &field in ProfileField::ALL {
        let Some(v) = f.text(field.name()) else {
            continue;
        };
        let required = field.required() || (phone_required && field == ProfileField::Phone);
        let patch = if v.is_empty() {
            if required {
                return Err(DomainError::missing(field.name()));
            }
            Patch::Clear
        } else {
            Patch::Set(field.parse(v)?)
        };
        out.push((field, patch));
    }
    Ok(out)
}

/// `expected_version` (xsd:long), the optimistic-concurrency check of every state-changing user request: absent or
/// empty = no check.
pub fn expected_version(f: &Fields) -> Result<Option<i64>, DomainError> {
    match f.text("expected_version").map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| DomainError::invalid("expected_version", "an integer expected")),
    }
}

/// A boolean element: `true/false`, `1/0`, `Y/N` in any case (design.md: values on the wire).
pub fn flag(name: &str, v: &str) -> Result<bool, DomainError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "y" | "true" | "1" => Ok(true),
        "n" | "false" | "0" => Ok(false),
        _ => Err(DomainError::invalid(name, "Y or N expected")),
    }
}

/// One message in a response.
#[derive(Debug, Clone)]
pub struct Msg {
    pub lvl: &'static str,
    pub err_cd: Option<&'static str>,
    pub info: String,
}

impl Msg {
    pub fn info(info: impl Into<String>) -> Self {
        Msg { lvl: "INFO", err_cd: None, info: info.into() }
    }
    /// A warning beside a success (DynECT's messages have levels; clients that only read INFO skip it).
    pub fn warn(info: impl Into<String>) -> Self {
        Msg { lvl: "WARN", err_cd: None, info: info.into() }
    }
    pub fn error(err: &DomainError) -> Self {
        Msg { lvl: "ERROR", err_cd: Some(err.code.as_str()), info: err.info.clone() }
    }
}

/// What every response starts with: which response element, in which namespace and SOAP version, for which job.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    pub version: Version,
    pub response_element: &'a str,
    pub ns: &'a str,
    pub job_id: i64,
    pub success: bool,
}

/// Writes a complete response document: envelope, `<tns:OpResponse>`, the frame, `data` via `data`.
pub fn write_response(out: &mut String, frame: Frame<'_>, msgs: &[Msg], data: impl FnOnce(&mut String)) {
    let Frame { version, response_element, ns, job_id, success } = frame;
    write::begin_envelope(out, version);
    let _ = write!(out, "<tns:{response_element} xmlns:tns=\"{ns}\">");
    elem_int(out, "job_id", job_id);
    elem(out, "status", if success { "success" } else { "failure" });
    for m in msgs {
        write_msg(out, "BLL", m.lvl, m.err_cd, &m.info);
    }
    data(out);
    let _ = write!(out, "</tns:{response_element}>");
    write::end_envelope(out);
}
