//! Session tokens: 256 random bits for the client, only their SHA-256 at rest.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::domain::session::TokenHash;

pub(crate) fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A new token (43 base64url characters) and the hash to store.
pub fn generate() -> Result<(String, TokenHash), getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    let token = b64(&bytes);
    let hash = hash(&token);
    Ok((token, hash))
}

/// SHA-256, lower-case hex. Lookups go by this value, so comparing it is not a secret-dependent timing leak.
pub fn hash(token: &str) -> TokenHash {
    let digest = Sha256::digest(token.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest.iter() {
        hex.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    TokenHash(hex)
}

/// A stable opaque user id: 16 random bytes, base64url.
pub fn generate_uid() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(b64(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let (t, h) = generate().unwrap();
        assert_eq!(t.len(), 43);
        assert_eq!(hash(&t), h);
        assert_eq!(hash("abc").0, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_ne!(generate_uid().unwrap(), generate_uid().unwrap());
    }

    #[test]
    fn tokens_look_uniformly_random() {
        use base64::Engine as _;
        // 1,000 tokens: 256,000 bits, of which half are ones within a few standard deviations (sd = 253); a
        // constant, counter or truncated source would be far outside the bound, a CSPRNG never is.
        let mut ones = 0u64;
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1_000 {
            let (t, _) = generate().unwrap();
            let raw = URL_SAFE_NO_PAD.decode(&t).unwrap();
            assert_eq!(raw.len(), 32);
            ones += raw.iter().map(|b| u64::from(b.count_ones())).sum::<u64>();
            assert!(seen.insert(raw));
        }
        assert!((128_000 - 2_500..=128_000 + 2_500).contains(&ones), "{ones} ones in 256,000 bits");
    }
}
