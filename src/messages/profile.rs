//! Profiles: which contract a request speaks (native `urn:usergate:1`, or DynECT 2.x / 3.x in one of Dyn's
//! versioned namespaces) and what that changes: operation names, field tables, spellings and the answer's namespace.
//! One message layer serves both; only the tables in this file differ.

use std::borrow::Cow;

use super::reader::{FAULT_INCOMPAT, Field, Kind, Spelling, TOKEN, many, one, opt};
use super::{Operation, by_user_name, create_user, get_users, session_login, session_token, user_access};
use crate::soap::Fault;
use crate::soap::xml::{DynectVersion, Elem, NATIVE_NS, Ns};

/// The contract of one request, fixed by the namespace of its operation element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Native,
    Dynect(DynectVersion),
}

/// DynECT's two generations of message shapes: 2.x speaks 2.3.1's (the WSDL Dyn published in 2010), 3.x speaks
/// 3.7.16's (`wsdl/dynect.wsdl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    Two,
    Three,
}

/// Field names that differ between generations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Names {
    /// The rename target of UpdateUser.
    pub new_user_name: &'static str,
    /// The groups: repeated `group_name`, or 2.3.1's comma-joined `roles`.
    pub groups: &'static str,
}

const NATIVE_NAMES: Names = Names { new_user_name: "new_user_name", groups: "group_name" };
const DYN2_NAMES: Names = Names { new_user_name: "newuser_name", groups: "roles" };

/// DynECT's operation names for the core operations, per generation (`None`: not in that generation).
fn dynect_name(op: Operation, generation: Generation) -> Option<&'static str> {
    Some(match op {
        Operation::SessionLogin => "SessionLogin",
        Operation::SessionLogout => "SessionLogout",
        Operation::SessionIsAlive => "SessionIsAlive",
        Operation::SessionKeepAlive => "SessionKeepAlive",
        Operation::CreateUser => "CreateUser",
        Operation::GetUser => "GetOneUser",
        Operation::GetUsers => "GetUsers",
        Operation::UpdateUser => "UpdateUser",
        // Block and unblock arrived between 3.0 and 3.7.11; 2.3.1 has neither.
        Operation::BlockUser if generation == Generation::Three => "BlockUser",
        Operation::UnblockUser if generation == Generation::Three => "UnblockUser",
        Operation::BlockUser | Operation::UnblockUser => return None,
        Operation::DeleteUser => "DeleteOneUser",
        Operation::UpdateUserPassword => "UpdateUserPassword",
        Operation::GetJob => "GetJob",
        // The access lists and permission reports are 3.x's (absent from 2.3.1); same names as ours.
        Operation::AddUserGroups
        | Operation::SetUserGroups
        | Operation::RemoveUserGroups
        | Operation::AddUserZones
        | Operation::SetUserZones
        | Operation::RemoveUserZones
        | Operation::AddUserPermissions
        | Operation::SetUserPermissions
        | Operation::RemoveUserPermissions
        | Operation::AddUserForbids
        | Operation::SetUserForbids
        | Operation::RemoveUserForbids
        | Operation::GetUserPermissions
        | Operation::CheckPermissions
            if generation == Generation::Three =>
        {
            op.name()
        }
        Operation::AddUserGroups
        | Operation::SetUserGroups
        | Operation::RemoveUserGroups
        | Operation::AddUserZones
        | Operation::SetUserZones
        | Operation::RemoveUserZones
        | Operation::AddUserPermissions
        | Operation::SetUserPermissions
        | Operation::RemoveUserPermissions
        | Operation::AddUserForbids
        | Operation::SetUserForbids
        | Operation::RemoveUserForbids
        | Operation::GetUserPermissions
        | Operation::CheckPermissions => return None,
        // DDNS update users: Dyn's 2.3.1 WSDL has only CreateUpdateUser; 3.x has all five (same names as ours).
        Operation::CreateUpdateUser => "CreateUpdateUser",
        Operation::GetUpdateUsers
        | Operation::UpdateUpdateUser
        | Operation::GetUpdateUserPassword
        | Operation::DeleteOneUpdateUser
            if generation == Generation::Three =>
        {
            op.name()
        }
        Operation::GetUpdateUsers
        | Operation::UpdateUpdateUser
        | Operation::GetUpdateUserPassword
        | Operation::DeleteOneUpdateUser => return None,
        // The lifecycle and self-service operations are ours: Dyn had none of them.
        Operation::DeactivateUser
        | Operation::ReactivateUser
        | Operation::GetCurrentUser
        | Operation::UpdateCurrentUser => return None,
        // Native only: Dyn had no audit query.
        Operation::GetAuditEvents => return None,
    })
}

impl Profile {
    /// The profile a namespace selects, if it is one of ours.
    pub fn of(ns: Ns) -> Option<Profile> {
        match ns {
            Ns::Native => Some(Profile::Native),
            Ns::Dynect(v) => Some(Profile::Dynect(v)),
            _ => None,
        }
    }

    /// The generation of a DynECT profile; `None` for native and for API versions we do not speak.
    pub fn generation(self) -> Option<Generation> {
        match self {
            Profile::Dynect(v) if v.major == 2 => Some(Generation::Two),
            Profile::Dynect(v) if v.major == 3 => Some(Generation::Three),
            _ => None,
        }
    }

    /// The namespace answers are written in: the one the request used.
    pub fn namespace(self) -> Cow<'static, str> {
        match self {
            Profile::Native => Cow::Borrowed(NATIVE_NS),
            Profile::Dynect(v) => Cow::Owned(v.namespace()),
        }
    }

    /// The operation's name in this profile (`GetOneUser` for DynECT's GetUser).
    pub fn op_name(self, op: Operation) -> &'static str {
        match self.generation() {
            Some(g) => dynect_name(op, g).unwrap_or(op.name()),
            None => op.name(),
        }
    }

    /// Whether `local` is the request element of `op` in this profile (`<Op>Request`), without allocating.
    pub fn is_request_element(self, op: Operation, local: &str) -> bool {
        local.strip_suffix("Request") == Some(self.op_name(op))
    }

    pub fn request_element(self, op: Operation) -> Cow<'static, str> {
        match self {
            Profile::Native => Cow::Borrowed(op.request_element()),
            Profile::Dynect(_) => Cow::Owned(format!("{}Request", self.op_name(op))),
        }
    }

    pub fn response_element(self, op: Operation) -> Cow<'static, str> {
        match self {
            Profile::Native => Cow::Borrowed(op.response_element()),
            Profile::Dynect(_) => Cow::Owned(format!("{}Response", self.op_name(op))),
        }
    }

    /// Every operation this profile serves.
    pub fn operations(self) -> impl Iterator<Item = Operation> {
        Operation::ALL.iter().copied().filter(move |&op| match self.generation() {
            Some(g) => dynect_name(op, g).is_some(),
            None => true,
        })
    }

    pub fn names(self) -> Names {
        match self.generation() {
            Some(Generation::Two) => DYN2_NAMES,
            _ => NATIVE_NAMES,
        }
    }

    /// The xsd:sequence of a request in this profile (checked against `wsdl/` and Dyn's 2.3.1 WSDL by the tidy test).
    pub fn request_fields(self, op: Operation) -> &'static [Field] {
        match (self.generation(), op) {
            (None, _) => op.request_fields(),
            (Some(Generation::Two), Operation::CreateUser) => DYN2_CREATE_USER,
            (Some(Generation::Two), Operation::UpdateUser) => DYN2_UPDATE_USER,
            // 2.3.1's GetUsers has no `search`: token and fault_incompat only.
            (Some(Generation::Two), Operation::GetUsers) => session_token::FIELDS,
            (Some(Generation::Three), Operation::CreateUser) => DYN3_CREATE_USER,
            (Some(Generation::Three), Operation::UpdateUser) => DYN3_UPDATE_USER,
            (Some(Generation::Three), Operation::GetUsers) => get_users::DYNECT_FIELDS,
            (Some(_), Operation::UpdateUserPassword) => DYN_UPDATE_USER_PASSWORD,
            (Some(_), Operation::SessionLogin) => DYN_SESSION_LOGIN,
            (Some(Generation::Two), Operation::GetJob) => DYN2_GET_JOB,
            (Some(_), Operation::CreateUpdateUser) => DYN_CREATE_UPDATE_USER,
            (Some(_), Operation::UpdateUpdateUser) => DYN_UPDATE_UPDATE_USER,
            // Dyn's requests name the user and nothing else: no `user_id`/`uid` lookup, no `expected_version`.
            (Some(_), Operation::GetUser | Operation::BlockUser | Operation::UnblockUser | Operation::DeleteUser) => {
                by_user_name::FIELDS
            }
            (Some(_), _) => match user_access::shape(op) {
                Some((_, list)) => list.dynect_fields(),
                None => op.request_fields(),
            },
        }
    }

    /// The other generation's spelling of a field, accepted too; both in one request is INVALID_DATA.
    pub fn spellings(self, op: Operation) -> &'static [Spelling] {
        match (self.generation(), op) {
            (Some(Generation::Two), Operation::CreateUser) => DYN2_CREATE_SPELLINGS,
            (Some(Generation::Two), Operation::UpdateUser) => DYN2_UPDATE_SPELLINGS,
            (Some(Generation::Three), Operation::CreateUser) => DYN3_CREATE_SPELLINGS,
            (Some(Generation::Three), Operation::UpdateUser) => DYN3_UPDATE_SPELLINGS,
            (Some(_), Operation::UpdateUpdateUser) => DYN_UPDATE_UPDATE_SPELLINGS,
            _ => &[],
        }
    }
}

/// The profile and operation a Body element names, or the fault that says why it names none of ours.
pub fn resolve(elem: &Elem) -> Result<(Profile, Operation), Fault> {
    let unknown = || Fault::client("INVALID_REQUEST", format!("operation: unknown operation {}", elem.local));
    let profile = Profile::of(elem.ns).ok_or_else(unknown)?;
    let Profile::Dynect(version) = profile else {
        let op = Operation::ALL.iter().copied().find(|op| op.request_element() == elem.local).ok_or_else(unknown)?;
        return Ok((profile, op));
    };
    let in_ns = |f: Fault| f.in_namespace(profile.namespace());
    if profile.generation().is_none() {
        let info = format!("version: DynECT API {version} is not served here (2.x and 3.x are)");
        return Err(in_ns(Fault::client("INVALID_VERSION", info)));
    }
    profile.operations().find(|&op| profile.is_request_element(op, &elem.local)).map(|op| (profile, op)).ok_or_else(
        || {
            let name = elem.local.strip_suffix("Request").unwrap_or(&elem.local);
            in_ns(Fault::client(
                "INVALID_REQUEST",
                format!("operation: {name} is not an operation of DynECT API {version} served here"),
            ))
        },
    )
}

/// SessionLogin in both generations: Dyn's four elements, without the native `new_password` and `totp_code`.
const DYN_SESSION_LOGIN: &[Field] = {
    let all = session_login::FIELDS;
    match all.split_last_chunk::<{ session_login::NATIVE_EXTRAS }>() {
        Some((dynect, _)) => dynect,
        None => all,
    }
};

/// CreateUser in 3.x: the native table without the native-only fields.
const DYN3_CREATE_USER: &[Field] = {
    let all = create_user::FIELDS;
    match all.split_last_chunk::<{ create_user::NATIVE_EXTRAS }>() {
        Some((dynect, _)) => dynect,
        None => all,
    }
};

/// UpdateUser in 3.x: Dyn's order, with `require_pw_change` (the native table has no such element).
const DYN3_UPDATE_USER: &[Field] = &[
    TOKEN,
    FAULT_INCOMPAT,
    one("user_name"),
    opt("new_user_name"),
    opt("password"),
    opt("require_pw_change"),
    opt("status"),
    many("permission", Kind::Text),
    many("group_name", Kind::Text),
    many("zone", Kind::Zone),
    many("forbid", Kind::Forbid),
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
];

/// CreateUpdateUser as Dyn declares it: both elements required, and either may be empty (generated).
const DYN_CREATE_UPDATE_USER: &[Field] = &[TOKEN, FAULT_INCOMPAT, one("nickname"), one("password")];

/// UpdateUpdateUser in DynECT's SOAP: the user and its new password (empty: generated); no block/unblock there.
const DYN_UPDATE_UPDATE_USER: &[Field] = &[TOKEN, FAULT_INCOMPAT, one("user_name"), one("password")];

/// Dyn's help names UpdateUpdateUser's user `nickname` ("The username of the UpdateUser") while its example sends
/// `user_name`: both are accepted.
const DYN_UPDATE_UPDATE_SPELLINGS: &[Spelling] = &[Spelling { alias: opt("nickname"), of: "user_name" }];

const PIN: Field = Field { name: "pin", min: 0, max: Some(1), kind: Kind::Int };

const DYN2_CREATE_USER: &[Field] = &[
    TOKEN,
    FAULT_INCOMPAT,
    one("user_name"),
    one("password"),
    PIN,
    one("roles"),
    one("nickname"),
    one("first_name"),
    one("last_name"),
    opt("phone"),
    opt("fax"),
    one("email"),
    opt("notify_email"),
    opt("pager_email"),
    opt("address"),
    opt("address_2"),
    opt("city"),
    opt("state"),
    opt("post_code"),
    opt("country"),
    opt("website"),
    one("organization"),
];

const DYN2_UPDATE_USER: &[Field] = &[
    TOKEN,
    FAULT_INCOMPAT,
    one("user_name"),
    opt("newuser_name"),
    opt("password"),
    PIN,
    opt("roles"),
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
];

/// 2.3.1 types `job_id` as xsd:int.
const DYN2_GET_JOB: &[Field] =
    &[TOKEN, FAULT_INCOMPAT, Field { name: "job_id", min: 1, max: Some(1), kind: Kind::Int }];

/// DynECT changes the caller's own password on the token alone: no old password in either generation.
const DYN_UPDATE_USER_PASSWORD: &[Field] = &[TOKEN, FAULT_INCOMPAT, one("password")];

const GROUP_NAME: Field = many("group_name", Kind::Text);
const DYN2_CREATE_SPELLINGS: &[Spelling] = &[Spelling { alias: GROUP_NAME, of: "roles" }];
const DYN2_UPDATE_SPELLINGS: &[Spelling] =
    &[Spelling { alias: opt("new_user_name"), of: "newuser_name" }, Spelling { alias: GROUP_NAME, of: "roles" }];
const DYN3_CREATE_SPELLINGS: &[Spelling] = &[Spelling { alias: opt("roles"), of: "group_name" }];
const DYN3_UPDATE_SPELLINGS: &[Spelling] =
    &[Spelling { alias: opt("newuser_name"), of: "new_user_name" }, Spelling { alias: opt("roles"), of: "group_name" }];

#[cfg(test)]
mod tests {
    use super::*;

    fn elem(ns: Ns, local: &str) -> Elem {
        Elem { ns, local: local.into(), nil: false, must_understand: false, targets_us: true, mandatory_ns: None }
    }

    fn dyn_ns(major: u16, minor: u16, patch: u16) -> Ns {
        Ns::Dynect(DynectVersion { major, minor, patch })
    }

    #[test]
    fn names_per_generation() {
        let two = Profile::Dynect(DynectVersion { major: 2, minor: 3, patch: 1 });
        assert_eq!(resolve(&elem(dyn_ns(2, 3, 1), "GetOneUserRequest")).ok(), Some((two, Operation::GetUser)));
        assert_eq!(two.response_element(Operation::DeleteUser), "DeleteOneUserResponse");
        assert_eq!(two.namespace(), "https://api2.dynect.net/wsdl/2.3.1/Dynect/");
        let f = resolve(&elem(dyn_ns(2, 3, 1), "BlockUserRequest")).err().map(|f| (f.err_cd, f.info));
        assert_eq!(
            f,
            Some((
                "INVALID_REQUEST",
                "operation: BlockUser is not an operation of DynECT API 2.3.1 served here".into()
            ))
        );
        assert!(resolve(&elem(dyn_ns(3, 7, 16), "UnblockUserRequest")).is_ok());
        // The native names are not DynECT's.
        assert!(resolve(&elem(dyn_ns(3, 7, 16), "GetUserRequest")).is_err());
        assert_eq!(resolve(&elem(dyn_ns(4, 0, 0), "GetUsersRequest")).err().map(|f| f.err_cd), Some("INVALID_VERSION"));
        assert_eq!(resolve(&elem(Ns::Native, "GetUserRequest")).ok(), Some((Profile::Native, Operation::GetUser)));
        assert!(resolve(&elem(Ns::Native, "GetOneUserRequest")).is_err());
    }

    #[test]
    fn dynect3_create_user_is_the_native_table_without_native_extras() {
        assert_eq!(DYN3_CREATE_USER.len() + create_user::NATIVE_EXTRAS, create_user::FIELDS.len());
        assert_eq!(DYN3_CREATE_USER.last().map(|f| f.name), Some("organization"));
    }
}
