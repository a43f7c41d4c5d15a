//! What the API endpoint counts: requests by operation and outcome, their
//! latency, authentication failures by reason and authorization denials.
//!
//! Labels are the operation's name and the AWS error code — both fixed
//! enums — and the authentication failure's reason; never anything else
//! a request carried. Every operation has its series allocated up front
//! (indexed by the operation enums, no map, no lock), so recording a
//! successful request is a few relaxed atomic adds. Error outcomes, rare
//! by comparison, go through a `Family` created on first use.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use tresor_wire::{
    CloudTrailOperation, ErrorCode, IamOperation, KmsOperation, Operation, OperatorOperation,
    StsOperation, Target,
};

use super::histogram::{Histogram, LATENCY_BUCKETS};
use crate::auth::AuthFailure;

/// The `operation` of a request that named no operation we serve (or was
/// refused before its operation was known), as in the request log line.
pub const UNROUTED: &str = "-";

// Where each service's operations start in the table.
const SECRETS_MANAGER: usize = 0;
const KMS: usize = SECRETS_MANAGER + Operation::ALL.len();
const IAM: usize = KMS + KmsOperation::ALL.len();
const STS: usize = IAM + IamOperation::ALL.len();
const OPERATOR: usize = STS + StsOperation::ALL.len();
const CLOUDTRAIL: usize = OPERATOR + OperatorOperation::ALL.len();
const UNROUTED_SLOT: usize = CLOUDTRAIL + CloudTrailOperation::ALL.len();

/// The table slot of an operation: its service's offset plus its place in
/// the enum (`ALL` lists the variants in declaration order).
fn slot_of(target: Option<Target>) -> usize {
    match target {
        Some(Target::SecretsManager(op)) => SECRETS_MANAGER + op as usize,
        Some(Target::Kms(op)) => KMS + op as usize,
        Some(Target::Iam(op)) => IAM + op as usize,
        Some(Target::Sts(op)) => STS + op as usize,
        Some(Target::Operator(op)) => OPERATOR + op as usize,
        Some(Target::CloudTrail(op)) => CLOUDTRAIL + op as usize,
        None => UNROUTED_SLOT,
    }
}

/// Every operation's name, in slot order.
fn slot_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::with_capacity(UNROUTED_SLOT + 1);
    names.extend(Operation::ALL.iter().map(|op| op.name()));
    names.extend(KmsOperation::ALL.iter().map(|op| op.name()));
    names.extend(IamOperation::ALL.iter().map(|op| op.name()));
    names.extend(StsOperation::ALL.iter().map(|op| op.name()));
    names.extend(OperatorOperation::ALL.iter().map(|op| op.name()));
    names.extend(CloudTrailOperation::ALL.iter().map(|op| op.name()));
    names.push(UNROUTED);
    names
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    operation: &'static str,
    /// `ok`, or the AWS error code answered.
    outcome: &'static str,
}

/// One operation's series.
#[derive(Debug)]
struct Slot {
    name: &'static str,
    ok: AtomicU64,
    latency: Histogram,
    denials: AtomicU64,
}

#[derive(Debug)]
pub struct RequestMetrics {
    slots: Box<[Slot]>,
    errors: Family<OutcomeLabels, Counter>,
    /// By `AuthFailure as usize`.
    auth_failures: [AtomicU64; AuthFailure::ALL.len()],
}

impl Default for RequestMetrics {
    fn default() -> Self {
        RequestMetrics {
            slots: slot_names()
                .into_iter()
                .map(|name| Slot {
                    name,
                    ok: AtomicU64::new(0),
                    latency: Histogram::seconds(LATENCY_BUCKETS),
                    denials: AtomicU64::new(0),
                })
                .collect(),
            errors: Family::default(),
            auth_failures: Default::default(),
        }
    }
}

impl RequestMetrics {
    /// One answered request: what it asked for, the error code it got (if
    /// any) and how long it took.
    pub fn answered(&self, target: Option<Target>, error: Option<ErrorCode>, took: Duration) {
        let slot = &self.slots[slot_of(target)];
        match error {
            None => {
                slot.ok.fetch_add(1, Ordering::Relaxed);
            }
            Some(code) => {
                self.errors
                    .get_or_create(&OutcomeLabels {
                        operation: slot.name,
                        outcome: code.as_str(),
                    })
                    .inc();
            }
        }
        slot.latency.observe_duration(took);
    }

    pub fn auth_failed(&self, reason: AuthFailure) {
        self.auth_failures[reason as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Authorization decisions of one request that denied.
    pub fn denied(&self, target: Target, decisions: u64) {
        if decisions > 0 {
            self.slots[slot_of(Some(target))]
                .denials
                .fetch_add(decisions, Ordering::Relaxed);
        }
    }
}

impl Collector for RequestMetrics {
    /// Operations never called are left out (some 280 of them would
    /// otherwise each add a histogram to every scrape).
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut requests = encoder.encode_descriptor(
            "requests",
            "API requests answered, by operation and outcome (ok or the AWS error code)",
            None,
            MetricType::Counter,
        )?;
        for slot in self.slots.iter() {
            let ok = slot.ok.load(Ordering::Relaxed);
            if ok > 0 {
                let labels = OutcomeLabels {
                    operation: slot.name,
                    outcome: "ok",
                };
                ConstCounter::new(ok).encode(requests.encode_family(&labels)?)?;
            }
        }
        self.errors.encode(requests)?;

        let mut latency = encoder.encode_descriptor(
            "request_duration_seconds",
            "Time from a request's arrival to its answer, by operation",
            None,
            MetricType::Histogram,
        )?;
        for slot in self.slots.iter().filter(|s| s.latency.count() > 0) {
            slot.latency
                .encode(latency.encode_family(&[("operation", slot.name)])?)?;
        }

        let mut failures = encoder.encode_descriptor(
            "auth_failures",
            "Requests whose SigV4 authentication failed, by reason",
            None,
            MetricType::Counter,
        )?;
        for reason in AuthFailure::ALL {
            let n = self.auth_failures[reason as usize].load(Ordering::Relaxed);
            ConstCounter::new(n).encode(failures.encode_family(&[("reason", reason.as_str())])?)?;
        }

        let mut denials = encoder.encode_descriptor(
            "authz_denials",
            "Authorization decisions that denied (a batch read decides per secret), by operation",
            None,
            MetricType::Counter,
        )?;
        for slot in self.slots.iter() {
            let n = slot.denials.load(Ordering::Relaxed);
            if n > 0 {
                ConstCounter::new(n).encode(denials.encode_family(&[("operation", slot.name)])?)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_its_own_slot_named_after_it() {
        let names = slot_names();
        let targets = Operation::ALL
            .iter()
            .map(|&op| Target::SecretsManager(op))
            .chain(KmsOperation::ALL.iter().map(|&op| Target::Kms(op)))
            .chain(IamOperation::ALL.iter().map(|&op| Target::Iam(op)))
            .chain(StsOperation::ALL.iter().map(|&op| Target::Sts(op)))
            .chain(
                OperatorOperation::ALL
                    .iter()
                    .map(|&op| Target::Operator(op)),
            )
            .chain(
                CloudTrailOperation::ALL
                    .iter()
                    .map(|&op| Target::CloudTrail(op)),
            );
        let mut seen = std::collections::HashSet::new();
        for target in targets {
            let slot = slot_of(Some(target));
            assert_eq!(names[slot], target.name(), "{target:?}");
            assert!(seen.insert(slot), "{target:?} shares slot {slot}");
        }
        assert_eq!(seen.len(), UNROUTED_SLOT);
        assert_eq!(names[slot_of(None)], UNROUTED);
        assert_eq!(names.len(), UNROUTED_SLOT + 1);
    }

    #[test]
    fn auth_failure_reasons_index_their_counters() {
        for (i, reason) in AuthFailure::ALL.into_iter().enumerate() {
            assert_eq!(reason as usize, i, "{reason:?}");
        }
    }
}
