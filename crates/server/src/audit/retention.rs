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

/// Events one pruning transaction removes, about: the writer (and with it
/// every request, which waits for its audit event) is held only that long
/// (a few milliseconds; each step also rests as long as it took, so that
/// requests get at least half of the writer while a pruning runs).
const PRUNE_STEP: i64 = 500;

/// Prunes the events older than `before` (epoch ms), up to the newest
/// checkpoint made before then. `None`: nothing to prune.
///
/// In steps of about `PRUNE_STEP` events, each its own transaction ending
/// at a checkpoint (so the trail is a verifiable chain between steps too)
/// and each recorded as its own `PruneAuditEvents` event.
pub async fn prune(
    trail: &Arc<AuditTrail>,
    account_id: &str,
    region: &str,
    before: i64,
) -> Result<Option<Pruned>, StoreError> {
    let mut total: Option<Pruned> = None;
    // Fixed by the first step: the steps' own records (and checkpoints)
    // are never pruned by the same call.
    let mut through: Option<i64> = None;
    loop {
        let started = std::time::Instant::now();
        let Some((step, last)) = prune_step(trail, account_id, region, before, through).await?
        else {
            break;
        };
        tokio::time::sleep(started.elapsed()).await;
        through = Some(last);
        total = Some(Pruned {
            through_seq: step.through_seq,
            events: total.map_or(0, |t| t.events) + step.events,
        });
    }
    Ok(total)
}

/// One step of `prune`, at most through checkpoint `through`: what it
/// pruned and the checkpoint the whole pruning ends at. `None`: nothing
/// (more) to prune.
async fn prune_step(
    trail: &Arc<AuditTrail>,
    account_id: &str,
    region: &str,
    before: i64,
    through: Option<i64>,
) -> Result<Option<(Pruned, i64)>, StoreError> {
    let trail_job = Arc::clone(trail);
    let account_id = account_id.to_string();
    let region = region.to_string();
    store::write(trail.store(), move |txn| {
        let Some(last) = txn.audit_checkpoint_before(before)? else {
            return Ok(None);
        };
        let last_seq = through.map_or(last.seq, |t| t.min(last.seq));
        let first = match txn.first_audit_seq()? {
            Some(first) if first <= last_seq => first,
            _ => return Ok(None),
        };
        // The furthest checkpoint within a step (or, if checkpoints are
        // sparser than that, the next one), never past `last`.
        let reachable: Vec<_> = txn
            .audit_checkpoints_after(first - 1, 64)?
            .into_iter()
            .filter(|c| c.seq <= last_seq)
            .collect();
        let anchor = match reachable.iter().rposition(|c| c.seq < first + PRUNE_STEP) {
            Some(i) => reachable[i].clone(),
            None => match reachable.into_iter().next() {
                Some(next) => next,
                None => return Ok(None),
            },
        };
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
        Ok(Some((
            Pruned {
                through_seq: anchor.seq,
                events,
            },
            last_seq,
        )))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditSettings, export::verify_stored};
    use crate::clock::{Clock, ManualClock};
    use crate::kms::AuditKeys;
    use crate::store::Store;
    use crate::store::sqlite::SqliteStore;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_large_pruning_goes_in_verifiable_steps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path, 1, 0).unwrap());
        let clock = Arc::new(ManualClock::new());
        let settings = AuditSettings {
            timeout: std::time::Duration::from_secs(30),
            durable_reads: false,
            retention: None,
            mirrors: Vec::new(),
        };
        let trail = Arc::new(AuditTrail::new(
            AuditKeys::from_seed(&[7u8; 32]),
            Arc::clone(&store),
            clock.clone(),
            settings,
        ));
        let events = 2 * PRUNE_STEP + 500;
        let writer = Arc::clone(&trail);
        let now = clock.now_ms();
        store::write(&*store, move |txn| {
            for _ in 0..events {
                let draft = Draft::service_event(Service::Operator, "Test", "us-east-1", "1", now);
                let outcome = Outcome::Success {
                    response: serde_json::Value::Null,
                };
                writer.append(txn, draft.finish(&outcome, &[]))?;
            }
            Ok::<_, StoreError>(())
        })
        .await
        .unwrap();
        clock.advance_ms(1000);
        trail.checkpoint_head().await.unwrap();

        let pruned = prune(&trail, "1", "us-east-1", clock.now_ms() + 1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(pruned.events, events as usize, "everything up to the head");
        let report = verify_stored(&trail, &store).await.unwrap();
        assert_eq!(report.problem, None, "the rest is a sound chain");
        let conn = rusqlite::Connection::open(&path).unwrap();
        let steps: i64 = conn
            .query_row(
                "SELECT count(*) FROM audit_events WHERE event_name = 'PruneAuditEvents'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(steps >= 3, "{steps} steps of at most {PRUNE_STEP} events");
    }
}
