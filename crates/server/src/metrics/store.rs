//! What the storage backend counts: how long reads and writes take, how
//! many writes share a group commit, how often the row cache answers, and
//! how much of the audit trail is written but not yet fsynced.
//!
//! Filled by the SQLite backend's reader and writer threads (atomics only:
//! the writer must never wait for a scrape) and read at scrape time.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

use super::histogram::{Histogram, LATENCY_BUCKETS};

/// Jobs per group commit (the writer takes at most 128).
const BATCH_BUCKETS: &[u64] = &[1, 2, 4, 8, 16, 32, 64, 128];

/// What the row cache is asked for.
#[derive(Debug, Clone, Copy)]
pub enum CacheKind {
    /// A secret's row and versions, by name or id.
    Secret,
    /// A version's sealed value.
    Value,
    /// A KMS key's row.
    KmsKey,
}

impl CacheKind {
    const ALL: [CacheKind; 3] = [CacheKind::Secret, CacheKind::Value, CacheKind::KmsKey];

    fn as_str(self) -> &'static str {
        match self {
            CacheKind::Secret => "secret",
            CacheKind::Value => "value",
            CacheKind::KmsKey => "kms_key",
        }
    }
}

#[derive(Debug)]
pub struct StoreMetrics {
    /// Per write job: queued until its commit returned.
    pub write_latency: Histogram,
    /// Per read job on the reader pool: queued until done.
    pub read_latency: Histogram,
    /// Per group commit, `BEGIN` to `COMMIT` (fsync included).
    pub commit_durable: Histogram,
    /// Per group commit of relaxed jobs only (no fsync).
    pub commit_relaxed: Histogram,
    pub batch_size: Histogram,
    /// Jobs queued for the writer and not yet taken.
    write_queue: AtomicI64,
    /// `read_fast` attempts answered from memory / sent to the readers.
    memory_answered: AtomicU64,
    memory_missed: AtomicU64,
    /// `[kind][hit]`.
    cache: [[AtomicU64; 2]; 3],
    /// Relaxed jobs (read and failure audit events) committed since the
    /// last fsync of the write-ahead log.
    unsynced: AtomicU64,
    /// When the first of them committed: microseconds after `epoch`, plus
    /// one (0: everything is synced).
    unsynced_since: AtomicU64,
    epoch: Instant,
}

impl Default for StoreMetrics {
    fn default() -> Self {
        StoreMetrics {
            write_latency: Histogram::seconds(LATENCY_BUCKETS),
            read_latency: Histogram::seconds(LATENCY_BUCKETS),
            commit_durable: Histogram::seconds(LATENCY_BUCKETS),
            commit_relaxed: Histogram::seconds(LATENCY_BUCKETS),
            batch_size: Histogram::counts(BATCH_BUCKETS),
            write_queue: AtomicI64::new(0),
            memory_answered: AtomicU64::new(0),
            memory_missed: AtomicU64::new(0),
            cache: Default::default(),
            unsynced: AtomicU64::new(0),
            unsynced_since: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }
}

impl StoreMetrics {
    pub fn write_queued(&self) {
        self.write_queue.fetch_add(1, Ordering::Relaxed);
    }

    pub fn writes_taken(&self, n: usize) {
        self.write_queue.fetch_sub(n as i64, Ordering::Relaxed);
    }

    pub fn memory_read(&self, answered: bool) {
        let counter = if answered {
            &self.memory_answered
        } else {
            &self.memory_missed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn cache_lookup(&self, kind: CacheKind, hit: bool) {
        self.cache[kind as usize][usize::from(hit)].fetch_add(1, Ordering::Relaxed);
    }

    /// A relaxed batch of `jobs` committed without an fsync.
    pub fn relaxed_committed(&self, jobs: usize) {
        self.unsynced.fetch_add(jobs as u64, Ordering::Relaxed);
        let now = self.epoch.elapsed().as_micros() as u64 + 1;
        // Only the first unsynced commit sets the clock.
        let _ = self
            .unsynced_since
            .compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// The write-ahead log was fsynced: every commit before is durable.
    pub fn synced(&self) {
        self.unsynced.store(0, Ordering::Relaxed);
        self.unsynced_since.store(0, Ordering::Relaxed);
    }

    /// How long the oldest written-but-unsynced commit has waited.
    pub fn durable_lag(&self) -> Duration {
        match self.unsynced_since.load(Ordering::Relaxed) {
            0 => Duration::ZERO,
            since => self
                .epoch
                .elapsed()
                .saturating_sub(Duration::from_micros(since - 1)),
        }
    }
}

impl Collector for StoreMetrics {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let histograms: [(&str, &str, &Histogram); 3] = [
            (
                "store_write_duration_seconds",
                "Write jobs: from being queued for the writer until their commit returned",
                &self.write_latency,
            ),
            (
                "store_read_duration_seconds",
                "Read jobs on the reader pool: from being queued until done (reads answered from memory are not jobs)",
                &self.read_latency,
            ),
            (
                "store_commit_batch_size",
                "Write jobs committed together in one group commit",
                &self.batch_size,
            ),
        ];
        for (name, help, histogram) in histograms {
            histogram.encode(encoder.encode_descriptor(
                name,
                help,
                None,
                MetricType::Histogram,
            )?)?;
        }
        let mut commits = encoder.encode_descriptor(
            "store_commit_duration_seconds",
            "Group commits, BEGIN to COMMIT; sync=full fsyncs the write-ahead log, sync=relaxed (audit events of reads only) does not",
            None,
            MetricType::Histogram,
        )?;
        self.commit_durable
            .encode(commits.encode_family(&[("sync", "full")])?)?;
        self.commit_relaxed
            .encode(commits.encode_family(&[("sync", "relaxed")])?)?;

        ConstGauge::new(self.write_queue.load(Ordering::Relaxed).max(0)).encode(
            encoder.encode_descriptor(
                "store_write_queue_depth",
                "Write jobs (changes and audit events) queued for the writer and not yet taken",
                None,
                MetricType::Gauge,
            )?,
        )?;

        let mut memory = encoder.encode_descriptor(
            "store_memory_reads",
            "Reads tried from memory first (GetSecretValue and friends): answered there, or sent on to the reader pool",
            None,
            MetricType::Counter,
        )?;
        for (result, counter) in [
            ("answered", &self.memory_answered),
            ("fell_back", &self.memory_missed),
        ] {
            ConstCounter::new(counter.load(Ordering::Relaxed))
                .encode(memory.encode_family(&[("result", result)])?)?;
        }

        let mut cache = encoder.encode_descriptor(
            "store_cache_lookups",
            "Row cache lookups, by what was looked up and whether the cache had it",
            None,
            MetricType::Counter,
        )?;
        for kind in CacheKind::ALL {
            for (result, hit) in [("hit", 1), ("miss", 0)] {
                let n = self.cache[kind as usize][hit].load(Ordering::Relaxed);
                let labels = [("cache", kind.as_str()), ("result", result)];
                ConstCounter::new(n).encode(cache.encode_family(&labels)?)?;
            }
        }

        ConstGauge::new(self.unsynced.load(Ordering::Relaxed)).encode(
            encoder.encode_descriptor(
                "audit_unsynced_events",
                "Audit events of reads and failed requests written to the write-ahead log but not yet fsynced (a power loss could lose them)",
                None,
                MetricType::Gauge,
            )?,
        )?;
        ConstGauge::new(self.durable_lag().as_secs_f64()).encode(encoder.encode_descriptor(
            "audit_durable_lag_seconds",
            "Age of the oldest audit event not yet fsynced; 0 when every event is durable (normally under 0.05)",
            None,
            MetricType::Gauge,
        )?)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durable_lag_runs_from_the_first_unsynced_commit_until_a_sync() {
        let m = StoreMetrics::default();
        assert_eq!(m.durable_lag(), Duration::ZERO);
        m.relaxed_committed(3);
        let first = m.unsynced_since.load(Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(2));
        m.relaxed_committed(2);
        assert_eq!(m.unsynced_since.load(Ordering::Relaxed), first, "kept");
        assert_eq!(m.unsynced.load(Ordering::Relaxed), 5);
        assert!(m.durable_lag() >= Duration::from_millis(2));
        m.synced();
        assert_eq!(m.durable_lag(), Duration::ZERO);
        assert_eq!(m.unsynced.load(Ordering::Relaxed), 0);
    }
}
