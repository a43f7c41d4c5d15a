//! Prometheus metrics: what the server counts, and `/metrics`' text.
//!
//! Owns every series the server exposes (listed, with suggested alerts, in
//! docs/metrics.md) and their encoding in the Prometheus text format. One
//! `Metrics` per server, held by the `Barrier` (so it outlives sealing);
//! its parts are handed to whoever records into them: the API endpoint
//! (`requests`), the audit trail (`audit`), and the store, which makes its
//! own (`store`) and hands it over through `Store::metrics`.
//!
//! Rules: no label carries anything a request sent other than the name of
//! its operation and the error code it got — both fixed enums — so no
//! secret name, value, ARN or key id can appear, and the number of series
//! is bounded. Recording is relaxed atomics, never a lock a request waits
//! on. What is cheap to ask at scrape time (sealed, secrets stored) is
//! asked then rather than maintained on every request.

mod audit;
mod backups;
mod histogram;
mod requests;
mod store;

pub use audit::{AuditMetrics, Pending};
pub use backups::{BackupMetrics, BackupTrigger};
pub use histogram::Histogram;
pub use requests::{RequestMetrics, UNROUTED};
pub use store::{CacheKind, StoreMetrics};

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use crate::barrier::Barrier;
use crate::store::SecretCounts;

/// The `Content-Type` of the exposition (text format 0.0.4).
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

#[derive(Debug)]
pub struct Metrics {
    pub requests: Arc<RequestMetrics>,
    pub audit: Arc<AuditMetrics>,
    pub backups: Arc<BackupMetrics>,
    store: Option<Arc<StoreMetrics>>,
    started: SystemTime,
}

impl Metrics {
    /// `store`: the backend's own metrics, if it keeps any.
    pub fn new(store: Option<Arc<StoreMetrics>>) -> Metrics {
        Metrics {
            requests: Arc::default(),
            audit: Arc::default(),
            backups: Arc::default(),
            store,
            started: SystemTime::now(),
        }
    }

    /// The exposition, with the server's state as of now.
    pub async fn render(&self, barrier: &Barrier) -> String {
        let active = barrier.active();
        let secrets = crate::store::read(barrier.store(), |txn| txn.secret_counts())
            .await
            .inspect_err(|e| tracing::warn!(error = %e, "counting secrets for /metrics failed"))
            .ok();
        self.encode(State {
            sealed: active.is_none(),
            audit_failing: active.is_some_and(|a| a.audit.is_failing()),
            secrets,
            started: self.started,
        })
    }

    fn encode(&self, state: State) -> String {
        let mut registry = Registry::with_prefix("tresor");
        registry.register_collector(Box::new(state));
        registry.register_collector(Box::new(Arc::clone(&self.requests)));
        registry.register_collector(Box::new(Arc::clone(&self.audit)));
        registry.register_collector(Box::new(Arc::clone(&self.backups)));
        if let Some(store) = &self.store {
            registry.register_collector(Box::new(Arc::clone(store)));
        }
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &registry)
            .expect("writing to a String does not fail");
        text
    }
}

/// What a scrape reads from the server as it is.
#[derive(Debug)]
struct State {
    sealed: bool,
    audit_failing: bool,
    /// `None` if the store could not be asked (the series are left out).
    secrets: Option<SecretCounts>,
    started: SystemTime,
}

fn gauge<N: prometheus_client::encoding::EncodeGaugeValue>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    value: N,
) -> Result<(), std::fmt::Error> {
    ConstGauge::new(value).encode(encoder.encode_descriptor(name, help, None, MetricType::Gauge)?)
}

impl Collector for State {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut info = encoder.encode_descriptor(
            "build",
            "The running build: 1, labelled with its version",
            None,
            MetricType::Info,
        )?;
        info.encode_info(&[("version", env!("CARGO_PKG_VERSION"))])?;
        let started = self
            .started
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs_f64();
        gauge(
            &mut encoder,
            "start_time_seconds",
            "When the server started, in seconds since the Unix epoch",
            started,
        )?;
        gauge(
            &mut encoder,
            "sealed",
            "1 while sealed (every API request is refused until an operator unseals), else 0",
            u32::from(self.sealed),
        )?;
        gauge(
            &mut encoder,
            "audit_failing",
            "1 while the audit trail cannot record (every request is refused), else 0",
            u32::from(self.audit_failing),
        )?;
        if let Some(counts) = self.secrets {
            gauge(
                &mut encoder,
                "secrets",
                "Secrets stored, in every region, including those scheduled for deletion",
                counts.stored,
            )?;
            gauge(
                &mut encoder,
                "secrets_pending_deletion",
                "Secrets scheduled for deletion (within their recovery window)",
                counts.pending_deletion,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_has_every_family_even_before_any_request() {
        let metrics = Metrics::new(Some(Arc::default()));
        let text = metrics.encode(State {
            sealed: false,
            audit_failing: false,
            secrets: Some(SecretCounts {
                stored: 3,
                pending_deletion: 1,
            }),
            started: UNIX_EPOCH,
        });
        for line in [
            "tresor_build_info{version=\"",
            "tresor_sealed 0\n",
            "tresor_audit_failing 0\n",
            "tresor_secrets 3\n",
            "tresor_secrets_pending_deletion 1\n",
            "# TYPE tresor_requests_total counter\n",
            "# TYPE tresor_request_duration_seconds histogram\n",
            "tresor_auth_failures_total{reason=\"bad_signature\"} 0\n",
            "# TYPE tresor_authz_denials_total counter\n",
            "tresor_audit_events_total{result=\"failed\"} 0\n",
            "tresor_audit_queue_depth 0\n",
            "tresor_audit_unsynced_events 0\n",
            "tresor_audit_durable_lag_seconds 0",
            "tresor_store_write_queue_depth 0\n",
            "tresor_store_commit_batch_size_count 0\n",
            "tresor_store_commit_duration_seconds_count{sync=\"full\"} 0\n",
            "tresor_store_cache_lookups_total{cache=\"secret\",result=\"hit\"} 0\n",
            "tresor_store_memory_reads_total{result=\"answered\"} 0\n",
            "tresor_backups_total{trigger=\"schedule\",result=\"failed\"} 0\n",
        ] {
            assert!(text.contains(line), "{line:?} not in\n{text}");
        }
    }

    #[test]
    fn requests_are_counted_by_operation_and_outcome() {
        use tresor_wire::{ErrorCode, Operation, Target};
        let metrics = Metrics::new(None);
        let get = Some(Target::SecretsManager(Operation::GetSecretValue));
        let took = std::time::Duration::from_millis(3);
        metrics.requests.answered(get, None, took);
        metrics.requests.answered(get, None, took);
        metrics
            .requests
            .answered(get, Some(ErrorCode::ResourceNotFoundException), took);
        metrics
            .requests
            .answered(None, Some(ErrorCode::UnknownOperationException), took);
        metrics
            .requests
            .auth_failed(crate::auth::AuthFailure::ClockSkew);
        metrics
            .requests
            .denied(Target::SecretsManager(Operation::GetSecretValue), 2);
        let text = metrics.encode(State {
            sealed: true,
            audit_failing: false,
            secrets: None,
            started: UNIX_EPOCH,
        });
        for line in [
            "tresor_requests_total{operation=\"GetSecretValue\",outcome=\"ok\"} 2\n",
            "tresor_requests_total{operation=\"GetSecretValue\",outcome=\"ResourceNotFoundException\"} 1\n",
            "tresor_requests_total{operation=\"-\",outcome=\"UnknownOperationException\"} 1\n",
            "tresor_request_duration_seconds_count{operation=\"GetSecretValue\"} 3\n",
            "tresor_request_duration_seconds_bucket{operation=\"GetSecretValue\",le=\"0.005\"} 3\n",
            "tresor_auth_failures_total{reason=\"clock_skew\"} 1\n",
            "tresor_authz_denials_total{operation=\"GetSecretValue\"} 2\n",
            "tresor_sealed 1\n",
        ] {
            assert!(text.contains(line), "{line:?} not in\n{text}");
        }
        assert!(!text.contains("tresor_secrets "), "left out when unknown");
        assert!(
            !text.contains("CreateSecret"),
            "operations never called are left out"
        );
    }
}
