//! Settings: defaults in code, then an optional TOML file, then environment and flags; validated once at start.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::app::Policy;
use crate::domain::login_guard::{LockoutPolicy, RateLimit};
use crate::domain::passwords::{MAX_HISTORY, PasswordRules};
use crate::domain::session::SessionPolicy;
use crate::domain::user::InputRules;
use crate::domain::users::Limits;
use crate::http::proxy::Cidr;
use crate::soap::xml::XmlLimits;

/// Hard ceiling on the body limit (design.md section 6).
pub const MAX_BODY_LIMIT: usize = 1024 * 1024;

/// Every key is a TOML key, an environment variable `USERGATE_<KEY>` and a `--set KEY=VALUE` flag
/// (`config_source`); README's Configuration table has a row for each (a test checks).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// SQLite database file.
    pub db: PathBuf,
    /// How long a database connection waits for another process's lock (an admin command) before failing.
    pub db_busy_timeout_ms: u64,
    /// The key that seals secrets read back (DDNS update-user passwords); default: the database path with the
    /// extension `key`. Created 0600 on first start; never stored in the database.
    pub key_file: Option<PathBuf>,
    /// The URL written into served WSDLs' soap:address (default `http://<listen>/SOAP/`).
    pub public_url: Option<String>,
    pub body_limit: usize,
    pub max_connections: usize,
    pub max_headers: usize,
    /// hyper's read buffer for the request head (request line and headers); 431 above it.
    pub max_header_bytes: usize,
    /// Also bounds the TLS handshake.
    pub header_timeout_secs: u64,
    pub body_timeout_secs: u64,
    /// Whole request, from its first byte to the answer; past it a Server fault SERVICE_UNAVAILABLE.
    pub request_timeout_secs: u64,
    /// PEM certificate chain (leaf first) and private key: both set means TLS on the listen address. Reloaded on
    /// SIGHUP.
    pub tls_cert_file: Option<PathBuf>,
    pub tls_key_file: Option<PathBuf>,
    /// Peers (CIDRs) whose X-Forwarded-For / X-Forwarded-Proto are believed. From the environment or a flag: a
    /// comma-separated list.
    #[serde(deserialize_with = "crate::http::proxy::cidr_list")]
    pub trusted_proxies: Vec<Cidr>,
    /// `human` or `json` log lines on stderr.
    pub log_format: LogFormat,
    /// tracing-subscriber EnvFilter directives; `RUST_LOG`, when set, wins. Request lines are target
    /// `usergate::request`, off by default.
    pub log_filter: String,
    /// XML caps (design.md section 6): nesting depth, elements in the document, children of one element,
    /// attributes on one element, bytes in one attribute value, bytes in one text node, namespace declarations on
    /// one element, bytes in one element name.
    pub xml_max_depth: usize,
    pub xml_max_elements: usize,
    pub xml_max_children: usize,
    pub xml_max_attributes: usize,
    pub xml_max_attribute_bytes: usize,
    pub xml_max_text_bytes: usize,
    pub xml_max_namespaces: usize,
    pub xml_max_name_bytes: usize,
    pub min_password_length: usize,
    /// A new password may not be one of the last N (the current one included); 0 turns the check off; at most 24.
    pub password_history: usize,
    /// Days a password set now stays valid; 0: passwords do not expire by themselves.
    pub password_max_age_days: u32,
    /// A login within this many days of its password's expiry is answered with a WARN message.
    pub password_expiry_warn_days: u32,
    pub phone_required: bool,
    /// UpdateCurrentUser may change the caller's own `user_name` (Zato lets users rename themselves; off here).
    pub allow_self_rename: bool,
    pub search_limit: u64,
    /// Audit records older than this many days are purged hourly by the server once an all-customer export covers
    /// them (`usergate admin audit export`); 0 keeps them forever.
    pub audit_retention_days: u32,
    pub session_idle_secs: u64,
    pub session_absolute_secs: u64,
    pub lock_after_failures: u32,
    /// Wrong passwords in a row answered without delay; after them each attempt waits 1 s, doubling per failure.
    pub lockout_free_failures: u32,
    /// Ceiling of that delay.
    pub lockout_max_delay_secs: u64,
    /// SessionLogin attempts per minute per source address (IPv6: per /64); 0 turns the limit off.
    pub login_rate_per_minute: u32,
    /// Attempts a source may make at once before the per-minute rate applies.
    pub login_rate_burst: u32,
    /// Source addresses remembered at once (memory bound of the rate limiter).
    pub login_rate_sources: usize,
    /// Argon2 hashes running at once (each holds 19 MiB); default: the number of cores.
    pub hash_concurrency: usize,
    /// On SIGTERM/SIGINT, how long in-flight requests may take to finish before their connections are closed.
    pub shutdown_grace_secs: u64,
    /// How often the server deletes expired sessions (a bounded number per run; logins purge some too).
    pub session_purge_interval_secs: u64,
    /// Password for owners created by bootstrap and the admin commands (`USERGATE_BOOTSTRAP_PASSWORD`); never
    /// read from the file, never printed.
    #[serde(skip)]
    pub bootstrap_password: Option<Secret>,
    /// Test builds only: a GetUser for this user name panics inside dispatch, to prove that a handler panic is a
    /// Server fault and the process keeps serving. Absent from release builds.
    #[cfg(debug_assertions)]
    #[serde(skip)]
    pub panic_on_user_name: Option<&'static str>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Human,
    Json,
}

/// A secret string whose Debug output and serialized form (`usergate config check`) are redacted.
#[derive(Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

impl Default for Settings {
    fn default() -> Self {
        let xml = XmlLimits::default();
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: PathBuf::from("usergate.db"),
            db_busy_timeout_ms: 5000,
            key_file: None,
            public_url: None,
            body_limit: 64 * 1024,
            max_connections: 1024,
            max_headers: 64,
            max_header_bytes: 64 * 1024,
            header_timeout_secs: 10,
            body_timeout_secs: 10,
            request_timeout_secs: 30,
            tls_cert_file: None,
            tls_key_file: None,
            trusted_proxies: Vec::new(),
            log_format: LogFormat::Human,
            log_filter: DEFAULT_LOG_FILTER.to_owned(),
            xml_max_depth: xml.max_depth,
            xml_max_elements: xml.max_elements,
            xml_max_children: xml.max_children,
            xml_max_attributes: xml.max_attributes,
            xml_max_attribute_bytes: xml.max_attribute_len,
            xml_max_text_bytes: xml.max_text,
            xml_max_namespaces: xml.max_namespace_bindings,
            xml_max_name_bytes: xml.max_name_len,
            min_password_length: 8,
            password_history: 5,
            password_max_age_days: 0,
            password_expiry_warn_days: 14,
            phone_required: false,
            allow_self_rename: false,
            search_limit: 10_000,
            audit_retention_days: 0,
            session_idle_secs: 30 * 60,
            session_absolute_secs: 12 * 3600,
            lock_after_failures: 100,
            lockout_free_failures: 5,
            lockout_max_delay_secs: 15 * 60,
            login_rate_per_minute: 30,
            login_rate_burst: 20,
            login_rate_sources: 10_000,
            hash_concurrency: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
            shutdown_grace_secs: 10,
            session_purge_interval_secs: 300,
            bootstrap_password: None,
            #[cfg(debug_assertions)]
            panic_on_user_name: None,
        }
    }
}

/// Info and above, request lines off: one line per request costs more than a GetUser at full load.
pub const DEFAULT_LOG_FILTER: &str = "info,usergate::request=off";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read or is not TOML (toml's message gives the line and column).
    #[error("config file {path}: {message}")]
    File { path: String, message: String },
    /// A key's value is refused; `origin` says where it came from (" (file F line N)", " (environment
    /// USERGATE_KEY)", " (flag)"), empty for a default or a value set in code.
    #[error("setting {key}{origin}: {message}")]
    Invalid { key: String, origin: String, message: String },
}

impl ConfigError {
    fn invalid(key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid { key: key.to_owned(), origin: String::new(), message: message.into() }
    }
}

impl Settings {
    /// Checks every value; the error names the first key refused.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, m: &str| Err(ConfigError::invalid(key, m));
        if !(1024..=MAX_BODY_LIMIT).contains(&self.body_limit) {
            return bad("body_limit", "must be between 1 KiB and 1 MiB");
        }
        let positive: [(&str, u64); 11] = [
            ("max_connections", self.max_connections as u64),
            ("hash_concurrency", self.hash_concurrency as u64),
            ("search_limit", self.search_limit),
            ("session_idle_secs", self.session_idle_secs),
            ("session_absolute_secs", self.session_absolute_secs),
            ("header_timeout_secs", self.header_timeout_secs),
            ("body_timeout_secs", self.body_timeout_secs),
            ("request_timeout_secs", self.request_timeout_secs),
            ("lock_after_failures", u64::from(self.lock_after_failures)),
            ("lockout_max_delay_secs", self.lockout_max_delay_secs),
            ("login_rate_burst", u64::from(self.login_rate_burst)),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return bad(key, "must be at least 1");
        }
        if self.login_rate_sources == 0 {
            return bad("login_rate_sources", "must be at least 1");
        }
        if !(1..=600_000).contains(&self.db_busy_timeout_ms) {
            return bad("db_busy_timeout_ms", "must be between 1 and 600000");
        }
        if !(8..=1024).contains(&self.max_headers) {
            return bad("max_headers", "must be between 8 and 1024");
        }
        if !(1..=1024).contains(&self.min_password_length) {
            return bad("min_password_length", "must be between 1 and 1024");
        }
        if self.password_history > MAX_HISTORY {
            return bad("password_history", "must be at most 24");
        }
        if self.password_max_age_days > 3650 {
            return bad("password_max_age_days", "must be at most 3650");
        }
        // hyper refuses a head buffer under 8 KiB; the XML caps stay within what a 1 MiB body can hold.
        if !(8 * 1024..=MAX_BODY_LIMIT).contains(&self.max_header_bytes) {
            return bad("max_header_bytes", "must be between 8 KiB and 1 MiB");
        }
        let xml = [
            ("xml_max_depth", self.xml_max_depth),
            ("xml_max_elements", self.xml_max_elements),
            ("xml_max_children", self.xml_max_children),
            ("xml_max_attributes", self.xml_max_attributes),
            ("xml_max_attribute_bytes", self.xml_max_attribute_bytes),
            ("xml_max_text_bytes", self.xml_max_text_bytes),
            ("xml_max_namespaces", self.xml_max_namespaces),
            ("xml_max_name_bytes", self.xml_max_name_bytes),
        ];
        if let Some((key, _)) = xml.iter().find(|(_, n)| !(1..=MAX_BODY_LIMIT).contains(n)) {
            return bad(key, "must be between 1 and 1048576");
        }
        // The envelope alone is three levels deep (Envelope, Body, operation) with its fields below.
        if self.xml_max_depth < 4 {
            return bad("xml_max_depth", "must be at least 4");
        }
        if self.xml_max_elements < 4 {
            return bad("xml_max_elements", "must be at least 4");
        }
        match (&self.tls_cert_file, &self.tls_key_file) {
            (Some(_), None) => return bad("tls_key_file", "must be set when tls_cert_file is"),
            (None, Some(_)) => return bad("tls_cert_file", "must be set when tls_key_file is"),
            _ => {}
        }
        if let Err(e) = tracing_subscriber::EnvFilter::builder().parse(&self.log_filter) {
            return Err(ConfigError::invalid("log_filter", e.to_string()));
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return bad("public_url", "must start with http:// or https://");
        }
        if self.shutdown_grace_secs > 3600 {
            return bad("shutdown_grace_secs", "must be at most 3600");
        }
        if self.session_purge_interval_secs == 0 {
            return bad("session_purge_interval_secs", "must be at least 1");
        }
        Ok(())
    }

    pub fn bootstrap_password(&self) -> Option<&str> {
        self.bootstrap_password.as_ref().map(|s| s.0.as_str())
    }

    /// The key file in use: the configured one, else beside the database (`usergate.db` -> `usergate.key`).
    pub fn key_file_path(&self) -> PathBuf {
        self.key_file.clone().unwrap_or_else(|| self.db.with_extension("key"))
    }

    /// Whether the listener speaks TLS.
    pub fn tls(&self) -> bool {
        self.tls_cert_file.is_some() && self.tls_key_file.is_some()
    }

    /// The URL clients are told to call.
    pub fn endpoint_url(&self, bound: SocketAddr) -> String {
        let scheme = if self.tls() { "https" } else { "http" };
        self.public_url.clone().unwrap_or_else(|| format!("{scheme}://{bound}/SOAP/"))
    }

    pub fn xml_limits(&self) -> XmlLimits {
        XmlLimits {
            max_depth: self.xml_max_depth,
            max_elements: self.xml_max_elements,
            max_children: self.xml_max_children,
            max_attributes: self.xml_max_attributes,
            max_attribute_len: self.xml_max_attribute_bytes,
            max_text: self.xml_max_text_bytes,
            max_namespace_bindings: self.xml_max_namespaces,
            max_name_len: self.xml_max_name_bytes,
        }
    }

    pub fn policy(&self) -> Policy {
        Policy {
            input: InputRules { min_password_chars: self.min_password_length, phone_required: self.phone_required },
            limits: Limits { search_limit: self.search_limit },
            session: SessionPolicy { idle_secs: self.session_idle_secs, absolute_secs: self.session_absolute_secs },
            passwords: PasswordRules {
                history: self.password_history,
                max_age_days: self.password_max_age_days,
                warn_days: self.password_expiry_warn_days,
            },
            lockout: LockoutPolicy {
                free_failures: self.lockout_free_failures,
                first_delay_secs: 1,
                max_delay_secs: self.lockout_max_delay_secs,
                hard_lock_after: self.lock_after_failures,
            },
            login_rate: RateLimit {
                per_minute: self.login_rate_per_minute,
                burst: self.login_rate_burst,
                max_sources: self.login_rate_sources,
            },
            xml: self.xml_limits(),
            allow_self_rename: self.allow_self_rename,
            #[cfg(debug_assertions)]
            panic_on_user_name: self.panic_on_user_name,
        }
    }
}
