//! The twelve access-list requests (Add/Set/Remove User{Groups,Zones,Permissions,Forbids}): `token`,
//! `fault_incompat`, `user_name`, then the list's repeated element as DynECT 3.x names it; natively then the optional
//! `expected_version`.

use super::common::{expected_version, forbids, groups, permissions, zones};
use super::reader::{FAULT_INCOMPAT, Field, Fields, Kind, TOKEN, many, one, opt};
use super::{Operation, Request};
use crate::domain::DomainError;
use crate::domain::access::{AccessItems, ListEdit};
use crate::domain::values::UserName;

const VERSION: Field = opt("expected_version");
pub const GROUP_FIELDS: &[Field] = &[TOKEN, FAULT_INCOMPAT, one("user_name"), many("group_name", Kind::Text), VERSION];
pub const ZONE_FIELDS: &[Field] = &[TOKEN, FAULT_INCOMPAT, one("user_name"), many("zone", Kind::Zone), VERSION];
pub const PERMISSION_FIELDS: &[Field] =
    &[TOKEN, FAULT_INCOMPAT, one("user_name"), many("permission", Kind::Text), VERSION];
pub const FORBID_FIELDS: &[Field] = &[TOKEN, FAULT_INCOMPAT, one("user_name"), many("forbid", Kind::Forbid), VERSION];

/// A decoded access-list request.
#[derive(Debug)]
pub struct AccessRequest {
    pub token: String,
    pub user_name: UserName,
    pub edit: ListEdit,
    pub items: AccessItems,
    pub expected_version: Option<i64>,
}

/// The list an operation edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Groups,
    Zones,
    Permissions,
    Forbids,
}

impl List {
    pub fn fields(self) -> &'static [Field] {
        match self {
            List::Groups => GROUP_FIELDS,
            List::Zones => ZONE_FIELDS,
            List::Permissions => PERMISSION_FIELDS,
            List::Forbids => FORBID_FIELDS,
        }
    }

    /// DynECT 3.x's shape: the native one without `expected_version`, which Dyn never had.
    pub fn dynect_fields(self) -> &'static [Field] {
        let native = self.fields();
        native.split_last().map_or(native, |(_, head)| head)
    }
}

/// Which list an operation edits, and how; `None` for the other operations.
pub fn shape(op: Operation) -> Option<(ListEdit, List)> {
    use Operation::*;
    Some(match op {
        AddUserGroups => (ListEdit::Add, List::Groups),
        SetUserGroups => (ListEdit::Set, List::Groups),
        RemoveUserGroups => (ListEdit::Remove, List::Groups),
        AddUserZones => (ListEdit::Add, List::Zones),
        SetUserZones => (ListEdit::Set, List::Zones),
        RemoveUserZones => (ListEdit::Remove, List::Zones),
        AddUserPermissions => (ListEdit::Add, List::Permissions),
        SetUserPermissions => (ListEdit::Set, List::Permissions),
        RemoveUserPermissions => (ListEdit::Remove, List::Permissions),
        AddUserForbids => (ListEdit::Add, List::Forbids),
        SetUserForbids => (ListEdit::Set, List::Forbids),
        RemoveUserForbids => (ListEdit::Remove, List::Forbids),
        _ => return None,
    })
}

/// Set with no items empties the list (DEFAULT stays); Add and Remove need at least one item.
pub fn decode(f: &Fields, op: Operation) -> Result<Request, DomainError> {
    let (edit, list) = shape(op).ok_or_else(DomainError::internal)?;
    let token = f.required("token")?.to_owned();
    let user_name = UserName::parse("user_name", f.required("user_name")?)?;
    let items = match list {
        List::Groups => AccessItems::Groups(groups(f, "group_name")?),
        List::Zones => AccessItems::Zones(zones(f)?),
        List::Permissions => AccessItems::Permissions(permissions(f)?),
        List::Forbids => AccessItems::Forbids(forbids(f)?),
    };
    if edit != ListEdit::Set && items.is_empty() {
        return Err(DomainError::missing(items.field()));
    }
    let r = AccessRequest { token, user_name, edit, items, expected_version: expected_version(f)? };
    use Operation::*;
    Ok(match op {
        AddUserGroups => Request::AddUserGroups(r),
        SetUserGroups => Request::SetUserGroups(r),
        RemoveUserGroups => Request::RemoveUserGroups(r),
        AddUserZones => Request::AddUserZones(r),
        SetUserZones => Request::SetUserZones(r),
        RemoveUserZones => Request::RemoveUserZones(r),
        AddUserPermissions => Request::AddUserPermissions(r),
        SetUserPermissions => Request::SetUserPermissions(r),
        RemoveUserPermissions => Request::RemoveUserPermissions(r),
        AddUserForbids => Request::AddUserForbids(r),
        SetUserForbids => Request::SetUserForbids(r),
        RemoveUserForbids => Request::RemoveUserForbids(r),
        _ => return Err(DomainError::internal()),
    })
}
