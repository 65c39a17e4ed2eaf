//! `SecretBox`: authenticated encryption (XChaCha20-Poly1305, a random 192-bit nonce per record) for secrets the
//! server must read back: DDNS update-user passwords today, TOTP keys next. The 256-bit key lives in a key file named
//! by the configuration (created 0600 on first start), never in the database; each record is bound to its owner by
//! associated data, so a sealed value copied onto another row does not open.

use std::io::Write as _;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};

use super::token::b64;
use crate::domain::DomainError;
use crate::domain::ddns::{DdnsPassword, PasswordVault, SealedPassword};
use crate::domain::user::CustomerId;
use crate::domain::values::UserName;

/// The first byte of every sealed value: the format (algorithm and layout), so a later one can be told apart.
const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("key file {path}: {message}")]
    Io { path: String, message: String },
    #[error("key file {path}: {message}")]
    Invalid { path: String, message: String },
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("no randomness for a nonce: {0}")]
    Random(getrandom::Error),
    #[error("encryption failed")]
    Encrypt,
    /// Wrong key, tampered or truncated value, or a value sealed for another owner.
    #[error("the sealed value does not open with this key and owner")]
    Open,
}

pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(***)")
    }
}

impl SecretBox {
    pub fn from_key(key: &[u8; KEY_LEN]) -> SecretBox {
        SecretBox { cipher: XChaCha20Poly1305::new(&Key::from(*key)) }
    }

    /// Reads the key file, or creates it with a fresh random key when it does not exist. The file holds the key in
    /// base64url on one line; it must be readable by its owner only, like an SSH private key.
    pub fn open_or_create(path: &Path) -> Result<SecretBox, KeyFileError> {
        let io = |e: std::io::Error| KeyFileError::Io { path: path.display().to_string(), message: e.to_string() };
        match read_key(path) {
            Err(KeyFileError::Io { .. }) if !path.exists() => {
                let mut key = [0u8; KEY_LEN];
                getrandom::fill(&mut key).map_err(|e| io(std::io::Error::other(e.to_string())))?;
                match publish_key(path, &key) {
                    Ok(()) => Ok(SecretBox::from_key(&key)),
                    // Another process starting at the same moment made it first: use that one.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_key(path),
                    Err(e) => Err(io(e)),
                }
            }
            // The read failed but the file is there now: another process created it between that read and the
            // check above. Read the one it made (any other failure repeats and is answered).
            Err(KeyFileError::Io { .. }) => read_key(path),
            other => other,
        }
    }

    /// `FORMAT_V1 || nonce || ciphertext+tag`, authenticated together with `owner`.
    pub fn seal(&self, plaintext: &[u8], owner: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(SealError::Random)?;
        let aad = aad(owner);
        let ct = self
            .cipher
            .encrypt(&XNonce::from(nonce), Payload { msg: plaintext, aad: &aad })
            .map_err(|_| SealError::Encrypt)?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub fn open(&self, sealed: &[u8], owner: &[u8]) -> Result<Vec<u8>, SealError> {
        let (&format, rest) = sealed.split_first().ok_or(SealError::Open)?;
        if format != FORMAT_V1 || rest.len() < NONCE_LEN + TAG_LEN {
            return Err(SealError::Open);
        }
        let (nonce, ct) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| SealError::Open)?;
        let aad = aad(owner);
        self.cipher.decrypt(&XNonce::from(nonce), Payload { msg: ct, aad: &aad }).map_err(|_| SealError::Open)
    }
}

fn read_key(path: &Path) -> Result<SecretBox, KeyFileError> {
    let shown = path.display().to_string();
    let io = |e: std::io::Error| KeyFileError::Io { path: shown.clone(), message: e.to_string() };
    let invalid = |m: &str| KeyFileError::Invalid { path: shown.clone(), message: m.to_owned() };
    let text = std::fs::read_to_string(path).map_err(io)?;
    check_private(path).map_err(|e| match e {
        Private::Io(e) => io(e),
        Private::Open(mode) => {
            invalid(&format!("readable by others (mode {mode:o}); chmod 600 it, and consider the key exposed"))
        }
    })?;
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, text.trim())
        .map_err(|_| invalid("not a base64url key"))?;
    let key: [u8; KEY_LEN] =
        bytes.try_into().map_err(|_| invalid("the key must be 32 bytes (43 base64url characters)"))?;
    Ok(SecretBox::from_key(&key))
}

/// Writes the key beside `path`, durably, then links it into place: the key file appears whole or not at all, and
/// of two processes creating it at once exactly one wins (the other gets AlreadyExists). Losing the key loses every
/// sealed secret, so the directory entry is synced too.
fn publish_key(path: &Path, key: &[u8; KEY_LEN]) -> std::io::Result<()> {
    let mut tag = [0u8; 6];
    getrandom::fill(&mut tag).map_err(|e| std::io::Error::other(e.to_string()))?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".new-{}", b64(&tag)));
    let tmp = std::path::PathBuf::from(tmp);
    let written = create_private(&tmp).and_then(|mut f| {
        f.write_all(format!("{}\n", b64(key)).as_bytes())?;
        f.sync_all()
    });
    let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    linked?;
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// The format byte is authenticated too, so it cannot be swapped for another format's.
fn aad(owner: &[u8]) -> Vec<u8> {
    let mut a = Vec::with_capacity(owner.len() + 1);
    a.push(FORMAT_V1);
    a.extend_from_slice(owner);
    a
}

enum Private {
    Io(std::io::Error),
    Open(u32),
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), Private> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(path).map_err(Private::Io)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 { Err(Private::Open(mode)) } else { Ok(()) }
}

#[cfg(not(unix))]
fn check_private(_path: &Path) -> Result<(), Private> {
    Ok(())
}

/// Created exclusively and 0600 from the start.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)
}

/// The owner of an update user's password: its customer and name key.
fn ddns_owner(customer: CustomerId, name: &UserName) -> Vec<u8> {
    format!("ddns-password\0{}\0{}", customer.0, name.key()).into_bytes()
}

impl PasswordVault for SecretBox {
    fn seal(
        &self,
        customer: CustomerId,
        name: &UserName,
        password: &DdnsPassword,
    ) -> Result<SealedPassword, DomainError> {
        SecretBox::seal(self, password.expose().as_bytes(), &ddns_owner(customer, name)).map(SealedPassword).map_err(
            |e| {
                tracing::error!(error = %e, "sealing an update user's password failed");
                DomainError::internal()
            },
        )
    }

    fn open(
        &self,
        customer: CustomerId,
        name: &UserName,
        sealed: &SealedPassword,
    ) -> Result<DdnsPassword, DomainError> {
        let plain = SecretBox::open(self, &sealed.0, &ddns_owner(customer, name)).map_err(|e| {
            // Most likely the key file was replaced: the detail goes to the log, the client sees INTERNAL_ERROR.
            tracing::error!(user = %name, error = %e, "an update user's password does not open with the key file");
            DomainError::internal()
        })?;
        String::from_utf8(plain).map(DdnsPassword::trusted).map_err(|_| DomainError::internal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_only_for_its_owner_and_key() {
        let b = SecretBox::from_key(&[7; 32]);
        let s1 = b.seal(b"hunter22", b"alice").unwrap();
        let s2 = b.seal(b"hunter22", b"alice").unwrap();
        assert_ne!(s1, s2, "a fresh nonce per record");
        assert_eq!(s1.len(), 1 + NONCE_LEN + 8 + TAG_LEN);
        assert_eq!(b.open(&s1, b"alice").unwrap(), b"hunter22");
        assert!(matches!(b.open(&s1, b"bob"), Err(SealError::Open)));
        assert!(matches!(SecretBox::from_key(&[8; 32]).open(&s1, b"alice"), Err(SealError::Open)));
        let mut tampered = s1.clone();
        if let Some(last) = tampered.last_mut() {
            *last ^= 1;
        }
        assert!(b.open(&tampered, b"alice").is_err());
        assert!(b.open(&s1[..20], b"alice").is_err());
        assert!(b.open(&[], b"alice").is_err());
        let mut other_format = s1;
        other_format[0] = 2;
        assert!(b.open(&other_format, b"alice").is_err());
    }

    #[test]
    fn key_file_is_created_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("usergate.key");
        let a = SecretBox::open_or_create(&path).unwrap();
        let sealed = a.seal(b"x", b"o").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.trim().len(), 43);
        let b = SecretBox::open_or_create(&path).unwrap();
        assert_eq!(b.open(&sealed, b"o").unwrap(), b"x");
        std::fs::write(&path, "not a key\n").unwrap();
        assert!(matches!(SecretBox::open_or_create(&path), Err(KeyFileError::Invalid { .. })));
        // Nothing but the key file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn servers_starting_together_agree_on_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("usergate.key");
        let boxes: Vec<SecretBox> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8).map(|_| s.spawn(|| SecretBox::open_or_create(&path).unwrap())).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let sealed = boxes[0].seal(b"x", b"o").unwrap();
        for b in &boxes {
            assert_eq!(b.open(&sealed, b"o").unwrap(), b"x");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        SecretBox::open_or_create(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = SecretBox::open_or_create(&path).unwrap_err().to_string();
        assert!(err.contains("readable by others"), "{err}");
    }
}
