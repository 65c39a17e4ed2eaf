//! The user: profile fields, access lists, orthogonal states, and the validated inputs that create or patch one.

use super::error::DomainError;
use super::permission::{Grants, Group, Permission};
use super::values::{Forbid, Text, Timestamp, UserName, Zone, parse_email, parse_phone, parse_website};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CustomerId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub i64);

macro_rules! profile_fields {
    ($($variant:ident = $name:literal, required = $req:literal;)*) => {
        /// The profile fields, in the order UserData lists them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum ProfileField { $($variant),* }

        impl ProfileField {
            pub const ALL: &'static [ProfileField] = &[$(ProfileField::$variant),*];
            pub fn name(self) -> &'static str {
                match self { $(ProfileField::$variant => $name),* }
            }
            /// Required on CreateUser and never clearable by UpdateUser.
            pub fn required(self) -> bool {
                match self { $(ProfileField::$variant => $req),* }
            }
        }
    };
}

profile_fields! {
    Nickname = "nickname", required = true;
    FirstName = "first_name", required = true;
    MiddleName = "middle_name", required = false;
    LastName = "last_name", required = true;
    DisplayName = "display_name", required = false;
    Phone = "phone", required = false;
    Fax = "fax", required = false;
    Email = "email", required = true;
    NotifyEmail = "notify_email", required = false;
    PagerEmail = "pager_email", required = false;
    Address = "address", required = false;
    Address2 = "address_2", required = false;
    City = "city", required = false;
    State = "state", required = false;
    PostCode = "post_code", required = false;
    Country = "country", required = false;
    Website = "website", required = false;
    Organization = "organization", required = true;
    Notes = "notes", required = false;
}

impl ProfileField {
    pub fn index(self) -> usize {
        self as usize
    }

    /// Whether a user may change it on its own record without UserUpdate (UpdateCurrentUser): contact and name
    /// fields, not the organization (an administrator's move) nor the administrators' notes.
    pub fn self_service(self) -> bool {
        !matches!(self, ProfileField::Organization | ProfileField::Notes)
    }

    /// Validates a non-empty value for this field.
    pub fn parse(self, value: &str) -> Result<Text, DomainError> {
        let name = self.name();
        match self {
            ProfileField::Email | ProfileField::NotifyEmail | ProfileField::PagerEmail => parse_email(name, value),
            ProfileField::Phone => parse_phone(name, value),
            ProfileField::Website => parse_website(name, value),
            _ => Text::parse(name, value),
        }
    }
}

pub const PROFILE_LEN: usize = 19;

/// Profile values indexed by `ProfileField`; required fields are always `Some` once a user exists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile(pub [Option<Text>; PROFILE_LEN]);

impl Profile {
    pub fn get(&self, f: ProfileField) -> Option<&Text> {
        self.0[f.index()].as_ref()
    }
    pub fn set(&mut self, f: ProfileField, v: Option<Text>) {
        self.0[f.index()] = v;
    }
}

/// Who may do what, as stored on the user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    /// Always contains DEFAULT.
    pub groups: Vec<Group>,
    pub permissions: Vec<Permission>,
    pub zones: Vec<Zone>,
    pub forbids: Vec<Forbid>,
}

impl Access {
    pub fn grants(&self) -> Grants {
        Grants {
            groups: self.groups.iter().copied().collect(),
            permissions: self.permissions.iter().copied().collect(),
            forbidden: self.forbids.iter().filter(|f| f.zones.is_empty()).map(|f| f.name).collect(),
        }
    }
}

/// A stored user. `blocked`, `active`, `locked` and `hold` are independent states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub uid: String,
    pub customer: CustomerId,
    pub user_name: UserName,
    pub profile: Profile,
    pub access: Access,
    pub blocked: bool,
    pub active: bool,
    pub locked: bool,
    pub hold: bool,
    pub require_pw_change: bool,
    pub password_expiry: Option<Timestamp>,
    pub totp_label: Option<Text>,
    pub is_totp_enabled: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub last_login_at: Option<Timestamp>,
    pub version: i64,
}

impl User {
    pub fn is_owner(&self) -> bool {
        self.access.groups.contains(&Group::Owner)
    }
    /// An owner who can still act (not blocked, still active): a customer must keep one.
    pub fn is_working_owner(&self) -> bool {
        self.is_owner() && !self.blocked && self.active
    }
    /// Blocked, deactivated and locked users cannot log in or keep sessions.
    pub fn can_log_in(&self) -> bool {
        !self.blocked && self.active && !self.locked
    }
}

/// One field of a patch: absent = unchanged, Clear = emptied (xsi:nil or empty element), Set = new value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Patch<T> {
    Clear,
    Set(T),
}

/// A plain password as received, checked against the rules that need no stored state (length, the common-password
/// list); hashed by the caller before it reaches the store. History is checked where the user is known.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

/// Longest password accepted, in bytes (bounds Argon2 input and body reuse).
pub const MAX_PASSWORD_BYTES: usize = 1024;

impl Password {
    pub fn parse(field: &str, s: &str, min_chars: usize) -> Result<Self, DomainError> {
        if s.is_empty() {
            return Err(DomainError::missing(field));
        }
        if s.chars().count() < min_chars {
            return Err(DomainError::invalid(field, format_args!("too short (minimum {min_chars})")));
        }
        if s.len() > MAX_PASSWORD_BYTES {
            return Err(DomainError::invalid(field, format_args!("longer than {MAX_PASSWORD_BYTES} bytes")));
        }
        if super::passwords::is_common(s) {
            return Err(DomainError::invalid(field, "too common"));
        }
        Ok(Password(s.to_owned()))
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A validated CreateUser.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub user_name: UserName,
    pub password: Password,
    pub profile: Profile,
    /// Groups and permissions as requested (DEFAULT is added by the domain).
    pub access: Access,
}

/// A validated UpdateUser: only what the request carried.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub new_user_name: Option<UserName>,
    pub password: Option<Password>,
    pub blocked: Option<bool>,
    pub require_pw_change: Option<bool>,
    /// Owners only: legal hold (no deactivation or deletion), the login lock, the password's expiry.
    pub hold: Option<bool>,
    pub locked: Option<bool>,
    pub password_expiry: Option<Patch<Timestamp>>,
    pub profile: Vec<(ProfileField, Patch<Text>)>,
    /// `is_totp_enabled`, `totp_label`, `totp_key` (UpdateUser's last elements).
    pub totp: super::totp::TotpPatch,
    pub groups: Option<Vec<Group>>,
    pub permissions: Option<Vec<Permission>>,
    pub zones: Option<Vec<Zone>>,
    pub forbids: Option<Vec<Forbid>>,
}

impl UserPatch {
    pub fn touches_access(&self) -> bool {
        self.groups.is_some() || self.permissions.is_some() || self.zones.is_some() || self.forbids.is_some()
    }

    /// The owner-only fields the patch sets, by request element name.
    pub fn owner_fields(&self) -> impl Iterator<Item = &'static str> {
        [
            ("hold", self.hold.is_some()),
            ("locked", self.locked.is_some()),
            ("password_expiry", self.password_expiry.is_some()),
            ("require_pw_change", self.require_pw_change.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
    }

    /// The first field a user may not change on its own record (UpdateCurrentUser), by request element name.
    pub fn first_admin_field(&self) -> Option<&'static str> {
        let lists = [
            ("password", self.password.is_some()),
            ("status", self.blocked.is_some()),
            ("permission", self.permissions.is_some()),
            ("group_name", self.groups.is_some()),
            ("zone", self.zones.is_some()),
            ("forbid", self.forbids.is_some()),
        ];
        let profile = self.profile.iter().map(|(f, _)| *f).find(|f| !f.self_service()).map(ProfileField::name);
        lists.into_iter().find_map(|(name, set)| set.then_some(name)).or(profile).or_else(|| self.owner_fields().next())
    }
}

/// The one key a lookup names a user by: its name, its numeric id, or its opaque uid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserKey {
    Name(UserName),
    Id(UserId),
    Uid(String),
}

impl UserKey {
    /// The request element that carried the key (NOT_FOUND names it).
    pub fn field(&self) -> &'static str {
        match self {
            UserKey::Name(_) => "user_name",
            UserKey::Id(_) => "user_id",
            UserKey::Uid(_) => "uid",
        }
    }
}

/// Input rules that are settings: minimum password length (default 8) and whether phone is required.
#[derive(Debug, Clone, Copy)]
pub struct InputRules {
    pub min_password_chars: usize,
    pub phone_required: bool,
}

impl Default for InputRules {
    fn default() -> Self {
        InputRules { min_password_chars: 8, phone_required: false }
    }
}
