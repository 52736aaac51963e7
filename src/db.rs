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
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::ApiError;
use crate::workers::{self, Job};

pub type Pool = r2d2::Pool<SqliteConnectionManager>;

const SCHEMA: &str = include_str!("../schema.sql");
/// Versions older than this have the WAL-reset corruption bug.
const MIN_SQLITE: i32 = 3_051_003;

#[derive(Clone)]
pub struct Db {
    /// The readers' connections (`None` on a read-only replica, see [`follower_connection`]).
    pool: Option<Pool>,
    /// Reads handed to blocking threads at once: as many as the pool has connections.
    readers: Arc<Semaphore>,
    /// The writing thread's queue; the thread ends when the last `Db` is dropped. `None` on a
    /// read-only replica: there is no writing thread, and every write is refused.
    writes: Option<mpsc::Sender<Job<Connection>>>,
    /// A read-only replica's file: each read opens its own connection (see
    /// [`follower_connection`]).
    follower: Option<Arc<std::path::PathBuf>>,
}

/// A connection for blocking work: one of the pool's, or a replica's own.
pub enum Conn {
    Pooled(r2d2::PooledConnection<SqliteConnectionManager>),
    Own(Connection),
}

impl std::ops::Deref for Conn {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        match self {
            Conn::Pooled(c) => c,
            Conn::Own(c) => c,
        }
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Connection {
        match self {
            Conn::Pooled(c) => c,
            Conn::Own(c) => c,
        }
    }
}

const FOLLOWER_FLAGS: OpenFlags = OpenFlags::SQLITE_OPEN_READ_ONLY
    .union(OpenFlags::SQLITE_OPEN_NO_MUTEX)
    .union(OpenFlags::SQLITE_OPEN_URI);

/// A connection to a follower copy for one read. Litestream's follower (`restore -f`) writes
/// the pages it applies straight into the file, under SQLite's exclusive lock (so a read sees
/// a whole applied transaction or none of it), but it changes the file's change counter only
/// when page 1 is among them: a connection kept open may trust a stale page cache. And while
/// the file still carries the primary's WAL header (a fresh restore does, until page 1
/// changes), an open connection holds its shared lock for as long as it lives, and the
/// follower waits for it for ever (seen in tests/replication: the follow stopped). So a
/// replica does not pool: each read opens, reads and closes (about 2 ms more per request
/// here, docs/scaling.md).
fn follower_connection(path: &Path) -> rusqlite::Result<Connection> {
    let c = Connection::open_with_flags(path, FOLLOWER_FLAGS)?;
    prepare_with(&c, READER_CACHE_KIB, true)?;
    Ok(c)
}

/// The settings of every connection. `cache_kib` is the page cache of this connection.
///
/// Nothing here checkpoints: SQLite's automatic checkpoint is PASSIVE (it never waits and never
/// truncates), so it stays correct under Litestream, which owns checkpointing while it runs
/// (docs/scaling.md). No `wal_checkpoint(TRUNCATE)`, `VACUUM` or `journal_mode` switch may be
/// added to the running server: each would force Litestream into a full new snapshot.
fn prepare(c: &Connection, cache_kib: i64) -> rusqlite::Result<()> {
    prepare_with(c, cache_kib, false)
}

/// [`prepare`], and for a read-only follower copy the same without `journal_mode = WAL`: a
/// file that `litestream restore -f` keeps is not in WAL mode, and switching it would be a
/// write.
fn prepare_with(c: &Connection, cache_kib: i64, read_only: bool) -> rusqlite::Result<()> {
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
    if !read_only {
        c.execute_batch("PRAGMA journal_mode = WAL;")?;
    }
    c.execute_batch(&format!(
        "PRAGMA synchronous = NORMAL;
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
            pool: Some(pool),
            readers: Arc::new(Semaphore::new(pool_size as usize)),
            writes: Some(writes),
            follower: None,
        })
    }

    /// Opens a follower copy read-only (`SQLITE_OPEN_READ_ONLY`): no migration, no WAL pragma,
    /// no writing thread. Its schema must be this binary's (the primary migrates).
    pub fn open_read_only(path: &Path, pool_size: u32) -> Result<Db, String> {
        if rusqlite::version_number() < MIN_SQLITE {
            return Err(format!(
                "SQLite {} is too old: 3.51.3 or newer is required",
                rusqlite::version()
            ));
        }
        let cannot_open =
            |e: &dyn std::fmt::Display| format!("cannot open {} read-only: {e}", path.display());
        {
            let probe =
                Connection::open_with_flags(path, FOLLOWER_FLAGS).map_err(|e| cannot_open(&e))?;
            let version: i32 = probe
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| cannot_open(&e))?;
            let expected = migrations().last().map_or(0, |(v, _)| *v);
            if version != expected {
                return Err(format!(
                    "{} is at schema version {version}, this binary needs {expected}: a read-only replica does not migrate (upgrade the primary first, or run the binary that matches it)",
                    path.display()
                ));
            }
        }
        Ok(Db {
            pool: None,
            readers: Arc::new(Semaphore::new(pool_size as usize)),
            writes: None,
            follower: Some(Arc::new(path.to_owned())),
        })
    }

    /// Whether this is a read-only replica (writes refused).
    pub fn is_read_only(&self) -> bool {
        self.writes.is_none()
    }

    /// A connection for work that is already on a blocking thread (the CLI, startup).
    pub fn conn(&self) -> Result<Conn, ApiError> {
        match (&self.pool, &self.follower) {
            (Some(pool), _) => Ok(Conn::Pooled(pool.get()?)),
            (None, Some(path)) => Ok(Conn::Own(follower_connection(path)?)),
            (None, None) => Err(ApiError::internal("a database without connections")),
        }
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
        let fresh = self.follower.clone();
        rocket::tokio::task::spawn_blocking(move || {
            let _turn = turn;
            match (pool, fresh) {
                (Some(pool), _) => f(&*pool.get()?),
                (None, Some(path)) => f(&follower_connection(&path)?),
                (None, None) => Err(ApiError::internal("a database without connections")),
            }
        })
        .await
        .map_err(|e| ApiError::internal(format!("database task failed: {e}")))?
    }

    /// Runs `f` in a `BEGIN IMMEDIATE` transaction on the writing thread: committed when `f`
    /// returns `Ok`, rolled back (nothing written) when it returns `Err`. On a read-only
    /// replica every write is refused here, with 503/1504: this is the one place that decides
    /// it for every route of both faces.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, ApiError> + Send + 'static,
    {
        let Some(writes) = &self.writes else {
            return Err(ApiError::read_only());
        };
        workers::ask(writes, "writing", move |conn: &mut Connection| {
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
