//! Permissions (DynECT's names), the bootstrap groups, a caller's effective grants, and the capability handles
//! that domain functions demand, so that an unauthorized call does not compile.

use std::collections::BTreeSet;
use std::marker::PhantomData;

use super::error::DomainError;
use super::session::Caller;

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
    gates!(UserAdd, UserGet, UserUpdate, UserDelete, UserBlock, UserUnblock, UserChangepw, PermissionUpdate);
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
}
