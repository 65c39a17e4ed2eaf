//! TOTP (RFC 6238) as the domain sees it: a validated key that is never shown, its sealed form, the part of an
//! UpdateUser that sets it, and the port that seals keys and checks codes (`auth::totp` implements it on the key
//! file's AEAD). Replays are refused by the time step a login was last accepted with, kept per user.

use std::fmt;

use super::error::DomainError;
use super::user::{Patch, User};
use super::values::{Text, Timestamp};

/// Shortest key accepted: RFC 4226 section 4 (R6) asks for at least 128 bits.
pub const MIN_KEY_BYTES: usize = 16;
/// Longest key accepted (a SHA-1 HMAC key longer than the 64-byte block is hashed anyway).
pub const MAX_KEY_BYTES: usize = 64;

/// A TOTP shared secret (raw bytes); only its sealed form is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpKey(Vec<u8>);

impl TotpKey {
    /// RFC 4648 base32, in any case, with or without `=` padding; spaces (as authenticator apps show keys) ignored.
    pub fn parse_base32(field: &str, s: &str) -> Result<TotpKey, DomainError> {
        let bad = || DomainError::invalid(field, "not base32 (RFC 4648)");
        let mut out = Vec::with_capacity(s.len() * 5 / 8);
        let (mut acc, mut bits) = (0u32, 0u32);
        let body = s.trim_end_matches('=');
        for c in body.bytes().filter(|c| *c != b' ') {
            let v = match c.to_ascii_uppercase() {
                c @ b'A'..=b'Z' => c - b'A',
                c @ b'2'..=b'7' => c - b'2' + 26,
                _ => return Err(bad()),
            };
            acc = (acc << 5) | u32::from(v);
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                out.push(u8::try_from((acc >> bits) & 0xff).map_err(|_| bad())?);
            }
            acc &= (1 << bits) - 1;
        }
        if !(MIN_KEY_BYTES..=MAX_KEY_BYTES).contains(&out.len()) {
            return Err(DomainError::invalid(
                field,
                format_args!("must be {MIN_KEY_BYTES} to {MAX_KEY_BYTES} bytes ({} given)", out.len()),
            ));
        }
        Ok(TotpKey(out))
    }

    pub fn trusted(bytes: Vec<u8>) -> TotpKey {
        TotpKey(bytes)
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for TotpKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpKey(***)")
    }
}

/// A TOTP key sealed for its user (AEAD); opens only with the key file and for that user.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedTotp(pub Vec<u8>);

impl fmt::Debug for SealedTotp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedTotp({} bytes)", self.0.len())
    }
}

/// What the store keeps for a user with TOTP on.
#[derive(Debug, Clone)]
pub struct TotpState {
    pub sealed: SealedTotp,
    /// The time step of the last accepted code; a code for it or an earlier one is a replay.
    pub last_step: Option<i64>,
}

/// The TOTP fields of an UpdateUser: absent = unchanged.
#[derive(Debug, Clone, Default)]
pub struct TotpPatch {
    pub enabled: Option<bool>,
    pub label: Option<Patch<Text>>,
    /// Clear turns TOTP off, like `is_totp_enabled` false.
    pub key: Option<Patch<TotpKey>>,
}

/// What applying a `TotpPatch` to a user decided: the fields to store and, when a new key is set, that key.
pub struct TotpChange<'a> {
    pub enabled: bool,
    pub label: Option<Text>,
    pub new_key: Option<&'a TotpKey>,
    pub changed: Vec<&'static str>,
}

impl TotpPatch {
    /// The first field the patch carries (the one a refusal names).
    pub fn first_field(&self) -> Option<&'static str> {
        [
            (self.enabled.is_some(), "is_totp_enabled"),
            (self.label.is_some(), "totp_label"),
            (self.key.is_some(), "totp_key"),
        ]
        .into_iter()
        .find_map(|(present, name)| present.then_some(name))
    }

    /// The user's TOTP fields after this patch. A key turns TOTP on; turning it on needs a key (given now, or kept
    /// from before); turning it off forgets the key.
    pub fn apply<'a>(&'a self, user: &User) -> Result<TotpChange<'a>, DomainError> {
        let mut changed = Vec::new();
        let new_key = match &self.key {
            Some(Patch::Set(k)) if self.enabled == Some(false) => {
                let _ = k;
                return Err(DomainError::invalid("is_totp_enabled", "false contradicts a totp_key"));
            }
            Some(Patch::Set(k)) => Some(k),
            _ => None,
        };
        let cleared = matches!(self.key, Some(Patch::Clear));
        let enabled = if new_key.is_some() {
            changed.push("totp_key");
            true
        } else if cleared || self.enabled == Some(false) {
            false
        } else if self.enabled == Some(true) && !user.is_totp_enabled {
            return Err(DomainError::invalid("totp_key", "required to enable TOTP"));
        } else {
            user.is_totp_enabled
        };
        if enabled != user.is_totp_enabled {
            changed.push("is_totp_enabled");
        }
        let label = match &self.label {
            None => user.totp_label.clone(),
            Some(Patch::Clear) => None,
            Some(Patch::Set(t)) => Some(t.clone()),
        };
        if label != user.totp_label {
            changed.push("totp_label");
        }
        Ok(TotpChange { enabled, label, new_key, changed })
    }
}

/// Seals keys for their user and checks codes against sealed keys.
pub trait TotpVault: Send + Sync {
    fn seal(&self, user: &User, key: &TotpKey) -> Result<SealedTotp, DomainError>;
    /// The newest time step within one step of `now` (RFC 6238 section 5.2: one step of clock drift either way) whose
    /// code is `code` and which is later than `after`; `None` when there is none (wrong code, or a replay).
    fn accepted_step(
        &self,
        user: &User,
        sealed: &SealedTotp,
        code: &str,
        now: Timestamp,
        after: Option<i64>,
    ) -> Result<Option<i64>, DomainError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_keys() {
        // RFC 6238's SHA-1 test key "12345678901234567890", base32.
        let k = TotpKey::parse_base32("totp_key", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        assert_eq!(k.expose(), b"12345678901234567890");
        let lower = TotpKey::parse_base32("totp_key", "gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap();
        assert_eq!(lower, k);
        // 16 bytes with padding.
        let padded = TotpKey::parse_base32("totp_key", "GEZDGNBVGY3TQOJQGEZDGNBVGY======").unwrap();
        assert_eq!(padded.expose(), b"1234567890123456");
        assert_eq!(TotpKey::parse_base32("totp_key", "GEZDGNBV1").unwrap_err().info, "totp_key: not base32 (RFC 4648)");
        assert!(TotpKey::parse_base32("totp_key", "GEZDGNBVGY3TQOJQ").unwrap_err().info.contains("16 to 64 bytes"));
        assert_eq!(format!("{k:?}"), "TotpKey(***)");
    }
}
