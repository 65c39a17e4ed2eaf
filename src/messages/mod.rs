//! Typed requests and responses of the WSDL operations (`wsdl/usergate.wsdl`): one file per message shape, the shared
//! reader, and the response writer. Knows XML shapes, not SQL.

pub mod by_user_name;
pub mod common;
pub mod create_user;
pub mod get_job;
pub mod get_users;
pub mod reader;
pub mod session_login;
pub mod session_token;
pub mod update_user;
pub mod update_user_password;
pub mod user_access;
pub mod user_data;
pub mod user_permissions;

use crate::domain::permission::{Permission, PermissionReport};
use crate::domain::user::{InputRules, NewUser, Password, UserPatch};
use crate::domain::values::{CustomerName, UserName};
use crate::soap::xml::{Elem, Ns, XmlReader};
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
);

impl Operation {
    /// The operation a Body element names, if it is one of ours.
    pub fn from_element(ns: Ns, local: &str) -> Option<Operation> {
        if ns != Ns::Native {
            return None;
        }
        Operation::ALL.iter().copied().find(|op| op.request_element() == local)
    }

    /// The operation a SOAPAction (`urn:usergate:1#Op`, quoted or not) names, if it names one of ours.
    pub fn from_action(action: &str) -> Option<Operation> {
        let a = action.trim().trim_matches('"');
        let name = a.strip_prefix("urn:usergate:1#")?;
        Operation::ALL.iter().copied().find(|op| op.name() == name)
    }

    /// The xsd:sequence of the request, as the decoder reads it.
    pub fn request_fields(self) -> &'static [Field] {
        match self {
            Operation::SessionLogin => session_login::FIELDS,
            Operation::SessionLogout | Operation::SessionIsAlive | Operation::SessionKeepAlive => session_token::FIELDS,
            Operation::CreateUser => create_user::FIELDS,
            Operation::GetUser | Operation::BlockUser | Operation::UnblockUser | Operation::DeleteUser => {
                by_user_name::FIELDS
            }
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
        }
    }
}

/// A decoded request: domain values, validated at the edge.
#[derive(Debug)]
pub enum Request {
    SessionLogin { customer: CustomerName, user_name: UserName, password: String },
    SessionLogout { token: String },
    SessionIsAlive { token: String },
    SessionKeepAlive { token: String },
    CreateUser { token: String, user: Box<NewUser> },
    GetUser { token: String, user_name: UserName },
    GetUsers { token: String, search: Option<String> },
    UpdateUser { token: String, user_name: UserName, patch: Box<UserPatch> },
    BlockUser { token: String, user_name: UserName },
    UnblockUser { token: String, user_name: UserName },
    DeleteUser { token: String, user_name: UserName },
    UpdateUserPassword { token: String, old_password: String, password: Password },
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

/// Reads the operation element (its Start already read by the envelope) into a typed request.
pub fn decode(op: Operation, elem: &Elem, r: &mut XmlReader<'_>, rules: &InputRules) -> Result<Decoded, DecodeError> {
    let fields = reader::read(r, elem.ns, op.request_fields())?;
    let fault_incompat = fields.fault_incompat();
    let typed = match op {
        Operation::SessionLogin => session_login::decode(&fields),
        Operation::SessionLogout => session_token::token(&fields).map(|token| Request::SessionLogout { token }),
        Operation::SessionIsAlive => session_token::token(&fields).map(|token| Request::SessionIsAlive { token }),
        Operation::SessionKeepAlive => session_token::token(&fields).map(|token| Request::SessionKeepAlive { token }),
        Operation::CreateUser => create_user::decode(&fields, rules),
        Operation::GetUser => {
            by_user_name::decode(&fields).map(|(token, user_name)| Request::GetUser { token, user_name })
        }
        Operation::BlockUser => {
            by_user_name::decode(&fields).map(|(token, user_name)| Request::BlockUser { token, user_name })
        }
        Operation::UnblockUser => {
            by_user_name::decode(&fields).map(|(token, user_name)| Request::UnblockUser { token, user_name })
        }
        Operation::GetUsers => get_users::decode(&fields),
        Operation::UpdateUser => update_user::decode(&fields, rules),
        Operation::DeleteUser => {
            by_user_name::decode(&fields).map(|(token, user_name)| Request::DeleteUser { token, user_name })
        }
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
    Permissions(Box<PermissionReport>),
    /// GetJob's recorded user, written with its xsi:type (the element is xsd:anyType).
    TypedUser(Box<crate::domain::user::User>),
}

/// Writes the `data` part of a response.
pub fn write_data(out: &mut String, data: &Data) {
    use crate::soap::write::{close, elem, open};
    match data {
        Data::None => {}
        Data::Login { token, version } => {
            open(out, "data");
            elem(out, "token", token);
            elem(out, "version", version);
            close(out, "data");
        }
        Data::User(u) => user_data::write(out, u),
        Data::Users(us) => us.iter().for_each(|u| user_data::write(out, u)),
        Data::Permissions(r) => user_permissions::write(out, r),
        Data::TypedUser(u) => user_data::write_typed(out, u),
    }
}
