//! UserData: the `data` of every user response, in the order fixed for the life of `urn:usergate:1`.
//! Never the password, its hash or a TOTP key.

use crate::domain::user::{ProfileField, User};
use crate::domain::values::Zone;
use crate::soap::write::{close, elem, elem_bool, elem_int, open};

fn zone(out: &mut String, z: &Zone) {
    open(out, "zone");
    elem(out, "zone_name", z.zone_name.as_str());
    elem(out, "recurse", if z.recurse { "Y" } else { "N" });
    close(out, "zone");
}

/// Writes `<data>...</data>` for one user.
pub fn write(out: &mut String, u: &User) {
    open(out, "data");
    fields(out, u);
}

/// Writes `<data xsi:type="tns:UserData">...</data>`, for an `xsd:anyType` data element (GetJob).
pub fn write_typed(out: &mut String, u: &User) {
    out.push_str("<data xsi:type=\"tns:UserData\">");
    fields(out, u);
}

/// The children of UserData and the closing tag.
fn fields(out: &mut String, u: &User) {
    elem(out, "user_name", u.user_name.as_str());
    elem_int(out, "user_id", u.id.0);
    elem(out, "uid", &u.uid);
    for g in &u.access.groups {
        elem(out, "group_name", g.as_str());
    }
    for p in &u.access.permissions {
        elem(out, "permission", p.as_str());
    }
    for z in &u.access.zones {
        zone(out, z);
    }
    for f in &u.access.forbids {
        open(out, "forbid");
        elem(out, "name", f.name.as_str());
        for z in &f.zones {
            zone(out, z);
        }
        close(out, "forbid");
    }
    // The profile fields sit between forbid and status, in ProfileField order (which is UserData order).
    for &f in ProfileField::ALL {
        if let Some(v) = u.profile.get(f) {
            elem(out, f.name(), v.as_str());
        }
    }
    elem(out, "status", if u.blocked { "blocked" } else { "active" });
    elem_bool(out, "active", u.active);
    elem_bool(out, "locked", u.locked);
    elem_bool(out, "hold", u.hold);
    elem_bool(out, "require_pw_change", u.require_pw_change);
    if let Some(t) = u.password_expiry {
        elem(out, "password_expiry", &t.to_rfc3339());
    }
    elem_bool(out, "is_totp_enabled", u.is_totp_enabled);
    if let Some(l) = &u.totp_label {
        elem(out, "totp_label", l.as_str());
    }
    elem(out, "created_at", &u.created_at.to_rfc3339());
    elem(out, "updated_at", &u.updated_at.to_rfc3339());
    if let Some(t) = u.last_login_at {
        elem(out, "last_login_at", &t.to_rfc3339());
    }
    elem_int(out, "version", u.version);
    close(out, "data");
}
