//! Login throttling: the per-account lockout (a delay that grows after a few failures, a hard lock at many) and the
//! per-source token bucket that keeps one client from guessing at, or locking out, many accounts quickly.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use super::values::{CustomerName, Timestamp, UserName};

/// An account as a login names it: the case-folded customer and user names. Unknown accounts have a key too, so
/// that throttling treats them exactly like real ones (the lockout must not reveal which names exist).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountKey {
    pub customer: String,
    pub user: String,
}

impl AccountKey {
    pub fn of(customer: &CustomerName, user: &UserName) -> AccountKey {
        AccountKey { customer: customer.key(), user: user.key() }
    }
}

/// What the store remembers about an account's recent failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardState {
    /// Wrong passwords in a row.
    pub failures: u32,
    pub last_failure_at: Timestamp,
    /// Hard-locked: refused until UnblockUser, `usergate admin unlock` or a password reset.
    pub locked: bool,
}

/// The lockout rule (design.md section 6; OWASP exponential lockout, NIST SP 800-63B section 5.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures answered normally before any delay (5).
    pub free_failures: u32,
    /// The delay after the first failure past the free ones; it doubles with each further failure (1 s).
    pub first_delay_secs: u64,
    /// The ceiling of the delay (15 min).
    pub max_delay_secs: u64,
    /// Failures in a row that lock the account until an administrator unlocks it (NIST: at most 100).
    pub hard_lock_after: u32,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy { free_failures: 5, first_delay_secs: 1, max_delay_secs: 15 * 60, hard_lock_after: 100 }
    }
}

impl LockoutPolicy {
    /// How long after its latest failure an account with `failures` failures in a row refuses every attempt.
    pub fn delay_secs(&self, failures: u32) -> u64 {
        if failures < self.free_failures {
            return 0;
        }
        let doublings = (failures - self.free_failures).min(63);
        self.first_delay_secs.saturating_mul(1u64 << doublings).min(self.max_delay_secs)
    }

    /// Whether an attempt now is refused without looking at the password.
    pub fn refuses(&self, state: Option<&GuardState>, now: Timestamp) -> bool {
        let Some(s) = state else {
            return false;
        };
        s.locked || now < s.last_failure_at.plus_secs(self.delay_secs(s.failures))
    }

    /// Whether the failure that brings the count to `failures` locks the account for good.
    pub fn locks_at(&self, failures: u32) -> bool {
        failures >= self.hard_lock_after
    }
}

/// Accounts with recorded failures whose login is being checked right now. While one attempt on such an account is
/// verifying, another is refused unchecked: otherwise parallel requests would all pass the lockout check before
/// any of them counted, and a delay would admit one guess per hasher slot instead of one. Accounts without failures
/// are not claimed, so clients that log in with the same credentials in parallel are not affected. Bounded by the
/// logins in flight.
#[derive(Debug, Default)]
pub struct InFlight {
    accounts: Mutex<std::collections::HashSet<AccountKey>>,
}

/// An account claimed by one attempt until dropped.
#[derive(Debug)]
pub struct Claim<'a> {
    owner: &'a InFlight,
    account: AccountKey,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        self.owner.accounts.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.account);
    }
}

impl InFlight {
    /// The account for this attempt alone; `None` when another attempt holds it.
    pub fn claim(&self, account: &AccountKey) -> Option<Claim<'_>> {
        let fresh = self.accounts.lock().unwrap_or_else(PoisonError::into_inner).insert(account.clone());
        fresh.then(|| Claim { owner: self, account: account.clone() })
    }
}

/// The per-source limit on SessionLogin: a token bucket of `burst` attempts refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// 0 turns the limit off (for a deployment behind a proxy, where every client has the proxy's address).
    pub per_minute: u32,
    pub burst: u32,
    /// Sources remembered at once; the table never grows beyond it.
    pub max_sources: usize,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit { per_minute: 30, burst: 20, max_sources: 10_000 }
    }
}

/// Bucket contents are kept in sixtieths of an attempt, so that a whole number refills per second.
const UNITS: u64 = 60;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    units: u64,
    at: Timestamp,
    /// A refusal was already reported since the bucket last admitted an attempt.
    reported: bool,
}

/// The limiter's answer to one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// Refused; `first` is true for the first refusal since the source's last admitted attempt (worth one log line).
    Refused {
        first: bool,
    },
}

/// Token buckets per source address, in memory (a restart forgets them: the persisted per-account lockout is what
/// must survive). IPv6 sources are counted per /64, the block one client usually holds.
#[derive(Debug)]
pub struct SourceLimiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

fn source_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

impl SourceLimiter {
    pub fn new(limit: RateLimit) -> SourceLimiter {
        SourceLimiter { limit, buckets: Mutex::new(HashMap::new()) }
    }

    fn capacity(&self) -> u64 {
        u64::from(self.limit.burst.max(1)) * UNITS
    }

    fn refilled(&self, b: Bucket, now: Timestamp) -> u64 {
        let elapsed = u64::try_from(now.0.saturating_sub(b.at.0)).unwrap_or(0);
        b.units.saturating_add(elapsed.saturating_mul(u64::from(self.limit.per_minute))).min(self.capacity())
    }

    /// Takes one attempt from `ip`'s bucket; refused when it is empty.
    pub fn check(&self, ip: IpAddr, now: Timestamp) -> Admission {
        if self.limit.per_minute == 0 {
            return Admission::Admitted;
        }
        let source = source_of(ip);
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if !buckets.contains_key(&source) && buckets.len() >= self.limit.max_sources.max(1) {
            self.make_room(&mut buckets, now);
        }
        let full = Bucket { units: self.capacity(), at: now, reported: false };
        let b = buckets.entry(source).or_insert(full);
        let units = self.refilled(*b, now);
        if units >= UNITS {
            *b = Bucket { units: units - UNITS, at: now, reported: false };
            return Admission::Admitted;
        }
        let first = !b.reported;
        *b = Bucket { units, at: now, reported: true };
        Admission::Refused { first }
    }

    /// Whether `check` admits the attempt.
    pub fn admit(&self, ip: IpAddr, now: Timestamp) -> bool {
        self.check(ip, now) == Admission::Admitted
    }

    /// Forgets the sources whose buckets have refilled (they carry nothing); if none has, the one least recently
    /// seen. Runs only when the table is full.
    fn make_room(&self, buckets: &mut HashMap<IpAddr, Bucket>, now: Timestamp) {
        let cap = self.capacity();
        buckets.retain(|_, b| self.refilled(*b, now) < cap);
        if buckets.len() >= self.limit.max_sources.max(1)
            && let Some(oldest) = buckets.iter().min_by_key(|(_, b)| b.at).map(|(ip, _)| *ip)
        {
            buckets.remove(&oldest);
        }
    }

    /// Sources currently remembered.
    pub fn sources(&self) -> usize {
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_doubles_from_one_second_to_fifteen_minutes() {
        let p = LockoutPolicy::default();
        let delays: Vec<u64> = (0..20).map(|f| p.delay_secs(f)).collect();
        assert_eq!(&delays[..5], &[0, 0, 0, 0, 0]);
        assert_eq!(&delays[5..16], &[1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]);
        assert_eq!(p.delay_secs(99), 900);
        assert_eq!(p.delay_secs(u32::MAX), 900);
        assert!(!p.locks_at(99) && p.locks_at(100));
    }

    #[test]
    fn refusal_follows_the_delay_and_the_lock() {
        let p = LockoutPolicy::default();
        let at = Timestamp(1_000);
        let s = GuardState { failures: 6, last_failure_at: at, locked: false };
        assert!(!p.refuses(None, at));
        assert!(p.refuses(Some(&s), Timestamp(1_001)));
        assert!(!p.refuses(Some(&s), Timestamp(1_002)));
        let four = GuardState { failures: 4, ..s };
        assert!(!p.refuses(Some(&four), at));
        let locked = GuardState { locked: true, ..four };
        assert!(p.refuses(Some(&locked), Timestamp(i64::MAX)));
    }

    #[test]
    fn one_claim_per_account_at_a_time() {
        let f = InFlight::default();
        let a = AccountKey { customer: "c".into(), user: "a".into() };
        let b = AccountKey { customer: "c".into(), user: "b".into() };
        let held = f.claim(&a).unwrap();
        assert!(f.claim(&a).is_none());
        assert!(f.claim(&b).is_some());
        drop(held);
        assert!(f.claim(&a).is_some());
    }

    #[test]
    fn bucket_refills_per_minute_and_is_per_source() {
        let l = SourceLimiter::new(RateLimit { per_minute: 60, burst: 3, max_sources: 10 });
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let t = Timestamp(100);
        assert!((0..3).all(|_| l.admit(a, t)));
        assert_eq!(l.check(a, t), Admission::Refused { first: true }, "burst spent");
        assert_eq!(l.check(a, t), Admission::Refused { first: false });
        assert!(l.admit(b, t), "another source has its own bucket");
        assert!(l.admit(a, Timestamp(101)), "60 a minute: one more each second");
        assert!(!l.admit(a, Timestamp(101)));
        let off = SourceLimiter::new(RateLimit { per_minute: 0, burst: 1, max_sources: 1 });
        assert!((0..100).all(|_| off.admit(a, t)));
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_v4_as_v4() {
        let l = SourceLimiter::new(RateLimit { per_minute: 1, burst: 1, max_sources: 10 });
        let t = Timestamp(5);
        assert!(l.admit("2001:db8::1".parse().unwrap(), t));
        assert!(!l.admit("2001:db8::ffff:2".parse().unwrap(), t), "same /64");
        assert!(l.admit("2001:db8:0:1::1".parse().unwrap(), t), "another /64");
        assert!(l.admit("10.1.1.1".parse().unwrap(), t));
        assert!(!l.admit("::ffff:10.1.1.1".parse().unwrap(), t), "a mapped address is the IPv4 source");
    }

    #[test]
    fn table_is_capped() {
        let l = SourceLimiter::new(RateLimit { per_minute: 1, burst: 2, max_sources: 100 });
        let t = Timestamp(0);
        for i in 0..10_000u32 {
            l.admit(IpAddr::from(i.to_be_bytes()), t);
        }
        assert!(l.sources() <= 100, "{}", l.sources());
        // The newest sources are remembered: a spent bucket stays spent.
        let last: IpAddr = 9_999u32.to_be_bytes().into();
        assert!(l.admit(last, t));
        assert!(!l.admit(last, t));
    }
}
