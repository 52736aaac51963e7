//! The SQLite file: migrations, and the two ways in — `read` and `write` — neither of which
//! runs on Rocket's async workers, so none of them ever waits on the disk.
//!
//! - Reads run on Tokio's blocking threads with a connection of the pool. At most `pool_size`
//!   are handed over at a time; the others wait their turn in the async world rather than
//!   parked on a blocking thread (under 50 concurrent requests on 2 cores, that parking and
//!   waking took a third of the CPU time).
//! - Writes run one after the other on one thread that owns the only writing connection.
//!   SQLite takes one writer at a time anyway: here the next write starts the moment the last
//!   one ends, instead of sleeping in SQLite's busy handler, and that connection's page
//!   cache stays valid from one write to the next because nobody else writes.
//! - Group commit: the writes waiting at one moment share one transaction (at most
//!   [`BatchLimits::max_writes`], and none joins after [`BatchLimits::window`]), each inside its
//!   own `SAVEPOINT`, so that a write that fails (its closure returns `Err`) or panics rolls
//!   back only its own changes. Every write is answered once the commit that holds it has
//!   returned — durable as `synchronous` says — or with the error that ended that transaction.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rocket::tokio::sync::{Semaphore, oneshot};

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::ApiError;

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
    writes: Option<mpsc::Sender<WriteJob>>,
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

/// Runs a read in one read transaction: its statements see one state of the database, and the
/// WAL's read lock is taken once for them all rather than once per statement (the view of a row
/// runs three: the account, its session, the row; each lock is a mutex and an `fcntl` on the
/// shared-memory file, which the profile of the view showed). Ended by its drop, a panic too, so
/// a pooled connection never goes back to the pool inside a transaction.
fn snapshot<T>(
    c: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let tx = c.unchecked_transaction()?;
    f(&tx)
}

/// The readers' page cache (KiB).
const READER_CACHE_KIB: i64 = 2000;
/// The writer's page cache (KiB). It stays valid between writes, but what the writes change
/// is a few pages per batch (the right-most leaves of a table and its indexes, for appends), and
/// every other page reads through the memory map: 16 MB filled up under a create workload and
/// stayed on the heap for the life of the server (issue 18, docs/performance.md).
const WRITER_CACHE_KIB: i64 = 2000;

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
        // One reader opened at start, the others as reads need them (r2d2 would open all
        // `pool_size` before the server starts otherwise: time at start, and each connection's
        // copy of the schema for a server that may never need them); those above the first are
        // closed again after 10 idle minutes.
        let pool = r2d2::Pool::builder()
            .max_size(pool_size)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(15))
            .build(manager)
            .map_err(|e| cannot_open(&e))?;
        let (writes, queue) = mpsc::channel::<WriteJob>();
        std::thread::Builder::new()
            .name("preau-writer".into())
            .spawn(move || {
                // A panicking write is rolled back to its savepoint and answers 500; the thread
                // goes on with the next one.
                while let Ok(first) = queue.recv() {
                    batch(&mut writer, first, BatchLimits::SERVER, &mut || {
                        queue.try_recv().ok()
                    });
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

    /// Runs read-only work on a blocking thread, in one read transaction ([`snapshot`]).
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        self.read_on(move |c| snapshot(c, f)).await
    }

    /// [`Db::read`] outside a transaction, for what SQLite runs only there (`VACUUM INTO`).
    pub async fn read_outside_transaction<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        self.read_on(f).await
    }

    async fn read_on<T, F>(&self, f: F) -> Result<T, ApiError>
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

    /// Runs `f` on the writing thread, in a `BEGIN IMMEDIATE` transaction that it may share
    /// with the other writes waiting at that moment (group commit), inside a savepoint of its
    /// own: its changes are committed when `f` returns `Ok`, rolled back (nothing written,
    /// the neighbours' changes kept) when it returns `Err` or panics. The answer comes once the
    /// transaction holding the write has committed. On a read-only replica every write is
    /// refused here, with 503/1504: this is the one place that decides it for every route of
    /// both faces.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, ApiError> + Send + 'static,
    {
        let Some(writes) = &self.writes else {
            return Err(ApiError::read_only());
        };
        let (job, answer) = write_job(f);
        writes
            .send(job)
            .map_err(|_| ApiError::internal("no writing thread is running"))?;
        answer
            .await
            .map_err(|_| ApiError::internal("a writing job was dropped (it panicked)"))?
    }
}

/// How many writes one transaction may hold, and for how long it takes more.
#[derive(Debug, Clone, Copy)]
pub struct BatchLimits {
    /// At most this many writes in one transaction.
    pub max_writes: usize,
    /// No write joins a transaction that began longer ago than this: the first write's answer
    /// waits for the commit, so this bounds what the others add to its latency.
    pub window: Duration,
}

impl BatchLimits {
    /// The server's: 64 writes or 4 ms, whichever comes first.
    pub const SERVER: BatchLimits = BatchLimits {
        max_writes: 64,
        window: Duration::from_millis(4),
    };
}

/// The answer of a write kept in the transaction, given the commit's outcome.
type Answer = Box<dyn FnOnce(Result<(), ApiError>) + Send>;

/// What a write's closure ended with, seen by the writing thread: keep its changes (and
/// answer after the commit), or roll them back (and answer at once: nothing of it is written).
enum Ran {
    Keep(Answer),
    Undo(Box<dyn FnOnce() + Send>),
}

/// A write waiting for the writing thread: given the batch's transaction (or the error that
/// stopped the batch from beginning, which it answers), it runs its closure. A panic unwinds
/// out of it, dropping its answer channel: its caller gets a 500.
type WriteJob = Box<dyn FnOnce(Result<&Transaction, ApiError>) -> Ran + Send>;

/// The job for the writing thread and the channel of its answer.
fn write_job<T, F>(f: F) -> (WriteJob, oneshot::Receiver<Result<T, ApiError>>)
where
    T: Send + 'static,
    F: FnOnce(&Transaction) -> Result<T, ApiError> + Send + 'static,
{
    let (done, answer) = oneshot::channel();
    let job: WriteJob = Box::new(move |tx| match tx.and_then(f) {
        Ok(value) => Ran::Keep(Box::new(move |committed: Result<(), ApiError>| {
            let _ = done.send(committed.map(|()| value));
        })),
        Err(e) => Ran::Undo(Box::new(move || {
            let _ = done.send(Err(e));
        })),
    });
    (job, answer)
}

/// The savepoint around each write of a batch (a name no other code uses).
const SAVEPOINT: &str = "SAVEPOINT preau_write";
const RELEASE: &str = "RELEASE preau_write";
const ROLLBACK_TO: &str = "ROLLBACK TO preau_write; RELEASE preau_write";

/// One group commit: begins a transaction, runs `first` and then the writes that `more` hands
/// over (until it has none, or `limits` say the batch is full), each in its own savepoint, and
/// commits. The writes kept are answered after the commit returned, with its outcome.
///
/// When SQLite itself ends the transaction in the middle (an I/O error, a full disk: it rolls
/// back everything and `is_autocommit` says so), the writes kept before are answered with that
/// error — none of them was acknowledged — and the batch stops; the next writes wait in the
/// queue for the next one.
fn batch(
    conn: &mut Connection,
    first: WriteJob,
    limits: BatchLimits,
    more: &mut dyn FnMut() -> Option<WriteJob>,
) {
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            if let Ran::Undo(answer) = first(Err(ApiError::from(e))) {
                answer();
            }
            return;
        }
    };
    let started = Instant::now();
    let mut kept: Vec<Answer> = Vec::new();
    let mut next = Some(first);
    let mut count = 0;
    let mut broken: Option<ApiError> = None;
    while let Some(job) = next.take() {
        count += 1;
        if let Err(e) = tx.execute_batch(SAVEPOINT) {
            let e = ApiError::from(e);
            if let Ran::Undo(answer) = job(Err(e.clone())) {
                answer();
            }
            broken = Some(e);
            break;
        }
        let ran = catch_unwind(AssertUnwindSafe(|| job(Ok(&tx))));
        if tx.is_autocommit() {
            // SQLite rolled the whole transaction back: the earlier writes are gone too.
            let e = ApiError::internal("the transaction of this write was rolled back by SQLite");
            match ran {
                Ok(Ran::Keep(answer)) => answer(Err(e.clone())),
                Ok(Ran::Undo(answer)) => answer(),
                Err(_) => {}
            }
            broken = Some(e);
            break;
        }
        let step = match ran {
            Ok(Ran::Keep(answer)) => match tx.execute_batch(RELEASE) {
                Ok(()) => {
                    kept.push(answer);
                    Ok(())
                }
                Err(e) => {
                    let e = ApiError::from(e);
                    answer(Err(e.clone()));
                    Err(e)
                }
            },
            Ok(Ran::Undo(answer)) => {
                let undone = tx.execute_batch(ROLLBACK_TO);
                answer();
                undone.map_err(ApiError::from)
            }
            // The panic dropped the job's answer channel: its caller gets a 500.
            Err(_) => tx.execute_batch(ROLLBACK_TO).map_err(ApiError::from),
        };
        if let Err(e) = step {
            // The savepoints are no longer known to be balanced: end this transaction.
            broken = Some(e);
            break;
        }
        if count < limits.max_writes && started.elapsed() < limits.window {
            next = more();
        }
    }
    let outcome = match broken {
        // Dropping the transaction rolls it back (a no-op if SQLite already did).
        Some(e) => {
            drop(tx);
            Err(e)
        }
        None if kept.is_empty() => {
            drop(tx);
            Ok(())
        }
        None => tx.commit().map_err(ApiError::from),
    };
    for answer in kept {
        answer(outcome.clone());
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

#[cfg(test)]
mod group_commit {
    //! The writing thread's batches, driven by hand: the jobs of one batch are given to
    //! [`batch`] in a known order, without threads or timing.

    use super::*;
    use rocket::tokio::sync::oneshot::error::TryRecvError;

    /// A file with one table, for the writer and for a second connection that sees only what
    /// is committed.
    fn setup() -> (tempfile::TempDir, Connection, Connection) {
        let dir = tempfile::tempdir().expect("a step of the test itself");
        let path = dir.path().join("t.db");
        let writer = Connection::open(&path).expect("a step of the test itself");
        prepare(&writer, WRITER_CACHE_KIB).expect("a step of the test itself");
        writer
            .execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")
            .expect("a step of the test itself");
        let reader = Connection::open(&path).expect("a step of the test itself");
        (dir, writer, reader)
    }

    fn ids(c: &Connection) -> Vec<i64> {
        let mut stmt = c
            .prepare("SELECT id FROM t ORDER BY id")
            .expect("a step of the test itself");
        stmt.query_map([], |r| r.get(0))
            .expect("a step of the test itself")
            .map(Result::unwrap)
            .collect()
    }

    fn insert(tx: &Connection, id: i64) -> Result<i64, ApiError> {
        tx.execute("INSERT INTO t (id, note) VALUES (?1, 'x')", [id])?;
        Ok(id)
    }

    /// Runs `jobs` as one batch (the server's limits, but a window no test machine reaches).
    fn run_all(conn: &mut Connection, jobs: Vec<WriteJob>) {
        let limits = BatchLimits {
            max_writes: 64,
            window: Duration::from_secs(3600),
        };
        let mut jobs = jobs.into_iter();
        let first = jobs.next().expect("a step of the test itself");
        batch(conn, first, limits, &mut || jobs.next());
    }

    #[test]
    fn a_failing_write_rolls_back_only_its_own_changes() {
        let (_dir, mut writer, reader) = setup();
        let (a, a_answer) = write_job(|tx| insert(tx, 1));
        // Writes row 2, then breaks the primary key: row 2 must go too.
        let (b, b_answer) = write_job(|tx| {
            insert(tx, 2)?;
            insert(tx, 1)
        });
        let (c, c_answer) = write_job(|tx| insert(tx, 3));
        run_all(&mut writer, vec![a, b, c]);
        assert_eq!(
            a_answer
                .blocking_recv()
                .expect("a step of the test itself")
                .expect("a step of the test itself"),
            1
        );
        let refused = b_answer
            .blocking_recv()
            .expect("a step of the test itself")
            .expect_err("this write fails");
        assert_eq!(refused.status, 500, "{refused:?}");
        assert_eq!(
            c_answer
                .blocking_recv()
                .expect("a step of the test itself")
                .expect("a step of the test itself"),
            3
        );
        assert_eq!(ids(&reader), vec![1, 3]);
    }

    #[test]
    fn a_write_returning_err_after_its_changes_leaves_nothing_of_them() {
        let (_dir, mut writer, reader) = setup();
        let (a, a_answer) = write_job(|tx| insert(tx, 1));
        let (b, b_answer) = write_job(|tx| {
            insert(tx, 2)?;
            insert(tx, 3)?;
            Err::<i64, _>(ApiError::invalid("note", "is refused by the test"))
        });
        let (c, c_answer) = write_job(|tx| insert(tx, 4));
        run_all(&mut writer, vec![a, b, c]);
        assert!(
            a_answer
                .blocking_recv()
                .expect("a step of the test itself")
                .is_ok()
        );
        assert_eq!(
            b_answer
                .blocking_recv()
                .expect("a step of the test itself")
                .expect_err("this write fails")
                .status,
            400
        );
        assert!(
            c_answer
                .blocking_recv()
                .expect("a step of the test itself")
                .is_ok()
        );
        assert_eq!(ids(&reader), vec![1, 4]);
    }

    #[test]
    fn a_panicking_write_rolls_back_only_its_own_changes() {
        let (_dir, mut writer, reader) = setup();
        let (a, a_answer) = write_job(|tx| insert(tx, 1));
        let (b, b_answer) = write_job(|tx| -> Result<i64, ApiError> {
            insert(tx, 2)?;
            panic!("a write that panics after writing (expected by this test)");
        });
        let (c, c_answer) = write_job(|tx| insert(tx, 3));
        run_all(&mut writer, vec![a, b, c]);
        assert_eq!(
            a_answer
                .blocking_recv()
                .expect("a step of the test itself")
                .expect("a step of the test itself"),
            1
        );
        // Its answer channel was dropped by the panic: `Db::write` turns that into a 500.
        assert!(b_answer.blocking_recv().is_err());
        assert_eq!(
            c_answer
                .blocking_recv()
                .expect("a step of the test itself")
                .expect("a step of the test itself"),
            3
        );
        assert_eq!(ids(&reader), vec![1, 3]);
        // The writer is still usable, outside any transaction.
        assert!(writer.is_autocommit());
        let (d, d_answer) = write_job(|tx| insert(tx, 4));
        run_all(&mut writer, vec![d]);
        assert!(
            d_answer
                .blocking_recv()
                .expect("a step of the test itself")
                .is_ok()
        );
        assert_eq!(ids(&reader), vec![1, 3, 4]);
    }

    #[test]
    fn writes_share_one_transaction_and_are_answered_only_after_its_commit() {
        let (dir, mut writer, reader) = setup();
        let (a, a_answer) = write_job(|tx| insert(tx, 1));
        // The second write looks, while it runs, at what the first one's caller and another
        // connection can see: no answer yet, no row 1 committed.
        let path = dir.path().join("t.db");
        let (b, b_answer) = write_job(move |tx| {
            let mut a_answer = a_answer;
            let answered_early = !matches!(a_answer.try_recv(), Err(TryRecvError::Empty));
            let other = Connection::open(&path)?;
            let seen: i64 = other.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?;
            // The same transaction sees its neighbour's row.
            let mine: i64 = tx.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?;
            insert(tx, 2)?;
            Ok((answered_early, seen, mine, a_answer))
        });
        run_all(&mut writer, vec![a, b]);
        let (answered_early, seen, mine, a_answer) = b_answer
            .blocking_recv()
            .expect("a step of the test itself")
            .expect("a step of the test itself");
        assert!(
            !answered_early,
            "the first write was answered before the commit"
        );
        assert_eq!(
            seen, 0,
            "another connection saw the first write before the commit"
        );
        assert_eq!(mine, 1);
        assert_eq!(
            a_answer
                .blocking_recv()
                .expect("a step of the test itself")
                .expect("a step of the test itself"),
            1
        );
        assert_eq!(ids(&reader), vec![1, 2]);
    }

    #[test]
    fn a_batch_holds_at_most_max_writes() {
        let (_dir, mut writer, reader) = setup();
        let limits = BatchLimits {
            max_writes: 2,
            window: Duration::from_secs(3600),
        };
        let mut answers = Vec::new();
        let mut jobs = Vec::new();
        for id in 1..=3 {
            let (job, answer) = write_job(move |tx| insert(tx, id));
            jobs.push(job);
            answers.push(answer);
        }
        let mut jobs = jobs.into_iter();
        let first = jobs.next().expect("a step of the test itself");
        batch(&mut writer, first, limits, &mut || jobs.next());
        // The third write was not taken: it is still waiting, unanswered.
        assert_eq!(ids(&reader), vec![1, 2]);
        let third = jobs.next().expect("the third write stayed in the queue");
        batch(&mut writer, third, limits, &mut || None);
        for answer in answers {
            assert!(
                answer
                    .blocking_recv()
                    .expect("a step of the test itself")
                    .is_ok()
            );
        }
        assert_eq!(ids(&reader), vec![1, 2, 3]);
    }

    #[test]
    fn a_failed_commit_answers_every_write_of_the_batch_with_its_error() {
        let (_dir, mut writer, reader) = setup();
        // A deferred foreign key is checked at COMMIT only: the whole transaction fails there.
        writer
            .execute_batch(
                "CREATE TABLE p (id INTEGER PRIMARY KEY);
                 CREATE TABLE c (id INTEGER PRIMARY KEY,
                                 p INTEGER REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED);",
            )
            .expect("a step of the test itself");
        let (a, a_answer) = write_job(|tx| insert(tx, 1));
        let (b, b_answer) = write_job(|tx| {
            tx.execute("INSERT INTO c (id, p) VALUES (1, 99)", [])?;
            Ok(())
        });
        run_all(&mut writer, vec![a, b]);
        assert!(
            a_answer
                .blocking_recv()
                .expect("a step of the test itself")
                .is_err()
        );
        assert!(
            b_answer
                .blocking_recv()
                .expect("a step of the test itself")
                .is_err()
        );
        assert_eq!(ids(&reader), Vec::<i64>::new());
        assert!(writer.is_autocommit());
    }

    #[test]
    fn concurrent_writes_through_db_write_keep_every_acknowledged_one() {
        let dir = tempfile::tempdir().expect("a step of the test itself");
        let path = dir.path().join("preau.db");
        let db = Db::open(&path, 2).expect("a step of the test itself");
        db.conn()
            .expect("a step of the test itself")
            .execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")
            .expect("a step of the test itself");
        let rt = rocket::tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a step of the test itself");
        let results: Vec<(i64, Result<i64, ApiError>)> = rt.block_on(async {
            let tasks: Vec<_> = (1..=200i64)
                .map(|id| {
                    let db = db.clone();
                    rocket::tokio::spawn(async move {
                        let r = db
                            .write(move |tx| {
                                insert(tx, id)?;
                                match id % 7 {
                                    0 => Err(ApiError::invalid("id", "a multiple of 7")),
                                    3 => panic!("write {id} panics (expected by this test)"),
                                    _ => Ok(id),
                                }
                            })
                            .await;
                        (id, r)
                    })
                })
                .collect();
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await.expect("a step of the test itself"));
            }
            out
        });
        let reader = Connection::open(&path).expect("a step of the test itself");
        let stored = ids(&reader);
        let acknowledged: Vec<i64> = results
            .iter()
            .filter_map(|(id, r)| r.as_ref().ok().map(|_| *id))
            .collect();
        assert_eq!(stored, acknowledged);
        assert_eq!(
            stored.len(),
            (1..=200).filter(|i| i % 7 != 0 && i % 7 != 3).count()
        );
        for (id, r) in &results {
            match id % 7 {
                0 => assert_eq!(r.as_ref().expect_err("this write fails").status, 400),
                3 => assert_eq!(r.as_ref().expect_err("this write fails").status, 500),
                _ => assert_eq!(r.as_ref().expect("a step of the test itself"), id),
            }
        }
    }
}
