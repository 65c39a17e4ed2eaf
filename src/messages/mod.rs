//! Typed requests and responses of the WSDL operations (`wsdl/usergate.wsdl`, `wsdl/dynect.wsdl`): one file per
//! message shape, the shared reader, the profiles, and the response writer. Knows XML shapes, not SQL.

pub mod by_user_name;
pub mod common;
pub mod create_user;
pub mod get_audit_events;
pub mod get_job;
pub mod get_users;
pub mod lifecycle;
pub mod profile;
pub mod reader;
pub mod session_login;
pub mod session_token;
pub mod update_user;
pub mod update_user_password;
pub mod update_users;
pub mod user_access;
pub mod user_data;
pub mod user_permissions;

use crate::domain::ddns::{DdnsAnswer, DdnsEdit, DdnsPassword, DdnsUser, Nickname};
use crate::domain::permission::{Permission, PermissionReport};
use crate::domain::search::{AuditEvent, AuditFilter, Page, PageRequest, UserQuery};
use crate::domain::user::{InputRules, NewUser, Password, UserKey, UserPatch};
use crate::domain::values::{CustomerName, UserName};
use crate::soap::xml::{Elem, XmlReader};
use profile::Profile;
use reader::{DecodeError, Field};
use user_access::AccessRequest;

macro_rules! operations {
    ($($op:ident),* $(,)?) => {
        /// Every operation of the native profile; dispatch is one exhaustive match over it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Operation { $($op),* }

        impl Operation {
            pub const ALL: &'static [Operation] = &[$(Operation::$op),*];
            pub fn name(self) -> &'static str {
                match self { $(Operation::$op => stringify!($op)),* }
            }
            pub fn request_element(self) -> &'static str {
                match self { $(Operation::$op => concat!(stringify!($op), "Request")),* }
            }
            pub fn response_element(self) -> &'static str {
                match self { $(Operation::$op => concat!(stringify!($op), "Response")),* }
            }
        }
    };
}

operations!(
    SessionLogin,
    SessionLogout,
    SessionIsAlive,
    SessionKeepAlive,
    CreateUser,
    GetUser,
    GetUsers,
    UpdateUser,
    BlockUser,
    UnblockUser,
    DeleteUser,
    UpdateUserPassword,
    AddUserGroups,
    SetUserGroups,
    RemoveUserGroups,
    AddUserZones,
    SetUserZones,
    RemoveUserZones,
    AddUserPermissions,
    SetUserPermissions,
    RemoveUserPermissions,
    AddUserForbids,
    SetUserForbids,
    RemoveUserForbids,
    GetUserPermissions,
    CheckPermissions,
    GetJob,
    CreateUpdateUser,
    GetUpdateUsers,
    UpdateUpdateUser,
    GetUpdateUserPassword,
    DeleteOneUpdateUser,
    DeactivateUser,
    ReactivateUser,
    GetCurrentUser,
    UpdateCurrentUser,
    GetAuditEvents,
);

impl Operation {
    /// The operation a SOAPAction (`urn:usergate:1#Op`, quoted or not) names, if it names one of ours.
    pub fn from_action(action: &str) -> Option<Operation> {
        let a = action.trim().trim_matches('"');
        let name = a.strip_prefix("urn:usergate:1#")?;
        // SOAP::Lite's default SOAPAction is uri#method, the method being the request element.
        let name = name.strip_suffix("Request").unwrap_or(name);
        Operation::ALL.iter().copied().find(|op| op.name() == name)
    }

    /// The xsd:sequence of the native request, as the decoder reads it (`Profile::request_fields` for the others).
    pub fn request_fields(self) -> &'static [Field] {
        match self {
            Operation::SessionLogin => session_login::FIELDS,
            Operation::SessionLogout | Operation::SessionIsAlive | Operation::SessionKeepAlive => session_token::FIELDS,
            Operation::CreateUser => create_user::FIELDS,
            Operation::GetUser => by_user_name::GET_FIELDS,
            Operation::BlockUser | Operation::UnblockUser | Operation::DeleteUser => by_user_name::VERSIONED_FIELDS,
            Operation::GetUsers => get_users::FIELDS,
            Operation::UpdateUser => update_user::FIELDS,
            Operation::UpdateUserPassword => update_user_password::FIELDS,
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
            | Operation::RemoveUserForbids => user_access::shape(self).map_or(&[], |(_, list)| list.fields()),
            Operation::GetUserPermissions => user_permissions::GET_FIELDS,
            Operation::CheckPermissions => user_permissions::CHECK_FIELDS,
            Operation::GetJob => get_job::FIELDS,
            Operation::CreateUpdateUser => update_users::CREATE_FIELDS,
            Operation::GetUpdateUsers => session_token::FIELDS,
            Operation::UpdateUpdateUser => update_users::UPDATE_FIELDS,
            Operation::GetUpdateUserPassword | Operation::DeleteOneUpdateUser => by_user_name::FIELDS,
            Operation::DeactivateUser => lifecycle::DEACTIVATE_FIELDS,
            Operation::ReactivateUser => lifecycle::REACTIVATE_FIELDS,
            Operation::GetCurrentUser => session_token::FIELDS,
            Operation::UpdateCurrentUser => update_user::CURRENT_FIELDS,
            Operation::GetAuditEvents => get_audit_events::FIELDS,
        }
    }
}

/// A decoded request: domain values, validated at the edge.
#[derive(Debug)]
pub enum Request {
    SessionLogin { customer: CustomerName, user_name: UserName, password: String, extras: session_login::Extras },
    SessionLogout { token: String },
    SessionIsAlive { token: String },
    SessionKeepAlive { token: String },
    CreateUser { token: String, user: Box<NewUser> },
    GetUser { token: String, key: UserKey },
    GetUsers { token: String, query: Box<UserQuery> },
    UpdateUser { token: String, user_name: UserName, patch: Box<UserPatch>, expected_version: Option<i64> },
    BlockUser { token: String, user_name: UserName, expected_version: Option<i64> },
    UnblockUser { token: String, user_name: UserName, expected_version: Option<i64> },
    DeleteUser { token: String, user_name: UserName, expected_version: Option<i64> },
    UpdateUserPassword { token: String, old_password: Option<String>, password: Password },
    AddUserGroups(AccessRequest),
    SetUserGroups(AccessRequest),
    RemoveUserGroups(AccessRequest),
    AddUserZones(AccessRequest),
    SetUserZones(AccessRequest),
    RemoveUserZones(AccessRequest),
    AddUserPermissions(AccessRequest),
    SetUserPermissions(AccessRequest),
    RemoveUserPermissions(AccessRequest),
    AddUserForbids(AccessRequest),
    SetUserForbids(AccessRequest),
    RemoveUserForbids(AccessRequest),
    GetUserPermissions { token: String, user_name: Option<UserName> },
    CheckPermissions { token: String, permissions: Vec<Permission>, zone_name: Option<String> },
    GetJob { token: String, job: crate::domain::audit::JobId },
    CreateUpdateUser { token: String, nickname: Option<Nickname>, password: Option<DdnsPassword> },
    GetUpdateUsers { token: String },
    UpdateUpdateUser { token: String, user_name: UserName, edit: DdnsEdit },
    GetUpdateUserPassword { token: String, user_name: UserName },
    DeleteOneUpdateUser { token: String, user_name: UserName },
    DeactivateUser { token: String, user_name: UserName, block_user: bool, expected_version: Option<i64> },
    ReactivateUser { token: String, user_name: UserName, unblock_user: bool, expected_version: Option<i64> },
    GetCurrentUser { token: String },
    UpdateCurrentUser { token: String, patch: Box<UserPatch>, expected_version: Option<i64> },
    GetAuditEvents { token: String, filter: Box<AuditFilter>, page: PageRequest },
}

impl Request {
    /// Whether running it hashes or verifies a password (Argon2id: ~20 ms of a core and 19 MiB).
    pub fn needs_password_work(&self) -> bool {
        match self {
            Request::SessionLogin { .. } | Request::CreateUser { .. } | Request::UpdateUserPassword { .. } => true,
            Request::UpdateUser { patch, .. } => patch.password.is_some(),
            _ => false,
        }
    }
}

/// A decoded request and how its failures are to be answered.
#[derive(Debug)]
pub struct Decoded {
    pub request: Request,
    pub fault_incompat: bool,
}

/// Reads the operation element (its Start already read by the envelope) into a typed request, in `profile`'s shapes.
pub fn decode(
    profile: Profile,
    op: Operation,
    elem: &Elem,
    r: &mut XmlReader<'_>,
    rules: &InputRules,
) -> Result<Decoded, DecodeError> {
    let fields = reader::read(r, elem.ns, profile.request_fields(op), profile.spellings(op))?;
    let names = profile.names();
    let fault_incompat = fields.fault_incompat();
    let typed = match op {
        Operation::SessionLogin => session_login::decode(&fields, rules),
        Operation::SessionLogout => session_token::token(&fields).map(|token| Request::SessionLogout { token }),
        Operation::SessionIsAlive => session_token::token(&fields).map(|token| Request::SessionIsAlive { token }),
        Operation::SessionKeepAlive => session_token::token(&fields).map(|token| Request::SessionKeepAlive { token }),
        Operation::CreateUser => create_user::decode(&fields, rules, names),
        Operation::GetUser => by_user_name::decode_get(&fields).map(|(token, key)| Request::GetUser { token, key }),
        Operation::BlockUser => by_user_name::decode_versioned(&fields)
            .map(|(token, user_name, expected_version)| Request::BlockUser { token, user_name, expected_version }),
        Operation::UnblockUser => by_user_name::decode_versioned(&fields)
            .map(|(token, user_name, expected_version)| Request::UnblockUser { token, user_name, expected_version }),
        Operation::GetUsers => get_users::decode(&fields),
        Operation::UpdateUser => update_user::decode(&fields, rules, names),
        Operation::DeleteUser => by_user_name::decode_versioned(&fields)
            .map(|(token, user_name, expected_version)| Request::DeleteUser { token, user_name, expected_version }),
        Operation::UpdateUserPassword => update_user_password::decode(&fields, rules),
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
        | Operation::RemoveUserForbids => user_access::decode(&fields, op),
        Operation::GetUserPermissions => user_permissions::decode_get(&fields),
        Operation::CheckPermissions => user_permissions::decode_check(&fields),
        Operation::GetJob => get_job::decode(&fields),
        Operation::CreateUpdateUser => update_users::decode_create(&fields, rules),
        Operation::GetUpdateUsers => session_token::token(&fields).map(|token| Request::GetUpdateUsers { token }),
        Operation::UpdateUpdateUser => update_users::decode_update(&fields, rules),
        Operation::GetUpdateUserPassword => {
            by_user_name::decode(&fields).map(|(token, user_name)| Request::GetUpdateUserPassword { token, user_name })
        }
        Operation::DeleteOneUpdateUser => {
            by_user_name::decode(&fields).map(|(token, user_name)| Request::DeleteOneUpdateUser { token, user_name })
        }
        Operation::DeactivateUser => lifecycle::decode_deactivate(&fields),
        Operation::ReactivateUser => lifecycle::decode_reactivate(&fields),
        Operation::GetCurrentUser => session_token::token(&fields).map(|token| Request::GetCurrentUser { token }),
        Operation::UpdateCurrentUser => update_user::decode_current(&fields, rules, names),
        Operation::GetAuditEvents => get_audit_events::decode(&fields),
    };
    typed
        .map(|request| Decoded { request, fault_incompat })
        .map_err(|error| DecodeError::Field { fault_incompat, error })
}

/// What a successful operation answers with.
#[derive(Debug)]
pub enum Data {
    None,
    Login {
        token: String,
        version: &'static str,
    },
    User(Box<crate::domain::user::User>),
    Users(Vec<crate::domain::user::User>),
    /// A paged GetUsers: the users, then `total` and `next_cursor` after them.
    UserPage(Box<Page<crate::domain::user::User>>),
    AuditEvents(Box<Page<AuditEvent>>),
    Permissions(Box<PermissionReport>),
    /// GetJob's recorded user, written with its xsi:type (the element is xsd:anyType).
    TypedUser(Box<crate::domain::user::User>),
    /// A DDNS update user (UpdateUserData), with its password when the answer may show it.
    UpdateUser(Box<DdnsAnswer>),
    UpdateUsers(Vec<DdnsUser>),
}

/// The `data` of a `status=failure` response: none, except where the schema requires one. DynECT's SessionLogin
/// `data` is minOccurs 1 (Dyn's 2.3.1 WSDL), so a failed login answers an empty token with the version.
pub fn write_failure_data(out: &mut String, profile: Profile, op: Operation) {
    use crate::soap::write::{close, elem, open};
    if let (Profile::Dynect(v), Operation::SessionLogin) = (profile, op) {
        open(out, "data");
        elem(out, "token", "");
        elem(out, "version", &v.to_string());
        close(out, "data");
    }
}

/// Writes the `data` part of a response in `profile`'s shapes.
pub fn write_data(out: &mut String, data: &Data, profile: Profile) {
    use crate::soap::write::{close, elem, open};
    // `typed`: GetJob's `data` is xsd:anyType, so the user carries `xsi:type="tns:UserData"`.
    let user = |out: &mut String, u: &crate::domain::user::User, typed: bool| match (profile.generation(), typed) {
        (None, false) => user_data::write(out, u),
        (None, true) => user_data::write_typed(out, u),
        (Some(profile::Generation::Two), _) => user_data::write_dynect2(out, u, typed),
        (Some(profile::Generation::Three), _) => user_data::write_dynect3(out, u, typed),
    };
    match data {
        Data::None => {}
        Data::Login { token, version } => {
            open(out, "data");
            elem(out, "token", token);
            // A DynECT client is told the API version it speaks, the one in its namespace.
            match profile {
                Profile::Native => elem(out, "version", version),
                Profile::Dynect(v) => elem(out, "version", &v.to_string()),
            }
            close(out, "data");
        }
        Data::User(u) => user(out, u, false),
        Data::Users(us) => us.iter().for_each(|u| user(out, u, false)),
        Data::UserPage(page) => {
            page.items.iter().for_each(|u| user(out, u, false));
            get_users::write_paging(out, page.total, page.next_cursor.as_deref());
        }
        Data::AuditEvents(page) => {
            page.items.iter().for_each(|e| get_audit_events::write_event(out, e));
            get_users::write_paging(out, page.total, page.next_cursor.as_deref());
        }
        Data::Permissions(r) => user_permissions::write(out, r),
        Data::TypedUser(u) => user(out, u, true),
        Data::UpdateUser(a) => update_users::write(out, &a.user, a.password.as_ref(), profile.generation()),
        Data::UpdateUsers(us) => us.iter().for_each(|u| update_users::write(out, u, None, profile.generation())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_name_operations() {
        assert_eq!(Operation::from_action("\"urn:usergate:1#GetUser\""), Some(Operation::GetUser));
        // SOAP::Lite's default uri#method names the request element.
        assert_eq!(Operation::from_action("urn:usergate:1#DeleteUserRequest"), Some(Operation::DeleteUser));
        assert_eq!(Operation::from_action("urn:usergate:1#Fly"), None);
        assert_eq!(Operation::from_action("urn:other#GetUser"), None);
        assert_eq!(Operation::from_action(""), None);
    }
}
