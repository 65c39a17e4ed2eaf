//! User use cases and their rules: escalation, last owner, self-protection, patches, password changes.

use super::access::{AccessItems, ListEdit};
use super::audit::{AuditEntry, Outcome};
use super::error::DomainError;
use super::login_guard::{AccountKey, InFlight, LockoutPolicy};
use super::passwords::{PasswordRules, check_history};
use super::permission::{Authorized, Grants, Group, Permission, PermissionReport, authorize, check, gate, report};
use super::session::Caller;
use super::store::{Change, CustomerFacts, LoginRecord, NewUserRecord, Revoke, Store};
use super::totp::TotpVault;
use super::user::{Access, NewUser, Password, Patch, User, UserId, UserKey, UserPatch};
use super::values::{Timestamp, UserName};

/// Settings the rules need.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// GetUsers answers at most this many users (default 10,000).
    pub search_limit: u64,
}

/// Hashes a password (Argon2id, on the caller's blocking thread).
pub type Hasher<'a> = dyn Fn(&Password) -> Result<String, DomainError> + 'a;

/// What setting a password needs: the hasher, a verifier for the history (`verifies(password, hash)`, Argon2 on the
/// hasher's pool) and the rules.
pub struct PasswordWork<'a> {
    pub hash: &'a Hasher<'a>,
    pub verifies: &'a dyn Fn(&str, &str) -> bool,
    pub rules: PasswordRules,
    /// Seals TOTP keys (UpdateUser and UpdateCurrentUser set them with the other credentials).
    pub totp: &'a dyn TotpVault,
}

impl PasswordWork<'_> {
    /// The history rule for `user`, then the hash: both before any write transaction (Argon2 must not hold the
    /// writer). A concurrent change in between is harmless: it too was checked.
    fn checked_hash(&self, store: &dyn Store, user: UserId, field: &str, p: &Password) -> Result<String, DomainError> {
        if self.rules.history > 0 {
            let recent = store.password_history(user, self.rules.history)?;
            check_history(field, p.expose(), &recent, self.verifies)?;
        }
        (self.hash)(p)
    }
}

/// Nobody grants a permission or group they do not hold; only owners grant OWNER.
fn check_grantable(caller: &Grants, groups: &[Group], permissions: &[Permission]) -> Result<(), DomainError> {
    if caller.is_owner() {
        return Ok(());
    }
    if let Some(g) = groups.iter().find(|g| !caller.groups.contains(g)) {
        return Err(DomainError::denied("group_name", format_args!("you cannot grant {}", g.as_str())));
    }
    if let Some(p) = permissions.iter().find(|p| !caller.allows(**p)) {
        return Err(DomainError::denied("permission", format_args!("you cannot grant {}", p.as_str())));
    }
    Ok(())
}

/// Groups as stored: as given, duplicates dropped, DEFAULT always present (every user is in it).
fn normalize_groups(groups: &[Group]) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::with_capacity(groups.len() + 1);
    for &g in groups.iter().chain(std::iter::once(&Group::Default)) {
        if !out.contains(&g) {
            out.push(g);
        }
    }
    out
}

fn dedup<T: PartialEq + Clone>(items: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(i) {
            out.push(i.clone());
        }
    }
    out
}

fn need_permission_update(caller: &Caller) -> Result<(), DomainError> {
    authorize::<gate::PermissionUpdate>(caller).map(|_| ())
}

/// A caller manages only users no more powerful than itself.
fn check_manageable(caller: &Caller, target: &User) -> Result<(), DomainError> {
    if target.id == caller.user_id || caller.grants.covers(&target.access.grants()) {
        Ok(())
    } else {
        Err(DomainError::denied("user_name", format_args!("{} holds permissions you do not", target.user_name)))
    }
}

/// The last working owner of a customer must stay one.
fn is_last_owner(target: &User, facts: CustomerFacts) -> bool {
    // A working owner with no count is treated as the last one: the safe answer.
    target.is_working_owner() && facts.working_owners.is_none_or(|n| n <= 1)
}

pub fn create(
    store: &dyn Store,
    by: &Authorized<'_, gate::UserAdd>,
    new: NewUser,
    work: &PasswordWork<'_>,
    uid: String,
    audit: &AuditEntry,
) -> Result<User, DomainError> {
    let caller = by.caller();
    let a = &new.access;
    let asks_access = a.groups.iter().any(|g| *g != Group::Default)
        || !a.permissions.is_empty()
        || !a.zones.is_empty()
        || !a.forbids.is_empty();
    if asks_access {
        need_permission_update(caller)?;
    }
    check_grantable(&caller.grants, &a.groups, &a.permissions)?;
    let access = Access {
        groups: normalize_groups(&a.groups),
        permissions: dedup(&a.permissions),
        zones: a.zones.clone(),
        forbids: a.forbids.clone(),
    };
    let password_hash = (work.hash)(&new.password)?;
    let record = NewUserRecord {
        customer: caller.customer,
        user: NewUser { access, ..new },
        password_hash,
        uid,
        now: audit.at,
        password_expiry: work.rules.expiry_from(audit.at),
    };
    store.insert_user(&record, audit)
}

pub fn get(store: &dyn Store, by: &Authorized<'_, gate::UserGet>, key: &UserKey) -> Result<User, DomainError> {
    let customer = by.caller().customer;
    let found = match key {
        UserKey::Name(name) => store.user_by_name(customer, name)?,
        UserKey::Id(id) => store.user_by_id(customer, *id)?,
        UserKey::Uid(uid) => store.user_by_uid(customer, uid)?,
    };
    found.ok_or_else(|| DomainError::not_found(key.field()))
}

/// GetCurrentUser: the caller's own record; any live session may read it.
pub fn current(store: &dyn Store, caller: &Caller) -> Result<User, DomainError> {
    store.user_by_id(caller.customer, caller.user_id)?.ok_or_else(|| DomainError::not_found("user_name"))
}

/// Runs `rule` on the target inside the store's write transaction; NOT_FOUND when it does not exist. The caller's
/// `expected` version is compared there, with the row the change would apply to, so that of two writers holding the
/// same version exactly one succeeds (the other sees the version the first one wrote).
fn modify(
    store: &dyn Store,
    caller: &Caller,
    target: &UserName,
    expected: Option<i64>,
    audit: &mut AuditEntry,
    rule: &mut dyn FnMut(&User, CustomerFacts) -> Result<Change, DomainError>,
) -> Result<User, DomainError> {
    store
        .modify_user(caller.customer, target, audit, &mut |user, facts| {
            check_manageable(caller, user)?;
            if let Some(v) = expected.filter(|v| *v != user.version) {
                return Err(DomainError::stale(v, user.version));
            }
            rule(user, facts)
        })?
        .ok_or_else(|| DomainError::not_found("user_name"))
}

/// Blocking rules shared by BlockUser and UpdateUser(status=blocked).
fn check_blockable(caller: &Caller, user: &User, facts: CustomerFacts) -> Result<(), DomainError> {
    if user.id == caller.user_id {
        return Err(DomainError::illegal("user_name", "you cannot block yourself"));
    }
    if is_last_owner(user, facts) {
        return Err(DomainError::illegal("user_name", "the last owner cannot be blocked"));
    }
    Ok(())
}

fn bumped(user: &User, now: Timestamp) -> User {
    let mut next = user.clone();
    next.version += 1;
    next.updated_at = now;
    next
}

fn set_blocked(
    store: &dyn Store,
    caller: &Caller,
    target: &UserName,
    blocked: bool,
    expected: Option<i64>,
    audit: &mut AuditEntry,
) -> Result<User, DomainError> {
    let now = audit.at;
    modify(store, caller, target, expected, audit, &mut |user, facts| {
        if blocked {
            check_blockable(caller, user, facts)?;
        }
        // Blocking a blocked user is not an error: it changes nothing and still answers the user. Unblocking also
        // lifts a login lockout (and forgets the failed logins behind it).
        let mut changed = if user.blocked == blocked { vec![] } else { vec!["status"] };
        if !blocked && user.locked {
            changed.push("locked");
        }
        let next = if changed.is_empty() { user.clone() } else { User { blocked, locked: false, ..bumped(user, now) } };
        let revoke = if blocked { Revoke::All } else { Revoke::None };
        Ok(Change::Update {
            user: Box::new(next),
            password_hash: None,
            revoke,
            changed,
            unlock: !blocked,
            detail: None,
            totp_key: None,
        })
    })
}

pub fn block(
    store: &dyn Store,
    by: &Authorized<'_, gate::UserBlock>,
    target: &UserName,
    expected: Option<i64>,
    audit: &mut AuditEntry,
) -> Result<User, DomainError> {
    set_blocked(store, by.caller(), target, true, expected, audit)
}

pub fn unblock(
    store: &dyn Store,
    by: &Authorized<'_, gate::UserUnblock>,
    target: &UserName,
    expected: Option<i64>,
    audit: &mut AuditEntry,
) -> Result<User, DomainError> {
    set_blocked(store, by.caller(), target, false, expected, audit)
}

pub fn delete(
    store: &dyn Store,
    by: &Authorized<'_, gate::UserDelete>,
    target: &UserName,
    expected: Option<i64>,
    audit: &mut AuditEntry,
) -> Result<User, DomainError> {
    let caller = by.caller();
    modify(store, caller, target, expected, audit, &mut |user, facts| {
        if user.id == caller.user_id {
            return Err(DomainError::illegal("user_name", "you cannot delete yourself"));
        }
        if is_last_owner(user, facts) {
            return Err(DomainError::illegal("user_name", "the last owner cannot be deleted"));
        }
        if user.hold {
            return Err(DomainError::illegal("user_name", "the user is on hold"));
        }
        Ok(Change::Delete)
    })
}

/// DeactivateUser: the lifecycle flag, independent of `blocked` (py42's deactivate). The user keeps its data and
/// stays readable, cannot log in, and its sessions end. With `also_block` (which needs UserBlock) it is blocked in
/// the same transaction. Deactivating a deactivated user changes nothing and is no error.
pub fn deactivate(
    store: &dyn Store,
    by: &Authorized<'_, gate::UserDelete>,
    target: &UserName,
    also_block: bool,
    expected: Option<i64>,
    audit: &mut AuditEntry,
) -> Result<User, DomainError> {
    let caller = by.caller();
    if also_block {
        authorize::<gate::UserBlock>(caller)?;
    }
    let now = audit.at;
    modify(store, caller, target, expected, audit, &mut |user, facts| {
        if user.id == caller.user_id {
            return Err(DomainError::illegal("user_name", "you cannot deactivate yourself"));
        }
        if is_last_owner(user, facts) {
            return Err(DomainError::illegal("user_name", "the last owner cannot be deactivated"));
        }
        if user.hold {
            return Err(DomainError::illegal("user_name", "the user is on hold"));
        }
        let mut changed = Vec::new();
        if user.active {
            changed.push("active");
        }
        if also_block && !user.blocked {
            changed.push("status");
        }
        let next = if changed.is_empty() {
            user.clone()
        } else {
            User { active: false, blocked: user.blocked || also_block, ..bumped(user, now) }
        };
        Ok(Change::Update {
            user: Box::new(next),
            password_hash: None,
            revoke: Revoke::All,
            changed,
            unlock: false,
            detail: None,
            totp_key: None,
        })
    })
}

/// ReactivateUser: the user may log in again, unless it is blocked; with `also_unblock` (which needs UserUnblock)
/// it is unblocked in the same transaction, which also lifts a login lockout as UnblockUser does.
pub fn reactivate(
    store: &dyn Store,
    by: &Authorized<'_, gate::UserDelete>,
    target: &UserName,
    also_unblock: bool,
    expected: Option<i64>,
    audit: &mut AuditEntry,
) -> Result<User, DomainError> {
    let caller = by.caller();
    if also_unblock {
        authorize::<gate::UserUnblock>(caller)?;
    }
    let now = audit.at;
    modify(store, caller, target, expected, audit, &mut |user, _| {
        let mut changed = Vec::new();
        if !user.active {
            changed.push("active");
        }
        if also_unblock && user.blocked {
            changed.push("status");
        }
        if also_unblock && user.locked {
            changed.push("locked");
        }
        let next = if changed.is_empty() {
            user.clone()
        } else {
            let blocked = user.blocked && !also_unblock;
            let locked = user.locked && !also_unblock;
            User { active: true, blocked, locked, ..bumped(user, now) }
        };
        Ok(Change::Update {
            user: Box::new(next),
            password_hash: None,
            revoke: Revoke::None,
            changed,
            unlock: also_unblock,
            detail: None,
            totp_key: None,
        })
    })
}

/// Only owners set another user's TOTP fields (a second factor set by someone else could lock its owner out, or
/// let the setter in).
fn check_totp_settable(caller: &Caller, user: &User, patch: &UserPatch) -> Result<(), DomainError> {
    match patch.totp.first_field() {
        Some(field) if user.id != caller.user_id && !caller.grants.is_owner() => {
            Err(DomainError::denied(field, "only owners set another user's TOTP fields"))
        }
        _ => Ok(()),
    }
}

pub fn update(
    store: &dyn Store,
    by: &Authorized<'_, gate::UserUpdate>,
    target: &UserName,
    patch: UserPatch,
    expected: Option<i64>,
    work: &PasswordWork<'_>,
    audit: &mut AuditEntry,
) -> Result<User, DomainError> {
    let caller = by.caller();
    if patch.touches_access() {
        need_permission_update(caller)?;
    }
    match patch.blocked {
        Some(true) => authorize::<gate::UserBlock>(caller).map(|_| ())?,
        Some(false) => authorize::<gate::UserUnblock>(caller).map(|_| ())?,
        None => {}
    }
    if let Some(field) = patch.owner_fields().next().filter(|_| !caller.grants.is_owner()) {
        return Err(DomainError::denied(field, "only an owner may set it"));
    }
    // Hash before the write transaction: Argon2 takes tens of milliseconds and must not hold the writer.
    let password_hash = match &patch.password {
        None => None,
        Some(p) => {
            let user =
                store.user_by_name(caller.customer, target)?.ok_or_else(|| DomainError::not_found("user_name"))?;
            check_manageable(caller, &user)?;
            check_totp_settable(caller, &user, &patch)?;
            Some(work.checked_hash(store, user.id, "password", p)?)
        }
    };
    patched(store, caller, target, &patch, password_hash, expected, work, audit)
}

/// UpdateCurrentUser: the caller edits its own contact and name fields, without UserUpdate. Renaming itself only
/// when `allow_rename` (setting `allow_self_rename`); any other field is PERMISSION_DENIED naming it.
pub fn update_self(
    store: &dyn Store,
    caller: &Caller,
    patch: UserPatch,
    allow_rename: bool,
    expected: Option<i64>,
    work: &PasswordWork<'_>,
    audit: &mut AuditEntry,
) -> Result<User, DomainError> {
    if let Some(field) = patch.first_admin_field() {
        return Err(DomainError::denied(field, "not a field you may change on your own record"));
    }
    if patch.new_user_name.is_some() && !allow_rename {
        return Err(DomainError::denied("new_user_name", "renaming yourself is not allowed here"));
    }
    patched(store, caller, &caller.user_name, &patch, None, expected, work, audit)
}

/// Applies a checked patch inside the write transaction (UpdateUser, UpdateCurrentUser).
#[allow(clippy::too_many_arguments)] // Each is one input of the rule; bundling them would only rename the list.
fn patched(
    store: &dyn Store,
    caller: &Caller,
    target: &UserName,
    patch: &UserPatch,
    password_hash: Option<String>,
    expected: Option<i64>,
    work: &PasswordWork<'_>,
    audit: &mut AuditEntry,
) -> Result<User, DomainError> {
    let (now, rules, vault) = (audit.at, work.rules, work.totp);
    modify(store, caller, target, expected, audit, &mut |user, facts| {
        check_totp_settable(caller, user, patch)?;
        let mut next = user.clone();
        let mut changed: Vec<&'static str> = Vec::new();
        let mut revoke = Revoke::None;
        let mut unlock = false;
        if let Some(name) = patch.new_user_name.as_ref().filter(|n| n.as_str() != user.user_name.as_str()) {
            next.user_name = name.clone();
            changed.push("user_name");
        }
        if password_hash.is_some() {
            changed.push("password");
            // A new password starts a new expiry period (an explicit `password_expiry` below overrides it), and
            // choosing one's own is the change a must-change flag asks for.
            next.password_expiry = rules.expiry_from(now);
            if user.id == caller.user_id && patch.require_pw_change.is_none() {
                next.require_pw_change = false;
            }
            revoke = if user.id == caller.user_id { Revoke::AllBut(caller.session) } else { Revoke::All };
        }
        if let Some(blocked) = patch.blocked {
            if blocked {
                check_blockable(caller, user, facts)?;
                revoke = Revoke::All;
            }
            if blocked != user.blocked {
                next.blocked = blocked;
                changed.push("status");
            }
            // status=active is an unblock: it lifts a login lockout too.
            if !blocked {
                unlock = true;
                if user.locked {
                    next.locked = false;
                    changed.push("locked");
                }
            }
        }
        if let Some(locked) = patch.locked {
            if locked && user.id == caller.user_id {
                return Err(DomainError::illegal("locked", "you cannot lock yourself"));
            }
            if locked && is_last_owner(user, facts) {
                return Err(DomainError::illegal("locked", "the last owner cannot be locked"));
            }
            if locked {
                revoke = Revoke::All;
            } else {
                // As UnblockUser and `usergate admin unlock`: the failed logins behind a lock are forgotten too.
                unlock = true;
            }
            if locked != next.locked {
                next.locked = locked;
                if !changed.contains(&"locked") {
                    changed.push("locked");
                }
            }
        }
        if let Some(hold) = patch.hold.filter(|h| *h != user.hold) {
            next.hold = hold;
            changed.push("hold");
        }
        if let Some(flag) = patch.require_pw_change {
            next.require_pw_change = flag;
            if flag != user.require_pw_change {
                changed.push("require_pw_change");
            }
        }
        if let Some(expiry) = &patch.password_expiry {
            let v = match expiry {
                Patch::Clear => None,
                Patch::Set(t) => Some(*t),
            };
            next.password_expiry = v;
            if v != user.password_expiry {
                changed.push("password_expiry");
            }
        }
        for (field, value) in &patch.profile {
            let v = match value {
                Patch::Clear => None,
                Patch::Set(t) => Some(t.clone()),
            };
            if next.profile.get(*field) != v.as_ref() {
                next.profile.set(*field, v);
                changed.push(field.name());
            }
        }
        if let Some(groups) = &patch.groups {
            let groups = normalize_groups(groups);
            let added: Vec<Group> = groups.iter().filter(|g| !user.access.groups.contains(g)).copied().collect();
            check_grantable(&caller.grants, &added, &[])?;
            if user.is_owner() && !groups.contains(&Group::Owner) && is_last_owner(user, facts) {
                return Err(DomainError::illegal("group_name", "the last owner cannot leave OWNER"));
            }
            if groups != user.access.groups {
                next.access.groups = groups;
                changed.push("group_name");
            }
        }
        if let Some(perms) = &patch.permissions {
            let perms = dedup(perms);
            let added: Vec<Permission> =
                perms.iter().filter(|p| !user.access.permissions.contains(p)).copied().collect();
            check_grantable(&caller.grants, &[], &added)?;
            if perms != user.access.permissions {
                next.access.permissions = perms;
                changed.push("permission");
            }
        }
        if let Some(zones) = patch.zones.as_ref().filter(|z| **z != user.access.zones) {
            next.access.zones = zones.clone();
            changed.push("zone");
        }
        if let Some(forbids) = patch.forbids.as_ref().filter(|f| **f != user.access.forbids) {
            next.access.forbids = forbids.clone();
            changed.push("forbid");
        }
        let totp = patch.totp.apply(user)?;
        next.is_totp_enabled = totp.enabled;
        next.totp_label = totp.label;
        changed.extend(totp.changed);
        // Sealed here, inside the transaction, because the seal is bound to the stored user's uid.
        let totp_key = totp.new_key.map(|k| vault.seal(user, k)).transpose()?;
        let detail = changed.contains(&"organization").then(|| organization_move(user, &next));
        if !changed.is_empty() {
            next.version += 1;
            next.updated_at = now;
        }
        Ok(Change::Update {
            user: Box::new(next),
            password_hash: password_hash.clone(),
            revoke,
            changed,
            unlock,
            detail,
            totp_key,
        })
    })
}

/// A move to another organization (py42's change_org_assignment), as the audit record names it.
fn organization_move(before: &User, after: &User) -> String {
    let org = |u: &User| u.profile.get(super::user::ProfileField::Organization).map_or("", |t| t.as_str()).to_owned();
    format!("organization: {} -> {}", org(before), org(after))
}

/// How UpdateUserPassword checks the old password: like a login, behind the account's lockout (its delay honoured,
/// one attempt at a time once it has failures, each wrong one counted), so a held session cannot guess unthrottled.
pub struct OldPassword<'a> {
    pub verify: &'a dyn Fn(&str) -> bool,
    pub lockout: LockoutPolicy,
    pub in_flight: &'a InFlight,
}

fn check_old_password(
    store: &dyn Store,
    caller: &Caller,
    old: &OldPassword<'_>,
    audit: &mut AuditEntry,
) -> Result<(), DomainError> {
    let now = audit.at;
    let customer = store.customer_key(caller.customer)?.ok_or_else(DomainError::internal)?;
    let account = AccountKey { customer, user: caller.user_name.key() };
    let throttled = || DomainError::invalid("old_password", "too many wrong attempts; retry later");
    let mut guard = store.login_guard(&account)?;
    if old.lockout.refuses(guard.as_ref(), now) {
        return Err(throttled());
    }
    let _claim = match guard {
        Some(_) => {
            let claim = old.in_flight.claim(&account).ok_or_else(throttled)?;
            guard = store.login_guard(&account)?;
            if old.lockout.refuses(guard.as_ref(), now) {
                return Err(throttled());
            }
            Some(claim)
        }
        None => None,
    };
    let stored = store.password_hash(caller.user_id)?.ok_or_else(DomainError::internal)?;
    if (old.verify)(&stored) {
        return Ok(());
    }
    let err = DomainError::invalid("old_password", "does not match");
    audit.outcome = Outcome::of(&err);
    audit.info.clone_from(&err.info);
    audit.changed =
        if old.lockout.locks_at(guard.map_or(0, |g| g.failures).saturating_add(1)) { vec!["locked"] } else { vec![] };
    let failure = LoginRecord::Failure {
        account,
        user_id: Some(caller.user_id),
        at: now,
        hard_lock_after: old.lockout.hard_lock_after,
    };
    // The count and the failure record in one transaction; `Ctx::audited` sees the outcome and writes no other.
    store.record_login(&failure, audit)?;
    Err(err)
}

/// The caller's own password; `old` checks the current one (the native profile requires it). A new password lifts
/// must-change and starts a new expiry period; a right old password also forgets the account's failed attempts.
pub fn change_own_password(
    store: &dyn Store,
    by: &Authorized<'_, gate::UserChangepw>,
    old: Option<&OldPassword<'_>>,
    new_password: &Password,
    work: &PasswordWork<'_>,
    audit: &mut AuditEntry,
) -> Result<User, DomainError> {
    let caller = by.caller();
    if let Some(old) = old {
        check_old_password(store, caller, old, audit)?;
    }
    let unlock = old.is_some();
    let password_hash = work.checked_hash(store, caller.user_id, "password", new_password)?;
    let now = audit.at;
    modify(store, caller, &caller.user_name, None, audit, &mut |user, _| {
        let next = User { require_pw_change: false, password_expiry: work.rules.expiry_from(now), ..bumped(user, now) };
        Ok(Change::Update {
            user: Box::new(next),
            password_hash: Some(password_hash.clone()),
            revoke: Revoke::AllBut(caller.session),
            changed: vec!["password"],
            unlock,
            detail: None,
            totp_key: None,
        })
    })
}

/// Add, Set or Remove on one access list (AddUserGroups ... RemoveUserForbids). The caller grants only what it holds,
/// counting what a lifted forbid or a group hands out; the last owner stays one.
pub fn edit_access(
    store: &dyn Store,
    by: &Authorized<'_, gate::PermissionUpdate>,
    target: &UserName,
    edit: ListEdit,
    items: &AccessItems,
    expected: Option<i64>,
    audit: &mut AuditEntry,
) -> Result<User, DomainError> {
    let caller = by.caller();
    let now = audit.at;
    modify(store, caller, target, expected, audit, &mut |user, facts| {
        let mut access = user.access.edited(edit, items)?;
        access.groups = normalize_groups(&access.groups);
        let added_groups: Vec<Group> =
            access.groups.iter().filter(|g| !user.access.groups.contains(g)).copied().collect();
        let added_permissions: Vec<Permission> =
            access.permissions.iter().filter(|p| !user.access.permissions.contains(p)).copied().collect();
        check_grantable(&caller.grants, &added_groups, &added_permissions)?;
        if !caller.grants.is_owner() {
            let (before, after) = (user.access.grants(), access.grants());
            let handed_out = |p: Permission| after.allows(p) && !before.allows(p) && !caller.grants.allows(p);
            if let Some(p) = Permission::ALL.iter().find(|&&p| handed_out(p)) {
                return Err(DomainError::denied(items.field(), format_args!("you cannot grant {}", p.as_str())));
            }
        }
        if user.is_owner() && !access.groups.contains(&Group::Owner) && is_last_owner(user, facts) {
            return Err(DomainError::illegal("group_name", "the last owner cannot leave OWNER"));
        }
        if access == user.access {
            return Ok(Change::Update {
                user: Box::new(user.clone()),
                password_hash: None,
                revoke: Revoke::None,
                changed: vec![],
                unlock: false,
                detail: None,
                totp_key: None,
            });
        }
        let next = User { access, ..bumped(user, now) };
        Ok(Change::Update {
            user: Box::new(next),
            password_hash: None,
            revoke: Revoke::None,
            changed: vec![items.field()],
            unlock: false,
            detail: None,
            totp_key: None,
        })
    })
}

/// GetUserPermissions for any user of the caller's customer.
pub fn user_permissions(
    store: &dyn Store,
    by: &Authorized<'_, gate::PermissionGet>,
    name: &UserName,
) -> Result<PermissionReport, DomainError> {
    let user = store.user_by_name(by.caller().customer, name)?.ok_or_else(|| DomainError::not_found("user_name"))?;
    Ok(report(&user.access))
}

/// The caller's own access lists, read fresh (the session's grants do not carry zones).
fn own_access(store: &dyn Store, caller: &Caller) -> Result<Access, DomainError> {
    let user = store.user_by_id(caller.customer, caller.user_id)?.ok_or_else(|| DomainError::not_found("user_name"))?;
    Ok(user.access)
}

/// GetUserPermissions about oneself needs no permission: CheckPermissions answers the same questions.
pub fn own_permissions(store: &dyn Store, caller: &Caller) -> Result<PermissionReport, DomainError> {
    Ok(report(&own_access(store, caller)?))
}

/// CheckPermissions: whether the caller may use each permission (in `zone`, when given).
pub fn check_own(
    store: &dyn Store,
    caller: &Caller,
    asked: &[Permission],
    zone: Option<&str>,
) -> Result<PermissionReport, DomainError> {
    Ok(check(&own_access(store, caller)?, asked, zone))
}
