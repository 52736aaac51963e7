//! The SQLite file: migrations, and the ways in — `read` and `write`, which never run on
//! Rocket's async workers (so none of them waits on the disk there), and `lookup`, which does.
//!
//! - Reads run on a few reading threads (`pool_size`, started as the reads need them), each
//!   owning one connection for its life, opened at its first read. A read waits for a free
//!   thread in a queue, not parked on a thread of its own; the threads that serve it are always
//!   the same few, so their connections, caches and malloc arenas are too (Tokio's blocking
//!   pool with a connection pool started a thread per waiting read and kept them: issue 18).
//!   Their connections are `query_only`: a read cannot write, whatever its SQL says.
//! - Lookups — reads whose cost is bounded by keys: a row by its id, an account and its
//!   session — run where they are asked, on the async worker, on that thread's own `query_only`
//!   connection ([`Db::lookup`]). Handing such a read to a reading thread and its answer back
//!   cost more than the read (two wake-ups of another thread: 31–33 against 19–20 µs of CPU
//!   per view of a post, issue 18); what a lookup can wait for is the few pages of one B-tree
//!   descent, through the memory map. Anything whose cost grows with the data (a list, a
//!   count, a search) stays on the reading threads.
//! - Writes run one after the other on one thread that owns the only writing connection.
//!   SQLite takes one writer at a time anyway: here the next write starts the moment the last
//!   one ends, instead of sleeping in SQLite's busy handler, and that connection's page
//!   cache stays valid from one write to the next because nobody else writes.
//! - Group commit: the writes waiting at one moment share one transaction (at most
//!   [`BatchLimits::max_writes`], and none joins after [`BatchLimits::window`]), each inside its
//!   own `SAVEPOINT`, so that a write that fails (its closure returns `Err`) or panics rolls
//!   back only its own changes. Every write is answered once the commit that holds it has
//!   returned — durable as `synchronous` says — or with the error that ended that transaction.
//! - [`Changes`]: a counter of the committed transactions that changed some tables, which a
//!   cache of what they hold checks before it trusts itself (the accounts' session check).

use std::cell::RefCell;
use std::collections::HashSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak, mpsc};
use std::time::{Duration, Instant};

use rocket::tokio::sync::oneshot;

use rusqlite::config::DbConfig;
use rusqlite::hooks::Action;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use crate::error::ApiError;
use crate::workers::{self, Job};

const SCHEMA: &str = include_str!("../schema.sql");
/// Versions older than this have the WAL-reset corruption bug.
const MIN_SQLITE: i32 = 3_051_003;

#[derive(Clone)]
pub struct Db {
    readers: Arc<Readers>,
    /// The writing thread's queue; the thread ends when the last `Db` is dropped. `None` on a
    /// read-only replica: there is no writing thread, and every write is refused.
    writes: Option<mpsc::Sender<WriteJob>>,
    /// The tables whose changes are counted (see [`Db::changes`]); `None` on a replica.
    watches: Option<Watches>,
    path: Arc<PathBuf>,
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
/// replica keeps no connection: each read opens, reads and closes (about 2 ms more per
/// request here, docs/scaling.md).
fn follower_connection(path: &Path) -> rusqlite::Result<Connection> {
    let c = Connection::open_with_flags(path, FOLLOWER_FLAGS)?;
    prepare_with(&c, READER_CACHE_KIB, true)?;
    Ok(c)
}

/// A reading thread's connection: a read-write open (a read-only one could not take part in
/// the WAL's shared memory when no writer has it open), made `query_only`.
fn reader_connection(path: &Path) -> rusqlite::Result<Connection> {
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )?;
    prepare(&c, READER_CACHE_KIB)?;
    c.pragma_update(None, "query_only", true)?;
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
/// shared-memory file, which the profile of the view showed). `BEGIN` and `ROLLBACK` are kept
/// prepared (parsing them again for every read was a tenth of `/health`'s CPU). Ended by
/// [`ReadTransaction`]'s drop, a panic too; a reading thread checks after every read that its
/// connection is out of any transaction ([`Reader::settle`]).
fn snapshot<T>(
    c: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    c.prepare_cached("BEGIN")?.execute([])?;
    let _end = ReadTransaction(c);
    f(c)
}

/// Rolls back the read transaction that [`snapshot`] began when it goes out of scope.
struct ReadTransaction<'c>(&'c Connection);

impl Drop for ReadTransaction<'_> {
    fn drop(&mut self) {
        if !self.0.is_autocommit() {
            let _ = self
                .0
                .prepare_cached("ROLLBACK")
                .and_then(|mut s| s.execute([]));
        }
    }
}

/// The readers' page cache (KiB).
const READER_CACHE_KIB: i64 = 2000;
/// The writer's page cache (KiB). It stays valid between writes, but what the writes change
/// is a few pages per batch (the right-most leaves of a table and its indexes, for appends), and
/// every other page reads through the memory map: 16 MB filled up under a create workload and
/// stayed on the heap for the life of the server, and so did 2 MB, then 512 KiB (issue 18,
/// docs/performance.md, round 7: the create workload's 50 connections added 0.8 MiB of
/// anonymous memory with 512 KiB, 0.4 with 128, and ran as fast: 29,500 and 32,500 creates/s
/// against 28,300 and 30,900, alternated).
const WRITER_CACHE_KIB: i64 = 128;

/// Where a reading thread reads.
#[derive(Clone)]
enum Source {
    /// The database file: one connection per thread, kept.
    File(Arc<PathBuf>),
    /// A follower copy: one connection per read ([`follower_connection`]).
    Follower(Arc<PathBuf>),
}

/// Whether a read failed on the file itself — not a database, corrupt, an I/O error — after
/// which SQLite's connection keeps failing even once the file is whole again (seen with a
/// header overwritten and put back): its reader opens a new connection for the next read.
fn spoils_its_connection(e: &ApiError) -> bool {
    use rusqlite::ErrorCode::{DatabaseCorrupt, NotADatabase, SystemIoFailure};
    e.source
        .as_deref()
        .and_then(|source| source.downcast_ref::<rusqlite::Error>())
        .and_then(rusqlite::Error::sqlite_error_code)
        .is_some_and(|code| matches!(code, NotADatabase | DatabaseCorrupt | SystemIoFailure))
}

/// What a reading thread owns: its connection, opened at its first read.
pub struct Reader {
    source: Source,
    conn: Option<Connection>,
}

impl Reader {
    fn run<T>(
        &mut self,
        f: impl FnOnce(&Connection) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        match &self.source {
            Source::Follower(path) => f(&follower_connection(path)?),
            Source::File(path) => {
                let conn = match &mut self.conn {
                    Some(conn) => conn,
                    empty @ None => empty.insert(reader_connection(path)?),
                };
                let answer = f(conn);
                if answer.as_ref().is_err_and(spoils_its_connection) {
                    self.conn = None;
                }
                answer
            }
        }
    }

    /// After a read, a panicking one too: a connection still inside a transaction (its
    /// rollback failed) is rolled back, or closed when that fails too — the next read opens
    /// a new one rather than failing for ever on `BEGIN`.
    fn settle(&mut self) {
        if let Some(conn) = &self.conn
            && !conn.is_autocommit()
            && (conn.execute_batch("ROLLBACK").is_err() || !conn.is_autocommit())
        {
            self.conn = None;
        }
    }
}

thread_local! {
    /// This thread's connections for [`Db::lookup`], one per open database.
    static LOOKUPS: RefCell<Lookups> = const { RefCell::new(Lookups(Vec::new())) };
}

/// A thread's lookup connections, each with the database it reads (the server has one; a test
/// process opens many, one after the other on the same threads).
struct Lookups(Vec<(Weak<Readers>, Reader)>);

impl Lookups {
    /// This thread's reader of the database whose reading threads are `readers`, ready for a
    /// read. The readers of databases closed since are dropped, closing their connections.
    fn reader(&mut self, readers: &Arc<Readers>) -> &mut Reader {
        self.0.retain(|(db, _)| db.strong_count() > 0);
        let found = self
            .0
            .iter()
            .position(|(db, _)| std::ptr::eq(db.as_ptr(), Arc::as_ptr(readers)));
        let at = found.unwrap_or_else(|| {
            self.0.push((
                Arc::downgrade(readers),
                Reader {
                    source: readers.source.clone(),
                    conn: None,
                },
            ));
            self.0.len() - 1
        });
        let reader = &mut self.0[at].1;
        // A lookup that panicked left its transaction through `snapshot`'s guard; if that
        // rollback failed, the connection is closed here and the next run opens another.
        reader.settle();
        reader
    }
}

/// The reading threads: a queue, and the threads that take from it, started as reads find
/// none of them idle, up to `max`.
struct Readers {
    jobs: mpsc::Sender<Job<Reader>>,
    queue: Arc<Mutex<mpsc::Receiver<Job<Reader>>>>,
    source: Source,
    started: AtomicUsize,
    idle: Arc<AtomicUsize>,
    max: usize,
}

impl Readers {
    fn new(source: Source, max: usize) -> Result<Readers, String> {
        let (jobs, queue) = mpsc::channel();
        let readers = Readers {
            jobs,
            queue: Arc::new(Mutex::new(queue)),
            source,
            started: AtomicUsize::new(0),
            idle: Arc::new(AtomicUsize::new(0)),
            max: max.max(1),
        };
        // One thread from the start: a read never waits for a thread that could not start.
        readers.started.store(1, Ordering::SeqCst);
        readers.spawn(0)?;
        Ok(readers)
    }

    /// Has the first reading thread open its connection now, reading the schema
    /// ([`Db::warm_reads`]). The job is queued straight, not through `send`: the thread is not
    /// idle yet, and `send` would start a second one to read the schema too, on the cores the
    /// start needs (issue 18).
    fn warm(&self) {
        if let Source::File(_) = self.source {
            let warm_up: Job<Reader> = Box::new(|reader: &mut Reader| {
                let _ = reader.run(|_| Ok(()));
            });
            // A closed queue has no thread to warm.
            let _ = self.jobs.send(warm_up);
        }
    }

    /// Starts reading thread number `n`, whose place `started` already counts (and no longer
    /// does if the thread cannot start).
    fn spawn(&self, n: usize) -> Result<(), String> {
        let queue = self.queue.clone();
        let idle = self.idle.clone();
        let reader = Reader {
            source: self.source.clone(),
            conn: None,
        };
        std::thread::Builder::new()
            .name(format!("preau-reader-{n}"))
            .spawn(move || reading_thread(&queue, &idle, reader))
            .map(|_| ())
            .map_err(|e| {
                self.started.fetch_sub(1, Ordering::SeqCst);
                format!("cannot start a reading thread: {e}")
            })
    }

    /// Queues `job`, first starting one more thread when none is idle and `max` allows (the
    /// place is taken before the thread starts: two reads at once never start more than `max`).
    fn send(&self, job: Job<Reader>) -> Result<(), ApiError> {
        if self.idle.load(Ordering::SeqCst) == 0 {
            let started = self.started.load(Ordering::SeqCst);
            if started < self.max
                && self
                    .started
                    .compare_exchange(started, started + 1, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                && let Err(e) = self.spawn(started)
            {
                // The threads already running serve the read.
                crate::http::logging::log_warn(&e);
            }
        }
        self.jobs
            .send(job)
            .map_err(|_| ApiError::internal("no reading thread is running"))
    }
}

/// A reading thread: takes the next read, runs it on its connection, and ends when the last
/// [`Db`] (the queue's sender) is gone. The idle threads take turns waiting on the queue.
fn reading_thread(
    queue: &Mutex<mpsc::Receiver<Job<Reader>>>,
    idle: &AtomicUsize,
    mut reader: Reader,
) {
    loop {
        idle.fetch_add(1, Ordering::SeqCst);
        let next = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        idle.fetch_sub(1, Ordering::SeqCst);
        let Ok(job) = next else {
            return;
        };
        workers::run(job, &mut reader);
        reader.settle();
    }
}

/// A count of the committed transactions that changed any of some tables (see
/// [`Db::changes`]). A cache of what those tables hold records the count before it reads them,
/// and trusts what it kept only while the count is unchanged.
#[derive(Clone)]
pub struct Changes(Option<Arc<AtomicU64>>);

impl Changes {
    /// The count now; `None` when changes cannot be followed (a read-only replica, whose file
    /// another process writes): nothing may then be kept.
    pub fn current(&self) -> Option<u64> {
        self.0.as_ref().map(|n| n.load(Ordering::SeqCst))
    }
}

/// The watched tables: what the writing connection's update hook marks, and what its batches
/// turn into counts once they have committed.
#[derive(Clone, Default)]
struct Watches(Arc<WatchList>);

#[derive(Default)]
struct WatchList {
    watches: Mutex<Vec<Watch>>,
    /// Rows the update hook was told of, since the start.
    rows_seen: AtomicU64,
}

struct Watch {
    tables: HashSet<&'static str>,
    /// Set by the update hook during a transaction that changed one of `tables`.
    touched: Arc<AtomicBool>,
    count: Arc<AtomicU64>,
}

impl Watches {
    /// The update hook: a row of `table` changed.
    fn mark(&self, table: &str) {
        self.0.rows_seen.fetch_add(1, Ordering::SeqCst);
        if let Ok(watches) = self.0.watches.lock() {
            for w in watches.iter().filter(|w| w.tables.contains(table)) {
                w.touched.store(true, Ordering::SeqCst);
            }
        }
    }

    fn rows_seen(&self) -> u64 {
        self.0.rows_seen.load(Ordering::SeqCst)
    }

    /// After a transaction ended (committed or not) in which SQLite counted `rows_changed`
    /// changed rows while the hook had seen `rows_seen` of them at its start: counts the marked
    /// watches — or all of them when SQLite changed rows the hook was not told of (a `DELETE`
    /// without `WHERE` empties a table without visiting its rows). Counting a change that was
    /// rolled back costs a cache its contents, never a stale answer.
    fn settle(&self, rows_changed: u64, rows_seen: u64) {
        let unseen = rows_changed > self.rows_seen().saturating_sub(rows_seen);
        if let Ok(watches) = self.0.watches.lock() {
            for w in watches.iter() {
                if w.touched.swap(false, Ordering::SeqCst) || unseen {
                    w.count.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    }

    /// Another connection changed the file (another process, or the CLI): any table may have
    /// changed.
    fn all_changed(&self) {
        if let Ok(watches) = self.0.watches.lock() {
            for w in watches.iter() {
                w.count.fetch_add(1, Ordering::SeqCst);
            }
        }
    }
}

/// How often an idle writing thread looks for changes made by other connections.
const FOREIGN_CHANGES_POLL: Duration = Duration::from_millis(500);

/// The writing thread: runs the batches, counts the changes of the watched tables after each,
/// and notices the commits of other connections (`PRAGMA data_version` moves only for those)
/// before each batch and every [`FOREIGN_CHANGES_POLL`] while idle.
fn writing_thread(mut writer: Connection, queue: &mpsc::Receiver<WriteJob>, watches: &Watches) {
    let mut seen = data_version(&writer);
    loop {
        let next = queue.recv_timeout(FOREIGN_CHANGES_POLL);
        let version = data_version(&writer);
        if version != seen {
            seen = version;
            watches.all_changed();
        }
        match next {
            // A panicking write is rolled back to its savepoint and answers 500; the thread
            // goes on with the next one.
            Ok(first) => {
                let seen = watches.rows_seen();
                batch(
                    &mut writer,
                    first,
                    BatchLimits::SERVER,
                    &mut || queue.try_recv().ok(),
                    &|changed| watches.settle(changed, seen),
                );
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return,
        }
    }
}

/// `PRAGMA data_version`, or `None` if it cannot be read (then every change is assumed).
fn data_version(c: &Connection) -> Option<i64> {
    c.prepare_cached("PRAGMA data_version")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .ok()
}

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
        let watches = Watches::default();
        let marks = watches.clone();
        writer
            .update_hook(Some(move |_: Action, _: &str, table: &str, _: i64| {
                marks.mark(table);
            }))
            .map_err(|e| cannot_open(&e))?;
        let path = Arc::new(path.to_owned());
        let readers = Readers::new(Source::File(path.clone()), pool_size as usize)?;
        let (writes, queue) = mpsc::channel::<WriteJob>();
        let counted = watches.clone();
        std::thread::Builder::new()
            .name("preau-writer".into())
            .spawn(move || writing_thread(writer, &queue, &counted))
            .map_err(|e| format!("cannot start the writing thread: {e}"))?;
        Ok(Db {
            readers: Arc::new(readers),
            writes: Some(writes),
            watches: Some(watches),
            path,
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
        let path = Arc::new(path.to_owned());
        Ok(Db {
            readers: Arc::new(Readers::new(
                Source::Follower(path.clone()),
                pool_size as usize,
            )?),
            writes: None,
            watches: None,
            path,
        })
    }

    /// Whether this is a read-only replica (writes refused).
    pub fn is_read_only(&self) -> bool {
        self.writes.is_none()
    }

    /// A connection of its own for work that is already on a blocking thread and outside the
    /// server's requests (the command line, what runs once at start): read-write on the
    /// primary, read-only on a replica.
    pub fn conn(&self) -> Result<Connection, ApiError> {
        if self.is_read_only() {
            return Ok(follower_connection(&self.path)?);
        }
        let c = Connection::open(&*self.path)?;
        prepare(&c, READER_CACHE_KIB)?;
        Ok(c)
    }

    /// A count that moves after every committed transaction of the writing thread that changed
    /// one of `tables`, and after any commit of another connection to the file (noticed before
    /// the next write and within half a second when idle). On a read-only replica it never
    /// counts: [`Changes::current`] is `None`.
    pub fn changes(&self, tables: &[&'static str]) -> Changes {
        let Some(watches) = &self.watches else {
            return Changes(None);
        };
        let count = Arc::new(AtomicU64::new(0));
        if let Ok(mut list) = watches.0.watches.lock() {
            list.push(Watch {
                tables: tables.iter().copied().collect(),
                touched: Arc::new(AtomicBool::new(false)),
                count: count.clone(),
            });
            Changes(Some(count))
        } else {
            Changes(None)
        }
    }

    /// Runs read-only work on a reading thread, in one read transaction ([`snapshot`]).
    pub async fn read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let (done, answer) = oneshot::channel();
        self.readers.send(answered_read(f, move |result| {
            let _ = done.send(result);
        }))?;
        answer
            .await
            .map_err(|_| ApiError::internal("a read was dropped (it panicked)"))?
    }

    /// Runs a lookup — read-only work whose cost is bounded by keys (a row by its id, with
    /// what is found from it by key) — here, on this thread's own `query_only` connection to
    /// this database (opened at its first lookup), in one read transaction ([`snapshot`]):
    /// no hand-off to a reading thread and back. On a replica, whose connections are opened
    /// per read, it is a [`Db::read`].
    pub async fn lookup<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        if let Source::Follower(_) = self.readers.source {
            return self.read(f).await;
        }
        let mut f = Some(f);
        // The thread's connections are out of reach while the thread ends (its locals are
        // being dropped): the read then goes to a reading thread.
        let here = LOOKUPS
            .try_with(|kept| {
                let mut kept = kept.try_borrow_mut().ok()?;
                let f = f.take()?;
                Some(kept.reader(&self.readers).run(|c| snapshot(c, f)))
            })
            .ok()
            .flatten();
        match (here, f) {
            (Some(answer), _) => answer,
            (None, Some(f)) => self.read(f).await,
            (None, None) => Err(ApiError::internal("a lookup was lost")),
        }
    }

    /// Has the first reading thread open its connection now (the schema read, about 0.7 ms), so
    /// that the first read does not wait for it. `preau serve` asks once the database is open,
    /// while Rocket starts: not while the database opens, whose own work (the writing thread's
    /// first transactions) would share the cores with it.
    pub fn warm_reads(&self) {
        self.readers.warm();
    }

    /// Opens the calling thread's lookup connection now (the schema read, about 0.7 ms), so
    /// that the first request a server's async worker takes does not pay for it: `preau serve`
    /// runs this on its workers while Rocket starts, before the port is bound.
    pub async fn warm_lookups(&self) -> Result<(), ApiError> {
        self.lookup(|_| Ok(())).await
    }

    /// Runs long work on a connection of its own, on one of Tokio's blocking threads: a backup
    /// (`VACUUM INTO`, which runs outside a transaction and writes a file, so not on a reading
    /// thread's `query_only` connection), which would hold a reading thread for seconds.
    pub async fn on_own_connection<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let db = self.clone();
        rocket::tokio::task::spawn_blocking(move || f(&db.conn()?))
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

    /// [`Db::write`] for a thread outside the async world (the start, grading's threads): it
    /// waits for the answer. The writing connection has the schema in memory already; a
    /// connection of its own would read it again (about a millisecond, at every start).
    pub fn write_blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, ApiError> + Send + 'static,
    {
        let Some(writes) = &self.writes else {
            return Err(ApiError::read_only());
        };
        let (done, answer) = mpsc::channel();
        writes
            .send(answered_write(f, move |result| {
                let _ = done.send(result);
            }))
            .map_err(|_| ApiError::internal("no writing thread is running"))?;
        answer
            .recv()
            .map_err(|_| ApiError::internal("a writing job was dropped (it panicked)"))?
    }

    /// A read at start (outside the async world): on the writing connection when there is one
    /// — it has read the schema already, while a reading thread's connection may still be
    /// reading it — and on a reading thread on a replica.
    pub fn startup_read<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        if self.is_read_only() {
            self.read_blocking(f)
        } else {
            self.write_blocking(|tx| f(tx))
        }
    }

    /// [`Db::read`] for a thread outside the async world: it waits for the answer.
    pub fn read_blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
    {
        let (done, answer) = mpsc::channel();
        self.readers.send(answered_read(f, move |result| {
            let _ = done.send(result);
        }))?;
        answer
            .recv()
            .map_err(|_| ApiError::internal("a read was dropped (it panicked)"))?
    }
}

/// The job for a reading thread that runs `f` in one read transaction ([`snapshot`]) and hands
/// its outcome to `answer` (the reads' twin of [`answered_write`]).
fn answered_read<T, F>(
    f: F,
    answer: impl FnOnce(Result<T, ApiError>) + Send + 'static,
) -> Job<Reader>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T, ApiError> + Send + 'static,
{
    Box::new(move |reader: &mut Reader| answer(reader.run(|c| snapshot(c, f))))
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
    let job = answered_write(f, move |result| {
        let _ = done.send(result);
    });
    (job, answer)
}

/// The job for the writing thread that runs `f` and hands its outcome to `answer`: once its
/// transaction has committed, or at once when it is rolled back.
fn answered_write<T, F>(f: F, answer: impl FnOnce(Result<T, ApiError>) + Send + 'static) -> WriteJob
where
    T: Send + 'static,
    F: FnOnce(&Transaction) -> Result<T, ApiError> + Send + 'static,
{
    Box::new(move |tx| match tx.and_then(f) {
        Ok(value) => Ran::Keep(Box::new(move |committed: Result<(), ApiError>| {
            answer(committed.map(|()| value));
        })),
        Err(e) => Ran::Undo(Box::new(move || answer(Err(e)))),
    })
}

/// The savepoint around each write of a batch (a name no other code uses).
const SAVEPOINT: &str = "SAVEPOINT preau_write";
const RELEASE: &str = "RELEASE preau_write";
const ROLLBACK_TO: &str = "ROLLBACK TO preau_write; RELEASE preau_write";

/// Runs a statement without parameters, kept prepared (the savepoints of every write).
fn run_cached(c: &Connection, sql: &str) -> rusqlite::Result<()> {
    c.prepare_cached(sql)?.execute([]).map(|_| ())
}

/// One group commit: begins a transaction, runs `first` and then the writes that `more` hands
/// over (until it has none, or `limits` say the batch is full), each in its own savepoint, and
/// commits. The writes kept are answered after the commit returned, with its outcome, and after
/// `ended` ran, given the rows the batch changed as SQLite counts them (the count of changes
/// moves before anyone hears of the write: a logout's answer comes after its session can no
/// longer be trusted from a cache).
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
    ended: &dyn Fn(u64),
) {
    let changes_before = conn.total_changes();
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            if let Ran::Undo(answer) = first(Err(ApiError::from(e))) {
                answer();
            }
            ended(0);
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
        if let Err(e) = run_cached(&tx, SAVEPOINT) {
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
            Ok(Ran::Keep(answer)) => match run_cached(&tx, RELEASE) {
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
    ended(conn.total_changes().saturating_sub(changes_before));
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
        batch(conn, first, limits, &mut || jobs.next(), &|_| {});
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
        batch(&mut writer, first, limits, &mut || jobs.next(), &|_| {});
        // The third write was not taken: it is still waiting, unanswered.
        assert_eq!(ids(&reader), vec![1, 2]);
        let third = jobs.next().expect("the third write stayed in the queue");
        batch(&mut writer, third, limits, &mut || None, &|_| {});
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

#[cfg(test)]
mod reading {
    //! The reading threads and the counts of changes, through [`Db`] as the server uses it.

    use super::*;

    fn open(pool_size: u32) -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("a step of the test itself");
        let db = Db::open(&dir.path().join("t.db"), pool_size).expect("a step of the test itself");
        db.write_blocking(|tx| {
            Ok(tx.execute_batch(
                "CREATE TABLE t (id INTEGER PRIMARY KEY); CREATE TABLE u (id INTEGER PRIMARY KEY)",
            )?)
        })
        .expect("a step of the test itself");
        (dir, db)
    }

    fn count(db: &Db, table: &'static str) -> i64 {
        db.read_blocking(move |c| {
            Ok(c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?)
        })
        .expect("a step of the test itself")
    }

    #[test]
    fn a_read_cannot_write() {
        let (_dir, db) = open(2);
        let tried = db.read_blocking(|c| Ok(c.execute("INSERT INTO t (id) VALUES (1)", [])?));
        assert!(tried.is_err(), "{tried:?}");
        assert_eq!(count(&db, "t"), 0);
    }

    #[test]
    fn a_panicking_read_answers_an_error_and_its_thread_reads_on() {
        let (_dir, db) = open(1);
        let panicked = db.read_blocking(|_| -> Result<(), ApiError> {
            panic!("a read panics (expected by this test)")
        });
        assert_eq!(panicked.map_err(|e| e.status), Err(500));
        // The one reading thread is out of its transaction: the next read begins its own.
        db.write_blocking(|tx| Ok(tx.execute("INSERT INTO t (id) VALUES (1)", [])?))
            .expect("a step of the test itself");
        assert_eq!(count(&db, "t"), 1);
    }

    #[test]
    fn reads_run_on_at_most_pool_size_threads() {
        let (_dir, db) = open(2);
        let rt = rocket::tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .expect("a step of the test itself");
        let threads: HashSet<String> = rt.block_on(async {
            let reads: Vec<_> = (0..24)
                .map(|_| {
                    let db = db.clone();
                    rocket::tokio::spawn(async move {
                        db.read(|_| {
                            std::thread::sleep(Duration::from_millis(5));
                            Ok(std::thread::current().name().unwrap_or("").to_owned())
                        })
                        .await
                    })
                })
                .collect();
            let mut names = HashSet::new();
            for read in reads {
                names.insert(
                    read.await
                        .expect("a step of the test itself")
                        .expect("a read"),
                );
            }
            names
        });
        assert!(
            !threads.is_empty()
                && threads.len() <= 2
                && threads.iter().all(|n| n.starts_with("preau-reader-")),
            "{threads:?}"
        );
    }

    #[test]
    fn a_write_to_a_watched_table_is_counted_before_it_is_answered() {
        let (_dir, db) = open(1);
        let changes = db.changes(&["t"]);
        let before = changes.current().expect("counted");
        db.write_blocking(|tx| Ok(tx.execute("INSERT INTO u (id) VALUES (1)", [])?))
            .expect("a step of the test itself");
        assert_eq!(changes.current(), Some(before), "u is not watched");
        db.write_blocking(|tx| Ok(tx.execute("INSERT INTO t (id) VALUES (1)", [])?))
            .expect("a step of the test itself");
        assert_eq!(changes.current(), Some(before + 1));
        db.write_blocking(|tx| Ok(tx.execute("DELETE FROM t", [])?))
            .expect("a step of the test itself");
        assert_eq!(
            changes.current(),
            Some(before + 2),
            "a delete of every row too"
        );
    }

    #[test]
    fn a_commit_by_another_connection_is_counted_within_a_second() {
        let (dir, db) = open(1);
        let changes = db.changes(&["t"]);
        let before = changes.current().expect("counted");
        Connection::open(dir.path().join("t.db"))
            .and_then(|c| c.execute("INSERT INTO u (id) VALUES (1)", []))
            .expect("a step of the test itself");
        let deadline = Instant::now() + Duration::from_secs(2);
        while changes.current() == Some(before) {
            assert!(Instant::now() < deadline, "the change was never counted");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_replica_counts_nothing() {
        let (dir, db) = open(1);
        drop(db);
        let replica =
            Db::open_read_only(&dir.path().join("t.db"), 1).expect("a step of the test itself");
        assert_eq!(replica.changes(&["t"]).current(), None);
    }
}

#[cfg(test)]
mod lookups {
    //! [`Db::lookup`]: on the calling thread, on a connection of its own per database.

    use super::*;

    fn open() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("a step of the test itself");
        let db = Db::open(&dir.path().join("t.db"), 1).expect("a step of the test itself");
        db.write_blocking(|tx| Ok(tx.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY)")?))
            .expect("a step of the test itself");
        (dir, db)
    }

    /// Runs `lookup` on this thread, as an async worker would.
    fn here<T>(lookup: impl Future<Output = T>) -> T {
        rocket::tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a step of the test itself")
            .block_on(lookup)
    }

    fn insert(db: &Db, id: i64) {
        db.write_blocking(move |tx| Ok(tx.execute("INSERT INTO t (id) VALUES (?1)", [id])?))
            .expect("a step of the test itself");
    }

    fn ids(db: &Db) -> Vec<i64> {
        here(db.lookup(|c| {
            let mut s = c.prepare("SELECT id FROM t ORDER BY id")?;
            let ids = s.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
            Ok(ids)
        }))
        .expect("a lookup")
    }

    fn kept_here() -> usize {
        LOOKUPS.with(|kept| kept.borrow().0.len())
    }

    #[test]
    fn a_lookup_runs_on_the_calling_thread_and_cannot_write() {
        let (_dir, db) = open();
        let me = std::thread::current().id();
        let ran_on = here(db.lookup(|_| Ok(std::thread::current().id()))).expect("a lookup");
        assert_eq!(ran_on, me);
        let tried = here(db.lookup(|c| Ok(c.execute("INSERT INTO t (id) VALUES (1)", [])?)));
        assert!(tried.is_err(), "{tried:?}");
        assert_eq!(ids(&db), Vec::<i64>::new());
    }

    #[test]
    fn a_lookup_sees_every_write_answered_before_it() {
        let (_dir, db) = open();
        assert_eq!(ids(&db), Vec::<i64>::new());
        // The connection is kept between lookups: each begins a new snapshot.
        for id in 1..=3 {
            insert(&db, id);
            assert_eq!(ids(&db).last(), Some(&id));
        }
    }

    #[test]
    fn a_panicking_lookup_leaves_its_connection_usable() {
        let (_dir, db) = open();
        let panicked = catch_unwind(AssertUnwindSafe(|| {
            here(db.lookup(|_| -> Result<(), ApiError> {
                panic!("a lookup panics (expected by this test)")
            }))
        }));
        assert!(panicked.is_err());
        insert(&db, 7);
        assert_eq!(ids(&db), vec![7], "a new snapshot, not the panicked one's");
    }

    #[test]
    fn warming_opens_this_threads_lookup_connection_before_any_lookup() {
        let (_dir, db) = open();
        let open_here = || {
            LOOKUPS.with(|kept| {
                let kept = kept.borrow();
                kept.0.iter().filter(|(_, r)| r.conn.is_some()).count()
            })
        };
        let before = open_here();
        here(db.warm_lookups()).expect("warming");
        assert_eq!(open_here(), before + 1);
        insert(&db, 3);
        assert_eq!(ids(&db), vec![3]);
        assert_eq!(
            open_here(),
            before + 1,
            "the lookup used the warmed connection"
        );
    }

    #[test]
    fn each_database_has_its_own_connection_closed_with_it() {
        let (_a_dir, a) = open();
        let (_b_dir, b) = open();
        insert(&a, 1);
        insert(&b, 2);
        let before = kept_here();
        assert_eq!((ids(&a), ids(&b)), (vec![1], vec![2]));
        assert_eq!(kept_here(), before + 2);
        drop(a);
        assert_eq!(ids(&b), vec![2]);
        assert_eq!(kept_here(), before + 1, "a's connection is closed");
    }

    #[test]
    fn on_a_replica_a_lookup_is_a_read_of_the_follower_copy() {
        let (dir, db) = open();
        insert(&db, 5);
        drop(db);
        let replica =
            Db::open_read_only(&dir.path().join("t.db"), 1).expect("a step of the test itself");
        let (id, thread) = here(replica.lookup(|c| {
            let id: i64 = c.query_row("SELECT id FROM t", [], |r| r.get(0))?;
            Ok((id, std::thread::current().name().unwrap_or("").to_owned()))
        }))
        .expect("a lookup");
        assert_eq!(id, 5);
        assert!(thread.starts_with("preau-reader-"), "{thread}");
    }
}
