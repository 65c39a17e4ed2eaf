//! Random values the server makes for DDNS update users: their names (`ddns-` and 10 characters) and passwords
//! (20 letters and digits, about 119 bits).

use crate::domain::DomainError;
use crate::domain::ddns::{DdnsPassword, GENERATED_NAME_PREFIX, Generator};
use crate::domain::values::UserName;

const NAME_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
const PASSWORD_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const NAME_RANDOM_CHARS: usize = 10;
const PASSWORD_LEN: usize = 20;

/// `len` characters drawn uniformly from `alphabet` (rejection sampling, so no character is favoured).
fn random_string(alphabet: &[u8], len: usize) -> Result<String, getrandom::Error> {
    // The largest multiple of the alphabet's size that fits in a byte: bytes at or above it are drawn again.
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        getrandom::fill(&mut buf)?;
        for &b in buf.iter().filter(|&&b| usize::from(b) < limit) {
            if out.len() == len {
                break;
            }
            out.push(char::from(alphabet[usize::from(b) % alphabet.len()]));
        }
    }
    Ok(out)
}

fn no_randomness(e: getrandom::Error) -> DomainError {
    tracing::error!(error = %e, "no randomness for a generated name or password");
    DomainError::internal()
}

/// Draws from the operating system's randomness.
pub struct SystemGenerator;

impl Generator for SystemGenerator {
    fn user_name(&self) -> Result<UserName, DomainError> {
        let tail = random_string(NAME_CHARS, NAME_RANDOM_CHARS).map_err(no_randomness)?;
        UserName::parse("user_name", &format!("{GENERATED_NAME_PREFIX}{tail}"))
    }

    fn password(&self) -> Result<DdnsPassword, DomainError> {
        random_string(PASSWORD_CHARS, PASSWORD_LEN).map(DdnsPassword::trusted).map_err(no_randomness)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_passwords() {
        let g = SystemGenerator;
        let n = g.user_name().unwrap();
        assert_eq!(n.as_str().len(), 15);
        assert!(n.as_str().starts_with("ddns-"));
        assert!(n.as_str().len() <= crate::domain::ddns::MAX_NICKNAME_CHARS);
        let p = g.password().unwrap();
        assert_eq!(p.expose().len(), 20);
        assert!(p.expose().bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(g.password().unwrap(), p);
    }
}
