//! Retention: forgetting old events without breaking what remains.
//!
//! Events are pruned up to a checkpoint, never between two: the newest
//! checkpoint made before the cut-off stays, as the signed anchor the rest
//! of the chain continues from (an export then starts with it, and a
//! verifier checks its signature instead of starting from the genesis
//! hash). The pruning itself is recorded, in the same transaction, as an
//! `AwsServiceEvent` saying how far and how much was pruned.

use std::sync::Arc;

use serde::Serialize;
use serde_json::json;
use tresor_wire::Service;

use super::record::{Draft, Outcome, iso_time};
use super::trail::AuditTrail;
use crate::store::{self, StoreError};

/// What one pruning removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Pruned {
    /// The anchor: events up to and including it are gone.
    pub through_seq: i64,
    pub events: usize,
}

/// Prunes the events older than `before` (epoch ms), up to the newest
/// checkpoint made before then. `None`: nothing to prune.
pub async fn prune(
    trail: &Arc<AuditTrail>,
    account_id: &str,
    region: &str,
    before: i64,
) -> Result<Option<Pruned>, StoreError> {
    let trail_job = Arc::clone(trail);
    let account_id = account_id.to_string();
    let region = region.to_string();
    store::write(trail.store(), move |txn| {
        let Some(anchor) = txn.audit_checkpoint_before(before)? else {
            return Ok(None);
        };
        match txn.first_audit_seq()? {
            Some(first) if first <= anchor.seq => {}
            _ => return Ok(None),
        }
        let events = txn.prune_audit_through(anchor.seq)?;
        let mut draft = Draft::service_event(
            Service::Operator,
            "PruneAuditEvents",
            &region,
            &account_id,
            trail_job.now_ms(),
        );
        draft.request_parameters = json!({
            "olderThan": iso_time(before),
            "prunedThroughSeq": anchor.seq,
            "prunedEvents": events,
        });
        let event = draft.finish(
            &Outcome::Success {
                response: serde_json::Value::Null,
            },
            &[],
        );
        trail_job.append(txn, event)?;
        Ok(Some(Pruned {
            through_seq: anchor.seq,
            events,
        }))
    })
    .await
}
