//! Built-in TLS: a test CA and server certificates made at run time (rcgen), HTTPS to the server, HTTP/1.1 by
//! ALPN, a certificate reload that new handshakes see while an open connection carries on, a failed reload that
//! keeps the old certificate, and SIGHUP doing the reload in the real binary.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::helpers::{OWNER_PASSWORD, TestApp, envelope};

/// A CA made for one test.
struct Ca {
    issuer: Issuer<'static, KeyPair>,
    der: CertificateDer<'static>,
}

fn ca() -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, "usergate test CA");
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let cert = params.self_signed(&key).unwrap();
    Ca { der: cert.der().clone(), issuer: Issuer::new(params, key) }
}

impl Ca {
    /// A server certificate for 127.0.0.1 and localhost, written as PEM into `dir` (cert.pem, key.pem);
    /// returns its DER.
    fn issue(&self, dir: &Path, name: &str) -> CertificateDer<'static> {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        std::fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
        std::fs::write(dir.join("key.pem"), key.serialize_pem()).unwrap();
        cert.der().clone()
    }

    fn pem_paths(dir: &Path) -> (PathBuf, PathBuf) {
        (dir.join("cert.pem"), dir.join("key.pem"))
    }
}

#[allow(deprecated)] // ring's provider: see src/http/tls.rs
fn connector(ca: &CertificateDer<'static>) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    // Offering h2 first: the server must still pick HTTP/1.1.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    TlsConnector::from(Arc::new(config))
}

async fn connect(addr: SocketAddr, ca: &CertificateDer<'static>) -> TlsStream<TcpStream> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    connector(ca).connect(ServerName::IpAddress(addr.ip().into()), tcp).await.unwrap()
}

fn leaf(stream: &TlsStream<TcpStream>) -> CertificateDer<'static> {
    stream.get_ref().1.peer_certificates().unwrap()[0].clone()
}

/// One request on an open connection; reads exactly one response (Content-Length framed).
async fn request(stream: &mut TlsStream<TcpStream>, target: &str, body: &str, close: bool) -> (u16, String) {
    let connection = if close { "close" } else { "keep-alive" };
    let (method, path) = target.split_once(' ').unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: {connection}\r\nContent-Type: text/xml\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body.as_bytes()).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some((head, rest)) = text.split_once("\r\n\r\n") {
            let len = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned()))
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap();
            if rest.len() >= len {
                let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
                return (status, rest[..len].to_owned());
            }
        }
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "connection closed mid-response: {text}");
        got.extend_from_slice(&buf[..n]);
    }
}

async fn tls_app(dir: &Path) -> TestApp {
    let (cert, key) = Ca::pem_paths(dir);
    TestApp::spawn_with(|s| {
        s.tls_cert_file = Some(cert);
        s.tls_key_file = Some(key);
        s.header_timeout_secs = 1;
    })
    .await
}

#[tokio::test]
async fn https_serves_soap_and_reloads_the_certificate_without_dropping_connections() {
    let certs = tempfile::tempdir().unwrap();
    let ca = ca();
    let first = ca.issue(certs.path(), "first");
    let app = tls_app(certs.path()).await;

    let mut old = connect(app.addr, &ca.der).await;
    assert_eq!(leaf(&old), first);
    assert_eq!(old.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]), "HTTP/1.1 only");
    let login = envelope(
        "SessionLogin",
        &format!(
            "<user_name>owner</user_name><customer_name>default</customer_name><password>{OWNER_PASSWORD}</password>"
        ),
    );
    let (status, body) = request(&mut old, "POST /SOAP/", &login, false).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<status>success</status>"), "{body}");
    // The WSDL tells clients to use https.
    let (status, wsdl) = request(&mut old, "GET /SOAP/?wsdl", "", false).await;
    assert_eq!(status, 200);
    assert!(wsdl.contains(&format!("location=\"https://{}/SOAP/\"", app.addr)), "{wsdl}");

    let second = ca.issue(certs.path(), "second");
    assert_ne!(first, second);
    app.reload_tls().unwrap();
    let mut new = connect(app.addr, &ca.der).await;
    assert_eq!(leaf(&new), second, "new handshakes use the new certificate");
    let (status, _) = request(&mut new, "GET /healthz", "", true).await;
    assert_eq!(status, 200);
    // The connection opened before the reload is still served.
    let (status, body) = request(&mut old, "GET /healthz", "", true).await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));

    // A reload that fails keeps the certificate in use.
    std::fs::write(certs.path().join("key.pem"), "not a key").unwrap();
    let e = app.reload_tls().unwrap_err().to_string();
    assert!(e.contains("tls_key_file"), "{e}");
    let mut after = connect(app.addr, &ca.der).await;
    assert_eq!(leaf(&after), second);
    assert_eq!(request(&mut after, "GET /healthz", "", true).await.0, 200);
}

#[tokio::test]
async fn a_silent_tls_client_is_cut_off_at_the_header_timeout() {
    let certs = tempfile::tempdir().unwrap();
    ca().issue(certs.path(), "only");
    let app = tls_app(certs.path()).await;
    let mut s = TcpStream::connect(app.addr).await.unwrap();
    let mut buf = Vec::new();
    // The server closes the connection (header_timeout_secs = 1); the outer bound only keeps a failure from hanging.
    let read = tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "{read:?}");
}

#[test]
fn start_refuses_unreadable_tls_files_naming_the_key() {
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = Ca::pem_paths(certs.path());
    std::fs::write(&cert, "no PEM here\n").unwrap();
    std::fs::write(&key, "").unwrap();
    let e = usergate::http::tls::Tls::load(&cert, &key).err().expect("refused").to_string();
    assert!(e.contains("tls_cert_file"), "{e}");
    ca().issue(certs.path(), "x");
    let other = tempfile::tempdir().unwrap();
    ca().issue(other.path(), "y");
    let e = usergate::http::tls::Tls::load(&cert, &other.path().join("key.pem")).err().expect("mismatch").to_string();
    assert!(e.contains("tls_key_file"), "{e}");
}

#[tokio::test]
async fn sighup_reloads_the_certificate_of_the_running_binary() {
    let dir = tempfile::tempdir().unwrap();
    let ca = ca();
    let first = ca.issue(dir.path(), "first");
    let (cert, key) = Ca::pem_paths(dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_usergate"))
        .args(["--db", dir.path().join("ug.db").to_str().unwrap()])
        .args(["--set", &format!("tls_cert_file={}", cert.display())])
        .args(["--set", &format!("tls_key_file={}", key.display())])
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("USERGATE_BOOTSTRAP_PASSWORD", OWNER_PASSWORD)
        .env("RUST_LOG", "info")
        .env_remove("USERGATE_CONFIG")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr: SocketAddr = lines
        .map_while(Result::ok)
        .find_map(|l| l.split("listening on https://").nth(1).and_then(|r| r.strip_suffix("/SOAP/")).map(str::to_owned))
        .expect("an https listening line")
        .parse()
        .unwrap();
    assert_eq!(leaf(&connect(addr, &ca.der).await), first);
    let second = ca.issue(dir.path(), "second");
    let hup = Command::new("kill").args(["-HUP", &child.id().to_string()]).status().unwrap();
    assert!(hup.success());
    // The signal is handled asynchronously: poll (bounded) until a handshake shows the new certificate.
    let mut seen = first.clone();
    for _ in 0..100 {
        seen = leaf(&connect(addr, &ca.der).await);
        if seen == second {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let still_running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    assert!(still_running, "SIGHUP must not end the server");
    assert_eq!(seen, second, "after SIGHUP new handshakes use the new certificate");
}
