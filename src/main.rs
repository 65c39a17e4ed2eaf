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
    /// Bench data only (BENCHMARKS.md): users u0000001.. in customer `default`, all with the password from
    /// USERGATE_BOOTSTRAP_PASSWORD and one shared hash.
    #[command(hide = true)]
    SeedBench {
        #[arg(long)]
        users: u64,
    },
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
                // Handled above, without opening (and migrating) the database.
                Admin::Backup { .. } | Admin::Restore { .. } => Ok(None),
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
