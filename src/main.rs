//! The `usergate` command: parses arguments and calls the library (serve, migrate, admin), nothing else.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use usergate::admin::AdminTarget;
use usergate::config::{LogFormat, Settings};

#[derive(Parser)]
#[command(name = "usergate", version, about = "SOAP gateway for user accounts")]
struct Cli {
    /// TOML settings file (defaults apply to anything it leaves out).
    #[arg(long, global = true, env = "USERGATE_CONFIG")]
    config: Option<PathBuf>,
    /// SQLite database file (key `db`) [default: ./usergate.db].
    #[arg(long, global = true)]
    db: Option<String>,
    /// Key file sealing DDNS update-user passwords (key `key_file`) [default: the database path with extension .key].
    #[arg(long, global = true)]
    key_file: Option<String>,
    /// Any setting, over the file and the environment (repeatable): `--set request_timeout_secs=60`.
    #[arg(long = "set", global = true, value_name = "KEY=VALUE")]
    set: Vec<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve SOAP over HTTP (HTTPS when tls_cert_file and tls_key_file are set).
    Serve {
        /// Address to listen on (key `listen`) [default: 127.0.0.1:8080].
        #[arg(long)]
        listen: Option<String>,
        /// URL written into the served WSDL's soap:address (key `public_url`).
        #[arg(long)]
        public_url: Option<String>,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Offline administration.
    Admin {
        #[command(subcommand)]
        action: Admin,
    },
    /// The configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Validate the configuration and print it as TOML, secrets redacted (exit 0 valid, 2 invalid).
    Check,
}

#[derive(Subcommand)]
enum Admin {
    /// Create an owner (and the customer, if new). Password from USERGATE_BOOTSTRAP_PASSWORD, else generated.
    CreateOwner {
        #[arg(long)]
        customer: String,
        #[arg(long)]
        user: String,
    },
    /// Set a new password for a user and end its sessions. Password as for create-owner.
    ResetPassword {
        #[arg(long)]
        customer: String,
        #[arg(long)]
        user: String,
    },
    /// Lift a user's login lockout (after too many wrong passwords); password and sessions are kept.
    Unlock {
        user: String,
        #[arg(long, default_value = "default")]
        customer: String,
    },
    /// Copy the database into FILE while it is in use (SQLite online backup: one consistent snapshot; the server
    /// keeps serving). FILE is written 0600 and replaced atomically.
    Backup { file: PathBuf },
    /// Replace the database with the backup FILE (offline: refuses while a server holds the database). FILE must be
    /// an intact usergate database of a schema this version knows.
    Restore { file: PathBuf },
    /// The audit trail: export it, purge what an export covers.
    Audit {
        #[command(subcommand)]
        action: Audit,
    },
    /// Bench data only (BENCHMARKS.md): users u0000001.. in customer `default`, all with the password from
    /// USERGATE_BOOTSTRAP_PASSWORD and one shared hash.
    #[command(hide = true)]
    SeedBench {
        #[arg(long)]
        users: u64,
    },
}

#[derive(Subcommand)]
enum Audit {
    /// Write audit records, oldest first, to stdout (or --output) and record the export.
    Export {
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Only records at or after this xsd:dateTime or date (UTC unless it says otherwise).
        #[arg(long)]
        since: Option<String>,
        /// Only this customer's records [default: all customers; a purge needs an all-customer export].
        #[arg(long)]
        customer: Option<String>,
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Delete audit records older than a date, if an all-customer export made after them covers them.
    Purge {
        /// xsd:dateTime or date [default: now minus audit_retention_days, when that is set].
        #[arg(long)]
        before: Option<String>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    Jsonl,
    Csv,
}

fn audit(store: &dyn usergate::domain::Store, settings: &Settings, action: Audit) -> Result<(), String> {
    use usergate::audit_export::{self, Format};
    use usergate::domain::values::Timestamp;
    let date = |flag: &str, s: &str| Timestamp::parse(flag, s).map_err(|e| e.info);
    match action {
        Audit::Export { format, since, customer, output } => {
            let format = match format {
                ExportFormat::Jsonl => Format::Jsonl,
                ExportFormat::Csv => Format::Csv,
            };
            let since = since.as_deref().map(|s| date("--since", s)).transpose()?;
            let summary = match output {
                Some(path) => {
                    let file = std::fs::File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                    let mut out = std::io::BufWriter::new(file);
                    let summary = audit_export::export(store, format, customer.as_deref(), since, &mut out);
                    let file = out.into_inner().map_err(|e| e.to_string())?;
                    file.sync_all().map_err(|e| format!("{}: {e}", path.display()))?;
                    summary
                }
                None => {
                    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                    audit_export::export(store, format, customer.as_deref(), since, &mut out)
                }
            }
            .map_err(|e| e.to_string())?;
            let upto = summary.max_job.map_or_else(|| "none".to_owned(), |j| j.0.to_string());
            eprintln!("exported {} audit records (highest job id {upto})", summary.rows);
            Ok(())
        }
        Audit::Purge { before } => {
            let before = match before {
                Some(b) => date("--before", &b)?,
                None if settings.audit_retention_days > 0 => {
                    audit_export::retention_cutoff(Timestamp::now(), settings.audit_retention_days)
                }
                None => return Err("purge: give --before DATE (audit_retention_days is 0: keep forever)".into()),
            };
            let n = audit_export::purge(store, before).map_err(|e| e.to_string())?;
            eprintln!("purged {n} audit records before {}", before.to_rfc3339());
            Ok(())
        }
    }
}

/// Why the command failed; a configuration error exits with 2.
enum Failure {
    Config(String),
    Other(String),
}

impl From<String> for Failure {
    fn from(e: String) -> Failure {
        Failure::Other(e)
    }
}

fn settings(cli: &Cli) -> Result<Settings, Failure> {
    use usergate::config_source::{Layers, Origin};
    let mut layers = Layers::default();
    let config = |e: usergate::config::ConfigError| Failure::Config(e.to_string());
    if let Some(path) = &cli.config {
        layers.file(path).map_err(config)?;
    }
    layers.env(|var| std::env::var(var).ok()).map_err(config)?;
    let mut flags: Vec<(&str, &str, &str)> = Vec::new();
    if let Some(db) = &cli.db {
        flags.push(("db", db, "--db"));
    }
    if let Some(k) = &cli.key_file {
        flags.push(("key_file", k, "--key-file"));
    }
    if let Command::Serve { listen, public_url } = &cli.command {
        if let Some(l) = listen {
            flags.push(("listen", l, "--listen"));
        }
        if let Some(u) = public_url {
            flags.push(("public_url", u, "--public-url"));
        }
    }
    for kv in &cli.set {
        let (k, v) = kv.split_once('=').ok_or_else(|| Failure::Config(format!("--set {kv}: expected KEY=VALUE")))?;
        flags.push((k.trim(), v, "--set"));
    }
    for (key, value, flag) in flags {
        layers.text(key, value, Origin::Flag(flag.to_owned())).map_err(config)?;
    }
    let mut s = layers.settings().map_err(config)?;
    s.bootstrap_password = std::env::var(usergate::admin::PASSWORD_ENV).ok().map(usergate::config::Secret);
    Ok(s)
}

fn init_logs(settings: &Settings) {
    use tracing_subscriber::EnvFilter;
    // RUST_LOG wins over log_filter (validated already).
    let filter = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.is_empty())
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new(&settings.log_filter));
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match settings.log_format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Human => {
            use std::io::IsTerminal as _;
            logs.with_ansi(std::io::stderr().is_terminal()).init()
        }
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    // Installed before the listening line: once clients (or an init system) can see us, a signal must find its
    // handler. SIGHUP's default action would end the process; a SIGTERM before its handler would skip the drain.
    #[cfg(unix)]
    let signals = Signals::install().map_err(|e| format!("signal handlers: {e}"))?;
    let running = usergate::start(settings).await.map_err(|e| e.to_string())?;
    #[cfg(unix)]
    {
        tokio::spawn(reload_on_hangup(signals.hangup, running.tls.clone()));
        signals.stop.wait().await;
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down: draining in-flight requests");
    running.stop().await;
    Ok(())
}

/// The signals `serve` acts on, registered with the runtime up front.
#[cfg(unix)]
struct Signals {
    hangup: tokio::signal::unix::Signal,
    stop: StopSignals,
}

/// SIGTERM or SIGINT: drain and exit.
#[cfg(unix)]
struct StopSignals {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn install() -> std::io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            hangup: signal(SignalKind::hangup())?,
            stop: StopSignals {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            },
        })
    }
}

#[cfg(unix)]
impl StopSignals {
    async fn wait(mut self) {
        tokio::select! { _ = self.terminate.recv() => {}, _ = self.interrupt.recv() => {} }
    }
}

/// SIGHUP reloads the TLS certificate and key; a failed reload keeps the old pair. Without TLS it is ignored (its
/// default action would end the process).
#[cfg(unix)]
async fn reload_on_hangup(mut hup: tokio::signal::unix::Signal, tls: Option<std::sync::Arc<usergate::http::tls::Tls>>) {
    while hup.recv().await.is_some() {
        match &tls {
            None => tracing::info!("SIGHUP: nothing to reload (TLS is off)"),
            Some(tls) => match tls.reload() {
                Ok(()) => tracing::info!("SIGHUP: TLS certificate reloaded"),
                Err(e) => tracing::error!(error = %e, "SIGHUP: TLS reload failed; keeping the certificate in use"),
            },
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    let settings = match settings(&cli) {
        Ok(s) => s,
        Err(e) => {
            if matches!(cli.command, Command::Config { .. }) {
                eprintln!("usergate: configuration invalid");
            }
            return Err(e);
        }
    };
    init_logs(&settings);
    match cli.command {
        Command::Config { action: ConfigAction::Check } => {
            // The TLS files are read too: a pair that does not load is an invalid configuration.
            if let (Some(cert), Some(key)) = (&settings.tls_cert_file, &settings.tls_key_file) {
                usergate::http::tls::Tls::load(cert, key).map_err(|e| Failure::Config(e.to_string()))?;
            }
            print!("{}", usergate::config_source::render(&settings)?);
            Ok(())
        }
        Command::Serve { .. } => {
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
            Ok(rt.block_on(serve(settings))?)
        }
        Command::Migrate => {
            usergate::open_store(&settings).map_err(|e| e.to_string())?;
            eprintln!("database {} is up to date", settings.db.display());
            Ok(())
        }
        Command::Admin { action: Admin::Backup { file } } => {
            let facts = usergate::store::sqlite::backup::backup(&settings.db, &file).map_err(|e| e.to_string())?;
            eprintln!("backed up {} to {} ({} users)", settings.db.display(), file.display(), facts.users);
            Ok(())
        }
        Command::Admin { action: Admin::Restore { file } } => {
            let facts = usergate::store::sqlite::backup::restore(&settings.db, &file).map_err(|e| e.to_string())?;
            eprintln!("restored {} from {} ({} users)", settings.db.display(), file.display(), facts.users);
            Ok(())
        }
        Command::Admin { action: Admin::Audit { action } } => {
            // The same busy timeout as the server (`db_busy_timeout_ms`): a command waits for a running server's
            // short write transactions instead of failing; exports only read, purges delete in short batches.
            let store = usergate::open_store(&settings).map_err(|e| e.to_string())?;
            audit(&store, &settings, action).map_err(Failure::from)
        }
        Command::Admin { action } => {
            let store = usergate::open_store(&settings).map_err(|e| e.to_string())?;
            let min = settings.min_password_length;
            let given = settings.bootstrap_password();
            let target = |customer, user| AdminTarget { customer, user, password: given, min_password_chars: min };
            let generated = match action {
                Admin::CreateOwner { customer, user } => {
                    let hasher = usergate::hasher(&settings).map_err(|e| e.to_string())?;
                    usergate::admin::create_owner(&store, &hasher, target(&customer, &user))
                }
                Admin::ResetPassword { customer, user } => {
                    let hasher = usergate::hasher(&settings).map_err(|e| e.to_string())?;
                    usergate::admin::reset_password(&store, &hasher, target(&customer, &user))
                }
                Admin::Unlock { user, customer } => {
                    usergate::admin::unlock(&store, &customer, &user).map(|()| None).inspect(|_| {
                        eprintln!("unlocked {user} in customer {customer}");
                    })
                }
                // Handled above (backup and restore without opening, and migrating, the database).
                Admin::Backup { .. } | Admin::Restore { .. } | Admin::Audit { .. } => Ok(None),
                Admin::SeedBench { users } => {
                    let hasher = usergate::hasher(&settings).map_err(|e| e.to_string())?;
                    let password = given.ok_or_else(|| "seed-bench: set USERGATE_BOOTSTRAP_PASSWORD".to_owned())?;
                    let n =
                        usergate::seed::seed_bench(&store, &hasher, users, password, min).map_err(|e| e.to_string())?;
                    eprintln!("seeded {n} users");
                    Ok(None)
                }
            }
            .map_err(|e| e.to_string())?;
            if let Some(password) = generated {
                eprintln!("owner password: {password}");
            }
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Config(e)) => {
            eprintln!("usergate: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Other(e)) => {
            eprintln!("usergate: {e}");
            ExitCode::FAILURE
        }
    }
}
