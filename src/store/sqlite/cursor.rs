//! Page cursors: the position after a page's last row (sort key and id), base64url with an HMAC-SHA256 tag keyed by
//! the database's own secret (`cursor_secret`, migration 0005) and bound to the query it pages, so that a client
//! can neither forge a position nor carry a cursor over to another query, sort or customer.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::domain::DomainError;

/// Bytes of the tag kept: 128 bits are far beyond what guessing over the network can reach.
const TAG_LEN: usize = 16;
const BLOCK: usize = 64;

/// The position a cursor holds: the sort key (text or integer) and the row id that breaks ties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Key {
    Text(String),
    Int(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Position {
    pub key: Key,
    pub id: i64,
}

pub(super) struct CursorKey([u8; 32]);

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(***)")
    }
}

impl CursorKey {
    pub fn new(bytes: &[u8]) -> CursorKey {
        // The stored secret is 32 random bytes; hashing makes any length a key of the same size.
        CursorKey(Sha256::digest(bytes).into())
    }

    /// HMAC-SHA256 of the scope, a separator and the payload.
    fn tag(&self, scope: &str, payload: &[u8]) -> [u8; 32] {
        hmac(&self.0, &[scope.as_bytes(), &[0u8], payload])
    }

    /// The cursor of `pos` for the query `scope`.
    pub fn seal(&self, scope: &str, pos: &Position) -> String {
        let mut payload = match &pos.key {
            Key::Text(t) => format!("s{t}"),
            Key::Int(n) => format!("i{n}"),
        }
        .into_bytes();
        payload.push(b'\n');
        payload.extend_from_slice(pos.id.to_string().as_bytes());
        let tag = self.tag(scope, &payload);
        payload.extend_from_slice(&tag[..TAG_LEN]);
        URL_SAFE_NO_PAD.encode(payload)
    }

    /// The position in a cursor made by `seal` for the same scope; INVALID_DATA `cursor:` otherwise.
    pub fn open(&self, scope: &str, cursor: &str) -> Result<Position, DomainError> {
        let bad = |why: &str| DomainError::invalid("cursor", why);
        let raw = URL_SAFE_NO_PAD.decode(cursor.trim()).map_err(|_| bad("not a cursor of this server"))?;
        if raw.len() <= TAG_LEN {
            return Err(bad("not a cursor of this server"));
        }
        let (payload, tag) = raw.split_at(raw.len() - TAG_LEN);
        let expected = self.tag(scope, payload);
        // Constant time: the comparison must not tell how much of a forged tag was right.
        let diff = expected[..TAG_LEN].iter().zip(tag).fold(0u8, |acc, (a, b)| acc | (a ^ b));
        if diff != 0 {
            return Err(bad("made for another query, sort or order, or altered"));
        }
        let text = std::str::from_utf8(payload).map_err(|_| bad("not a cursor of this server"))?;
        let (key, id) = text.rsplit_once('\n').ok_or_else(|| bad("not a cursor of this server"))?;
        let id = id.parse().map_err(|_| bad("not a cursor of this server"))?;
        let key = match (key.strip_prefix('s'), key.strip_prefix('i')) {
            (Some(t), _) => Key::Text(t.to_owned()),
            (_, Some(n)) => Key::Int(n.parse().map_err(|_| bad("not a cursor of this server"))?),
            _ => return Err(bad("not a cursor of this server")),
        };
        Ok(Position { key, id })
    }
}

/// HMAC-SHA256 (RFC 2104) of the concatenated `parts`, for a key of at most one block.
fn hmac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let mut padded = [0u8; BLOCK];
    padded[..32].copy_from_slice(key);
    let (mut inner, mut outer) = (Sha256::new(), Sha256::new());
    inner.update(padded.map(|b| b ^ 0x36));
    outer.update(padded.map(|b| b ^ 0x5c));
    for p in parts {
        inner.update(p);
    }
    outer.update(inner.finalize());
    outer.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        // Key "Jefe" (zero-padded, as HMAC pads any short key), data "what do ya want for nothing?".
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        let hex: String =
            hmac(&key, &[b"what do ya ", b"want for nothing?"]).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn cursors_round_trip_and_refuse_other_scopes_and_tampering() {
        let k = CursorKey::new(b"secret");
        let pos = Position { key: Key::Text("alice".into()), id: 42 };
        let c = k.seal("users|a", &pos);
        assert_eq!(k.open("users|a", &c), Ok(pos));
        let n = Position { key: Key::Int(-7), id: 1 };
        assert_eq!(k.open("users|a", &k.seal("users|a", &n)), Ok(n));
        assert!(k.open("users|b", &c).unwrap_err().info.starts_with("cursor: made for another"));
        assert!(CursorKey::new(b"other").open("users|a", &c).is_err());
        let mut raw = URL_SAFE_NO_PAD.decode(&c).unwrap();
        raw[1] ^= 1;
        assert!(k.open("users|a", &URL_SAFE_NO_PAD.encode(&raw)).is_err());
        for junk in ["", "!!", "abc", &"A".repeat(40)] {
            assert!(k.open("users|a", junk).unwrap_err().info.starts_with("cursor: "), "{junk}");
        }
    }
}
