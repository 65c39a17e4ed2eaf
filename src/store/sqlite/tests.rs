//! Tests of `SqliteStore` against a real database file in a temp dir.

// Panicking on an unexpected error is what a test should do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use pretty_assertions::assert_eq;
use rusqlite::Connection;
use tempfile::TempDir;

use super::SqliteStore;
use crate::domain::audit::{AuditEntry, Outcome};
use crate::domain::error::{DomainError, ErrCode};
use crate::domain::login_guard::{AccountKey, GuardState};
use crate::domain::permission::{Group, Permission};
use crate::domain::search::{
    ExportScope, Order, PageRequest, PurgeOutcome, UserFilter, UserQuery, UserSearch, UserSort,
};
use crate::domain::session::{SessionId, TokenHash};
use crate::domain::store::{Change, LoginRecord, NewUserRecord, Revoke, SessionCutoffs, Store};
use crate::domain::user::{Access, CustomerId, NewUser, Password, Profile, ProfileField, User, UserId};
use crate::domain::values::{CustomerName, Forbid, Text, Timestamp, UserName, Zone};

const NOW: Timestamp = Timestamp(1_800_000_000);

struct Fixture {
    _dir: TempDir,
    path: PathBuf,
    store: SqliteStore,
    customer: CustomerId,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("usergate.db");
    let store = SqliteStore::open(&path).unwrap();
    let customer = store.ensure_customer(&CustomerName::parse("customer_name", "Acme").unwrap()).unwrap();
    Fixture { _dir: dir, path, store, customer }
}

/// An account name in the fixture's customer (`Acme`, case-folded).
fn acme(user: &str) -> AccountKey {
    AccountKey { customer: "acme".into(), user: user.to_ascii_lowercase() }
}

fn name(s: &str) -> UserName {
    UserName::parse("user_name", s).unwrap()
}

fn text(s: &str) -> Text {
    Text::parse("test", s).unwrap()
}

fn profile(first: &str, email: &str) -> Profile {
    let mut p = Profile::default();
    p.set(ProfileField::Nickname, Some(text("nick")));
    p.set(ProfileField::FirstName, Some(text(first)));
    p.set(ProfileField::LastName, Some(text("Doe")));
    p.set(ProfileField::Email, Some(text(email)));
    p.set(ProfileField::Organization, Some(text("Acme Inc.")));
    p
}

fn zone(z: &str, recurse: bool) -> Zone {
    Zone { zone_name: text(z), recurse }
}

fn record(customer: CustomerId, user_name: &str, first: &str, email: &str, access: Access) -> NewUserRecord {
    NewUserRecord {
        customer,
        user: NewUser {
            user_name: name(user_name),
            password: Password::parse("password", "correct horse", 8).unwrap(),
            profile: profile(first, email),
            access,
        },
        password_hash: format!("$argon2id$hash-of-{user_name}"),
        uid: format!("uid-{user_name}"),
        now: NOW,
        password_expiry: None,
    }
}

fn plain_access() -> Access {
    Access { groups: vec![Group::Default], ..Access::default() }
}

fn audit(store: &SqliteStore, operation: &'static str) -> AuditEntry {
    AuditEntry {
        job: store.next_job_id().unwrap(),
        at: NOW,
        customer: None,
        actor: None,
        actor_name: "tester".into(),
        operation,
        target: "target".into(),
        outcome: Outcome::Success,
        changed: Vec::new(),
        client_addr: "127.0.0.1".into(),
        correlation_id: "corr".into(),
        info: format!("{operation}: done"),
    }
}

impl Fixture {
    fn add(&self, user_name: &str, first: &str, email: &str) -> User {
        let a = audit(&self.store, "CreateUser");
        self.store.insert_user(&record(self.customer, user_name, first, email, plain_access()), &a).unwrap()
    }

    /// A second connection, as another process would see the file.
    fn raw(&self) -> Connection {
        Connection::open(&self.path).unwrap()
    }

    fn count(&self, sql: &str) -> i64 {
        self.raw().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    fn login(&self, user: UserId, token: &str) -> SessionId {
        let hash = TokenHash(token.into());
        let purge = SessionCutoffs { idle_before: Timestamp(0), created_before: Timestamp(0) };
        let login = LoginRecord::Success {
            user_id: user,
            token_hash: hash.clone(),
            account: acme("nobody"),
            purge,
            new_password: None,
            totp_step: None,
        };
        self.store.record_login(&login, &audit(&self.store, "SessionLogin")).unwrap();
        self.store.session_by_hash(&hash).unwrap().unwrap().id
    }

    fn has_session(&self, token: &str) -> bool {
        self.store.session_by_hash(&TokenHash(token.into())).unwrap().is_some()
    }

    /// Applies `change` to `target` through `modify_user`; returns the result and the audit job used.
    fn modify(
        &self,
        target: &str,
        mut change: impl FnMut(&User) -> Result<Change, DomainError>,
    ) -> (Result<Option<User>, DomainError>, i64) {
        let mut a = audit(&self.store, "UpdateUser");
        let job = a.job.0;
        let r = self.store.modify_user(self.customer, &name(target), &mut a, &mut |u, _| change(u));
        (r, job)
    }

    fn audit_rows(&self, job: i64) -> i64 {
        self.raw().query_row("SELECT COUNT(*) FROM audit WHERE id = ?1", [job], |r| r.get(0)).unwrap()
    }
}

/// An update as the domain makes one: it counts the version and stamps the time.
fn update(mut user: User, revoke: Revoke) -> Change {
    user.version += 1;
    user.updated_at = Timestamp(NOW.0 + 5);
    Change::Update {
        user: Box::new(user),
        password_hash: None,
        revoke,
        changed: vec!["user_name"],
        unlock: false,
        totp_key: None,
        detail: None,
    }
}

#[test]
fn pragmas_on_the_writer() {
    let f = fixture();
    let st = f.store.writer.state();
    let conn = &st.conn;
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    let sync: i64 = conn.pragma_query_value(None, "synchronous", |r| r.get(0)).unwrap();
    let fks: i64 = conn.pragma_query_value(None, "foreign_keys", |r| r.get(0)).unwrap();
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!((mode.as_str(), sync, fks, version), ("wal", 2, 1, super::migrate::latest()));
}

#[test]
fn every_profile_field_has_a_column() {
    let f = fixture();
    let raw = f.raw();
    let mut stmt = raw.prepare("SELECT name FROM pragma_table_info('users')").unwrap();
    let cols: Vec<String> = stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap();
    for field in ProfileField::ALL {
        assert!(cols.iter().any(|c| c == field.name()), "{}", field.name());
    }
}

#[test]
fn customers() {
    let f = fixture();
    let again = f.store.ensure_customer(&CustomerName::parse("c", "ACME").unwrap()).unwrap();
    assert_eq!(again, f.customer);
    assert_eq!(f.store.find_customer(&CustomerName::parse("c", "acme").unwrap()).unwrap(), Some(f.customer));
    assert_eq!(f.store.find_customer(&CustomerName::parse("c", "other").unwrap()).unwrap(), None);
    let other = f.store.ensure_customer(&CustomerName::parse("c", "other").unwrap()).unwrap();
    assert_ne!(other, f.customer);
    assert_eq!(f.store.customer_count().unwrap(), 2);
}

#[test]
fn insert_and_read_back() {
    let f = fixture();
    let access = Access {
        groups: vec![Group::Admin, Group::Default],
        permissions: vec![Permission::ZoneGet, Permission::UserGet],
        zones: vec![zone("b.example", true), zone("a.example", false)],
        forbids: vec![
            Forbid { name: Permission::ZoneAdd, zones: vec![zone("z.example", true), zone("y.example", false)] },
            Forbid { name: Permission::RecordAdd, zones: vec![] },
        ],
    };
    let mut rec = record(f.customer, "Alice", "Alice", "alice@example.org", access.clone());
    rec.user.profile.set(ProfileField::Notes, Some(text("héllo\nworld")));
    let a = audit(&f.store, "CreateUser");
    let created = f.store.insert_user(&rec, &a).unwrap();
    assert_eq!(created.uid, "uid-Alice");
    assert_eq!(created.access, access);
    assert_eq!((created.version, created.created_at, created.updated_at), (1, NOW, NOW));
    assert!(created.active && !created.blocked && !created.locked && !created.hold && !created.require_pw_change);

    assert_eq!(f.store.user_by_name(f.customer, &name("aLiCe")).unwrap(), Some(created.clone()));
    assert_eq!(f.store.user_by_id(f.customer, created.id).unwrap(), Some(created.clone()));
    // Scoped to the customer.
    assert_eq!(f.store.user_by_id(CustomerId(f.customer.0 + 1), created.id).unwrap(), None);
    assert_eq!(f.store.password_hash(created.id).unwrap().as_deref(), Some("$argon2id$hash-of-Alice"));
    assert_eq!(f.store.password_hash(UserId(999)).unwrap(), None);
    assert_eq!(f.audit_rows(a.job.0), 1);
    let outcome: String =
        f.raw().query_row("SELECT outcome FROM audit WHERE id = ?1", [a.job.0], |r| r.get(0)).unwrap();
    assert_eq!(outcome, "success");
}

#[test]
fn duplicate_name_ignoring_case_is_target_exists() {
    let f = fixture();
    f.add("bob", "Bob", "bob@example.org");
    let a = audit(&f.store, "CreateUser");
    let err = f.store.insert_user(&record(f.customer, "BOB", "Bob", "b@example.org", plain_access()), &a).unwrap_err();
    assert_eq!(err, DomainError::new(ErrCode::TargetExists, "user_name", "already exists"));
    assert_eq!(f.audit_rows(a.job.0), 0, "the failed insert left no audit record");
    // The same name in another customer is fine.
    let other = f.store.ensure_customer(&CustomerName::parse("c", "other").unwrap()).unwrap();
    let a = audit(&f.store, "CreateUser");
    f.store.insert_user(&record(other, "BOB", "Bob", "b@example.org", plain_access()), &a).unwrap();
}

#[test]
fn rename_and_collision() {
    let f = fixture();
    let alice = f.add("alice", "Alice", "alice@example.org");
    f.add("carol", "Carol", "carol@example.org");

    let (renamed, job) = f.modify("ALICE", |u| {
        let mut u = u.clone();
        u.user_name = name("Alicia");
        u.profile.set(ProfileField::FirstName, Some(text("Alicia")));
        Ok(update(u, Revoke::None))
    });
    let renamed = renamed.unwrap().unwrap();
    assert_eq!((renamed.id, renamed.version, renamed.user_name.as_str()), (alice.id, 2, "Alicia"));
    assert_eq!(f.store.user_by_name(f.customer, &name("alice")).unwrap(), None);
    assert_eq!(f.store.user_by_name(f.customer, &name("alicia")).unwrap(), Some(renamed.clone()));
    let changed: String = f.raw().query_row("SELECT changed FROM audit WHERE id = ?1", [job], |r| r.get(0)).unwrap();
    assert_eq!(changed, "user_name");
    // search_text followed the rename.
    assert_eq!(found(f.store.query_users(f.customer, &unpaged(Some("alicia")), 10).unwrap()).len(), 1);

    let (err, job) = f.modify("alicia", |u| {
        let mut u = u.clone();
        u.user_name = name("CAROL");
        Ok(update(u, Revoke::None))
    });
    assert_eq!(err.unwrap_err(), DomainError::new(ErrCode::TargetExists, "new_user_name", "already exists"));
    assert_eq!(f.audit_rows(job), 0);
    assert_eq!(f.store.user_by_name(f.customer, &name("alicia")).unwrap(), Some(renamed));

    // A change of case only is not a collision with itself.
    let (r, _) = f.modify("carol", |u| {
        let mut u = u.clone();
        u.user_name = name("Carol");
        Ok(update(u, Revoke::None))
    });
    assert_eq!(r.unwrap().unwrap().user_name.as_str(), "Carol");
}

#[test]
fn a_change_that_changes_nothing_is_still_audited() {
    let f = fixture();
    let kim = f.add("kim", "Kim", "kim@example.org");
    let (same, job) = f.modify("kim", |u| {
        Ok(Change::Update {
            user: Box::new(u.clone()),
            password_hash: None,
            revoke: Revoke::None,
            changed: vec![],
            unlock: false,
            totp_key: None,
            detail: None,
        })
    });
    assert_eq!(same.unwrap(), Some(kim.clone()));
    assert_eq!(f.audit_rows(job), 1);
    assert_eq!(f.store.user_by_id(f.customer, kim.id).unwrap(), Some(kim));
}

#[test]
fn missing_user_writes_nothing() {
    let f = fixture();
    let (r, job) = f.modify("nobody", |_| panic!("decide must not run"));
    assert_eq!(r.unwrap(), None);
    assert_eq!(f.audit_rows(job), 0);
}

#[test]
fn a_refusal_rolls_everything_back() {
    let f = fixture();
    let owner = f.add("owner", "Olga", "olga@example.org");
    // Make it an owner so the facts count it.
    f.modify("owner", |u| {
        let mut u = u.clone();
        u.access.groups = vec![Group::Owner, Group::Default];
        Ok(update(u, Revoke::None))
    })
    .0
    .unwrap();
    let mut a = audit(&f.store, "DeleteUser");
    let job = a.job.0;
    let mut seen = None;
    let err = f
        .store
        .modify_user(f.customer, &name("owner"), &mut a, &mut |_, facts| {
            seen = Some(facts.working_owners);
            Err(DomainError::illegal("user_name", "the last owner cannot be deleted"))
        })
        .unwrap_err();
    assert_eq!(seen, Some(Some(1)));
    assert_eq!(err.code, ErrCode::IllegalOperation);
    assert_eq!(f.audit_rows(job), 0);
    assert_eq!(f.store.user_by_id(f.customer, owner.id).unwrap().unwrap().version, 2);
}

#[test]
fn owners_are_counted_only_for_a_working_owner_target() {
    let f = fixture();
    f.add("plain", "Pat", "pat@example.org");
    let mut a = audit(&f.store, "UpdateUser");
    let mut seen = None;
    f.store
        .modify_user(f.customer, &name("plain"), &mut a, &mut |_, facts| {
            seen = Some(facts.working_owners);
            Err(DomainError::illegal("user_name", "look only"))
        })
        .unwrap_err();
    assert_eq!(seen, Some(None));
}

#[test]
fn reads_by_name_follow_renames_deletions_and_new_users_of_the_old_name() {
    let f = fixture();
    let ivy = f.add("ivy", "Ivy", "ivy@example.org");
    let read = |n: &str| f.store.user_by_name(f.customer, &name(n)).unwrap().map(|u| (u.id, u.version));
    assert_eq!(read("IVY"), Some((ivy.id, ivy.version)));
    assert_eq!(read("ivy"), Some((ivy.id, ivy.version)), "the cached copy");
    f.modify("ivy", |u| Ok(update(User { user_name: name("ivy2"), ..u.clone() }, Revoke::None))).0.unwrap();
    assert_eq!(read("ivy"), None, "renamed away");
    assert_eq!(read("ivy2").map(|(id, _)| id), Some(ivy.id));
    let mut new = record(f.customer, "ivy", "Ivy", "ivy.again@example.org", plain_access());
    new.uid = "uid-ivy-again".into();
    let again = f.store.insert_user(&new, &audit(&f.store, "CreateUser")).unwrap();
    assert_eq!(read("ivy").map(|(id, _)| id), Some(again.id), "a new user of the old name");
    f.modify("ivy", |_| Ok(Change::Delete)).0.unwrap();
    assert_eq!(read("ivy"), None, "deleted");
}

#[test]
fn delete_cascades() {
    let f = fixture();
    let dave = f.add("dave", "Dave", "dave@example.org");
    f.login(dave.id, "t-dave");
    let dave = f.store.user_by_id(f.customer, dave.id).unwrap().unwrap();
    let (gone, job) = f.modify("dave", |_| Ok(Change::Delete));
    assert_eq!(gone.unwrap(), Some(dave.clone()));
    assert_eq!(f.audit_rows(job), 1);
    assert!(!f.has_session("t-dave"));
    assert_eq!(f.store.user_by_name(f.customer, &name("dave")).unwrap(), None);
    assert_eq!(f.count("SELECT COUNT(*) FROM user_groups"), 0);
}

#[test]
fn revoke_variants_and_password_change() {
    let f = fixture();
    let erin = f.add("erin", "Erin", "erin@example.org");
    let keep = f.login(erin.id, "t1");
    f.login(erin.id, "t2");
    f.login(erin.id, "t3");

    f.modify("erin", |u| Ok(update(u.clone(), Revoke::None))).0.unwrap();
    assert!(f.has_session("t1") && f.has_session("t2") && f.has_session("t3"));

    f.modify("erin", |u| {
        Ok(Change::Update {
            user: Box::new(u.clone()),
            password_hash: Some("$argon2id$new".into()),
            revoke: Revoke::AllBut(keep),
            changed: vec!["password"],
            unlock: false,
            totp_key: None,
            detail: None,
        })
    })
    .0
    .unwrap();
    assert!(f.has_session("t1") && !f.has_session("t2") && !f.has_session("t3"));
    assert_eq!(f.store.password_hash(erin.id).unwrap().as_deref(), Some("$argon2id$new"));

    let (r, _) = f.modify("erin", |u| {
        let mut u = u.clone();
        u.blocked = true;
        Ok(update(u, Revoke::All))
    });
    let blocked = r.unwrap().unwrap();
    assert!(blocked.blocked && blocked.version == 3);
    assert!(!f.has_session("t1"));
}

#[test]
fn sessions_round_trip() {
    let f = fixture();
    let fay = f.add("fay", "Fay", "fay@example.org");
    let id = f.login(fay.id, "tok");
    let row = f.store.session_by_hash(&TokenHash("tok".into())).unwrap().unwrap();
    assert_eq!(
        (row.id, row.customer, row.user_id, row.created_at, row.last_seen_at),
        (id, f.customer, fay.id, NOW, NOW)
    );
    assert_eq!(f.store.user_by_id(f.customer, fay.id).unwrap().unwrap().last_login_at, Some(NOW));

    f.store.touch_session(id, Timestamp(NOW.0 + 60)).unwrap();
    let row = f.store.session_by_hash(&TokenHash("tok".into())).unwrap().unwrap();
    assert_eq!((row.created_at, row.last_seen_at), (NOW, Timestamp(NOW.0 + 60)));

    f.store.delete_session(id).unwrap();
    assert!(!f.has_session("tok"));

    let id = f.login(fay.id, "tok2");
    let a = audit(&f.store, "SessionLogout");
    f.store.logout(id, &a).unwrap();
    assert!(!f.has_session("tok2"));
    assert_eq!(f.audit_rows(a.job.0), 1);

    // A refused login leaves only its audit record.
    let mut a = audit(&f.store, "SessionLogin");
    a.outcome = Outcome::Failure("INVALID_DATA");
    f.store.record_login(&LoginRecord::Refused, &a).unwrap();
    let outcome: String =
        f.raw().query_row("SELECT outcome FROM audit WHERE id = ?1", [a.job.0], |r| r.get(0)).unwrap();
    assert_eq!(outcome, "INVALID_DATA");
    assert_eq!(f.count("SELECT COUNT(*) FROM sessions"), 0);
}

#[test]
fn lockout_and_reset() {
    let f = fixture();
    let gus = f.add("gus", "Gus", "gus@example.org");
    let wrong = |at: i64| LoginRecord::Failure {
        account: acme("GUS"),
        user_id: Some(gus.id),
        at: Timestamp(at),
        hard_lock_after: 3,
    };
    let guard = |f: &Fixture| f.store.login_guard(&acme("gus")).unwrap();
    let locked = |f: &Fixture| f.store.user_by_id(f.customer, gus.id).unwrap().unwrap().locked;

    f.store.record_login(&wrong(10), &audit(&f.store, "SessionLogin")).unwrap();
    f.store.record_login(&wrong(11), &audit(&f.store, "SessionLogin")).unwrap();
    assert_eq!(guard(&f), Some(GuardState { failures: 2, last_failure_at: Timestamp(11), locked: false }));
    assert!(!locked(&f));
    // A success in between starts the count again.
    let purge = SessionCutoffs { idle_before: Timestamp(0), created_before: Timestamp(0) };
    let ok = LoginRecord::Success {
        user_id: gus.id,
        token_hash: TokenHash("t-gus".into()),
        account: acme("gus"),
        purge,
        new_password: None,
        totp_step: None,
    };
    f.store.record_login(&ok, &audit(&f.store, "SessionLogin")).unwrap();
    assert_eq!(guard(&f), None);
    for at in 20..23 {
        f.store.record_login(&wrong(at), &audit(&f.store, "SessionLogin")).unwrap();
    }
    assert_eq!(guard(&f), Some(GuardState { failures: 3, last_failure_at: Timestamp(22), locked: true }));
    assert!(locked(&f), "the hard lock reaches the user row");

    let a = audit(&f.store, "ResetPassword");
    f.store.reset_password(gus.id, "$argon2id$reset", &a).unwrap();
    assert_eq!(guard(&f), None);
    assert!(!locked(&f));
    assert!(!f.has_session("t-gus"));
    assert_eq!(f.store.password_hash(gus.id).unwrap().as_deref(), Some("$argon2id$reset"));
    assert_eq!(f.audit_rows(a.job.0), 1);

    // Names without an account are counted the same way (and lock nobody's row).
    let ghost = LoginRecord::Failure { account: acme("ghost"), user_id: None, at: Timestamp(30), hard_lock_after: 1 };
    f.store.record_login(&ghost, &audit(&f.store, "SessionLogin")).unwrap();
    assert_eq!(
        f.store.login_guard(&acme("ghost")).unwrap(),
        Some(GuardState { failures: 1, last_failure_at: Timestamp(30), locked: true })
    );
}

#[test]
fn unlock_in_a_change_clears_the_guard() {
    let f = fixture();
    let hal = f.add("hal", "Hal", "hal@example.org");
    let wrong = LoginRecord::Failure { account: acme("hal"), user_id: Some(hal.id), at: NOW, hard_lock_after: 1 };
    f.store.record_login(&wrong, &audit(&f.store, "SessionLogin")).unwrap();
    let locked = f.store.user_by_id(f.customer, hal.id).unwrap().unwrap();
    assert!(locked.locked);
    f.modify("hal", |u| {
        Ok(Change::Update {
            user: Box::new(User { locked: false, ..u.clone() }),
            password_hash: None,
            revoke: Revoke::None,
            changed: vec!["locked"],
            unlock: true,
            totp_key: None,
            detail: None,
        })
    })
    .0
    .unwrap();
    assert_eq!(f.store.login_guard(&acme("hal")).unwrap(), None);
    assert!(!f.store.user_by_id(f.customer, hal.id).unwrap().unwrap().locked);
}

#[test]
fn a_rename_keeps_the_failed_logins_and_a_new_user_starts_clean() {
    let f = fixture();
    let ivy = f.add("ivy", "Ivy", "ivy@example.org");
    let fail = |account: AccountKey, user_id: Option<UserId>| LoginRecord::Failure {
        account,
        user_id,
        at: NOW,
        hard_lock_after: 100,
    };
    for _ in 0..3 {
        f.store.record_login(&fail(acme("ivy"), Some(ivy.id)), &audit(&f.store, "SessionLogin")).unwrap();
    }
    // Someone probed the new name before it existed.
    f.store.record_login(&fail(acme("ivy2"), None), &audit(&f.store, "SessionLogin")).unwrap();
    f.modify("ivy", |u| Ok(update(User { user_name: name("IVY2"), ..u.clone() }, Revoke::None))).0.unwrap();
    assert_eq!(f.store.login_guard(&acme("ivy")).unwrap(), None);
    assert_eq!(f.store.login_guard(&acme("ivy2")).unwrap().map(|g| g.failures), Some(3));
    // A name locked while nobody held it does not lock the user created under it.
    let ghost = LoginRecord::Failure { account: acme("jon"), user_id: None, at: NOW, hard_lock_after: 1 };
    f.store.record_login(&ghost, &audit(&f.store, "SessionLogin")).unwrap();
    assert!(f.store.login_guard(&acme("jon")).unwrap().is_some_and(|g| g.locked));
    f.add("Jon", "Jon", "jon@example.org");
    assert_eq!(f.store.login_guard(&acme("jon")).unwrap(), None);
}

#[test]
fn a_login_purges_expired_sessions_a_bounded_number_at_a_time() {
    let f = fixture();
    let ida = f.add("ida", "Ida", "ida@example.org");
    let conn = f.raw();
    // 100 sessions idle since 1,000; 50 created long ago but seen recently; 10 live.
    for i in 0..160 {
        let (created, seen) = match i {
            0..100 => (900, 1_000),
            100..150 => (10, 4_000),
            _ => (4_000, 4_000),
        };
        conn.execute(
            "INSERT INTO sessions (user_id, customer_id, token_hash, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![ida.id.0, f.customer.0, format!("h{i}"), created, seen],
        )
        .unwrap();
    }
    let purge = SessionCutoffs { idle_before: Timestamp(2_000), created_before: Timestamp(100) };
    let login = |token: &str| LoginRecord::Success {
        user_id: ida.id,
        token_hash: TokenHash(token.into()),
        account: acme("ida"),
        purge,
        new_password: None,
        totp_step: None,
    };
    let dead = "SELECT COUNT(*) FROM sessions WHERE last_seen_at <= 2000 OR created_at <= 100";
    f.store.record_login(&login("new1"), &audit(&f.store, "SessionLogin")).unwrap();
    assert_eq!(f.count(dead), 100 - 64, "one pass deletes at most 64 idle and 64 too old");
    f.store.record_login(&login("new2"), &audit(&f.store, "SessionLogin")).unwrap();
    assert_eq!(f.count(dead), 0);
    assert_eq!(f.count("SELECT COUNT(*) FROM sessions"), 10 + 2, "live sessions and the new ones stay");
}

#[test]
fn job_ids_increase_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.db");
    let open = |p: &Path| SqliteStore::open(p).unwrap();

    let store = open(&path);
    let first = store.next_job_id().unwrap();
    assert_eq!(first.0, 1, "an empty database starts at 1");
    let mut last = first;
    for _ in 0..(2 * super::JOB_ID_BLOCK + 5) {
        let id = store.next_job_id().unwrap();
        assert!(id > last);
        last = id;
    }
    drop(store);

    let store = open(&path);
    let after = store.next_job_id().unwrap();
    assert!(after > last, "{after:?} after {last:?}");
    // Audit ids beyond the stored ceiling (written by anything) also push the sequence on.
    store.record_audit(&AuditEntry { job: crate::domain::JobId(after.0 + 50_000), ..audit(&store, "x") }).unwrap();
    drop(store);
    assert!(open(&path).next_job_id().unwrap().0 > after.0 + 50_000);
}

#[test]
fn job_ids_are_unique_across_threads() {
    let f = fixture();
    let mut ids: Vec<i64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| (0..6_000).map(|_| f.store.next_job_id().unwrap().0).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n);
}

/// An unpaged query with this search (lower-cased, as the message layer makes it).
fn unpaged(search: Option<&str>) -> UserQuery {
    UserQuery {
        filter: UserFilter { search: search.map(str::to_owned), ..UserFilter::default() },
        ..UserQuery::default()
    }
}

fn found(s: UserSearch) -> Vec<User> {
    match s {
        UserSearch::Page(p) => p.items,
        UserSearch::TooMany(n) => panic!("too many: {n}"),
    }
}

fn names(users: &[User]) -> Vec<String> {
    users.iter().map(|u| u.user_name.as_str().to_owned()).collect()
}

#[test]
fn search() {
    let f = fixture();
    f.add("zed", "Zoe", "zoe@Example.ORG");
    f.add("amy", "Amelia", "amy@other.net");
    f.add("Bea", "Beatrix", "bea@example.org");
    let q = |s: Option<&str>, limit| f.store.query_users(f.customer, &unpaged(s), limit).unwrap();

    assert_eq!(names(&found(q(None, 10))), ["amy", "Bea", "zed"]);
    assert_eq!(names(&found(q(Some("example.org"), 10))), ["Bea", "zed"]);
    assert_eq!(names(&found(q(Some("beatr"), 10))), ["Bea"]);
    assert_eq!(names(&found(q(Some("nobody"), 10))), Vec::<String>::new());
    assert!(matches!(q(None, 2), UserSearch::TooMany(3)));
    assert_eq!(found(q(Some("a"), 3)).len(), 3);
    // Another customer's users are invisible.
    let other = f.store.ensure_customer(&CustomerName::parse("c", "other").unwrap()).unwrap();
    assert!(found(f.store.query_users(other, &unpaged(None), 10).unwrap()).is_empty());
}

#[test]
fn search_loads_each_users_lists() {
    let f = fixture();
    let mut expected = Vec::new();
    for i in 0..5 {
        let access = Access {
            groups: vec![Group::Default],
            permissions: Permission::ALL.iter().copied().skip(i).take(i).collect(),
            zones: (0..i).map(|z| zone(&format!("z{z}.u{i}.example"), z % 2 == 0)).collect(),
            forbids: (0..i)
                .map(|j| Forbid {
                    name: Permission::ALL[j],
                    zones: (0..j).map(|z| zone(&format!("f{z}"), true)).collect(),
                })
                .collect(),
        };
        let a = audit(&f.store, "CreateUser");
        let rec = record(f.customer, &format!("user{i}"), "First", &format!("u{i}@example.org"), access);
        expected.push(f.store.insert_user(&rec, &a).unwrap());
    }
    assert_eq!(found(f.store.query_users(f.customer, &unpaged(Some("example")), 10).unwrap()), expected);
}

/// Every page of `query` from the first, following the cursors.
fn all_pages(f: &Fixture, mut query: UserQuery) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    loop {
        let UserSearch::Page(p) = f.store.query_users(f.customer, &query, 1_000).unwrap() else { panic!("paged") };
        pages.push(names(&p.items));
        let Some(next) = p.next_cursor else { break };
        query.page.as_mut().unwrap().cursor = Some(next);
    }
    pages
}

#[test]
fn keyset_pages_in_every_sort_and_order_with_ties() {
    let f = fixture();
    // created_at ties (all at NOW) are broken by id; last_login_at: two logged in, the rest never (sorted as 0).
    for n in ["d", "b", "e", "a", "c"] {
        f.add(n, "X", &format!("{n}@example.org"));
    }
    let raw = f.raw();
    raw.execute("UPDATE users SET last_login_at = 50 WHERE user_name = 'e'", []).unwrap();
    raw.execute("UPDATE users SET last_login_at = 40 WHERE user_name = 'b'", []).unwrap();
    let page = |sort, order| UserQuery {
        sort,
        order,
        page: Some(PageRequest { size: 2, cursor: None }),
        ..UserQuery::default()
    };
    let flat = |p: Vec<Vec<String>>| p.concat().join("");
    assert_eq!(all_pages(&f, page(UserSort::UserName, Order::Asc)), [vec!["a", "b"], vec!["c", "d"], vec!["e"]]);
    assert_eq!(flat(all_pages(&f, page(UserSort::UserName, Order::Desc))), "edcba");
    assert_eq!(flat(all_pages(&f, page(UserSort::CreatedAt, Order::Asc))), "dbeac");
    assert_eq!(flat(all_pages(&f, page(UserSort::CreatedAt, Order::Desc))), "caebd");
    assert_eq!(flat(all_pages(&f, page(UserSort::LastLoginAt, Order::Asc))), "dacbe");
    assert_eq!(flat(all_pages(&f, page(UserSort::LastLoginAt, Order::Desc))), "ebcad");
    // A cursor of one sort does not page another.
    let UserSearch::Page(first) = f.store.query_users(f.customer, &page(UserSort::UserName, Order::Asc), 10).unwrap()
    else {
        panic!()
    };
    assert_eq!(first.total, 5);
    let mut other = page(UserSort::CreatedAt, Order::Asc);
    other.page.as_mut().unwrap().cursor = first.next_cursor;
    let err = f.store.query_users(f.customer, &other, 10).unwrap_err();
    assert_eq!(err.code, ErrCode::InvalidData);
    assert!(err.info.starts_with("cursor: "), "{}", err.info);
}

/// The plans of every page query: a search on the customer and the sort key (a range after a cursor), never a
/// sort of the whole customer (TEMP B-TREE) or a scan of the table.
#[test]
fn page_queries_use_their_indexes_and_are_prepared_once() {
    let f = fixture();
    for n in ["a", "b", "c"] {
        f.add(n, "X", &format!("{n}@example.org"));
    }
    let conn = f.raw();
    for sort in [UserSort::UserName, UserSort::CreatedAt, UserSort::LastLoginAt] {
        for order in [Order::Asc, Order::Desc] {
            let q =
                UserQuery { sort, order, page: Some(PageRequest { size: 1, cursor: None }), ..UserQuery::default() };
            let UserSearch::Page(p) = f.store.query_users(f.customer, &q, 10).unwrap() else { panic!() };
            let deep = UserQuery { page: Some(PageRequest { size: 1, cursor: p.next_cursor }), ..q.clone() };
            for query in [&q, &deep] {
                let (sql, values) = super::search::user_page_sql(&f.store.cursor_key, f.customer, query, 10).unwrap();
                let plan: Vec<String> = conn
                    .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .unwrap()
                    .query_map(rusqlite::params_from_iter(&values), |r| r.get::<_, String>(3))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                let plan = plan.join(" / ");
                assert!(plan.starts_with("SEARCH users USING INDEX"), "{sort:?} {order:?}: {plan}");
                assert!(!plan.contains("TEMP B-TREE"), "{sort:?} {order:?}: {plan}");
                if query.page.as_ref().unwrap().cursor.is_some() {
                    assert!(plan.contains('>') || plan.contains('<'), "{sort:?} {order:?} after a cursor: {plan}");
                }
                // SQLite 3.54 re-prepares statements whose ORDER BY leads with a parameter-pinned column: not these.
                for _ in 0..3 {
                    let mut stmt = conn.prepare_cached(&sql).unwrap();
                    let mut rows = stmt.query(rusqlite::params_from_iter(&values)).unwrap();
                    while rows.next().unwrap().is_some() {}
                    drop(rows);
                    assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0, "{sql}");
                }
            }
        }
    }
    // The total of a page: a count over the customer's index, not the table.
    let plan: String = conn
        .query_row("EXPLAIN QUERY PLAN SELECT COUNT(*) FROM users WHERE customer_id = +?1", [1], |r| r.get(3))
        .unwrap();
    assert!(plan.contains("COVERING INDEX"), "{plan}");
    let plan: String = conn
        .query_row(
            "EXPLAIN QUERY PLAN SELECT id FROM audit a WHERE a.customer_id = +?1 AND a.id < +?2 ORDER BY a.id DESC LIMIT +?3",
            [1, 100, 5],
            |r| r.get(3),
        )
        .unwrap();
    assert!(plan.contains("audit_by_customer") && plan.contains("id<?"), "{plan}");
}

#[test]
fn audit_records_are_append_only_except_for_a_permitted_purge() {
    let f = fixture();
    f.add("ann", "Ann", "ann@example.org");
    let raw = f.raw();
    for sql in [
        "UPDATE audit SET target = 'x'",
        "DELETE FROM audit",
        "UPDATE job_results SET info = 'x'",
        "DELETE FROM job_results",
    ] {
        let err = raw.execute(sql, []).unwrap_err().to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    // Without an all-customer export reaching them, nothing goes.
    let later = Timestamp(NOW.0 + 10);
    let purge = audit(&f.store, "AdminAuditPurge");
    assert!(matches!(f.store.purge_audit(later, &purge).unwrap(), PurgeOutcome::NotExported { .. }));
    let customer_only = ExportScope { customer: Some(f.customer), since: None };
    let summary = f.store.export_audit(customer_only, &mut |_| Ok(())).unwrap();
    f.store.record_export(customer_only, NOW, summary).unwrap();
    assert!(matches!(f.store.purge_audit(later, &purge).unwrap(), PurgeOutcome::NotExported { .. }));
    let mut seen = Vec::new();
    let all = f
        .store
        .export_audit(ExportScope::default(), &mut |e| {
            seen.push(e.job.0);
            Ok(())
        })
        .unwrap();
    // Exported but not yet recorded: still refused.
    assert!(matches!(f.store.purge_audit(later, &purge).unwrap(), PurgeOutcome::NotExported { .. }));
    f.store.record_export(ExportScope::default(), NOW, all).unwrap();
    assert_eq!(all.rows, seen.len() as u64);
    assert_eq!(all.max_job.map(|j| j.0), seen.last().copied());
    let before = f.count("SELECT COUNT(*) FROM audit");
    let newer = audit(&f.store, "AdminAuditPurge");
    assert_eq!(f.store.purge_audit(later, &newer).unwrap(), PurgeOutcome::Purged(u64::try_from(before).unwrap()));
    // Only the purge's own record is left; the permit is gone, so the triggers hold again.
    assert_eq!(f.count("SELECT COUNT(*) FROM audit"), 1);
    assert_eq!(f.count("SELECT COUNT(*) FROM audit_purge_permit"), 0);
    assert!(raw.execute("DELETE FROM audit", []).is_err());
}

#[test]
fn reopen_keeps_data() {
    let f = fixture();
    let hal = f.add("hal", "Hal", "hal@example.org");
    let Fixture { _dir, path, store, customer } = f;
    drop(store);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.user_by_name(customer, &name("HAL")).unwrap(), Some(hal));
    assert_eq!(store.customer_count().unwrap(), 1);
}

#[test]
fn corrupted_data_is_an_internal_error() {
    let f = fixture();
    let ivy = f.add("ivy", "Ivy", "ivy@example.org");
    f.raw().execute("UPDATE user_groups SET group_name = 'WIZARD' WHERE user_id = ?1", [ivy.id.0]).unwrap();
    let err = f.store.user_by_id(f.customer, ivy.id).unwrap_err();
    assert_eq!(err, DomainError::internal());
}

#[test]
fn readers_are_reused_and_bounded() {
    let f = fixture();
    f.add("jo", "Jo", "jo@example.org");
    std::thread::scope(|s| {
        for _ in 0..12 {
            s.spawn(|| {
                for _ in 0..20 {
                    assert!(f.store.user_by_name(f.customer, &name("jo")).unwrap().is_some());
                }
            });
        }
    });
    let idle = f.store.readers.lock().unwrap().len();
    assert!((1..=super::MAX_IDLE_READERS).contains(&idle), "{idle}");
}

#[test]
fn hot_read_statements_are_not_prepared_again_on_every_run() {
    // SQLite 3.54 re-prepares a statement whose ORDER BY leads with a column pinned by a bound parameter; the
    // per-user list queries are written so that it does not (see LISTS_BY_USER).
    let f = fixture();
    let conn = Connection::open(&f.path).unwrap();
    for sql in [&*super::queries::LISTS_BY_USER] {
        for _ in 0..3 {
            let mut stmt = conn.prepare_cached(sql).unwrap();
            let mut rows = stmt.query([1i64]).unwrap();
            while rows.next().unwrap().is_some() {}
            drop(rows);
            assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0, "{sql}");
        }
    }
}

/// Writers queued behind a held connection form one batch: one COMMIT for all of them.
#[test]
fn concurrent_writes_share_one_commit_and_are_all_durable() {
    let f = fixture();
    let writers = 12;
    // The first job id reserves a block of ids through the writer: get that done before the writer is held.
    f.store.next_job_id().unwrap();
    let commits_before = std::thread::scope(|s| {
        let held = f.store.writer.state();
        let before = held.commits;
        let handles: Vec<_> = (0..writers)
            .map(|i| {
                let f = &f;
                s.spawn(move || f.add(&format!("batch{i}"), "Batch", &format!("b{i}@example.org")).id)
            })
            .collect();
        while f.store.writer.queued() < writers {
            std::thread::yield_now();
        }
        drop(held);
        for h in handles {
            h.join().unwrap();
        }
        before
    });
    assert_eq!(f.store.writer.state().commits - commits_before, 1, "one transaction for the queued writers");
    // Durable: another connection (as after a restart) sees every user and its audit record.
    assert_eq!(f.count("SELECT COUNT(*) FROM users WHERE user_name LIKE 'batch%'"), 12);
    assert_eq!(f.count("SELECT COUNT(*) FROM audit WHERE operation = 'CreateUser'"), 12);
    drop(f.store);
    let reopened = SqliteStore::open(&f.path).unwrap();
    assert!(reopened.user_by_name(f.customer, &name("batch11")).unwrap().is_some());
}

/// A write that fails (duplicate name, or a panic) rolls back alone; its batch neighbours commit.
#[test]
fn a_failing_write_does_not_fail_its_batch() {
    let f = fixture();
    f.add("taken", "Taken", "taken@example.org");
    f.store.next_job_id().unwrap();
    let results: Vec<Result<(), String>> = std::thread::scope(|s| {
        let held = f.store.writer.state();
        let mut handles = Vec::new();
        for i in 0..9 {
            let f = &f;
            handles.push(s.spawn(move || {
                let user = if i == 4 { "TAKEN".to_owned() } else { format!("ok{i}") };
                let a = audit(&f.store, "CreateUser");
                let rec = record(f.customer, &user, "First", "x@example.org", plain_access());
                f.store.insert_user(&rec, &a).map(|_| ()).map_err(|e| e.code.as_str().to_owned())
            }));
        }
        let f = &f;
        let panicking = s.spawn(move || {
            f.store.write(|conn| -> Result<(), super::StoreError> {
                conn.execute("DELETE FROM users", [])?;
                panic!("a bug in a write");
            })
        });
        while f.store.writer.queued() < 10 {
            std::thread::yield_now();
        }
        drop(held);
        assert!(panicking.join().is_err());
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let failed: Vec<_> = results.iter().filter_map(|r| r.clone().err()).collect();
    assert_eq!(failed, ["TARGET_EXISTS"]);
    assert_eq!(f.count("SELECT COUNT(*) FROM users WHERE user_name LIKE 'ok%'"), 8);
    assert_eq!(f.count("SELECT COUNT(*) FROM users"), 9, "the panicking write's DELETE was rolled back");
    // The writer is usable after all of it.
    f.add("after", "After", "after@example.org");
    assert_eq!(f.count("SELECT COUNT(*) FROM users"), 10);
}

#[test]
fn a_batch_is_bounded() {
    let f = fixture();
    let n = super::writer::MAX_BATCH + 10;
    f.store.next_job_id().unwrap();
    let before = std::thread::scope(|s| {
        let held = f.store.writer.state();
        let before = held.commits;
        for i in 0..n {
            let f = &f;
            s.spawn(move || f.store.record_audit(&audit(&f.store, if i % 2 == 0 { "a" } else { "b" })).unwrap());
        }
        while f.store.writer.queued() < n {
            std::thread::yield_now();
        }
        drop(held);
        before
    });
    assert_eq!(f.store.writer.state().commits - before, 2);
    assert_eq!(f.count("SELECT COUNT(*) FROM audit"), i64::try_from(n).unwrap());
}

/// Authenticated requests read sessions and their users through the cache; every change that ends a session or
/// changes a user is seen at once, because the write invalidates on commit.
#[test]
fn cached_sessions_and_users_follow_every_change() {
    let f = fixture();
    let kim = f.add("kim", "Kim", "kim@example.org");
    f.login(kim.id, "tok-kim-1");
    f.login(kim.id, "tok-kim-2");
    let hash = |t: &str| TokenHash(t.into());
    // Cached now.
    assert!(f.store.session_by_hash(&hash("tok-kim-1")).unwrap().is_some());
    assert!(!f.store.user_by_id(f.customer, kim.id).unwrap().unwrap().blocked);

    // Blocking (a modify) is seen by the next lookup of the user.
    let (r, _) = f.modify("kim", |u| {
        let mut u = u.clone();
        u.blocked = true;
        Ok(update(u, Revoke::None))
    });
    r.unwrap();
    assert!(f.store.user_by_id(f.customer, kim.id).unwrap().unwrap().blocked);

    // Logout ends one session, revoking ends the rest.
    let one = f.store.session_by_hash(&hash("tok-kim-1")).unwrap().unwrap();
    f.store.logout(one.id, &audit(&f.store, "SessionLogout")).unwrap();
    assert!(!f.has_session("tok-kim-1"));
    assert!(f.has_session("tok-kim-2"));
    let (r, _) = f.modify("kim", |u| Ok(update(u.clone(), Revoke::All)));
    r.unwrap();
    assert!(!f.has_session("tok-kim-2"));

    // A password reset, then deletion.
    f.login(kim.id, "tok-kim-3");
    assert!(f.has_session("tok-kim-3"));
    f.store.reset_password(kim.id, "$argon2id$new", &audit(&f.store, "AdminResetPassword")).unwrap();
    assert!(!f.has_session("tok-kim-3"));
    f.login(kim.id, "tok-kim-4");
    assert!(f.has_session("tok-kim-4"));
    let (r, _) = f.modify("kim", |_| Ok(Change::Delete));
    r.unwrap();
    assert!(!f.has_session("tok-kim-4"));
    assert!(f.store.user_by_id(f.customer, kim.id).unwrap().is_none());
}

/// Another process (an offline admin command) writes behind the cache's back: its change shows within the TTL.
#[test]
fn changes_by_another_process_show_within_the_ttl() {
    let f = fixture();
    let lee = f.add("lee", "Lee", "lee@example.org");
    f.login(lee.id, "tok-lee");
    assert!(f.has_session("tok-lee"));
    f.raw().execute("DELETE FROM sessions", []).unwrap();
    std::thread::sleep(super::cache::TTL + std::time::Duration::from_millis(50));
    assert!(!f.has_session("tok-lee"));
}

#[test]
fn job_results_keep_the_answered_user_and_no_secret() {
    let f = fixture();
    let access = Access {
        groups: vec![Group::Admin, Group::Default],
        permissions: vec![Permission::UserGet],
        zones: vec![zone("example.org", false)],
        forbids: vec![Forbid { name: Permission::RecordAdd, zones: vec![zone("lab.example.org", true)] }],
    };
    let a = AuditEntry { customer: Some(f.customer), ..audit(&f.store, "CreateUser") };
    let user = f.store.insert_user(&record(f.customer, "jobber", "Jo", "jo@example.org", access), &a).unwrap();
    let job = f.store.job(f.customer, a.job).unwrap().unwrap();
    assert_eq!(job.user.as_ref(), Some(&user));
    assert_eq!(
        (job.info.as_deref(), job.outcome.clone(), job.operation.as_str()),
        (Some("CreateUser: done"), Outcome::Success, "CreateUser")
    );
    assert!(f.store.job(CustomerId(f.customer.0 + 1), a.job).unwrap().is_none(), "another customer's job");
    let failed = AuditEntry {
        customer: Some(f.customer),
        outcome: Outcome::Failure(ErrCode::PermissionDenied.as_str()),
        info: "permission: UserAdd is required".into(),
        ..audit(&f.store, "CreateUser")
    };
    f.store.record_audit(&failed).unwrap();
    let job = f.store.job(f.customer, failed.job).unwrap().unwrap();
    assert_eq!((job.err_cd(), job.user), (Some("PERMISSION_DENIED"), None));
    let kept: String = f.raw().query_row("SELECT group_concat(user_view) FROM job_results", [], |r| r.get(0)).unwrap();
    assert!(!kept.contains("argon2") && !kept.contains("correct horse"), "{kept}");
}

mod update_users {
    use super::*;
    use crate::domain::ddns::{DdnsChange, DdnsUser, DdnsUserId, Nickname, SealedPassword};
    use pretty_assertions::assert_eq;

    fn ddns(customer: CustomerId, user_name: &str) -> DdnsUser {
        DdnsUser {
            id: DdnsUserId(0),
            customer,
            user_name: name(user_name),
            nickname: Nickname::trusted("router".into()),
            blocked: false,
            created_at: NOW,
            updated_at: NOW,
            version: 1,
        }
    }

    fn sealed(b: u8) -> SealedPassword {
        SealedPassword(vec![1, b, b, b])
    }

    #[test]
    fn one_name_space_with_ordinary_users_per_customer() {
        let f = fixture();
        let exists = DomainError::new(ErrCode::TargetExists, "user_name", "already exists");
        f.add("bob", "Bob", "bob@example.org");
        let a = audit(&f.store, "CreateUpdateUser");
        assert_eq!(f.store.insert_ddns_user(&ddns(f.customer, "BOB"), &sealed(1), &a).unwrap_err(), exists);
        assert_eq!(f.audit_rows(a.job.0), 0, "the failed insert left no audit record");
        let a = audit(&f.store, "CreateUpdateUser");
        let made = f.store.insert_ddns_user(&ddns(f.customer, "ddns-a"), &sealed(1), &a).unwrap();
        assert!(made.id.0 > 0);
        let a = audit(&f.store, "CreateUpdateUser");
        assert_eq!(f.store.insert_ddns_user(&ddns(f.customer, "DDNS-A"), &sealed(2), &a).unwrap_err(), exists);
        // Ordinary users cannot take the name, by insert or by rename.
        let a = audit(&f.store, "CreateUser");
        let err = f.store.insert_user(&record(f.customer, "Ddns-A", "D", "d@example.org", plain_access()), &a);
        assert_eq!(err.unwrap_err(), exists);
        let (r, _) = f.modify("bob", |u| {
            let mut next = u.clone();
            next.user_name = name("ddns-A");
            Ok(update(next, Revoke::None))
        });
        assert_eq!(r.unwrap_err(), DomainError::new(ErrCode::TargetExists, "new_user_name", "already exists"));
        // Another customer has its own name space.
        let other = f.store.ensure_customer(&CustomerName::parse("c", "other").unwrap()).unwrap();
        let a = audit(&f.store, "CreateUpdateUser");
        f.store.insert_ddns_user(&ddns(other, "bob"), &sealed(3), &a).unwrap();
        assert_eq!(
            f.store.ddns_users(f.customer).unwrap().iter().map(|u| u.user_name.as_str()).collect::<Vec<_>>(),
            ["ddns-a"]
        );
    }

    #[test]
    fn modify_changes_state_and_password_and_always_audits() {
        let f = fixture();
        let a = audit(&f.store, "CreateUpdateUser");
        f.store.insert_ddns_user(&ddns(f.customer, "ddns-a"), &sealed(1), &a).unwrap();
        let stored = |f: &Fixture| -> Vec<u8> {
            f.raw().query_row("SELECT password_sealed FROM update_users", [], |r| r.get(0)).unwrap()
        };
        let mut a = audit(&f.store, "UpdateUpdateUser");
        let job = a.job.0;
        let got = f
            .store
            .modify_ddns_user(f.customer, &name("DDNS-A"), &mut a, &mut |u, s| {
                assert_eq!(s, &sealed(1));
                let mut next = u.clone();
                next.blocked = true;
                next.version += 1;
                // Name and nickname are identity: a rule that changed them would be ignored.
                next.nickname = Nickname::trusted("other".into());
                Ok(DdnsChange::Update { user: next, password: Some(sealed(9)), changed: vec!["status", "password"] })
            })
            .unwrap()
            .unwrap();
        assert!(got.blocked && got.version == 2 && got.nickname.as_str() == "router");
        assert_eq!(stored(&f), sealed(9).0);
        assert_eq!(f.audit_rows(job), 1);
        assert_eq!(
            f.count("SELECT COUNT(*) FROM job_results WHERE user_view IS NOT NULL"),
            0,
            "no user in job results"
        );
        // A refusal rolls back and writes nothing; a reveal writes only its audit record; a missing user nothing.
        let mut a = audit(&f.store, "UpdateUpdateUser");
        let err = DomainError::new(ErrCode::InternalError, "server", "internal error");
        let r = f.store.modify_ddns_user(f.customer, &name("ddns-a"), &mut a, &mut |_, _| Err(err.clone()));
        assert_eq!(r.unwrap_err(), err);
        assert_eq!(f.audit_rows(a.job.0), 0);
        let mut a = audit(&f.store, "GetUpdateUserPassword");
        f.store.modify_ddns_user(f.customer, &name("ddns-a"), &mut a, &mut |_, _| Ok(DdnsChange::Reveal)).unwrap();
        assert_eq!(f.audit_rows(a.job.0), 1);
        let mut a = audit(&f.store, "DeleteOneUpdateUser");
        assert!(
            f.store
                .modify_ddns_user(f.customer, &name("nobody"), &mut a, &mut |_, _| Ok(DdnsChange::Delete))
                .unwrap()
                .is_none()
        );
        assert_eq!(f.audit_rows(a.job.0), 0);
        f.store.modify_ddns_user(f.customer, &name("ddns-a"), &mut a, &mut |_, _| Ok(DdnsChange::Delete)).unwrap();
        assert_eq!(f.count("SELECT COUNT(*) FROM update_users"), 0);
    }
}

/// The write-free way to a job id takes from the same sequence, and only what is already durably reserved.
#[test]
fn job_ids_without_a_write_come_from_the_reserved_block_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("jobs.db")).unwrap();
    assert_eq!(store.next_job_id_if_reserved(), None, "nothing is reserved before the first job id");
    let first = store.next_job_id().unwrap();
    let second = store.next_job_id_if_reserved().unwrap();
    let third = store.next_job_id().unwrap();
    assert!(first < second && second < third);
    let mut last = third;
    while let Some(id) = store.next_job_id_if_reserved() {
        assert!(id > last);
        last = id;
    }
    assert_eq!(last.0, first.0 + super::JOB_ID_BLOCK - 1, "the whole block, and not one id beyond it");
    assert!(store.next_job_id().unwrap() > last, "the next block is reserved by a write");
}
