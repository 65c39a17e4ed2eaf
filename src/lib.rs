//! usergate: a SOAP gateway for managing user accounts. Modules in reading order, from the socket down to disk:
//! `http` -> `soap` -> `messages` -> `ops` -> `domain` -> `store`; `auth`, `config`, `app` and `admin` beside them.

pub mod admin;
pub mod app;
pub mod audit_export;
pub mod auth;
pub mod config;
pub mod config_source;
pub mod domain;
pub mod http;
pub mod messages;
pub mod metrics;
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
    #[error(transparent)]
    Lock(#[from] store::sqlite::backup::LockError),
    #[error("listen on {addr}: {source}")]
    Listen { addr: SocketAddr, source: std::io::Error },
    #[error("{0}")]
    Other(String),
}

pub fn open_store(settings: &Settings) -> Result<SqliteStore, StartError> {
    SqliteStore::open_with(&settings.db, Duration::from_millis(settings.db_busy_timeout_ms))
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
    store: Arc<SqliteStore>,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
    purge: tokio::task::JoinHandle<()>,
    /// The hourly audit purge, with `audit_retention_days` set.
    retention: Option<tokio::task::JoinHandle<()>>,
    /// Held while serving: `admin restore` refuses while it is.
    _lock: store::sqlite::backup::DbLock,
}

impl Running {
    /// Reads the certificate and key files again (SIGHUP): new handshakes use them; open connections are kept. On
    /// error the old pair stays in use. Without TLS there is nothing to do.
    pub fn reload_tls(&self) -> Result<(), http::tls::TlsError> {
        self.tls.as_ref().map_or(Ok(()), |tls| tls.reload())
    }

    /// Stops accepting, drains in-flight requests (at most `shutdown_grace_secs`, then their connections are
    /// closed), checkpoints the WAL into the database file, and returns when the server is gone.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
        self.purge.abort();
        if let Some(retention) = &self.retention {
            retention.abort();
        }
        let store = Arc::clone(&self.store);
        match tokio::task::spawn_blocking(move || store.checkpoint()).await {
            Ok(Ok(())) => tracing::info!("shutdown: WAL checkpointed"),
            Ok(Err(e)) => tracing::warn!(error = %e, "shutdown: WAL checkpoint incomplete"),
            Err(e) => tracing::warn!(error = %e, "shutdown: WAL checkpoint failed"),
        }
    }
}

/// Opens the store (migrating it), bootstraps an empty database and builds what every request needs. `start`
/// serves it; the fuzz targets call it directly.
pub fn build_app(settings: &Settings) -> Result<App, StartError> {
    build(settings).map(|(app, _)| app)
}

/// `build_app`, also handing back the concrete store (for the checkpoint at shutdown).
fn build(settings: &Settings) -> Result<(App, Arc<SqliteStore>), StartError> {
    settings.validate()?;
    let store = Arc::new(open_store(settings)?);
    let hasher = hasher(settings)?;
    let secrets = auth::secret_box::SecretBox::open_or_create(&settings.key_file_path())?;
    if let Some(password) =
        admin::bootstrap_if_empty(&*store, &hasher, settings.bootstrap_password(), settings.min_password_length)?
    {
        // Printed once, on stderr, so that the operator can log in; never logged.
        eprintln!("owner password: {password}");
    }
    let metrics = metrics::Metrics::new(Some(store.writer_gauges()));
    let app = App {
        store: Arc::clone(&store) as Arc<dyn domain::Store>,
        metrics,
        hasher,
        secrets,
        policy: settings.policy(),
        clock: app::Clock::default(),
        password_gate: tokio::sync::Semaphore::new(settings.hash_concurrency.saturating_mul(2)),
        login_limiter: domain::login_guard::SourceLimiter::new(settings.policy().login_rate),
        logins_in_flight: domain::login_guard::InFlight::default(),
    };
    Ok((app, store))
}

/// Expired sessions deleted per kind (idle, too old) by one run of the periodic purge: one short write each.
const PURGE_PER_RUN: u32 = 1000;

/// Every `interval`, deletes a bounded number of expired sessions (logins purge a few too; this keeps the table
/// small when nobody logs in).
async fn purge_sessions(app: Arc<App>, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let worker = Arc::clone(&app);
        let purged = tokio::task::spawn_blocking(move || {
            let cutoffs = worker.policy.session.cutoffs(worker.clock.now());
            worker.store.purge_expired_sessions(cutoffs, PURGE_PER_RUN)
        })
        .await;
        match purged {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::debug!(purged = n, "expired sessions purged"),
            Ok(Err(e)) => tracing::warn!(error = %e, "session purge failed"),
            Err(e) => tracing::warn!(error = %e, "session purge task failed"),
        }
    }
}

/// Builds the app, binds and starts serving in the background.
pub async fn start(settings: Settings) -> Result<Running, StartError> {
    settings.validate()?;
    // Before migrating: a second server on the same file stops here, and `admin restore` refuses while we run.
    let lock = store::sqlite::backup::DbLock::acquire(&settings.db)?;
    let (app, store) = build(&settings)?;
    let tls = match (&settings.tls_cert_file, &settings.tls_key_file) {
        (Some(cert), Some(key)) => Some(Arc::new(http::tls::Tls::load(cert, key)?)),
        _ => None,
    };
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|source| StartError::Listen { addr: settings.listen, source })?;
    let addr = listener.local_addr().map_err(|e| StartError::Other(e.to_string()))?;
    let app = Arc::new(app);
    let retention = audit_export::spawn_retention(Arc::clone(&app.store), settings.audit_retention_days);
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
            shutdown_grace: Duration::from_secs(settings.shutdown_grace_secs),
        },
        tls: tls.is_some(),
        draining: std::sync::atomic::AtomicBool::new(false),
        wsdl: http::wsdl_for(&settings.endpoint_url(addr)),
        dynect_wsdl: http::dynect_wsdl_for(&settings.endpoint_url(addr)),
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(http::serve(server, listener, tls.clone(), async {
        let _ = stopped.await;
    }));
    let purge =
        tokio::spawn(purge_sessions(Arc::clone(&app), Duration::from_secs(settings.session_purge_interval_secs)));
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!("usergate listening on {scheme}://{addr}/SOAP/");
    Ok(Running { addr, app, tls, store, stop, task, purge, retention, _lock: lock })
}
