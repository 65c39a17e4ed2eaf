//! Permissions (DynECT's names), the bootstrap groups, a caller's effective grants, and the capability handles
//! that domain functions demand, so that an unauthorized call does not compile.

use std::collections::BTreeSet;
use std::marker::PhantomData;

use super::access::zone_covers;
use super::error::DomainError;
use super::session::Caller;
use super::user::Access;
use super::values::Zone;

macro_rules! permissions {
    ($($name:ident),* $(,)?) => {
        /// Every permission name usergate knows (DynECT's catalogue). Unknown names are INVALID_DATA.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Permission { $($name),* }

        impl Permission {
            pub const ALL: &'static [Permission] = &[$(Permission::$name),*];
            pub fn as_str(self) -> &'static str {
                match self { $(Permission::$name => stringify!($name)),* }
            }
            pub fn from_name(s: &str) -> Option<Permission> {
                match s { $(stringify!($name) => Some(Permission::$name),)* _ => None }
            }
        }
    };
}

permissions!(
    UserAdd,
    UserGet,
    UserUpdate,
    UserDelete,
    UserBlock,
    UserUnblock,
    UserLogin,
    UserChangepw,
    UserAddNote,
    UserAuthGetPW,
    GroupGet,
    PermissionGet,
    PermissionUpdate,
    UpdateUserAdd,
    UpdateUserDelete,
    UpdateUserUpdate,
    UpdateUserLogin,
    ContactAdd,
    ContactGet,
    ContactUpdate,
    ContactDelete,
    CustomerGet,
    CustomerGetPref,
    CustomerSetPref,
    CustomerReadIPACL,
    CustomerUpdateIPACL,
    CustomerAddNote,
    ZoneGet,
    ZoneAdd,
    ZoneDelete,
    ZoneUpdate,
    ZonePublish,
    ZoneAddNode,
    ZoneRemoveNode,
    ZoneChangeSet,
    ZoneDiscardChangeset,
    ZoneFreeze,
    ZoneThaw,
    RecordGet,
    RecordAdd,
    RecordUpdate,
    RecordDelete,
    RecordBulkAdd,
    RecordBulkUpdate,
    RecordDiscard,
    GeoGet,
    GeoAdd,
    GeoUpdate,
    GeoDelete,
    ReportGet,
);

impl Permission {
    pub fn parse(field: &str, s: &str) -> Result<Permission, DomainError> {
        Permission::from_name(s).ok_or_else(|| DomainError::invalid(field, format_args!("unknown permission {s}")))
    }

    /// Managing users is what ADMIN may not do ("an admin can do everything an owner can do except Manage Users").
    fn is_user_management(self) -> bool {
        use Permission::*;
        matches!(
            self,
            UserAdd
                | UserGet
                | UserUpdate
                | UserDelete
                | UserBlock
                | UserUnblock
                | UserAddNote
                | UserAuthGetPW
                | PermissionUpdate
                | UpdateUserAdd
                | UpdateUserDelete
                | UpdateUserUpdate
        )
    }
}

/// The groups every customer has. Membership is stored per user by group name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    Owner,
    Admin,
    Readonly,
    Default,
}

impl Group {
    pub const ALL: &'static [Group] = &[Group::Owner, Group::Admin, Group::Readonly, Group::Default];

    pub fn as_str(self) -> &'static str {
        match self {
            Group::Owner => "OWNER",
            Group::Admin => "ADMIN",
            Group::Readonly => "READONLY",
            Group::Default => "DEFAULT",
        }
    }

    /// Dyn's help shows the labels `OWN` and `R/O` too; they name the same groups.
    pub fn parse(field: &str, s: &str) -> Result<Group, DomainError> {
        match s {
            "OWNER" | "OWN" => Ok(Group::Owner),
            "ADMIN" => Ok(Group::Admin),
            "READONLY" | "R/O" => Ok(Group::Readonly),
            "DEFAULT" => Ok(Group::Default),
            super::ddns::UPDATE_GROUP => {
                Err(DomainError::invalid(field, "UPDATE is the group of DDNS update users (CreateUpdateUser)"))
            }
            _ => Err(DomainError::invalid(field, format_args!("unknown group {s}"))),
        }
    }

    pub fn grants(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Group::Owner => true,
            Group::Admin => !p.is_user_management(),
            Group::Readonly => matches!(p, UserGet | GroupGet | PermissionGet),
            Group::Default => matches!(p, UserLogin | UserChangepw),
        }
    }
}

/// What a user may do: its groups, its own permissions, minus forbids without zones (forbids win over grants;
/// zone-scoped forbids only narrow zone work, which user management is not).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    pub groups: BTreeSet<Group>,
    pub permissions: BTreeSet<Permission>,
    pub forbidden: BTreeSet<Permission>,
}

impl Grants {
    pub fn is_owner(&self) -> bool {
        self.groups.contains(&Group::Owner)
    }

    pub fn allows(&self, p: Permission) -> bool {
        if self.is_owner() {
            return true;
        }
        if self.forbidden.contains(&p) {
            return false;
        }
        self.permissions.contains(&p) || self.groups.iter().any(|g| g.grants(p))
    }

    /// Whether everything `other` may do, this may do too (nobody manages a user more powerful than itself).
    pub fn covers(&self, other: &Grants) -> bool {
        self.is_owner() || (!other.is_owner() && Permission::ALL.iter().all(|&p| !other.allows(p) || self.allows(p)))
    }
}

/// Zero-sized markers for the permissions that gate operations; `Authorized<P>` proves the check was made.
pub trait Gate {
    const PERMISSION: Permission;
}

macro_rules! gates {
    ($($name:ident),*) => {
        $(
            #[derive(Debug)]
            pub struct $name;
            impl Gate for $name { const PERMISSION: Permission = Permission::$name; }
        )*
    };
}

/// Markers, one per gated operation permission.
pub mod gate {
    use super::{Gate, Permission};
    gates!(
        UserAdd,
        UserGet,
        UserUpdate,
        UserDelete,
        UserBlock,
        UserUnblock,
        UserChangepw,
        PermissionGet,
        PermissionUpdate,
        UpdateUserAdd,
        UpdateUserUpdate,
        UpdateUserDelete,
        UserAuthGetPW
    );
}

/// A caller that holds permission `P`. Only `authorize` makes one, so a domain function that takes it cannot be
/// called without the check.
#[derive(Debug)]
pub struct Authorized<'a, P: Gate> {
    caller: &'a Caller,
    _gate: PhantomData<P>,
}

impl<'a, P: Gate> Authorized<'a, P> {
    pub fn caller(&self) -> &'a Caller {
        self.caller
    }
}

pub fn authorize<P: Gate>(caller: &Caller) -> Result<Authorized<'_, P>, DomainError> {
    if caller.grants.allows(P::PERMISSION) {
        Ok(Authorized { caller, _gate: PhantomData })
    } else {
        Err(DomainError::denied("permission", format_args!("{} is required", P::PERMISSION.as_str())))
    }
}

/// Why a user holds a permission: a reason names a group (`OWNER`, ...), or is `user` for a permission granted to
/// the user itself. Why one is refused: `forbid` (a forbid rule), `zone` (outside the user's zones) or
/// `permission not found` (nothing grants it; DynECT's wording).
pub const REASON_USER: &str = "user";
pub const REASON_FORBID: &str = "forbid";
pub const REASON_ZONE: &str = "zone";
pub const REASON_NOT_FOUND: &str = "permission not found";

/// One permission in a report: where it applies (no zones = everywhere) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermissionLine {
    pub name: Permission,
    pub zones: Vec<Zone>,
    pub reasons: Vec<&'static str>,
}

/// DynECT's permission report: `admin_override` when the user is an owner (every permission, forbids or not).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionReport {
    pub admin_override: bool,
    pub allowed: Vec<PermissionLine>,
    pub forbidden: Vec<PermissionLine>,
}

/// The groups (and `user`) that grant `p`.
fn grant_reasons(access: &Access, p: Permission) -> Vec<&'static str> {
    let mut reasons: Vec<&'static str> = access.groups.iter().filter(|g| g.grants(p)).map(|g| g.as_str()).collect();
    if access.permissions.contains(&p) {
        reasons.push(REASON_USER);
    }
    reasons
}

/// Everything a user may do and what is forbidden to it (GetUserPermissions), in catalogue order.
pub fn report(access: &Access) -> PermissionReport {
    let owner = access.groups.contains(&Group::Owner);
    let forbidden_everywhere = |p: Permission| access.forbids.iter().any(|f| f.name == p && f.zones.is_empty());
    let allowed = Permission::ALL
        .iter()
        .filter(|&&p| owner || !forbidden_everywhere(p))
        .map(|&p| PermissionLine { name: p, zones: access.zones.clone(), reasons: grant_reasons(access, p) })
        .filter(|line| !line.reasons.is_empty())
        .collect();
    let forbidden = access
        .forbids
        .iter()
        .map(|f| PermissionLine { name: f.name, zones: f.zones.clone(), reasons: vec![REASON_FORBID] })
        .collect();
    PermissionReport { admin_override: owner, allowed, forbidden }
}

/// Whether the user may use each of `asked` (in `zone`, when given): each lands in `allowed` or `forbidden`, with
/// the reason (CheckPermissions).
pub fn check(access: &Access, asked: &[Permission], zone: Option<&str>) -> PermissionReport {
    let owner = access.groups.contains(&Group::Owner);
    let mut out = PermissionReport { admin_override: owner, ..PermissionReport::default() };
    let mut seen: BTreeSet<Permission> = BTreeSet::new();
    for &p in asked.iter().filter(|&&p| seen.insert(p)) {
        let reasons = grant_reasons(access, p);
        let in_zone = |zones: &[Zone]| zone.is_some_and(|q| zones.iter().any(|z| zone_covers(z, q)));
        let refusal = if owner {
            None
        } else if reasons.is_empty() {
            Some(REASON_NOT_FOUND)
        } else if access.forbids.iter().any(|f| f.name == p && (f.zones.is_empty() || in_zone(&f.zones))) {
            Some(REASON_FORBID)
        } else if zone.is_some() && !access.zones.is_empty() && !in_zone(&access.zones) {
            Some(REASON_ZONE)
        } else {
            None
        };
        match refusal {
            None => out.allowed.push(PermissionLine { name: p, zones: Vec::new(), reasons }),
            Some(why) => out.forbidden.push(PermissionLine { name: p, zones: Vec::new(), reasons: vec![why] }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grants(groups: &[Group], perms: &[Permission], forbidden: &[Permission]) -> Grants {
        Grants {
            groups: groups.iter().copied().collect(),
            permissions: perms.iter().copied().collect(),
            forbidden: forbidden.iter().copied().collect(),
        }
    }

    #[test]
    fn names_round_trip() {
        for &p in Permission::ALL {
            assert_eq!(Permission::from_name(p.as_str()), Some(p));
        }
        assert!(Permission::parse("permission", "UserFly").is_err());
        assert_eq!(Group::parse("group_name", "OWN"), Ok(Group::Owner));
    }

    #[test]
    fn groups_and_forbids() {
        let admin = grants(&[Group::Admin, Group::Default], &[], &[]);
        assert!(admin.allows(Permission::ZoneGet));
        assert!(!admin.allows(Permission::UserAdd));
        assert!(admin.allows(Permission::UserLogin));
        let ro = grants(&[Group::Readonly, Group::Default], &[Permission::UserBlock], &[Permission::UserGet]);
        assert!(!ro.allows(Permission::UserGet));
        assert!(ro.allows(Permission::UserBlock));
        let owner = grants(&[Group::Owner], &[], &[Permission::UserGet]);
        assert!(owner.allows(Permission::UserGet));
        assert!(owner.covers(&admin) && !admin.covers(&owner) && !ro.covers(&admin));
        assert!(admin.covers(&grants(&[Group::Default], &[], &[])));
    }

    fn zone(name: &str, recurse: bool) -> Zone {
        Zone { zone_name: super::super::values::Text::trusted(name.into()), recurse }
    }

    #[test]
    fn report_and_check() {
        use super::super::values::Forbid;
        let access = Access {
            groups: vec![Group::Readonly, Group::Default],
            permissions: vec![Permission::UserGet, Permission::RecordAdd],
            zones: vec![zone("example.org", true)],
            forbids: vec![
                Forbid { name: Permission::PermissionGet, zones: vec![] },
                Forbid { name: Permission::RecordAdd, zones: vec![zone("lab.example.org", false)] },
            ],
        };
        let r = report(&access);
        assert!(!r.admin_override);
        let names: Vec<&str> = r.allowed.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["UserGet", "UserLogin", "UserChangepw", "GroupGet", "RecordAdd"]);
        assert_eq!(r.allowed[0].reasons, ["READONLY", "user"]);
        assert_eq!(r.allowed[0].zones, access.zones);
        assert_eq!(r.forbidden.len(), 2);
        let asked = [Permission::RecordAdd, Permission::ZoneGet, Permission::PermissionGet, Permission::RecordAdd];
        let c = check(&access, &asked, Some("www.example.org"));
        assert_eq!(c.allowed.iter().map(|l| l.name).collect::<Vec<_>>(), [Permission::RecordAdd]);
        let refused: Vec<_> = c.forbidden.iter().map(|l| (l.name, l.reasons[0])).collect();
        assert_eq!(refused, [(Permission::ZoneGet, REASON_NOT_FOUND), (Permission::PermissionGet, REASON_FORBID)]);
        assert_eq!(
            check(&access, &[Permission::RecordAdd], Some("lab.example.org")).forbidden[0].reasons,
            [REASON_FORBID]
        );
        assert_eq!(check(&access, &[Permission::RecordAdd], Some("example.net")).forbidden[0].reasons, [REASON_ZONE]);
        assert_eq!(check(&access, &[Permission::RecordAdd], None).allowed.len(), 1);
        let owner = Access { groups: vec![Group::Owner], forbids: access.forbids.clone(), ..Access::default() };
        let o = check(&owner, &[Permission::PermissionGet], Some("x.org"));
        assert!(o.admin_override && o.forbidden.is_empty() && o.allowed[0].reasons == ["OWNER"]);
        assert_eq!(report(&owner).allowed.len(), Permission::ALL.len());
    }
}
