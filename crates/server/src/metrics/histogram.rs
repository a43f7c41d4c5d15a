//! A histogram whose `observe` is three relaxed atomic adds and no lock.
//!
//! prometheus-client's own `Histogram` takes a mutex on every observation;
//! request latency is observed on every request (GetSecretValue runs at
//! some 15,000 per second on two cores), so ours keeps one atomic per
//! bucket and an integer sum instead. Values are integers in a unit of the
//! caller's choice (nanoseconds for durations, plain counts for batch
//! sizes), scaled to the exposed unit (seconds) only when scraped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::{MetricType, TypedMetric};

/// Upper bounds of request and storage latencies, in seconds: from half a
/// millisecond (a cached read) to 30 s (a long-polled change feed).
pub const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Debug)]
pub struct Histogram {
    /// Inclusive upper bounds, ascending, in the unit of `observe`.
    bounds: Box<[u64]>,
    /// One more than `bounds`: the last is `+Inf`.
    buckets: Box<[AtomicU64]>,
    sum: AtomicU64,
    /// Units of `observe` in one exposed unit (dividing rounds better
    /// than multiplying by the inverse: 1 ms stays 0.001).
    per_unit: f64,
}

impl Histogram {
    /// Durations, exposed in seconds; `bounds` in seconds.
    pub fn seconds(bounds: &[f64]) -> Histogram {
        let nanos = bounds.iter().map(|b| (b * 1e9).round() as u64).collect();
        Histogram::new(nanos, 1e9)
    }

    /// Plain counts (batch sizes); `bounds` in the same unit.
    pub fn counts(bounds: &[u64]) -> Histogram {
        Histogram::new(bounds.into(), 1.0)
    }

    fn new(bounds: Box<[u64]>, per_unit: f64) -> Histogram {
        debug_assert!(bounds.windows(2).all(|w| w[0] < w[1]), "ascending bounds");
        Histogram {
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            bounds,
            sum: AtomicU64::new(0),
            per_unit,
        }
    }

    pub fn observe(&self, value: u64) {
        let bucket = self.bounds.partition_point(|&bound| bound < value);
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(value, Ordering::Relaxed);
    }

    pub fn observe_duration(&self, elapsed: Duration) {
        self.observe(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
    }

    /// Observations so far (the `+Inf` bucket's cumulative count).
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).sum()
    }
}

impl TypedMetric for Histogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for Histogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        // Per-bucket counts; the encoder makes them cumulative. A scrape
        // racing an observation may see its bucket but not yet its sum:
        // off by one observation for one scrape, which Prometheus shrugs at.
        let buckets: Vec<(f64, u64)> = self
            .bounds
            .iter()
            .map(|&b| b as f64 / self.per_unit)
            .chain(std::iter::once(f64::INFINITY))
            .zip(self.buckets.iter().map(|c| c.load(Ordering::Relaxed)))
            .collect();
        let count = buckets.iter().map(|(_, c)| c).sum();
        let sum = self.sum.load(Ordering::Relaxed) as f64 / self.per_unit;
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::collector::Collector;
    use prometheus_client::encoding::DescriptorEncoder;
    use prometheus_client::registry::Registry;

    #[derive(Debug)]
    struct One(Histogram);

    impl Collector for One {
        fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
            let metric =
                encoder.encode_descriptor("h_seconds", "h", None, MetricType::Histogram)?;
            self.0.encode(metric)
        }
    }

    #[test]
    fn observations_land_in_the_first_bucket_that_holds_them() {
        let h = Histogram::seconds(&[0.001, 0.01]);
        h.observe_duration(Duration::from_micros(1000)); // exactly on a bound: le
        h.observe_duration(Duration::from_micros(1001));
        h.observe_duration(Duration::from_secs(3));
        let mut registry = Registry::default();
        registry.register_collector(Box::new(One(h)));
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &registry).unwrap();
        for line in [
            "h_seconds_bucket{le=\"0.001\"} 1\n",
            "h_seconds_bucket{le=\"0.01\"} 2\n",
            "h_seconds_bucket{le=\"+Inf\"} 3\n",
            "h_seconds_sum 3.002001\n",
            "h_seconds_count 3\n",
        ] {
            assert!(text.contains(line), "{line:?} not in\n{text}");
        }
    }

    #[test]
    fn counts_are_exposed_unscaled() {
        let h = Histogram::counts(&[1, 2, 4]);
        for v in [1, 3, 3, 9] {
            h.observe(v);
        }
        assert_eq!(h.count(), 4);
        assert_eq!(h.sum.load(Ordering::Relaxed), 16);
        let counts: Vec<u64> = h
            .buckets
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .collect();
        assert_eq!(counts, [1, 0, 2, 1]);
    }
}
