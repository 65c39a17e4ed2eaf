//! The `usergate` command: parses arguments and calls the library (serve, migrate, admin), nothing else.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use usergate::admin::AdminTarget;
use usergate::config::Settings;

#[derive(Parser)]
#[command(name = "usergate", version, about = "SOAP gateway for user accounts")]
struct Cli {
    /// TOML settings file (defaults apply to anything it leaves out).
    #[arg(long, global = true, env = "USERGATE_CONFIG")]
    config: Option<PathBuf>,
    /// SQLite database file [default: ./usergate.db].
    #[arg(long, global = true, env = "USERGATE_DB")]
    db: Option<PathBuf>,
    /// Key file sealing DDNS update-user passwords [default: the database path with extension .key].
    #[arg(long, global = true, env = "USERGATE_KEY_FILE")]
    key_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve SOAP over HTTP.
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, env = "USERGATE_LISTEN")]
        listen: Option<SocketAddr>,
        /// URL written into the served WSDL's soap:address.
        #[arg(long, env = "USERGATE_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Offline administration.
    Admin {
        #[command(subcommand)]
        action: Admin,
    },
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

fn settings(cli: &Cli) -> Result<Settings, String> {
    let mut s = match &cli.config {
        Some(path) => Settings::from_file(path).map_err(|e| e.to_string())?,
        None => Settings::default(),
    };
    if let Some(db) = &cli.db {
        s.db = db.clone();
    }
    if cli.key_file.is_some() {
        s.key_file = cli.key_file.clone();
    }
    s.bootstrap_password = std::env::var(usergate::admin::PASSWORD_ENV).ok().map(usergate::config::Secret);
    if let Command::Serve { listen, public_url } = &cli.command {
        if let Some(l) = listen {
            s.listen = *l;
        }
        if public_url.is_some() {
            s.public_url = public_url.clone();
        }
    }
    s.validate().map_err(|e| e.to_string())?;
    Ok(s)
}

fn init_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    use std::io::IsTerminal as _;
    let ansi = std::io::stderr().is_terminal();
    tracing_subscriber::fmt().with_env_filter(filter).with_ansi(ansi).with_writer(std::io::stderr).init();
}

async fn serve(settings: Settings) -> Result<(), String> {
    let running = usergate::start(settings).await.map_err(|e| e.to_string())?;
    shutdown_signal().await;
    tracing::info!("shutting down: draining in-flight requests");
    running.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let settings = settings(&cli)?;
    match cli.command {
        Command::Serve { .. } => {
            let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
            rt.block_on(serve(settings))
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
            // The same busy_timeout (5 s) as the server: a command waits for a running server's short write
            // transactions instead of failing; exports only read, purges delete in short batches.
            let store = usergate::open_store(&settings).map_err(|e| e.to_string())?;
            audit(&store, &settings, action)
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
                    let password = given.ok_or("seed-bench: set USERGATE_BOOTSTRAP_PASSWORD")?;
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
    init_logs();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("usergate: {e}");
            ExitCode::FAILURE
        }
    }
}
