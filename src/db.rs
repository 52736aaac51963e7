//! The SQLite file: migrations, and the two ways in — `read` and `write` — neither of which
//! runs on Rocket's async workers, so none of them ever waits on the disk.
//!
//! - Reads run on Tokio's blocking threads with a connection of the pool. At most `pool_size`
//!   are handed over at a time; the others wait their turn in the async world rather than
//!   parked on a blocking thread (under 50 concurrent requests on 2 cores, that parking and
//!   waking took a third of the CPU time).
//! - Writes run one after the other on one thread that owns the only writing connection.
//!   SQLite takes one writer at a time anyway: here the next write starts the moment the last
//!   one commits, instead of sleeping in SQLite's busy handler, and that connection's page
//!   cache stays valid from one write to the next because nobody else writes.

use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use rocket::tokio::sync::Semaphore;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::error::ApiError;
use crate::workers::{self, Job};

pub type Pool = r2d2::Pool<SqliteConnectionManager>;

const SCHEMA: &str = include_str!("../schema.sql");
/// Versions older than this have the WAL-reset corruption bug.
const MIN_SQLITE: i32 = 3_051_003;

#[derive(Clone)]
pub struct Db {
    pool: Pool,
    /// Reads handed to blocking threads at once: as many as the pool has connections.
    readers: Arc<Semaphore>,
    /// The writing thread's queue; the thread ends when the last `Db` is dropped.
    writes: mpsc::Sender<Job<Connection>>,
}

/// The settings of every connection. `cache_kib` is the page cache of this connection.
fn prepare(c: &Connection, cache_kib: i64) -> rusqlite::Result<()> {
    c.busy_timeout(Duration::from_secs(10))?;
    // Every resource and filter combination is its own statement: keep them all prepared.
    c.set_prepared_statement_cache_capacity(256);
    // Plans that do not depend on bound values. Without this, a statement whose parameter
    // SQLite looks at while planning (`LIMIT :limit`, for one) is expired by every new binding
    // and compiled again at its next step: 13 % of a list's CPU time.
    c.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    // Reads go through a shared memory map of the file (one copy of each page for the whole
    // process, kept by the OS cache) rather than through each connection's own page cache,
    // kept small for the readers: 8 readers × 16 MB of private copies grew the server by tens
    // of MiB on a small database, and a reader's cache is dropped after every write anyway.
    c.execute_batch(&format!(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA mmap_size = 1073741824;
         PRAGMA cache_size = -{cache_kib};"
    ))
}

/// The readers' page cache (KiB).
const READER_CACHE_KIB: i64 = 2000;
/// The writer's page cache (KiB): it stays valid between writes, so it is worth keeping.
const WRITER_CACHE_KIB: i64 = 16000;

impl Db {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path, pool_size: u32) -> Result<Db, String> {
        if rusqlite::version_number() < MIN_SQLITE {
            return Err(format!(
                "SQLite {} is too old: 3.51.3 or newer is required",
                rusqlite::version()
            ));
        }
        let cannot_open =
            |e: &dyn std::fmt::Display| format!("cannot open {}: {e}", path.display());
        let mut writer = Connection::open(path).map_err(|e| cannot_open(&e))?;
        prepare(&writer, WRITER_CACHE_KIB).map_err(|e| cannot_open(&e))?;
        migrate(&mut writer).map_err(|e| format!("cannot migrate {}: {e}", path.display()))?;
        let manager =
            SqliteConnectionManager::file(path).with_init(|c| prepare(c, READER_CACHE_KIB));
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .connection_timeout(Duration::from_secs(15))
            .build(manager)
            .map_err(|e| cannot_open(&e))?;
        let (writes, queue) = mpsc::channel::<Job<Connection>>();
        std::thread::Builder::new()
            .name("preau-writer".into())
            .spawn(move || {
                // A panicking write is rolled back (its transaction is dropped) and answers
                // 500; the thread goes on with the next one.
                while let Ok(job) = queue.recv() {
                    workers::run(job, &mut writer);
                }
            })
            .map_err(|e| format!("cannot start the writing thread: {e}"))?;
        Ok(Db {
            pool,
            readers: Arc::new(Semaphore::new(pool_size as usize)),
            writes,
        })
    }

    /// A connection for work that is already on a blocking thread (the CLI, startup).
    pub fn conn(&self) -> Result<r2d2::PooledConnection<SqliteConnectionManager>, ApiError> {
        Ok(self.pool.get()?)
    }

    /// Runs read-only work on a blocking thread.
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        // The permit moves into the blocking work: it is returned when the work ends, even if
        // the request that waited for it is gone by then.
        let turn = self
            .readers
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| ApiError::internal(format!("database gate closed: {e}")))?;
        let pool = self.pool.clone();
        rocket::tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let conn = pool.get()?;
            f(&conn)
        })
        .await
        .map_err(|e| ApiError::internal(format!("database task failed: {e}")))?
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction on the writing thread: committed when `f`
    /// returns `Ok`, rolled back (nothing written) when it returns `Err`.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, ApiError> + Send + 'static,
    {
        workers::ask(&self.writes, "writing", move |conn: &mut Connection| {
            write_tx(conn, f)
        })
        .await?
    }
}

/// The synchronous core of [`Db::write`], for callers already on a blocking thread (the CLI).
pub fn write_tx<T>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let value = f(&tx)?;
    tx.commit()?;
    Ok(value)
}

/// The migrations of `schema.sql`, as (version, sql).
fn migrations() -> Vec<(i32, &'static str)> {
    let mut out = Vec::new();
    let mut rest = SCHEMA;
    while let Some(start) = rest.find("\n-- version ") {
        let block = &rest[start + 1..];
        let header_end = block.find('\n').unwrap_or(block.len());
        let version = block["-- version ".len()..header_end]
            .trim()
            .parse()
            .unwrap_or(0);
        let next = block[header_end..]
            .find("\n-- version ")
            .map(|i| header_end + i);
        let sql = &block[header_end..next.unwrap_or(block.len())];
        out.push((version, sql));
        rest = &block[next.unwrap_or(block.len())..];
    }
    out
}

fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    for (version, sql) in migrations() {
        if version <= current {
            continue;
        }
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

/// Current time in whole seconds since the epoch.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Current time in milliseconds since the epoch (the envelope's `timestamp`).
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Stores `value` under `key` unless a value is already there; returns the value kept.
pub fn setting_or_insert(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<String> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
        [key, value],
    )?;
    conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
        r.get(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_blocks_are_numbered_from_one_without_gaps() {
        let versions: Vec<i32> = migrations().iter().map(|(v, _)| *v).collect();
        assert!(!versions.is_empty());
        assert_eq!(versions, (1..=versions.len() as i32).collect::<Vec<_>>());
    }

    #[test]
    fn bundled_sqlite_is_recent_enough() {
        assert!(
            rusqlite::version_number() >= MIN_SQLITE,
            "{}",
            rusqlite::version()
        );
    }
}
