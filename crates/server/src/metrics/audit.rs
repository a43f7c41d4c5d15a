//! What the audit trail counts: events recorded or refused, and those
//! waiting for the writer.
//!
//! Kept across seal and unseal (each unsealing builds a new trail, handed
//! the same counters). Whether the trail is failing right now is read from
//! the trail at scrape time; how much of it is written but not yet fsynced
//! is the store's to tell (`store.rs`).

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;

#[derive(Debug, Default)]
pub struct AuditMetrics {
    recorded: AtomicU64,
    failed: AtomicU64,
    pending: AtomicI64,
}

/// An event handed to the writer and not yet written; dropped (answered,
/// timed out or abandoned), it is no longer pending.
pub struct Pending<'a>(&'a AuditMetrics);

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        self.0.pending.fetch_sub(1, Ordering::Relaxed);
    }
}

impl AuditMetrics {
    /// One event written (`true`) or refused because it could not be.
    pub fn event(&self, recorded: bool) {
        let counter = if recorded {
            &self.recorded
        } else {
            &self.failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn pending(&self) -> Pending<'_> {
        self.pending.fetch_add(1, Ordering::Relaxed);
        Pending(self)
    }
}

impl Collector for AuditMetrics {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut events = encoder.encode_descriptor(
            "audit_events",
            "Audit events by result: recorded, or failed (not written in time: the request was refused)",
            None,
            MetricType::Counter,
        )?;
        for (result, counter) in [("recorded", &self.recorded), ("failed", &self.failed)] {
            ConstCounter::new(counter.load(Ordering::Relaxed))
                .encode(events.encode_family(&[("result", result)])?)?;
        }
        ConstGauge::new(self.pending.load(Ordering::Relaxed).max(0)).encode(
            encoder.encode_descriptor(
                "audit_queue_depth",
                "Audit events of reads and failed requests handed to the writer and not yet written (a change's event travels in the change's own write job, counted by tresor_store_write_queue_depth)",
                None,
                MetricType::Gauge,
            )?,
        )?;
        Ok(())
    }
}
