//! Offline administration: the bootstrap owner of an empty database, `create-owner`, `reset-password` and `unlock`.

use crate::auth::password::{PasswordHasher, generate_password};
use crate::domain::audit::{AuditEntry, Outcome};
use crate::domain::permission::Group;
use crate::domain::store::{Change, NewUserRecord, Revoke};
use crate::domain::user::{Access, NewUser, Password, Profile, ProfileField};
use crate::domain::values::{CustomerName, Text, Timestamp, UserName};
use crate::domain::{DomainError, Store};

/// Where a bootstrap password comes from; otherwise one is generated and printed once.
pub const PASSWORD_ENV: &str = "USERGATE_BOOTSTRAP_PASSWORD";

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Domain(#[from] DomainError),
    #[error("{0}")]
    Other(String),
}

/// The password to set: the one given, or generated (then `true`: the caller must print it).
fn chosen_password(given: Option<&str>, min_chars: usize) -> Result<(Password, bool), AdminError> {
    match given {
        Some(p) if !p.is_empty() => Ok((Password::parse(PASSWORD_ENV, p, min_chars)?, false)),
        _ => {
            let p = generate_password().map_err(|e| AdminError::Other(format!("random source: {e}")))?;
            Ok((Password::parse("password", &p, min_chars)?, true))
        }
    }
}

/// The audit record of an offline admin command (the password change is the default; callers adjust the rest).
pub(crate) fn audit(store: &dyn Store, op: &'static str, target: &str) -> Result<AuditEntry, AdminError> {
    Ok(AuditEntry {
        job: store.next_job_id()?,
        at: Timestamp::now(),
        customer: None,
        actor: None,
        actor_name: "usergate-admin".into(),
        operation: op,
        target: target.to_owned(),
        outcome: Outcome::Success,
        changed: vec!["password"],
        client_addr: "local".into(),
        correlation_id: String::new(),
        info: format!("admin: {op} done"),
    })
}

fn owner_profile(user: &UserName) -> Result<Profile, DomainError> {
    let mut p = Profile::default();
    p.set(ProfileField::Nickname, Some(Text::parse("nickname", user.as_str())?));
    p.set(ProfileField::FirstName, Some(Text::parse("first_name", "Account")?));
    p.set(ProfileField::LastName, Some(Text::parse("last_name", "Owner")?));
    p.set(ProfileField::Email, Some(Text::parse("email", "owner@localhost")?));
    p.set(ProfileField::Organization, Some(Text::parse("organization", "usergate")?));
    Ok(p)
}

/// Whom an admin command acts on, and the password to set (`None`: generate one).
#[derive(Debug, Clone, Copy)]
pub struct AdminTarget<'a> {
    pub customer: &'a str,
    pub user: &'a str,
    pub password: Option<&'a str>,
    pub min_password_chars: usize,
}

/// A target read and its password hashed.
struct Prepared {
    customer: CustomerName,
    user_name: UserName,
    password: Password,
    password_hash: String,
    generated: bool,
}

impl Prepared {
    fn new(hasher: &PasswordHasher, t: AdminTarget<'_>) -> Result<Prepared, AdminError> {
        let customer = CustomerName::parse("customer", t.customer)?;
        let user_name = UserName::parse("user", t.user)?;
        let (password, generated) = chosen_password(t.password, t.min_password_chars)?;
        let password_hash = hasher.hash(password.expose()).map_err(|e| AdminError::Other(e.to_string()))?;
        Ok(Prepared { customer, user_name, password, password_hash, generated })
    }

    /// The password to print: only a generated one.
    fn shown(&self) -> Option<String> {
        self.generated.then(|| self.password.expose().to_owned())
    }
}

/// Creates an owner (and its customer if new). Returns the generated password, if one was generated.
pub fn create_owner(
    store: &dyn Store,
    hasher: &PasswordHasher,
    target: AdminTarget<'_>,
) -> Result<Option<String>, AdminError> {
    let p = Prepared::new(hasher, target)?;
    let customer_id = store.ensure_customer(&p.customer)?;
    let mut entry = audit(store, "AdminCreateOwner", p.user_name.as_str())?;
    entry.customer = Some(customer_id);
    entry.changed = vec!["user_name", "password", "group_name"];
    let uid = crate::auth::token::generate_uid().map_err(|e| AdminError::Other(e.to_string()))?;
    let new = NewUser {
        profile: owner_profile(&p.user_name)?,
        user_name: p.user_name.clone(),
        password: p.password.clone(),
        access: Access { groups: vec![Group::Owner, Group::Default], ..Access::default() },
    };
    let record = NewUserRecord {
        customer: customer_id,
        user: new,
        password_hash: p.password_hash.clone(),
        uid,
        now: entry.at,
        password_expiry: None,
    };
    store.insert_user(&record, &entry)?;
    Ok(p.shown())
}

/// Sets a new password (and unlocks the account); all its sessions end.
pub fn reset_password(
    store: &dyn Store,
    hasher: &PasswordHasher,
    target: AdminTarget<'_>,
) -> Result<Option<String>, AdminError> {
    let p = Prepared::new(hasher, target)?;
    let not_found = || AdminError::Other(format!("no user {} in customer {}", p.user_name, p.customer.as_str()));
    let customer_id = store.find_customer(&p.customer)?.ok_or_else(not_found)?;
    let found = store.user_by_name(customer_id, &p.user_name)?.ok_or_else(not_found)?;
    let mut entry = audit(store, "AdminResetPassword", p.user_name.as_str())?;
    entry.customer = Some(customer_id);
    store.reset_password(found.id, &p.password_hash, &entry)?;
    Ok(p.shown())
}

/// Lifts a user's login lockout (the hard lock and any delay, with the failures behind them); the password and the
/// sessions stay as they are.
pub fn unlock(store: &dyn Store, customer: &str, user: &str) -> Result<(), AdminError> {
    let customer = CustomerName::parse("customer", customer)?;
    let user_name = UserName::parse("user", user)?;
    let not_found = || AdminError::Other(format!("no user {user_name} in customer {}", customer.as_str()));
    let customer_id = store.find_customer(&customer)?.ok_or_else(not_found)?;
    let mut entry = audit(store, "AdminUnlock", user_name.as_str())?;
    entry.customer = Some(customer_id);
    let now = entry.at;
    let found = store.modify_user(customer_id, &user_name, &mut entry, &mut |user, _| {
        let mut next = user.clone();
        if user.locked {
            next.locked = false;
            next.version += 1;
            next.updated_at = now;
        }
        Ok(Change::Update {
            user: Box::new(next),
            password_hash: None,
            revoke: Revoke::None,
            changed: vec!["locked"],
            unlock: true,
            totp_key: None,
            detail: None,
        })
    })?;
    found.map(|_| ()).ok_or_else(not_found)
}

/// On an empty database: customer `default` with owner `owner`.
pub fn bootstrap_if_empty(
    store: &dyn Store,
    hasher: &PasswordHasher,
    password: Option<&str>,
    min_password_chars: usize,
) -> Result<Option<String>, AdminError> {
    if store.customer_count()? > 0 {
        return Ok(None);
    }
    create_owner(store, hasher, AdminTarget { customer: "default", user: "owner", password, min_password_chars })
}
