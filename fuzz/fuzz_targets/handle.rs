//! Fuzz target: the whole SOAP request handler (`http::endpoint::handle`) on a real app with SQLite in a temp
//! directory: decoding, envelope, message, operation, domain rules, store, response. `{{..._token}}` in an input
//! (the fixtures' placeholders) becomes a live owner session, so inputs reach the operations. Invariant: no
//! panic, and every answer is a SOAP envelope with a status the contract allows.
#![no_main]

use std::sync::{Arc, Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use usergate::app::App;
use usergate::config::{Secret, Settings};
use usergate::domain::audit::RequestMeta;
use usergate::http::endpoint::{Charset, Transport, handle};
use usergate::soap::Version;

const OWNER_PASSWORD: &str = "fuzz-owner-pass";

struct World {
    rt: tokio::runtime::Runtime,
    app: Arc<App>,
    token: Mutex<String>,
    _dir: tempfile::TempDir,
}

fn meta() -> RequestMeta {
    let ip = std::net::IpAddr::from([127, 0, 0, 1]);
    RequestMeta { client_ip: Some(ip), client_addr: ip.to_string(), correlation_id: "fuzz".into() }
}

fn soap(op: &str, children: &str) -> String {
    format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:u=\"urn:usergate:1\"><s:Body>\
         <u:{op}Request>{children}</u:{op}Request></s:Body></s:Envelope>"
    )
}

fn between<'a>(body: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = body.find(open)? + open.len();
    Some(&body[start..start + body[start..].find(close)?])
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = Settings {
            db: dir.path().join("fuzz.db"),
            bootstrap_password: Some(Secret(OWNER_PASSWORD.into())),
            hash_concurrency: 1,
            // Inputs may guess the owner's password or log in often: the harness's own owner login must keep
            // working, so neither the lockout nor the per-source rate may stop it (their code still runs).
            login_rate_per_minute: 0,
            lockout_free_failures: u32::MAX,
            lock_after_failures: u32::MAX,
            ..Settings::default()
        };
        let app = Arc::new(usergate::build_app(&settings).expect("app"));
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).build().expect("runtime");
        World { rt, app, token: Mutex::new(String::new()), _dir: dir }
    }

    fn call(&self, body: &[u8], charset: Charset) -> usergate::http::endpoint::Answer {
        self.call_as(body, &Transport { charset, ..Transport::default() })
    }

    fn call_as(&self, body: &[u8], transport: &Transport<'_>) -> usergate::http::endpoint::Answer {
        self.rt.block_on(handle(&self.app, body, transport, &meta()))
    }

    /// A live owner token: the last one while it works, else a new login (inputs may log it out).
    fn token(&self) -> String {
        let mut token = self.token.lock().unwrap_or_else(|e| e.into_inner());
        let alive = soap("SessionIsAlive", &format!("<token>{token}</token>"));
        if token.is_empty() || self.call(alive.as_bytes(), Charset::Utf8).status != 200 {
            let login = soap(
                "SessionLogin",
                &format!(
                    "<user_name>owner</user_name><customer_name>default</customer_name><password>{OWNER_PASSWORD}</password>"
                ),
            );
            let answer = self.call(login.as_bytes(), Charset::Utf8);
            *token = between(&answer.body, "<token>", "</token>").unwrap_or_default().to_owned();
        }
        token.clone()
    }
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(World::new)
}

/// Replaces every `{{name}}` placeholder with `token`.
fn fill_tokens(data: &[u8], token: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut rest = data;
    while let Some(at) = rest.windows(2).position(|w| w == b"{{") {
        out.extend_from_slice(&rest[..at]);
        match rest[at..].windows(2).position(|w| w == b"}}") {
            Some(end) => {
                out.extend_from_slice(token.as_bytes());
                rest = &rest[at + end + 2..];
            }
            None => {
                rest = &rest[at..];
                break;
            }
        }
    }
    out.extend_from_slice(rest);
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else { return };
    // The first byte also picks the Content-Type's SOAP version (none, 1.1, 1.2), as the HTTP layer would.
    let charset = if pick & 1 == 0 { Charset::Utf8 } else { Charset::Utf16 };
    let media = match (pick >> 1) % 3 {
        0 => None,
        1 => Some(Version::V11),
        _ => Some(Version::V12),
    };
    let w = world();
    let body = if body.windows(2).any(|p| p == b"{{") { fill_tokens(body, &w.token()) } else { body.to_vec() };
    let answer = w.call_as(&body, &Transport { charset, media, ..Transport::default() });
    assert!(matches!(answer.status, 200 | 400 | 500), "status {}", answer.status);
    assert!(answer.body.contains("Envelope"), "{}", answer.body);
});
