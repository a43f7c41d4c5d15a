//! The agent's Prometheus metrics (`GET /metrics`): cache hits, misses,
//! refreshes, stale answers, invalidations, errors by kind, cached
//! answers, and whether the change feed is up. No label carries a secret
//! name.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ErrorLabels {
    /// `service`, `timeout`, `connection`, `internal` or `request`.
    pub kind: &'static str,
}

pub struct Metrics {
    pub hits: Counter,
    pub misses: Counter,
    pub refreshes: Counter,
    pub stale: Counter,
    pub invalidations: Counter,
    pub errors: Family<ErrorLabels, Counter>,
    pub entries: Gauge,
    pub feed_up: Gauge,
    registry: Registry,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("tresor_agent");
        let metrics = Metrics {
            hits: Counter::default(),
            misses: Counter::default(),
            refreshes: Counter::default(),
            stale: Counter::default(),
            invalidations: Counter::default(),
            errors: Family::default(),
            entries: Gauge::default(),
            feed_up: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register(
            "cache_hits",
            "Answers served from the cache",
            metrics.hits.clone(),
        );
        registry.register(
            "cache_misses",
            "Requests for an answer not in the cache",
            metrics.misses.clone(),
        );
        registry.register(
            "refreshes",
            "Cached answers fetched again (TTL ended or refreshNow)",
            metrics.refreshes.clone(),
        );
        registry.register(
            "stale_answers",
            "Answers served past their TTL or from the disk cache because the server was unreachable",
            metrics.stale.clone(),
        );
        registry.register(
            "invalidations",
            "Cached answers dropped because the change feed reported a change",
            metrics.invalidations.clone(),
        );
        registry.register(
            "errors",
            "Requests answered with an error, by kind",
            metrics.errors.clone(),
        );
        registry.register(
            "cache_entries",
            "Answers in the cache",
            metrics.entries.clone(),
        );
        registry.register(
            "change_feed_up",
            "1 while the server's change feed is followed",
            metrics.feed_up.clone(),
        );
        Metrics {
            registry,
            ..metrics
        }
    }
}

impl Metrics {
    pub fn error(&self, kind: &'static str) {
        self.errors.get_or_create(&ErrorLabels { kind }).inc();
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String does not fail");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_appear_in_the_exposition() {
        let metrics = Metrics::default();
        metrics.hits.inc();
        metrics.error("timeout");
        let text = metrics.encode();
        assert!(text.contains("tresor_agent_cache_hits_total 1"), "{text}");
        assert!(
            text.contains("tresor_agent_errors_total{kind=\"timeout\"} 1"),
            "{text}"
        );
    }
}
