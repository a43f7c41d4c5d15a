//! What backups count: how many were taken or failed, on request and on
//! schedule, and when the last one succeeded (the series to alert on when
//! backups stop).

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

/// Who asked for a backup.
#[derive(Debug, Clone, Copy)]
pub enum BackupTrigger {
    /// `TresorOperator.CreateBackup` (`tresor backup create`).
    Request,
    /// `[backup]` in the configuration.
    Schedule,
}

#[derive(Debug, Default)]
pub struct BackupMetrics {
    /// [request ok, request failed, schedule ok, schedule failed].
    taken: [AtomicU64; 4],
    /// Epoch ms of the last backup that succeeded; 0: none known.
    last_success_ms: AtomicI64,
}

impl BackupMetrics {
    pub fn taken(&self, trigger: BackupTrigger, ok: bool, now_ms: i64) {
        let index = match trigger {
            BackupTrigger::Request => 0,
            BackupTrigger::Schedule => 2,
        } + usize::from(!ok);
        self.taken[index].fetch_add(1, Ordering::Relaxed);
        if ok {
            self.last_success_ms.fetch_max(now_ms, Ordering::Relaxed);
        }
    }

    /// A backup found at start (the newest scheduled file): the last
    /// success survives a restart.
    pub fn found(&self, time_ms: i64) {
        self.last_success_ms.fetch_max(time_ms, Ordering::Relaxed);
    }
}

impl Collector for BackupMetrics {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut taken = encoder.encode_descriptor(
            "backups",
            "Backups by trigger (request, schedule) and result (ok, failed)",
            None,
            MetricType::Counter,
        )?;
        for (i, (trigger, result)) in [
            ("request", "ok"),
            ("request", "failed"),
            ("schedule", "ok"),
            ("schedule", "failed"),
        ]
        .into_iter()
        .enumerate()
        {
            ConstCounter::new(self.taken[i].load(Ordering::Relaxed))
                .encode(taken.encode_family(&[("trigger", trigger), ("result", result)])?)?;
        }
        let last = self.last_success_ms.load(Ordering::Relaxed);
        if last > 0 {
            ConstGauge::new(last as f64 / 1000.0).encode(encoder.encode_descriptor(
                "last_backup_timestamp_seconds",
                "When the last backup that succeeded was taken, in seconds since the Unix epoch",
                None,
                MetricType::Gauge,
            )?)?;
        }
        Ok(())
    }
}
