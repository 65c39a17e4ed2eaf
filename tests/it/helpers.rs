//! Test harness: a real usergate on an ephemeral 127.0.0.1 port with a temp database, and a raw HTTP/1.1 client.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use usergate::config::{Secret, Settings};

pub const OWNER_PASSWORD: &str = "ownerpass1";

pub struct TestApp {
    pub addr: SocketAddr,
    pub dir: tempfile::TempDir,
    running: Option<usergate::Running>,
}

/// An HTTP response as the test sees it.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// Text of the first `<name>` element (any prefix-free element of that name).
    pub fn field(&self, name: &str) -> Option<String> {
        field(&self.body, name)
    }
    /// Text of the first `<name>` inside the first `<data>` (where `status` means the user's status).
    pub fn data_field(&self, name: &str) -> Option<String> {
        let at = self.body.find("<data>")?;
        field(&self.body[at..], name)
    }
    pub fn fields(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = self.body.as_str();
        while let Some(v) = field(rest, name) {
            out.push(v);
            let open = format!("<{name}>");
            let at = rest.find(&open).map_or(rest.len(), |i| i + open.len());
            rest = &rest[at..];
        }
        out
    }
    pub fn err_cd(&self) -> Option<String> {
        self.field("err_cd")
    }
    pub fn info(&self) -> String {
        self.field("info").unwrap_or_default()
    }
    pub fn is_success(&self) -> bool {
        self.status == 200 && self.field("status").as_deref() == Some("success")
    }
    /// Asserts a failure with this err_cd and an info starting with `prefix`, as a SOAP 1.1 fault.
    #[track_caller]
    pub fn assert_fault(&self, err_cd: &str, prefix: &str) {
        assert_eq!(self.err_cd().as_deref(), Some(err_cd), "body: {}", self.body);
        assert!(self.info().starts_with(prefix), "info {:?} should start with {prefix:?}", self.info());
        assert_eq!(self.status, 500, "SOAP 1.1 faults are HTTP 500: {}", self.body);
        assert!(self.body.contains("<soap:Fault>"), "{}", self.body);
    }
}

pub fn field(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&close)? + start;
    Some(unescape(&body[start..end]))
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

pub fn envelope(op: &str, children: &str) -> String {
    format!(
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:u=\"urn:usergate:1\">\
         <soapenv:Body><u:{op}Request>{children}</u:{op}Request></soapenv:Body></soapenv:Envelope>"
    )
}

/// An owner for the offline admin commands, with a given password.
pub fn target<'a>(customer: &'a str, user: &'a str, password: &'a str) -> usergate::admin::AdminTarget<'a> {
    usergate::admin::AdminTarget { customer, user, password: Some(password), min_password_chars: 8 }
}

pub fn settings(dir: &tempfile::TempDir) -> Settings {
    Settings {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        db: dir.path().join("usergate.db"),
        bootstrap_password: Some(Secret(OWNER_PASSWORD.into())),
        ..Settings::default()
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(tweak: impl FnOnce(&mut Settings)) -> TestApp {
        Self::spawn_in(tempfile::tempdir().expect("temp dir"), tweak).await
    }

    /// Starts on whatever database `dir` already holds (a copied template, say).
    pub async fn spawn_in(dir: tempfile::TempDir, tweak: impl FnOnce(&mut Settings)) -> TestApp {
        let mut s = settings(&dir);
        tweak(&mut s);
        let running = usergate::start(s).await.expect("server starts");
        TestApp { addr: running.addr, dir, running: Some(running) }
    }

    /// A handle on a server this harness did not start (a child process), for the same HTTP helpers.
    pub fn attach(addr: SocketAddr, dir: tempfile::TempDir) -> TestApp {
        TestApp { addr, dir, running: None }
    }

    /// The running application: its hasher's work counter, its clock (tests move it instead of sleeping).
    pub fn app(&self) -> &usergate::app::App {
        &self.running.as_ref().expect("a server started by this harness").app
    }

    /// Reads the TLS certificate and key files again, as SIGHUP does.
    pub fn reload_tls(&self) -> Result<(), usergate::http::tls::TlsError> {
        self.running.as_ref().expect("a server started by this harness").reload_tls()
    }

    /// The database file.
    pub fn db_path(&self) -> std::path::PathBuf {
        self.dir.path().join("usergate.db")
    }

    /// A second connection to the database, as an operator's `sqlite3` would open it.
    pub fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.db_path()).expect("open the database")
    }

    /// Stops the server (in-flight requests are answered first).
    pub async fn stop(mut self) -> tempfile::TempDir {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        self.dir
    }

    /// Stops and starts again on the same database file (same settings otherwise).
    pub async fn restart(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
        let s = settings(&self.dir);
        let running = usergate::start(s).await.expect("server restarts");
        self.addr = running.addr;
        self.running = Some(running);
    }

    /// Sends raw bytes and reads the whole response (the request asks the server to close).
    pub async fn raw(&self, request: &[u8]) -> Resp {
        let mut s = TcpStream::connect(self.addr).await.expect("connect");
        s.write_all(request).await.expect("write");
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.expect("read");
        parse_response(&buf)
    }

    pub async fn http(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        self.raw(&bytes).await
    }

    pub async fn post_xml(&self, xml: &str, soap_action: Option<&str>) -> Resp {
        let mut headers = vec![("Content-Type", "text/xml; charset=utf-8")];
        if let Some(a) = soap_action {
            headers.push(("SOAPAction", a));
        }
        self.http("POST", "/SOAP/", &headers, xml.as_bytes()).await
    }

    /// Calls a native operation with the given children.
    pub async fn call(&self, op: &str, children: &str) -> Resp {
        let action = format!("\"urn:usergate:1#{op}\"");
        self.post_xml(&envelope(op, children), Some(&action)).await
    }

    pub async fn login(&self, customer: &str, user: &str, password: &str) -> Resp {
        let c = format!(
            "<user_name>{user}</user_name><customer_name>{customer}</customer_name><password>{password}</password>"
        );
        self.call("SessionLogin", &c).await
    }

    /// Logs in and returns the token, panicking with the answer when it fails.
    pub async fn token(&self, customer: &str, user: &str, password: &str) -> String {
        let r = self.login(customer, user, password).await;
        r.field("token").unwrap_or_else(|| panic!("login {customer}/{user} failed: {}", r.body))
    }

    pub async fn owner_token(&self) -> String {
        self.token("default", "owner", OWNER_PASSWORD).await
    }

    /// Creates a user with the required fields plus `extra` children.
    pub async fn create_user(&self, token: &str, name: &str, password: &str, extra: &str) -> Resp {
        self.call("CreateUser", &user_children(token, name, password, extra)).await
    }

    /// Creates a user and returns a token of theirs.
    pub async fn user_with(&self, owner: &str, name: &str, extra: &str) -> String {
        let r = self.create_user(owner, name, "secret-pass-1", extra).await;
        assert!(r.is_success(), "create {name}: {}", r.body);
        self.token("default", name, "secret-pass-1").await
    }
}

pub fn user_children(token: &str, name: &str, password: &str, extra: &str) -> String {
    format!(
        "<token>{token}</token><user_name>{name}</user_name><password>{password}</password>\
         <nickname>{name}</nickname><first_name>First</first_name><last_name>Last</last_name>\
         <email>{name}@example.org</email><organization>Org</organization>{extra}"
    )
}

pub fn parse_response(buf: &[u8]) -> Resp {
    let text = String::from_utf8_lossy(buf);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split_whitespace().nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect();
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked { dechunk(body) } else { body.to_owned() };
    Resp { status, headers, body }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// POSTs `body` from the loopback address `from` (all of 127.0.0.0/8 reaches a server on 127.0.0.1) with extra
/// header lines (each ending in CRLF); the request asks the server to close.
pub async fn post_from(from: [u8; 4], to: SocketAddr, headers: &str, body: &str) -> Resp {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::from((from, 0))).unwrap();
    let mut s = socket.connect(to).await.unwrap();
    let head = format!(
        "POST /SOAP/ HTTP/1.1\r\nHost: {to}\r\nConnection: close\r\nContent-Type: text/xml\r\n{headers}\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(body.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_owned();
    Resp { status, headers: Vec::new(), body }
}
