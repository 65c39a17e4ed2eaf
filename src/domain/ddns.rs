//! DDNS update users (DynECT's "UpdateUser" resource): restricted logins for dynamic-DNS clients, named apart from
//! "updating a user". The server names them; their passwords must be readable again, so they are sealed (AEAD) by a
//! `PasswordVault`, never hashed; they are in the UPDATE group only and cannot use the management operations.

use std::fmt;

use super::audit::AuditEntry;
use super::error::{DomainError, ErrCode};
use super::permission::{Authorized, gate};
use super::user::{CustomerId, MAX_PASSWORD_BYTES};
use super::values::{Timestamp, UserName};

/// The one group a DDNS update user is in (DynECT: "only DDNS update users; not permitted to log into the
/// management portal"). Ordinary users cannot be put in it.
pub const UPDATE_GROUP: &str = "UPDATE";

/// DynECT's limit on an update user's nickname.
pub const MAX_NICKNAME_CHARS: usize = 17;

/// Generated names are this prefix and random characters (15 in all, so they also fit as a nickname).
pub const GENERATED_NAME_PREFIX: &str = "ddns-";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DdnsUserId(pub i64);

/// 1 to 17 characters, stored verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nickname(String);

impl Nickname {
    /// `Ok(None)` for an empty value: the server generates one.
    pub fn parse(field: &str, s: &str) -> Result<Option<Nickname>, DomainError> {
        if s.is_empty() {
            return Ok(None);
        }
        if s.chars().count() > MAX_NICKNAME_CHARS {
            return Err(DomainError::invalid(field, format_args!("longer than {MAX_NICKNAME_CHARS} characters")));
        }
        if s.chars().any(char::is_control) {
            return Err(DomainError::invalid(field, "control characters are not allowed"));
        }
        Ok(Some(Nickname(s.to_owned())))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// For values read back from our own store, which were validated when written.
    pub fn trusted(s: String) -> Nickname {
        Nickname(s)
    }
}

/// An update user's password in plain text: what the DDNS client sends, so it must be readable again.
#[derive(Clone, PartialEq, Eq)]
pub struct DdnsPassword(String);

impl DdnsPassword {
    /// `Ok(None)` for an empty value: the server generates one. Same length rules as ordinary passwords.
    pub fn parse(field: &str, s: &str, min_chars: usize) -> Result<Option<DdnsPassword>, DomainError> {
        if s.is_empty() {
            return Ok(None);
        }
        if s.chars().count() < min_chars {
            return Err(DomainError::invalid(field, format_args!("at least {min_chars} characters required")));
        }
        if s.len() > MAX_PASSWORD_BYTES {
            return Err(DomainError::invalid(field, format_args!("longer than {MAX_PASSWORD_BYTES} bytes")));
        }
        Ok(Some(DdnsPassword(s.to_owned())))
    }
    /// A password the server made (or opened from its vault).
    pub fn trusted(s: String) -> DdnsPassword {
        DdnsPassword(s)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DdnsPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DdnsPassword(***)")
    }
}

/// A password as the vault sealed it: opaque bytes, bound to its user (customer and name).
#[derive(Clone, PartialEq, Eq)]
pub struct SealedPassword(pub Vec<u8>);

impl fmt::Debug for SealedPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedPassword({} bytes)", self.0.len())
    }
}

/// Seals and opens update-user passwords (authenticated encryption with a key the database never holds). A sealed
/// password opens only for the user it was sealed for.
pub trait PasswordVault: Send + Sync {
    fn seal(
        &self,
        customer: CustomerId,
        name: &UserName,
        password: &DdnsPassword,
    ) -> Result<SealedPassword, DomainError>;
    fn open(&self, customer: CustomerId, name: &UserName, sealed: &SealedPassword)
    -> Result<DdnsPassword, DomainError>;
}

/// Random values the rules need (names, passwords), supplied from outside the domain.
pub trait Generator {
    /// A fresh `ddns-...` user name.
    fn user_name(&self) -> Result<UserName, DomainError>;
    fn password(&self) -> Result<DdnsPassword, DomainError>;
}

/// A stored DDNS update user. Its name and nickname never change; only its password and status do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DdnsUser {
    pub id: DdnsUserId,
    pub customer: CustomerId,
    pub user_name: UserName,
    pub nickname: Nickname,
    pub blocked: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub version: i64,
}

/// What an update-user call answers: the user, and its password when this call is the one that may show it.
#[derive(Debug, Clone)]
pub struct DdnsAnswer {
    pub user: DdnsUser,
    pub password: Option<DdnsPassword>,
}

/// UpdateUpdateUser: exactly one change per call (DynECT: "If blocking or unblocking a user, only that argument can
/// be specified").
#[derive(Debug, Clone)]
pub enum DdnsEdit {
    /// `None`: generate one (and answer it once).
    Password(Option<DdnsPassword>),
    Block,
    Unblock,
}

/// What a rule run inside the store's write transaction decided.
#[derive(Debug, Clone)]
pub enum DdnsChange {
    Update {
        user: DdnsUser,
        password: Option<SealedPassword>,
        changed: Vec<&'static str>,
    },
    Delete,
    /// Nothing changes; only the audit record is written (a password read).
    Reveal,
}

/// The rule run inside the transaction, on the stored user and its sealed password.
pub type DecideDdns<'a> = dyn FnMut(&DdnsUser, &SealedPassword) -> Result<DdnsChange, DomainError> + 'a;

fn not_found() -> DomainError {
    DomainError::new(ErrCode::NotFound, "user_name", "no such update user")
}

/// Attempts at a fresh generated name before giving up (a clash needs two equal 50-bit random names).
const NAME_ATTEMPTS: usize = 3;

/// CreateUpdateUser: the server names the user; an absent nickname is the generated name, an absent password is
/// generated. The answer carries the password (the only answer that does, besides a generated one on update and
/// GetUpdateUserPassword).
pub fn create(
    store: &dyn super::Store,
    by: &Authorized<'_, gate::UpdateUserAdd>,
    nickname: Option<Nickname>,
    password: Option<DdnsPassword>,
    vault: &dyn PasswordVault,
    generate: &dyn Generator,
    audit: &mut AuditEntry,
) -> Result<DdnsAnswer, DomainError> {
    let customer = by.caller().customer;
    let password = match password {
        Some(p) => p,
        None => generate.password()?,
    };
    let mut last = None;
    for _ in 0..NAME_ATTEMPTS {
        let user_name = generate.user_name()?;
        let user = DdnsUser {
            id: DdnsUserId(0),
            customer,
            nickname: nickname.clone().unwrap_or_else(|| Nickname(user_name.as_str().to_owned())),
            user_name,
            blocked: false,
            created_at: audit.at,
            updated_at: audit.at,
            version: 1,
        };
        let sealed = vault.seal(customer, &user.user_name, &password)?;
        audit.target = user.user_name.as_str().to_owned();
        audit.info = format!("create: Update user {} created", user.user_name);
        match store.insert_ddns_user(&user, &sealed, audit) {
            Ok(user) => return Ok(DdnsAnswer { user, password: Some(password) }),
            Err(e) if e.code == ErrCode::TargetExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(DomainError::internal))
}

/// GetUpdateUsers: the customer's update users by name, never with a password.
pub fn list(store: &dyn super::Store, by: &Authorized<'_, gate::UserGet>) -> Result<Vec<DdnsUser>, DomainError> {
    store.ddns_users(by.caller().customer)
}

fn modify(
    store: &dyn super::Store,
    customer: CustomerId,
    target: &UserName,
    audit: &mut AuditEntry,
    decide: &mut DecideDdns<'_>,
) -> Result<DdnsUser, DomainError> {
    store.modify_ddns_user(customer, target, audit, decide)?.ok_or_else(not_found)
}

/// UpdateUpdateUser: a new (or generated) password, or block, or unblock. Blocking a blocked user changes nothing
/// and is not an error, as for ordinary users.
pub fn update(
    store: &dyn super::Store,
    by: &Authorized<'_, gate::UpdateUserUpdate>,
    target: &UserName,
    edit: DdnsEdit,
    vault: &dyn PasswordVault,
    generate: &dyn Generator,
    audit: &mut AuditEntry,
) -> Result<DdnsAnswer, DomainError> {
    let customer = by.caller().customer;
    let now = audit.at;
    // Generated before the transaction: the writer lock is not held while randomness is drawn.
    let (new_password, generated) = match &edit {
        DdnsEdit::Password(Some(p)) => (Some(p.clone()), false),
        DdnsEdit::Password(None) => (Some(generate.password()?), true),
        DdnsEdit::Block | DdnsEdit::Unblock => (None, false),
    };
    let user = modify(store, customer, target, audit, &mut |user, _| {
        let mut next = user.clone();
        let mut password = None;
        let changed = match (&edit, &new_password) {
            (DdnsEdit::Password(_), Some(p)) => {
                password = Some(vault.seal(customer, &user.user_name, p)?);
                vec!["password"]
            }
            (DdnsEdit::Block, _) if !user.blocked => vec!["status"],
            (DdnsEdit::Unblock, _) if user.blocked => vec!["status"],
            _ => vec![],
        };
        if !changed.is_empty() {
            next.blocked = match edit {
                DdnsEdit::Block => true,
                DdnsEdit::Unblock => false,
                DdnsEdit::Password(_) => user.blocked,
            };
            next.version += 1;
            next.updated_at = now;
        }
        Ok(DdnsChange::Update { user: next, password, changed })
    })?;
    Ok(DdnsAnswer { user, password: new_password.filter(|_| generated) })
}

/// GetUpdateUserPassword: reads the password back. Every read, allowed or not, leaves an audit record; a successful
/// one is written in the same transaction as the read.
pub fn password(
    store: &dyn super::Store,
    by: &Authorized<'_, gate::UserAuthGetPW>,
    target: &UserName,
    vault: &dyn PasswordVault,
    audit: &mut AuditEntry,
) -> Result<DdnsAnswer, DomainError> {
    let customer = by.caller().customer;
    let mut opened = None;
    let user = modify(store, customer, target, audit, &mut |user, sealed| {
        opened = Some(vault.open(customer, &user.user_name, sealed)?);
        Ok(DdnsChange::Reveal)
    })?;
    Ok(DdnsAnswer { user, password: opened })
}

/// DeleteOneUpdateUser: permanent.
pub fn delete(
    store: &dyn super::Store,
    by: &Authorized<'_, gate::UpdateUserDelete>,
    target: &UserName,
    audit: &mut AuditEntry,
) -> Result<(), DomainError> {
    modify(store, by.caller().customer, target, audit, &mut |_, _| Ok(DdnsChange::Delete)).map(|_| ())
}

/// A flag that asks for an action (`block`, `unblock`): DynECT's clients send `true`, `True`, `1` or `Y`.
/// A false value asks for nothing, which is an error rather than a silent no-op.
pub fn parse_flag(field: &str, s: &str) -> Result<bool, DomainError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" => Ok(false),
        "true" | "1" | "y" | "yes" => Ok(true),
        "false" | "0" | "n" | "no" => {
            Err(DomainError::invalid(field, "only true (or 1, Y) asks for it; leave the element out otherwise"))
        }
        _ => Err(DomainError::invalid(field, "true, 1 or Y expected")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicknames() {
        assert_eq!(Nickname::parse("nickname", "").unwrap(), None);
        assert!(Nickname::parse("nickname", &"é".repeat(17)).unwrap().is_some());
        let e = Nickname::parse("nickname", &"x".repeat(18)).unwrap_err();
        assert_eq!((e.code, e.info.as_str()), (ErrCode::InvalidData, "nickname: longer than 17 characters"));
        assert!(Nickname::parse("nickname", "a\tb").is_err());
    }

    #[test]
    fn passwords() {
        assert_eq!(DdnsPassword::parse("password", "", 8).unwrap(), None);
        assert!(DdnsPassword::parse("password", "short", 8).is_err());
        assert!(DdnsPassword::parse("password", &"x".repeat(1025), 8).is_err());
        let p = DdnsPassword::parse("password", "long-enough", 8).unwrap().unwrap();
        assert_eq!(format!("{p:?}"), "DdnsPassword(***)");
    }

    #[test]
    fn flags() {
        for yes in ["true", "True", "TRUE", "1", "Y", "y"] {
            assert_eq!(parse_flag("block", yes), Ok(true), "{yes}");
        }
        assert_eq!(parse_flag("block", ""), Ok(false));
        assert!(parse_flag("block", "false").unwrap_err().info.starts_with("block: only true"));
        assert_eq!(parse_flag("unblock", "maybe").unwrap_err().info, "unblock: true, 1 or Y expected");
    }
}
