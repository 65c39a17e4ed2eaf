//! Built-in TLS (rustls, ring provider): the certificate chain and key from PEM files, swapped in place on reload
//! (SIGHUP) so that new handshakes use the new pair while open connections carry on. HTTP/1.1 only (ALPN).

use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("tls_cert_file {path}: {message}")]
    Cert { path: String, message: String },
    #[error("tls_key_file {path}: {message}")]
    Key { path: String, message: String },
    #[error("tls: {0}")]
    Config(String),
}

/// The certificate in use; rustls asks it at every handshake.
#[derive(Debug)]
struct Current(RwLock<Arc<CertifiedKey>>);

impl ResolvesServerCert for Current {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0.read().unwrap_or_else(PoisonError::into_inner)))
    }
}

/// The listener's TLS: an acceptor whose certificate can be reloaded from the same files.
pub struct Tls {
    acceptor: TlsAcceptor,
    current: Arc<Current>,
    cert_file: PathBuf,
    key_file: PathBuf,
}

impl Tls {
    /// Reads both files; an error names the key and the file.
    pub fn load(cert_file: &Path, key_file: &Path) -> Result<Tls, TlsError> {
        let current = Arc::new(Current(RwLock::new(Arc::new(certified_key(cert_file, key_file)?))));
        let provider = Arc::new(provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(&current) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            current,
            cert_file: cert_file.to_owned(),
            key_file: key_file.to_owned(),
        })
    }

    pub fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }

    /// Reads the files again; on success new handshakes use the new pair, on failure the old one stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let fresh = certified_key(&self.cert_file, &self.key_file)?;
        *self.current.0.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
        Ok(())
    }

    /// The leaf certificate now served (DER), for tests and logs.
    pub fn leaf(&self) -> Option<CertificateDer<'static>> {
        self.current.0.read().unwrap_or_else(PoisonError::into_inner).cert.first().cloned()
    }
}

fn certified_key(cert_file: &Path, key_file: &Path) -> Result<CertifiedKey, TlsError> {
    let cert_err = |message: String| TlsError::Cert { path: cert_file.display().to_string(), message };
    let key_err = |message: String| TlsError::Key { path: key_file.display().to_string(), message };
    let chain = CertificateDer::pem_file_iter(cert_file)
        .map_err(|e| cert_err(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| cert_err(e.to_string()))?;
    if chain.is_empty() {
        return Err(cert_err("no CERTIFICATE in the file".into()));
    }
    let key = PrivateKeyDer::from_pem_file(key_file).map_err(|e| key_err(e.to_string()))?;
    CertifiedKey::from_der(chain, key, &provider())
        .map_err(|e| key_err(format!("unsupported, or not the certificate's key: {e}")))
}

/// rustls with ring: it builds with a C compiler alone (aws-lc-rs wants cmake, absent here). rustls 0.23.48
/// deprecates ring's provider because it offers no post-quantum key exchange; classic X25519/P-256 remain.
#[allow(deprecated)]
fn provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}
