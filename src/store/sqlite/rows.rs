//! Row <-> domain conversion for the users table and the access lists: column lists, the SQL built from them,
//! reading a row into a `User`, the values written for one, and its search text.

use std::sync::LazyLock;

use rusqlite::Row;
use rusqlite::types::{FromSql, Value};

use super::error::StoreError;
use crate::domain::audit::Outcome;
use crate::domain::permission::{Group, Permission};
use crate::domain::user::{Access, CustomerId, Profile, ProfileField, User, UserId};
use crate::domain::values::{Text, Timestamp, UserName, Zone};

// Column order is the order `user_from_row` reads and `user_values` writes; the profile columns sit between the
// head and the tail, one per `ProfileField` in `ProfileField::ALL` order (so a new field needs only a migration).
const READ_HEAD: &[&str] = &["id", "uid", "customer_id", "user_name"];
const READ_TAIL: &[&str] = &[
    "blocked",
    "active",
    "locked",
    "hold",
    "require_pw_change",
    "password_expiry",
    "totp_label",
    "totp_key IS NOT NULL",
    "created_at",
    "updated_at",
    "last_login_at",
    "version",
];
const WRITE_HEAD: &[&str] = &["customer_id", "uid", "user_name", "user_name_key"];
const WRITE_TAIL: &[&str] = &[
    "blocked",
    "active",
    "locked",
    "hold",
    "require_pw_change",
    "password_expiry",
    "totp_label",
    "created_at",
    "updated_at",
    "last_login_at",
    "version",
    "search_text",
];

/// The fields `search_users` matches, besides the user name.
const SEARCHED: &[ProfileField] = &[
    ProfileField::Nickname,
    ProfileField::FirstName,
    ProfileField::MiddleName,
    ProfileField::LastName,
    ProfileField::DisplayName,
    ProfileField::Email,
];

fn columns(head: &[&'static str], tail: &[&'static str]) -> Vec<&'static str> {
    let profile = ProfileField::ALL.iter().map(|f| f.name());
    head.iter().copied().chain(profile).chain(tail.iter().copied()).collect()
}

/// The users-table statements, built once from the column lists above.
pub(super) struct UserSql {
    /// `SELECT <read columns> FROM users`, for queries that add their own WHERE (search.rs).
    pub select: String,
    pub by_key: String,
    pub by_id: String,
    pub by_uid: String,
    /// Write columns, then `password_hash`.
    pub insert: String,
    /// Write columns, then the id in the WHERE clause.
    pub update: String,
}

pub(super) static USER_SQL: LazyLock<UserSql> = LazyLock::new(|| {
    let select = format!("SELECT {} FROM users", columns(READ_HEAD, READ_TAIL).join(", "));
    let write = columns(WRITE_HEAD, WRITE_TAIL);
    let placeholders: Vec<String> = (1..=write.len() + 1).map(|i| format!("?{i}")).collect();
    let assignments: Vec<String> = write.iter().enumerate().map(|(i, c)| format!("{c} = ?{}", i + 1)).collect();
    UserSql {
        select: select.clone(),
        by_key: format!("{select} WHERE customer_id = ?1 AND user_name_key = ?2"),
        by_id: format!("{select} WHERE customer_id = ?1 AND id = ?2"),
        by_uid: format!("{select} WHERE customer_id = ?1 AND uid = ?2"),
        insert: format!("INSERT INTO users ({}, password_hash) VALUES ({})", write.join(", "), placeholders.join(", ")),
        update: format!("UPDATE users SET {} WHERE id = ?{}", assignments.join(", "), write.len() + 1),
    }
});

/// Reads columns left to right, so the reader cannot drift from the column lists by a miscounted index.
struct Columns<'a, 'r> {
    row: &'a Row<'r>,
    at: usize,
}

impl Columns<'_, '_> {
    fn next<T: FromSql>(&mut self) -> rusqlite::Result<T> {
        let value = self.row.get(self.at);
        self.at += 1;
        value
    }
}

/// A user from a row selected with `USER_SQL`; its access lists are empty until `queries::load_access`.
pub(super) fn user_from_row(row: &Row<'_>) -> Result<User, StoreError> {
    let mut c = Columns { row, at: 0 };
    let id = UserId(c.next()?);
    let uid = c.next()?;
    let customer = CustomerId(c.next()?);
    let name: String = c.next()?;
    let user_name = UserName::parse("user_name", &name)
        .map_err(|e| StoreError::Corrupt(format!("user {}: user_name {name:?}: {e}", id.0)))?;
    let mut user = User {
        id,
        uid,
        customer,
        user_name,
        profile: Profile::default(),
        access: Access::default(),
        blocked: false,
        active: false,
        locked: false,
        hold: false,
        require_pw_change: false,
        password_expiry: None,
        totp_label: None,
        is_totp_enabled: false,
        created_at: Timestamp(0),
        updated_at: Timestamp(0),
        last_login_at: None,
        version: 0,
    };
    for &f in ProfileField::ALL {
        // Stored values were validated on the way in.
        user.profile.set(f, c.next::<Option<String>>()?.map(Text::trusted));
    }
    user.blocked = c.next()?;
    user.active = c.next()?;
    user.locked = c.next()?;
    user.hold = c.next()?;
    user.require_pw_change = c.next()?;
    user.password_expiry = c.next::<Option<i64>>()?.map(Timestamp);
    user.totp_label = c.next::<Option<String>>()?.map(Text::trusted);
    user.is_totp_enabled = c.next()?;
    user.created_at = Timestamp(c.next()?);
    user.updated_at = Timestamp(c.next()?);
    user.last_login_at = c.next::<Option<i64>>()?.map(Timestamp);
    user.version = c.next()?;
    Ok(user)
}

fn text(t: Option<&Text>) -> Value {
    t.map_or(Value::Null, |t| Value::Text(t.as_str().to_owned()))
}

fn time(t: Option<Timestamp>) -> Value {
    t.map_or(Value::Null, |t| Value::Integer(t.0))
}

fn flag(b: bool) -> Value {
    Value::Integer(i64::from(b))
}

/// The values of the write columns, in their order (the caller appends the hash or the id).
pub(super) fn user_values(user: &User) -> Vec<Value> {
    let mut v = Vec::with_capacity(WRITE_HEAD.len() + ProfileField::ALL.len() + WRITE_TAIL.len() + 1);
    v.extend([
        Value::Integer(user.customer.0),
        Value::Text(user.uid.clone()),
        Value::Text(user.user_name.as_str().to_owned()),
        Value::Text(user.user_name.key()),
    ]);
    v.extend(ProfileField::ALL.iter().map(|&f| text(user.profile.get(f))));
    v.extend([
        flag(user.blocked),
        flag(user.active),
        flag(user.locked),
        flag(user.hold),
        flag(user.require_pw_change),
        time(user.password_expiry),
        text(user.totp_label.as_ref()),
        Value::Integer(user.created_at.0),
        Value::Integer(user.updated_at.0),
        time(user.last_login_at),
        Value::Integer(user.version),
        Value::Text(search_text(user)),
    ]);
    v
}

/// What `search_users` matches against: the name fields and email, lower-cased, joined by U+0001, which XML text
/// cannot carry, so that a search never matches across two fields.
pub(super) fn search_text(user: &User) -> String {
    let fields = SEARCHED.iter().map(|&f| user.profile.get(f).map_or("", Text::as_str));
    std::iter::once(user.user_name.as_str()).chain(fields).collect::<Vec<_>>().join("\u{1}").to_lowercase()
}

pub(super) fn group(name: &str) -> Result<Group, StoreError> {
    Group::parse("group_name", name).map_err(|_| StoreError::Corrupt(format!("unknown group {name:?}")))
}

pub(super) fn permission(name: &str) -> Result<Permission, StoreError> {
    Permission::from_name(name).ok_or_else(|| StoreError::Corrupt(format!("unknown permission {name:?}")))
}

pub(super) fn zone(zone_name: String, recurse: bool) -> Zone {
    Zone { zone_name: Text::trusted(zone_name), recurse }
}

pub(super) fn outcome(o: &Outcome) -> &'static str {
    match o {
        Outcome::Success => "success",
        Outcome::Failure(code) => code,
    }
}
