//! The embedded backend: SQLite in WAL mode with `synchronous=FULL`.
//!
//! One writer thread owns the only writing connection and commits jobs in
//! groups (`writer.rs`): concurrent writers share one fsync, and an
//! acknowledged write survives a crash or power loss. A small pool of
//! reader threads serves reads from committed state, through a cache of
//! recently read secrets (`row_cache.rs`) that the writer keeps coherent.

mod audit_sql;
mod codec;
mod iam_sql;
mod kms_sql;
mod memory_txn;
mod row_cache;
mod schema;
pub mod snapshot;
mod txn;
mod writer;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Instant;

use rusqlite::{Connection, OpenFlags, config::DbConfig};

use super::{ReadJob, Store, StoreError, StoreResult, WriteJob};
use crate::metrics::StoreMetrics;
use row_cache::RowCache;
use txn::SqliteTxn;

pub use schema::{check_version as check_schema_version, latest_version as latest_schema_version};

/// The SQLite store. Dropping it stops its threads after queued jobs ran
/// and waits for them to close the database (so the WAL is checkpointed
/// and removed before the process goes on).
pub struct SqliteStore {
    /// The database file (a snapshot opens it afresh).
    path: PathBuf,
    /// Recently read rows, shared by the readers, the writer and
    /// `read_from_memory`.
    cache: Arc<RowCache>,
    /// Filled by the reader and writer threads; read by `/metrics`.
    metrics: Arc<StoreMetrics>,
    writes: Option<Mutex<Sender<writer::Queued>>>,
    /// Read jobs with when they were queued.
    reads: Option<Mutex<Sender<(Instant, ReadJob)>>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // Closing a channel ends its loops. Readers go first: the last
        // connection to close checkpoints and removes the WAL, and only the
        // writer's (read-write) connection can.
        let me = thread::current().id();
        let mut threads: Vec<_> = self.threads.drain(..).collect();
        let writer = threads.remove(0);
        self.reads.take();
        for handle in threads {
            // The last reference may be dropped by a job on one of our own
            // threads: that thread cannot wait for itself.
            if handle.thread().id() != me {
                let _ = handle.join();
            }
        }
        self.writes.take();
        if writer.thread().id() != me {
            let _ = writer.join();
        }
    }
}

/// How the store is sized (`[store]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// Reader threads (each with its own connection and page cache).
    pub readers: usize,
    /// Secrets the row cache keeps in memory; reads of others go to SQLite.
    pub cache_secrets: usize,
}

impl Default for StoreOptions {
    /// One reader per CPU (2 to 8), 10,000 cached secrets.
    fn default() -> Self {
        StoreOptions {
            readers: std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8)),
            cache_secrets: row_cache::DEFAULT_CAPACITY,
        }
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path, readers: usize, now_ms: i64) -> StoreResult<SqliteStore> {
        let options = StoreOptions {
            readers,
            ..StoreOptions::default()
        };
        SqliteStore::open_with(path, &options, now_ms)
    }

    /// `open`, sized by `options`.
    pub fn open_with(path: &Path, options: &StoreOptions, now_ms: i64) -> StoreResult<SqliteStore> {
        let readers = options.readers;
        let mut writer = connect(path, false)?;
        schema::migrate(&mut writer, now_ms)
            .map_err(|e| StoreError(format!("{}: {}", path.display(), e.0)))?;
        let metrics = Arc::new(StoreMetrics::default());
        let cache = Arc::new(RowCache::new(options.cache_secrets, Arc::clone(&metrics)));
        let writer_cache = Arc::clone(&cache);
        let writer_metrics = Arc::clone(&metrics);

        let (write_tx, write_rx) = mpsc::channel::<writer::Queued>();
        let mut threads = vec![
            thread::Builder::new()
                .name("tresor-sqlite-writer".into())
                .spawn(move || {
                    writer::Writer::new(writer, writer_cache, writer_metrics).run(write_rx)
                })
                .map_err(|e| StoreError(format!("cannot start the writer thread: {e}")))?,
        ];

        let (read_tx, read_rx) = mpsc::channel::<(Instant, ReadJob)>();
        let read_rx = Arc::new(Mutex::new(read_rx));
        for i in 0..readers.max(1) {
            let conn = connect(path, true)?;
            let rx = Arc::clone(&read_rx);
            let cache = Arc::clone(&cache);
            let metrics = Arc::clone(&metrics);
            threads.push(
                thread::Builder::new()
                    .name(format!("tresor-sqlite-reader-{i}"))
                    .spawn(move || reader_loop(conn, rx, cache, &metrics))
                    .map_err(|e| StoreError(format!("cannot start a reader thread: {e}")))?,
            );
        }
        Ok(SqliteStore {
            path: path.to_path_buf(),
            cache,
            metrics,
            writes: Some(Mutex::new(write_tx)),
            reads: Some(Mutex::new(read_tx)),
            threads,
        })
    }
}

fn connect(path: &Path, read_only: bool) -> StoreResult<Connection> {
    let err = |e: rusqlite::Error| StoreError(format!("{}: {e}", path.display()));
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags).map_err(err)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(err)?;
    if !read_only {
        // WAL + FULL: every commit is fsynced before we acknowledge it.
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError(format!("cannot enable WAL mode (got {mode})")));
        }
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;
         -- 16 MiB of page cache (the default is 2): a write reads every
         -- version row of its secret, scattered over the table's pages.
         PRAGMA cache_size = -16384;",
    )
    .map_err(err)?;
    // Query planner stability: without it SQLite marks some bound
    // parameters as plan-affecting and re-parses the statement on every new
    // binding (seen in profiles as sqlite3Reprepare on the hot reads).
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map_err(err)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl SqliteStore {
    fn queue(&self, job: WriteJob, durable: bool) {
        // If the writer is gone the job is dropped, and with it its
        // caller's channel: the caller hears an error, never waits forever.
        if let Some(writes) = &self.writes {
            self.metrics.write_queued();
            let sent = writes
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .send(writer::Queued {
                    job,
                    durable,
                    queued: Instant::now(),
                });
            if sent.is_err() {
                self.metrics.writes_taken(1);
            }
        }
    }
}

impl Store for SqliteStore {
    fn submit_write(&self, job: WriteJob) {
        self.queue(job, true);
    }

    fn submit_relaxed_write(&self, job: WriteJob) {
        self.queue(job, false);
    }

    fn read_from_memory(&self, job: &mut dyn FnMut(&dyn super::ReadTxn)) -> bool {
        let txn = memory_txn::MemoryTxn::new(self.cache.view());
        job(&txn);
        let answered = !txn.missed();
        self.metrics.memory_read(answered);
        answered
    }

    fn submit_read(&self, job: ReadJob) {
        if let Some(reads) = &self.reads {
            let _ = reads
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .send((Instant::now(), job));
        }
    }

    fn snapshot_to(&self, dest: &Path) -> StoreResult<()> {
        snapshot::snapshot(&self.path, dest)
    }

    fn metrics(&self) -> Option<Arc<StoreMetrics>> {
        Some(Arc::clone(&self.metrics))
    }
}

fn reader_loop(
    conn: Connection,
    jobs: Arc<Mutex<Receiver<(Instant, ReadJob)>>>,
    cache: Arc<RowCache>,
    metrics: &StoreMetrics,
) {
    loop {
        let (queued, job) = {
            let rx = jobs.lock().unwrap_or_else(|p| p.into_inner());
            match rx.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        // The cache's generation before the snapshot: what the job loads
        // is kept only if no commit dropped anything since.
        let view = cache.view();
        // A read job sees one consistent snapshot.
        if writer::run_cached(&conn, "BEGIN").is_err() {
            continue;
        }
        let txn = SqliteTxn::reading(&conn, view);
        if catch_unwind(AssertUnwindSafe(|| job(&txn))).is_err() {
            tracing::error!("a read job panicked");
        }
        let _ = writer::run_cached(&conn, "COMMIT");
        metrics.read_latency.observe_duration(queued.elapsed());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::conformance;

    #[tokio::test]
    async fn hot_reads_are_answered_from_memory_until_a_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.db"), 2, 0).unwrap();
        let id = crate::store::write(&store, |txn| {
            txn.insert_secret(&conformance::sample_secret("us-east-1", "hot"))
        })
        .await
        .unwrap();
        let in_memory = |store: &SqliteStore| {
            let mut found = None;
            let answered = store.read_from_memory(&mut |txn| {
                found = txn.secret_by_name("us-east-1", "hot").ok().flatten();
            });
            (answered, found.map(|r| r.description))
        };
        assert_eq!(in_memory(&store), (false, None), "nothing read yet");
        crate::store::read(&store, |txn| txn.secret_by_name("us-east-1", "hot"))
            .await
            .unwrap();
        let (answered, description) = in_memory(&store);
        assert!(answered);
        assert_eq!(description, Some(Some("a description".into())));
        crate::store::write(&store, move |txn| {
            let mut row = txn.secret_by_id(id)?.unwrap();
            row.description = Some("new".into());
            txn.update_secret(&row)
        })
        .await
        .unwrap();
        assert!(!in_memory(&store).0, "a committed change leaves memory");
    }

    #[tokio::test]
    async fn the_cache_keeps_as_many_secrets_as_configured() {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions {
            readers: 1,
            cache_secrets: 2,
        };
        let store = SqliteStore::open_with(&dir.path().join("t.db"), &options, 0).unwrap();
        let names = ["a", "b", "c"];
        for name in names {
            crate::store::write(&store, move |txn| {
                txn.insert_secret(&conformance::sample_secret("us-east-1", name))
            })
            .await
            .unwrap();
        }
        for name in names {
            crate::store::read(&store, move |txn| txn.secret_by_name("us-east-1", name))
                .await
                .unwrap();
        }
        let in_memory = names
            .iter()
            .filter(|name| {
                store.read_from_memory(&mut |txn| {
                    let _ = txn.secret_by_name("us-east-1", name);
                })
            })
            .count();
        assert_eq!(in_memory, 2, "three read, two kept");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn passes_the_store_conformance_suite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tresor.db");
        let open = || -> Arc<dyn Store> { Arc::new(SqliteStore::open(&path, 2, 0).unwrap()) };
        conformance::run_all(&open).await;
    }

    #[test]
    fn refuses_a_database_from_a_newer_release() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tresor.db");
        drop(SqliteStore::open(&path, 1, 0).unwrap());
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (999, 'future', 0)",
            [],
        )
        .unwrap();
        drop(conn);
        let err = SqliteStore::open(&path, 1, 0).err().expect("refused");
        assert!(err.0.contains("newer than this build"), "{err}");
    }
}
