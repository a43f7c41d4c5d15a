//! The writer thread: group commit, and when commits are synced.
//!
//! It takes every job already queued (up to `MAX_BATCH`), runs each in its
//! own savepoint, then commits once, so concurrent writers share one fsync.
//! A batch of relaxed jobs only (`Store::submit_relaxed_write`: the audit
//! events of reads) commits with `synchronous = NORMAL`:
//! its WAL frames are written (a crash of the process loses nothing) but
//! not fsynced, so it does not wait for the disk. The next durable commit
//! — or, if none comes, a sync barrier at most `RELAXED_SYNC_WITHIN` later
//! — fsyncs the WAL, which makes every frame before it durable too.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Instant;

use rusqlite::Connection;

use super::row_cache::RowCache;
use super::txn::SqliteTxn;
use crate::metrics::StoreMetrics;
use crate::store::{Completion, RELAXED_SYNC_WITHIN, StoreError, WriteJob};

/// Jobs committed together at most.
const MAX_BATCH: usize = 128;

/// A job on the writer's queue.
pub struct Queued {
    pub job: WriteJob,
    /// Its commit must be fsynced before its completion runs.
    pub durable: bool,
    /// When it was queued (its latency is measured from there).
    pub queued: Instant,
}

pub struct Writer {
    conn: Connection,
    /// Told which secrets each batch changed, before its callers are.
    cache: std::sync::Arc<RowCache>,
    /// Whether the connection currently commits with `synchronous = FULL`.
    full: bool,
    /// The first relaxed commit not yet fsynced.
    unsynced_since: Option<Instant>,
    metrics: std::sync::Arc<StoreMetrics>,
}

impl Writer {
    pub fn new(
        conn: Connection,
        cache: std::sync::Arc<RowCache>,
        metrics: std::sync::Arc<StoreMetrics>,
    ) -> Writer {
        Writer {
            conn,
            cache,
            full: true,
            unsynced_since: None,
            metrics,
        }
    }

    pub fn run(mut self, jobs: Receiver<Queued>) {
        loop {
            let first = match self.unsynced_since {
                None => match jobs.recv() {
                    Ok(job) => job,
                    Err(_) => break,
                },
                Some(since) => {
                    let wait =
                        (since + RELAXED_SYNC_WITHIN).saturating_duration_since(Instant::now());
                    match jobs.recv_timeout(wait) {
                        Ok(job) => job,
                        Err(RecvTimeoutError::Timeout) => {
                            self.sync_barrier();
                            continue;
                        }
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            self.metrics.writes_taken(batch.len());
            self.commit_batch(batch);
        }
        if self.unsynced_since.is_some() {
            self.sync_barrier();
        }
    }

    /// Runs each job in its own savepoint and commits them together.
    fn commit_batch(&mut self, batch: Vec<Queued>) {
        // The safety level cannot change inside a transaction: it is
        // decided by what was queued.
        let durable = batch.iter().any(|q| q.durable);
        let started = Instant::now();
        let jobs = batch.len();
        let queued: Vec<Instant> = batch.iter().map(|q| q.queued).collect();
        if let Err(e) = self.set_full(durable) {
            tracing::error!(error = %e, "cannot begin a write transaction");
            return;
        }
        let conn = &self.conn;
        let mut completions: Vec<Completion> = Vec::with_capacity(batch.len());
        let (mut touched, mut touched_keys) = (Vec::new(), Vec::new());
        if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
            // Jobs never ran; dropping them drops their senders, so callers
            // see an error. (`Completion`s exist only once a job has run.)
            tracing::error!(error = %e, "cannot begin a write transaction");
            return;
        }
        for Queued { job, .. } in batch {
            if run_cached(conn, "SAVEPOINT job").is_err() {
                continue;
            }
            let mut txn = SqliteTxn::writing(conn);
            let ran = catch_unwind(AssertUnwindSafe(|| job(&mut txn)));
            touched.append(&mut txn.touched);
            touched_keys.append(&mut txn.touched_keys);
            match ran {
                Ok(outcome) => {
                    let step = if outcome.commit {
                        run_cached(conn, "RELEASE job")
                    } else {
                        run_cached(conn, "ROLLBACK TO job")
                            .and_then(|()| run_cached(conn, "RELEASE job"))
                    };
                    match step {
                        Ok(()) => completions.push(outcome.completion),
                        Err(e) => (outcome.completion)(Err(StoreError(e.to_string()))),
                    }
                }
                Err(_) => {
                    // A panicking job's caller sees "the writer stopped"
                    // through its dropped sender; its changes are undone.
                    tracing::error!("a write job panicked; its changes were rolled back");
                    let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
                }
            }
        }
        let result = conn
            .execute_batch("COMMIT")
            .map_err(|e| StoreError(format!("commit failed: {e}")));
        let committed = Instant::now();
        let commit_latency = if durable {
            &self.metrics.commit_durable
        } else {
            &self.metrics.commit_relaxed
        };
        commit_latency.observe_duration(committed.saturating_duration_since(started));
        self.metrics.batch_size.observe(jobs as u64);
        for queued in queued {
            self.metrics
                .write_latency
                .observe_duration(committed.saturating_duration_since(queued));
        }
        match &result {
            Ok(()) if durable => {
                self.unsynced_since = None;
                self.metrics.synced();
            }
            Ok(()) => {
                self.unsynced_since.get_or_insert_with(Instant::now);
                self.metrics.relaxed_committed(jobs);
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                tracing::error!(error = %e, "commit failed; the batch was rolled back");
            }
        }
        // Committed or not, those secrets leave the row cache before
        // anyone hears of the change.
        self.cache.invalidate(&touched, &touched_keys);
        for completion in completions {
            completion(result.clone());
        }
    }

    /// Commits with (`full`) or without an fsync of the WAL.
    fn set_full(&mut self, full: bool) -> Result<(), StoreError> {
        if self.full != full {
            let pragma = if full {
                "PRAGMA synchronous = FULL"
            } else {
                "PRAGMA synchronous = NORMAL"
            };
            self.conn
                .execute_batch(pragma)
                .map_err(|e| StoreError(format!("cannot set synchronous: {e}")))?;
            self.full = full;
        }
        Ok(())
    }

    /// Makes relaxed commits durable: a small durable commit fsyncs the
    /// WAL, and with it every frame written before.
    fn sync_barrier(&mut self) {
        let synced = self.set_full(true).and_then(|()| {
            self.conn
                .execute_batch(
                    "BEGIN IMMEDIATE;
                     INSERT INTO meta (key, value) VALUES ('synced_at', strftime('%s','now'))
                       ON CONFLICT (key) DO UPDATE SET value = excluded.value;
                     COMMIT;",
                )
                .map_err(|e| StoreError(e.to_string()))
        });
        match synced {
            Ok(()) => {
                tracing::trace!("synced relaxed commits");
                self.unsynced_since = None;
                self.metrics.synced();
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                // Tried again at the next wait.
                tracing::error!(error = %e, "syncing relaxed commits failed");
                self.unsynced_since = Some(Instant::now());
            }
        }
    }
}

/// Runs a statement run for every job from the statement cache (parsing
/// it each time costs more than running it).
pub fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}
