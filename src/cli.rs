//! The `preau` command: `serve` (the default), `admin create`, `backup`, `restore`, `check`.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::accounts::App;
use crate::accounts::service;
use crate::app;
use crate::config::Config;
use crate::db::Db;
use crate::http::logging::{log_error, log_info, log_warn};
use crate::ops::backup;

#[derive(Parser)]
#[command(
    name = "preau",
    version,
    about = "Préau: a self-hosted learning and community platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API and the admin UI (the default).
    Serve,
    /// Manage admin accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Write a consistent snapshot of the database to FILE (safe while the server runs).
    Backup { file: PathBuf },
    /// Replace the database with FILE after checking its integrity (stop the server first).
    Restore { file: PathBuf },
    /// Check the database's integrity.
    Check,
    /// Internal: confines and runs one grading command (see src/grading/sandbox).
    #[command(hide = true)]
    SandboxExec {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin (level 3). The password is read from standard input.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::SandboxExec { args }) = &cli.command {
        return crate::grading::sandbox::exec_main(args);
    }
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            log_error(&format!("configuration: {e}"));
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Admin {
            command: AdminCommand::Create { username, email },
        } => create_admin(&config, &username, &email),
        Command::Backup { file } => take_backup(&config, &file),
        Command::Restore { file } => restore(&config, &file),
        Command::Check => backup::check_integrity(&config.database)
            .map(|()| println!("{}: ok", config.database.display())),
        Command::SandboxExec { .. } => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log_error(&e);
            ExitCode::FAILURE
        }
    }
}

fn serve(config: Config) -> Result<(), String> {
    // The database opens (its schema read, the services started) on a thread of its own while
    // the routes are mounted here: the start takes the longer of the two, not their sum.
    let routes_config = config.clone();
    let opening = std::thread::Builder::new()
        .name("preau-open".into())
        .spawn(move || {
            let app = app::open(config)?;
            let has_admin = app.has_admin().map_err(|e| e.message)?;
            Ok::<_, String>((has_admin, app))
        })
        .map_err(|e| format!("cannot start: {e}"))?;
    // A thread started by a busy thread waited up to 3 ms for a core on the bench's 2-vCPU
    // machine (median 2.9 ms in 12 tries), against 0.1 ms when the starter yields once: the
    // opening starts now, and this thread goes on on the other core. At the end, this thread
    // waits by yielding rather than asleep in `join` (waking a sleeping thread on the other
    // core took 0.4-0.7 ms there), for the few milliseconds an opening takes; a longer one (a
    // migration) is waited for asleep.
    std::thread::yield_now();
    let rocket = app::routes(&routes_config, app::rocket_figment());
    let spin_until = std::time::Instant::now() + std::time::Duration::from_millis(20);
    while !opening.is_finished() && std::time::Instant::now() < spin_until {
        std::thread::yield_now();
    }
    let (has_admin, app) = opening
        .join()
        .map_err(|_| "opening the database panicked".to_string())??;
    log_info(&format!(
        "database {} (SQLite {})",
        app.config.database.display(),
        rusqlite::version()
    ));
    if app.config.smtp_host.is_none() {
        log_info("no SMTP server configured: confirmation links are written to this log");
    }
    if !has_admin {
        log_warn(
            "there is no admin yet: create one with `preau admin create --username <name> --email <email>` (the password is read from standard input)",
        );
    }
    app.db.warm_reads();
    let (runtime, workers) = runtime()?;
    // Each async worker opens its lookup connection while Rocket ignites (on the other core),
    // not at the first request: a task per worker, which the idle workers take.
    for _ in 0..workers {
        let db = app.db.clone();
        runtime.spawn(async move {
            if let Err(e) = db.warm_lookups().await {
                log_warn(&format!("opening a lookup connection: {}", e.message));
            }
        });
    }
    // The workers start now (see above), before this thread ignites Rocket.
    std::thread::yield_now();
    let rocket =
        app::with_state(rocket, app).attach(rocket::fairing::AdHoc::on_liftoff("address", |r| {
            Box::pin(async move {
                let c = r.config();
                log_info(&format!(
                    "Préau listening on http://{}:{}",
                    c.address, c.port
                ));
                if let Some(app) = r.state::<App>()
                    && let Some(warning) = crate::accounts::reset::public_url_warning(
                        &app.config.public_url,
                        c.address,
                        c.port,
                    )
                {
                    log_warn(&warning);
                }
            })
        }));
    let served = runtime.block_on(rocket.launch());
    // As `rocket::execute` does: work still running after the shutdown gets half a second.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    served.map(|_| ()).map_err(|e| format!("server: {e}"))
}

/// The server's Tokio runtime, built here rather than by `rocket::execute` for two settings.
/// The async workers: Rocket's `workers` when it is set, otherwise half the cores (at least
/// one). They parse and write HTTP and run the lookups by key (`Db::lookup`) — the other reads,
/// writes, hashes and runs have threads of their own — and each one that answers a load keeps
/// a malloc arena the size of its connections' buffers afterwards (issue 18: 2 MiB each after
/// 50 connections). The blocking threads: Rocket's file work and backup downloads, a few at a
/// time; Tokio's default limit, 512, let a 50-connection load start 45 threads whose stacks
/// and arenas stayed.
fn runtime() -> Result<(rocket::tokio::runtime::Runtime, usize), String> {
    let figment = rocket::Config::figment();
    let set = figment
        .find_metadata(rocket::Config::WORKERS)
        .is_some_and(|m| m.name != "rocket::Config::default()");
    let workers: usize = if set {
        figment
            .extract_inner(rocket::Config::WORKERS)
            .map_err(|e| format!("configuration: {e}"))?
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get() / 2)
    };
    let workers = workers.max(1);
    rocket::tokio::runtime::Builder::new_multi_thread()
        .thread_name("rocket-worker-thread")
        .worker_threads(workers)
        .max_blocking_threads(4)
        .enable_all()
        .build()
        .map(|runtime| (runtime, workers))
        .map_err(|e| format!("cannot start the server's runtime: {e}"))
}

fn read_password() -> Result<String, String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password for the new admin: ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("reading the password: {e}"))?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        return Err("no password on standard input".into());
    }
    Ok(password)
}

fn create_admin(config: &Config, username: &str, email: &str) -> Result<(), String> {
    if config.read_only {
        return Err(
            "read_only = true: this is a read-only replica, create the admin on the primary".into(),
        );
    }
    let password = read_password()?;
    let db = Db::open(&config.database, 1)?;
    let mut conn = db.conn().map_err(|e| e.message)?;
    let id = service::create_admin(&mut conn, username, email, &password).map_err(|e| e.message)?;
    println!("admin {username} created (id {id})");
    Ok(())
}

fn take_backup(config: &Config, file: &Path) -> Result<(), String> {
    let db = Db::open(&config.database, 1)?;
    let conn = db.conn().map_err(|e| e.message)?;
    backup::snapshot(&conn, file).map_err(|e| e.message)?;
    backup::check_integrity(file)
        .map_err(|e| format!("the snapshot failed its integrity check: {e}"))?;
    println!("backup written to {}", file.display());
    Ok(())
}

fn restore(config: &Config, file: &Path) -> Result<(), String> {
    backup::check_integrity(file)
        .map_err(|e| format!("{} is not a sound database: {e}", file.display()))?;
    let target = &config.database;
    // A server holding the database open keeps its WAL; refuse rather than corrupt it.
    let wal = PathBuf::from(format!("{}-wal", target.display()));
    if wal.exists()
        && std::fs::metadata(&wal)
            .map(|m| m.len() > 0)
            .unwrap_or(false)
    {
        return Err(format!(
            "{} has a live write-ahead log: stop the server before restoring",
            target.display()
        ));
    }
    let staging = PathBuf::from(format!("{}.restoring", target.display()));
    std::fs::copy(file, &staging).map_err(|e| format!("copying {}: {e}", file.display()))?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
    }
    std::fs::rename(&staging, target)
        .map_err(|e| format!("replacing {}: {e}", target.display()))?;
    Db::open(target, 1)?;
    println!("{} restored from {}", target.display(), file.display());
    Ok(())
}
