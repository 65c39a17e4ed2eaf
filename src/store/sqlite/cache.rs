//! The session cache: token hash -> session row, user id -> user, and (customer, user name) -> user id, for the
//! lookups every authenticated request makes (`session_by_hash`, `user_by_id`) and the target of most of them
//! (`user_by_name`). Writes of this store invalidate what they change once their transaction
//! has committed; a generation number keeps a read that began before such a commit from caching what it saw. Changes
//! made by another process (the offline admin commands) are not seen here: entries live at most `TTL`.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::domain::session::SessionId;
use crate::domain::store::SessionRow;
use crate::domain::user::{CustomerId, User, UserId};

/// How stale an entry may be with respect to writes by another process.
pub(super) const TTL: Duration = Duration::from_secs(1);
/// Entries per map; a full map is emptied (the cache only holds what live sessions use).
const CAPACITY: usize = 4096;

#[derive(Default)]
pub(super) struct Cache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Bumped by every invalidation: a read that started under an older generation is not cached.
    generation: u64,
    sessions: HashMap<String, (SessionRow, Instant)>,
    users: HashMap<i64, (User, Instant)>,
    /// A name's entry is only a hint: the user it points to must still be cached under that name, so renames and
    /// deletions need no search of this map (the user's own entry goes, and the hint then leads nowhere).
    names: HashMap<CustomerId, HashMap<String, UserId>>,
    /// Entries in `names`, all customers together (the map's memory bound).
    names_len: usize,
}

/// What a committed write changed.
#[derive(Debug, Clone, Copy)]
pub(super) enum Changed {
    /// The user (and possibly its sessions: revoked, or deleted with it).
    User(UserId),
    Session(SessionId),
}

fn fresh(at: Instant) -> bool {
    at.elapsed() < TTL
}

impl Cache {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every critical section below leaves the maps consistent, panic or not.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Take this before reading the database; pass it to `put_*` with what was read.
    pub(super) fn generation(&self) -> u64 {
        self.lock().generation
    }

    pub(super) fn session(&self, hash: &str) -> Option<SessionRow> {
        let inner = self.lock();
        inner.sessions.get(hash).filter(|(_, at)| fresh(*at)).map(|(row, _)| row.clone())
    }

    pub(super) fn user(&self, customer: CustomerId, id: UserId) -> Option<User> {
        let inner = self.lock();
        inner.users.get(&id.0).filter(|(u, at)| u.customer == customer && fresh(*at)).map(|(u, _)| u.clone())
    }

    /// The user of `customer` whose name key (lower-cased) is `key`.
    pub(super) fn user_named(&self, customer: CustomerId, key: &str) -> Option<User> {
        let inner = self.lock();
        let id = inner.names.get(&customer)?.get(key)?;
        let (user, at) = inner.users.get(&id.0)?;
        (user.customer == customer && fresh(*at) && user.user_name.as_str().eq_ignore_ascii_case(key))
            .then(|| user.clone())
    }

    pub(super) fn put_session(&self, generation: u64, hash: &str, row: &SessionRow) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.sessions.len() >= CAPACITY {
            inner.sessions.clear();
        }
        inner.sessions.insert(hash.to_owned(), (row.clone(), Instant::now()));
    }

    pub(super) fn put_user(&self, generation: u64, user: &User) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.users.len() >= CAPACITY || inner.names_len >= CAPACITY {
            inner.users.clear();
            inner.names.clear();
            inner.names_len = 0;
        }
        inner.users.insert(user.id.0, (user.clone(), Instant::now()));
        if inner.names.entry(user.customer).or_default().insert(user.user_name.key(), user.id).is_none() {
            inner.names_len += 1;
        }
    }

    /// Call after the write that changed it has committed (and before acknowledging it).
    pub(super) fn invalidate(&self, changed: Changed) {
        let mut inner = self.lock();
        inner.generation += 1;
        match changed {
            Changed::User(id) => {
                inner.users.remove(&id.0);
                inner.sessions.retain(|_, (row, _)| row.user_id != id);
            }
            Changed::Session(id) => inner.sessions.retain(|_, (row, _)| row.id != id),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::domain::values::Timestamp;

    fn row(id: i64, user: i64) -> SessionRow {
        SessionRow {
            id: SessionId(id),
            customer: CustomerId(1),
            user_id: UserId(user),
            created_at: Timestamp(1),
            last_seen_at: Timestamp(1),
        }
    }

    #[test]
    fn a_read_that_began_before_an_invalidation_is_not_cached() {
        let cache = Cache::default();
        let before = cache.generation();
        cache.invalidate(Changed::Session(SessionId(9)));
        cache.put_session(before, "h1", &row(1, 1));
        assert!(cache.session("h1").is_none());
        cache.put_session(cache.generation(), "h1", &row(1, 1));
        assert_eq!(cache.session("h1").unwrap().id, SessionId(1));
    }

    #[test]
    fn invalidation_drops_the_session_or_every_session_of_the_user() {
        let cache = Cache::default();
        let g = cache.generation();
        for (hash, id, user) in [("a", 1, 10), ("b", 2, 10), ("c", 3, 11)] {
            cache.put_session(g, hash, &row(id, user));
        }
        cache.invalidate(Changed::Session(SessionId(3)));
        assert!(cache.session("c").is_none());
        assert!(cache.session("a").is_some());
        cache.invalidate(Changed::User(UserId(10)));
        assert!(cache.session("a").is_none() && cache.session("b").is_none());
    }
}
