//! usergate: a SOAP gateway for managing user accounts. Modules in reading order, from the socket down to disk:
//! `http` -> `soap` -> `messages` -> `ops` -> `domain` -> `store`; `auth`, `config`, `app` and `admin` beside them.

pub mod admin;
pub mod app;
pub mod auth;
pub mod config;
pub mod config_source;
pub mod domain;
pub mod http;
pub mod messages;
pub mod ops;
pub mod seed;
pub mod soap;
pub mod store;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use app::App;
use config::Settings;
use store::sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    #[error("database {path}: {message}")]
    Store { path: String, message: String },
    #[error("bootstrap: {0}")]
    Bootstrap(#[from] admin::AdminError),
    #[error(transparent)]
    KeyFile(#[from] auth::secret_box::KeyFileError),
    #[error(transparent)]
    Tls(#[from] http::tls::TlsError),
    #[error("listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
    #[error("{0}")]
    Other(String),
}

pub fn open_store(settings: &Settings) -> Result<SqliteStore, StartError> {
    SqliteStore::open(&settings.db)
        .map_err(|e| StartError::Store { path: settings.db.display().to_string(), message: e.to_string() })
}

pub fn hasher(settings: &Settings) -> Result<auth::password::PasswordHasher, StartError> {
    auth::password::PasswordHasher::new(settings.hash_concurrency).map_err(|e| StartError::Other(e.to_string()))
}

/// A started server: its address, and how to stop it.
pub struct Running {
    pub addr: SocketAddr,
    /// The running application (tests read its hasher's counters and move its clock).
    pub app: Arc<App>,
    /// The listener's TLS, when on (`reload_tls` swaps its certificate).
    pub tls: Option<Arc<http::tls::Tls>>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Reads the certificate and key files again (SIGHUP): new handshakes use them; open connections are kept. On
    /// error the old pair stays in use. Without TLS there is nothing to do.
    pub fn reload_tls(&self) -> Result<(), http::tls::TlsError> {
        self.tls.as_ref().map_or(Ok(()), |tls| tls.reload())
    }

    /// Stops accepting, drains in-flight requests, and waits until the server is gone.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}

/// Opens the store (migrating it), bootstraps an empty database and builds what every request needs. `start`
/// serves it; the fuzz targets call it directly.
pub fn build_app(settings: &Settings) -> Result<App, StartError> {
    settings.validate()?;
    let store = open_store(settings)?;
    let hasher = hasher(settings)?;
    let secrets = auth::secret_box::SecretBox::open_or_create(&settings.key_file_path())?;
    if let Some(password) =
        admin::bootstrap_if_empty(&store, &hasher, settings.bootstrap_password(), settings.min_password_length)?
    {
        // Printed once, on stderr, so that the operator can log in; never logged.
        eprintln!("owner password: {password}");
    }
    Ok(App {
        store: Arc::new(store),
        hasher,
        secrets,
        policy: settings.policy(),
        clock: app::Clock::default(),
        password_gate: tokio::sync::Semaphore::new(settings.hash_concurrency.saturating_mul(2)),
        login_limiter: domain::login_guard::SourceLimiter::new(settings.policy().login_rate),
        logins_in_flight: domain::login_guard::InFlight::default(),
    })
}

/// Builds the app, binds and starts serving in the background.
pub async fn start(settings: Settings) -> Result<Running, StartError> {
    let app = build_app(&settings)?;
    let tls = match (&settings.tls_cert_file, &settings.tls_key_file) {
        (Some(cert), Some(key)) => Some(Arc::new(http::tls::Tls::load(cert, key)?)),
        _ => None,
    };
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|source| StartError::Listen { addr: settings.listen, source })?;
    let addr = listener.local_addr().map_err(|e| StartError::Other(e.to_string()))?;
    let app = Arc::new(app);
    let server = Arc::new(http::Server {
        app: Arc::clone(&app),
        limits: http::HttpLimits {
            body_limit: settings.body_limit,
            max_connections: settings.max_connections,
            max_headers: settings.max_headers,
            max_header_bytes: settings.max_header_bytes,
            header_timeout: Duration::from_secs(settings.header_timeout_secs),
            body_timeout: Duration::from_secs(settings.body_timeout_secs),
            request_timeout: Duration::from_secs(settings.request_timeout_secs),
            trusted_proxies: settings.trusted_proxies.clone(),
        },
        tls: tls.is_some(),
        wsdl: http::wsdl_for(&settings.endpoint_url(addr)),
        dynect_wsdl: http::dynect_wsdl_for(&settings.endpoint_url(addr)),
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(http::serve(server, listener, tls.clone(), async {
        let _ = stopped.await;
    }));
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!("usergate listening on {scheme}://{addr}/SOAP/");
    Ok(Running { addr, app, tls, stop, task })
}
