//! Bench data (`usergate admin seed-bench`, hidden from help): many users written straight through the store in
//! large batches. Every seeded user shares ONE precomputed Argon2id hash of the given password: bench data only.

use crate::admin::{AdminError, bootstrap_if_empty};
use crate::auth::password::PasswordHasher;
use crate::domain::Store;
use crate::domain::audit::{AuditEntry, Outcome};
use crate::domain::permission::Group;
use crate::domain::store::NewUserRecord;
use crate::domain::user::{Access, NewUser, Password, Profile, ProfileField};
use crate::domain::values::{CustomerName, Text, Timestamp, UserName};
use crate::store::sqlite::SqliteStore;

/// Users per write: large enough that the commit cost vanishes, small enough to keep memory flat.
const CHUNK: u64 = 10_000;
/// Users per search team: `GetUsers` with search `team00007` matches exactly this many (see `seeded_name`).
pub const TEAM_SIZE: u64 = 100;

/// The name of seeded user `i` (1-based): `u0000001`, `u0000002`, ...
pub fn seeded_name(i: u64) -> String {
    format!("u{i:07}")
}

fn text(field: &str, s: &str) -> Result<Text, AdminError> {
    Ok(Text::parse(field, s)?)
}

fn record(customer: &SeedTarget, i: u64, password: &Password, hash: &str) -> Result<NewUserRecord, AdminError> {
    let name = seeded_name(i);
    let mut profile = Profile::default();
    profile.set(ProfileField::Nickname, Some(text("nickname", &name)?));
    profile.set(ProfileField::FirstName, Some(text("first_name", "Bench")?));
    // Searchable and shared by TEAM_SIZE users: the GetUsers scenario's 100 matches.
    profile.set(ProfileField::LastName, Some(text("last_name", &format!("Team{:05}", (i - 1) / TEAM_SIZE))?));
    profile.set(ProfileField::Email, Some(ProfileField::Email.parse(&format!("{name}@bench.example"))?));
    profile.set(ProfileField::Organization, Some(text("organization", "Bench")?));
    Ok(NewUserRecord {
        customer: customer.id,
        user: NewUser {
            user_name: UserName::parse("user_name", &name)?,
            password: password.clone(),
            profile,
            access: Access { groups: vec![Group::Default], ..Access::default() },
        },
        password_hash: hash.to_owned(),
        uid: format!("bench-{i}"),
        now: customer.now,
        password_expiry: None,
    })
}

struct SeedTarget {
    id: crate::domain::user::CustomerId,
    now: Timestamp,
}

/// Bootstraps an empty database (owner `owner` of customer `default`, with `password`) and adds `users` users
/// `u0000001..` to `default`, all with `password`. Returns how many were added.
pub fn seed_bench(
    store: &SqliteStore,
    hasher: &PasswordHasher,
    users: u64,
    password: &str,
    min_password_chars: usize,
) -> Result<u64, AdminError> {
    bootstrap_if_empty(store, hasher, Some(password), min_password_chars)?;
    let customer = CustomerName::parse("customer", "default")?;
    let id = store.find_customer(&customer)?.ok_or_else(|| AdminError::Other("no customer default".into()))?;
    let target = SeedTarget { id, now: Timestamp::now() };
    let password = Password::parse("password", password, min_password_chars)?;
    let hash = hasher.hash(password.expose()).map_err(|e| AdminError::Other(e.to_string()))?;
    let mut first = 1;
    while first <= users {
        let last = (first + CHUNK - 1).min(users);
        let records = (first..=last).map(|i| record(&target, i, &password, &hash)).collect::<Result<Vec<_>, _>>()?;
        let audit = AuditEntry {
            job: store.next_job_id()?,
            at: target.now,
            customer: Some(id),
            actor: None,
            actor_name: "usergate-admin".into(),
            operation: "AdminSeedBench",
            target: format!("{}..{}", seeded_name(first), seeded_name(last)),
            outcome: Outcome::Success,
            changed: vec!["user_name", "password"],
            client_addr: "local".into(),
            correlation_id: String::new(),
            info: "admin: AdminSeedBench done".into(),
        };
        store.seed_users(&records, &audit)?;
        first = last + 1;
    }
    Ok(users)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::domain::search::{UserFilter, UserQuery, UserSearch};

    #[test]
    fn seeds_searchable_users_that_share_one_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("seed.db")).unwrap();
        let hasher = PasswordHasher::new(1).unwrap();
        assert_eq!(seed_bench(&store, &hasher, 250, "bench-password", 8).unwrap(), 250);
        let default = store.find_customer(&CustomerName::parse("c", "default").unwrap()).unwrap().unwrap();
        let u = store.user_by_name(default, &UserName::parse("u", "u0000250").unwrap()).unwrap().unwrap();
        assert_eq!(u.profile.get(ProfileField::LastName).unwrap().as_str(), "Team00002");
        let hash = store.password_hash(u.id).unwrap().unwrap();
        assert!(hasher.verify("bench-password", Some(&hash)));
        let query = UserQuery {
            filter: UserFilter { search: Some("team00001".into()), ..UserFilter::default() },
            ..UserQuery::default()
        };
        let UserSearch::Page(team) = store.query_users(default, &query, 10_000).unwrap() else { panic!("too many") };
        assert_eq!(team.items.len(), 100);
        // The owner was bootstrapped with the same password.
        let owner = store.user_by_name(default, &UserName::parse("u", "owner").unwrap()).unwrap().unwrap();
        assert!(hasher.verify("bench-password", store.password_hash(owner.id).unwrap().as_deref()));
    }
}
