//! Password rules: the common-password list, reuse of recent passwords, and expiry (must change, expired, expires
//! soon). Length is checked where a password is parsed (`user::Password::parse`), the list there too.

use std::collections::HashSet;
use std::sync::LazyLock;

use super::error::DomainError;
use super::user::User;
use super::values::Timestamp;

/// The 10,000 most common passwords (data/README.md says where they come from), lower-cased, read once.
static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
        .collect()
});

/// Whether `password` is on the common-password list, ignoring case (NIST SP 800-63B: a blocklist check).
pub fn is_common(password: &str) -> bool {
    COMMON.contains(&password.to_lowercase())
}

/// Most passwords the history setting may ask to remember (the store keeps this many earlier hashes).
pub const MAX_HISTORY: usize = 24;

const DAY_SECS: u64 = 86_400;

/// The password settings beyond length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordRules {
    /// A new password may not be any of the last `history` ones, the current one included (0: no check).
    pub history: usize,
    /// A password set now expires after this many days (0: it does not expire by itself).
    pub max_age_days: u32,
    /// A successful login warns when the password expires within this many days.
    pub warn_days: u32,
}

impl Default for PasswordRules {
    fn default() -> Self {
        PasswordRules { history: 5, max_age_days: 0, warn_days: 14 }
    }
}

impl PasswordRules {
    /// The expiry of a password set at `now`.
    pub fn expiry_from(&self, now: Timestamp) -> Option<Timestamp> {
        (self.max_age_days > 0).then(|| now.plus_secs(u64::from(self.max_age_days) * DAY_SECS))
    }

    /// Whole days left (rounded up) when `expiry` falls within the warning window after `now`.
    pub fn warn_days_left(&self, expiry: Option<Timestamp>, now: Timestamp) -> Option<u64> {
        let left = u64::try_from(expiry?.0.checked_sub(now.0)?).ok().filter(|&s| s > 0)?;
        (left <= u64::from(self.warn_days) * DAY_SECS).then(|| left.div_ceil(DAY_SECS))
    }
}

/// Why a login with the right credentials must set a new password first; `None` when it need not.
pub fn must_change(user: &User, now: Timestamp) -> Option<DomainError> {
    if user.password_expiry.is_some_and(|e| e <= now) {
        return Some(DomainError::invalid("password", "expired, send new_password"));
    }
    user.require_pw_change.then(|| DomainError::invalid("password", "must be changed, send new_password"))
}

/// Refuses `password` when it verifies against one of `recent` (PHC strings, the current one first).
/// `verifies(password, hash)` runs Argon2 (on the hasher's pool): one verify per remembered hash.
pub fn check_history(
    field: &str,
    password: &str,
    recent: &[String],
    verifies: &dyn Fn(&str, &str) -> bool,
) -> Result<(), DomainError> {
    if recent.iter().any(|h| verifies(password, h)) {
        return Err(DomainError::invalid(field, "used recently"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_read_ignoring_case() {
        assert!(is_common("password"));
        assert!(is_common("PassWord"));
        assert!(is_common("123456"));
        assert!(!is_common("correct horse battery"));
        assert_eq!(COMMON.len(), 10_000);
    }

    #[test]
    fn expiry_and_warning_window() {
        let rules = PasswordRules { history: 5, max_age_days: 90, warn_days: 14 };
        let now = Timestamp(1_000_000);
        assert_eq!(rules.expiry_from(now), Some(Timestamp(1_000_000 + 90 * 86_400)));
        assert_eq!(PasswordRules::default().expiry_from(now), None);
        assert_eq!(rules.warn_days_left(Some(now.plus_secs(86_400 * 3 + 1)), now), Some(4));
        assert_eq!(rules.warn_days_left(Some(now.plus_secs(86_400 * 14)), now), Some(14));
        assert_eq!(rules.warn_days_left(Some(now.plus_secs(86_400 * 14 + 1)), now), None);
        assert_eq!(rules.warn_days_left(Some(now), now), None);
        assert_eq!(rules.warn_days_left(None, now), None);
    }

    #[test]
    fn history_refuses_a_match() {
        let same = |p: &str, h: &str| p == h;
        let recent = vec!["a".to_owned(), "b".to_owned()];
        assert!(check_history("password", "c", &recent, &same).is_ok());
        let err = check_history("password", "b", &recent, &same).unwrap_err();
        assert_eq!(err.info, "password: used recently");
    }
}
