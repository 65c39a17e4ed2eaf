//! TOTP codes (RFC 6238: HOTP of RFC 4226 over HMAC-SHA-1, 30-second steps, 6 digits) and the `TotpVault` the domain
//! uses: keys sealed with the key file's AEAD, bound to the user's uid so a sealed key copied to another row fails.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use super::secret_box::SecretBox;
use crate::domain::DomainError;
use crate::domain::totp::{SealedTotp, TotpKey, TotpVault};
use crate::domain::user::User;
use crate::domain::values::Timestamp;

/// RFC 6238 section 4: X = 30 seconds, T0 = 0.
pub const STEP_SECS: i64 = 30;
pub const DIGITS: u32 = 6;

/// The time step of a unix time.
pub fn step_at(unix: i64) -> i64 {
    unix.div_euclid(STEP_SECS)
}

/// HOTP (RFC 4226 section 5.3): the dynamically truncated HMAC-SHA-1 of the counter, `DIGITS` decimal digits.
pub fn hotp(key: &[u8], counter: u64) -> u32 {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        return u32::MAX;
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary =
        u32::from_be_bytes([digest[offset], digest[offset + 1], digest[offset + 2], digest[offset + 3]]) & 0x7fff_ffff;
    binary % 10u32.pow(DIGITS)
}

/// The code of `step` as the user types it (zero-padded).
pub fn code(key: &[u8], step: i64) -> String {
    format!("{:0width$}", hotp(key, u64::try_from(step).unwrap_or(0)), width = DIGITS as usize)
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn owner(user: &User) -> Vec<u8> {
    format!("totp-key\0{}", user.uid).into_bytes()
}

impl TotpVault for SecretBox {
    fn seal(&self, user: &User, key: &TotpKey) -> Result<SealedTotp, DomainError> {
        SecretBox::seal(self, key.expose(), &owner(user)).map(SealedTotp).map_err(|e| {
            tracing::error!(error = %e, "sealing a TOTP key failed");
            DomainError::internal()
        })
    }

    fn accepted_step(
        &self,
        user: &User,
        sealed: &SealedTotp,
        code_given: &str,
        now: Timestamp,
        after: Option<i64>,
    ) -> Result<Option<i64>, DomainError> {
        let key = SecretBox::open(self, &sealed.0, &owner(user)).map_err(|e| {
            // Most likely the key file was replaced: the log says so, the client sees INTERNAL_ERROR.
            tracing::error!(user = %user.user_name, error = %e, "a TOTP key does not open with the key file");
            DomainError::internal()
        })?;
        let current = step_at(now.0);
        let mut accepted = None;
        // Every candidate is computed, so the time taken does not tell which step matched.
        for step in [current - 1, current, current + 1] {
            if same(code(&key, step).as_bytes(), code_given.as_bytes()) && after.is_none_or(|a| step > a) {
                accepted = Some(step);
            }
        }
        Ok(accepted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (8 digits there; the last 6 are the 6-digit code), and RFC 4226 appendix D.
    #[test]
    fn rfc_test_vectors() {
        let key = b"12345678901234567890";
        for (time, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code(key, step_at(time)), eight[2..], "T = {time}");
        }
        let hotp_d = [755_224, 287_082, 359_152, 969_429, 338_314, 254_676, 287_922, 162_583, 399_871, 520_489];
        for (counter, want) in hotp_d.into_iter().enumerate() {
            assert_eq!(hotp(key, counter as u64), want, "counter {counter}");
        }
    }

    #[test]
    fn window_and_replay() {
        let vault = SecretBox::from_key(&[7; 32]);
        let now = Timestamp(1_111_111_111);
        let user = User {
            id: crate::domain::user::UserId(1),
            uid: "uid-1".into(),
            customer: crate::domain::user::CustomerId(1),
            user_name: crate::domain::values::UserName::parse("user_name", "erin").unwrap(),
            profile: Default::default(),
            access: Default::default(),
            blocked: false,
            active: true,
            locked: false,
            hold: false,
            require_pw_change: false,
            password_expiry: None,
            totp_label: None,
            is_totp_enabled: true,
            created_at: now,
            updated_at: now,
            last_login_at: None,
            version: 1,
        };
        let key = TotpKey::trusted(b"12345678901234567890".to_vec());
        let sealed = TotpVault::seal(&vault, &user, &key).unwrap();
        let s = step_at(now.0);
        let at = |step: i64| code(key.expose(), step);
        assert_eq!(vault.accepted_step(&user, &sealed, &at(s), now, None).unwrap(), Some(s));
        assert_eq!(vault.accepted_step(&user, &sealed, &at(s - 1), now, None).unwrap(), Some(s - 1));
        assert_eq!(vault.accepted_step(&user, &sealed, &at(s + 1), now, None).unwrap(), Some(s + 1));
        assert_eq!(vault.accepted_step(&user, &sealed, &at(s + 2), now, None).unwrap(), None);
        assert_eq!(vault.accepted_step(&user, &sealed, &at(s), now, Some(s)).unwrap(), None, "replay");
        assert_eq!(vault.accepted_step(&user, &sealed, &at(s), now, Some(s - 1)).unwrap(), Some(s));
        assert_eq!(vault.accepted_step(&user, &sealed, "12345", now, None).unwrap(), None);
        // Sealed for one user, it does not open for another.
        let other = User { uid: "someone-else".into(), ..user.clone() };
        assert!(vault.accepted_step(&other, &sealed, &at(s), now, None).is_err());
    }
}
