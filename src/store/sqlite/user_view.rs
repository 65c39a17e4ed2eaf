//! The user a call answered with, as the JSON kept beside its audit record for GetJob: the UserData fields only
//! (`User` holds no password, hash or TOTP key, so neither does this).

use serde::{Deserialize, Serialize};

use super::error::StoreError;
use super::rows;
use crate::domain::user::{Access, CustomerId, Profile, ProfileField, User, UserId};
use crate::domain::values::{Forbid, Text, Timestamp, UserName};

#[derive(Serialize, Deserialize)]
struct ZoneView {
    zone_name: String,
    recurse: bool,
}

#[derive(Serialize, Deserialize)]
struct ForbidView {
    name: String,
    zones: Vec<ZoneView>,
}

#[derive(Serialize, Deserialize)]
struct UserView {
    id: i64,
    uid: String,
    user_name: String,
    groups: Vec<String>,
    permissions: Vec<String>,
    zones: Vec<ZoneView>,
    forbids: Vec<ForbidView>,
    /// Set profile fields by `ProfileField::name`.
    profile: Vec<(String, String)>,
    blocked: bool,
    active: bool,
    locked: bool,
    hold: bool,
    require_pw_change: bool,
    password_expiry: Option<i64>,
    totp_label: Option<String>,
    is_totp_enabled: bool,
    created_at: i64,
    updated_at: i64,
    last_login_at: Option<i64>,
    version: i64,
}

fn zone_view(z: &crate::domain::values::Zone) -> ZoneView {
    ZoneView { zone_name: z.zone_name.as_str().to_owned(), recurse: z.recurse }
}

pub(super) fn to_json(u: &User) -> Result<String, StoreError> {
    let view = UserView {
        id: u.id.0,
        uid: u.uid.clone(),
        user_name: u.user_name.as_str().to_owned(),
        groups: u.access.groups.iter().map(|g| g.as_str().to_owned()).collect(),
        permissions: u.access.permissions.iter().map(|p| p.as_str().to_owned()).collect(),
        zones: u.access.zones.iter().map(zone_view).collect(),
        forbids: u
            .access
            .forbids
            .iter()
            .map(|f| ForbidView { name: f.name.as_str().to_owned(), zones: f.zones.iter().map(zone_view).collect() })
            .collect(),
        profile: ProfileField::ALL
            .iter()
            .filter_map(|&f| u.profile.get(f).map(|v| (f.name().to_owned(), v.as_str().to_owned())))
            .collect(),
        blocked: u.blocked,
        active: u.active,
        locked: u.locked,
        hold: u.hold,
        require_pw_change: u.require_pw_change,
        password_expiry: u.password_expiry.map(|t| t.0),
        totp_label: u.totp_label.as_ref().map(|t| t.as_str().to_owned()),
        is_totp_enabled: u.is_totp_enabled,
        created_at: u.created_at.0,
        updated_at: u.updated_at.0,
        last_login_at: u.last_login_at.map(|t| t.0),
        version: u.version,
    };
    serde_json::to_string(&view).map_err(|e| StoreError::Corrupt(format!("user view: {e}")))
}

pub(super) fn from_json(customer: CustomerId, json: &str) -> Result<User, StoreError> {
    let corrupt = |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("user view: {e}"));
    let v: UserView = serde_json::from_str(json).map_err(|e| corrupt(&e))?;
    let zone = |z: ZoneView| rows::zone(z.zone_name, z.recurse);
    let mut profile = Profile::default();
    for (name, value) in v.profile {
        let field = ProfileField::ALL.iter().find(|f| f.name() == name).ok_or_else(|| corrupt(&name))?;
        profile.set(*field, Some(Text::trusted(value)));
    }
    let access = Access {
        groups: v.groups.iter().map(|g| rows::group(g)).collect::<Result<_, _>>()?,
        permissions: v.permissions.iter().map(|p| rows::permission(p)).collect::<Result<_, _>>()?,
        zones: v.zones.into_iter().map(zone).collect(),
        forbids: v
            .forbids
            .into_iter()
            .map(|f| Ok(Forbid { name: rows::permission(&f.name)?, zones: f.zones.into_iter().map(zone).collect() }))
            .collect::<Result<_, StoreError>>()?,
    };
    Ok(User {
        id: UserId(v.id),
        uid: v.uid,
        customer,
        user_name: UserName::parse("user_name", &v.user_name).map_err(|e| corrupt(&e))?,
        profile,
        access,
        blocked: v.blocked,
        active: v.active,
        locked: v.locked,
        hold: v.hold,
        require_pw_change: v.require_pw_change,
        password_expiry: v.password_expiry.map(Timestamp),
        totp_label: v.totp_label.map(Text::trusted),
        is_totp_enabled: v.is_totp_enabled,
        created_at: Timestamp(v.created_at),
        updated_at: Timestamp(v.updated_at),
        last_login_at: v.last_login_at.map(Timestamp),
        version: v.version,
    })
}
