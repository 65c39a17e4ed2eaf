//! Page cursors: the position after a page's last row (sort key and id), base64url with an HMAC-SHA256 tag keyed by
//! the database's own secret (`cursor_secret`, migration 0005) and bound to the query it pages, so that a client
//! can neither forge a position nor carry a cursor over to another query, sort or customer.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::domain::DomainError;

/// Bytes of the tag kept: 128 bits are far beyond what guessing over the network can reach.
const TAG_LEN: usize = 16;

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

    /// HMAC-SHA256 over the scope, a separator and the payload.
    fn mac(&self, scope: &str, payload: &[u8]) -> Hmac<Sha256> {
        // Any key length is valid for HMAC; a 32-byte key cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(scope.as_bytes());
        mac.update(&[0u8]);
        mac.update(payload);
        mac
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
        let tag = self.mac(scope, &payload).finalize().into_bytes();
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
        // Constant time: the comparison must not tell how much of a forged tag was right.
        if self.mac(scope, payload).verify_truncated_left(tag).is_err() {
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

#[cfg(test)]
mod tests {
    use super::*;

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
