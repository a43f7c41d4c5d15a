//! Appending to the audit trail: chaining, MACs, checkpoints, and the
//! bounded wait that makes the trail fail closed.
//!
//! An event is appended inside a store write job — the same transaction as
//! the change it describes, or a job of its own for reads and failures —
//! so it is exactly as durable as the store's commits. A request whose
//! event cannot be written before `timeout` is refused; a job that starts
//! after its deadline writes nothing, so a refused change is never applied
//! later.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;
use tresor_wire::{AwsError, ErrorCode};

use super::chain::{self, GENESIS};
use super::mirror::MirrorTarget;
use crate::clock::Clock;
use crate::kms::AuditKeys;
use crate::metrics::AuditMetrics;
use crate::store::{
    AuditCheckpointRow, AuditEventRow, JobOutcome, Store, StoreError, StoreResult, WriteTxn,
};

/// How the trail waits for its records.
#[derive(Debug, Clone)]
pub struct AuditSettings {
    /// The longest a request waits for its event to be written.
    pub timeout: Duration,
    /// Answer a read only once its event is durable (fsynced), not merely
    /// written into the open group commit (durable a few milliseconds
    /// later). Changes always wait for durability.
    pub durable_reads: bool,
    /// Events older than this are pruned (`None`: kept forever).
    pub retention: Option<Duration>,
    /// Where the trail is mirrored for log shippers.
    pub mirrors: Vec<MirrorTarget>,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            timeout: Duration::from_secs(5),
            durable_reads: false,
            retention: None,
            mirrors: Vec::new(),
        }
    }
}

pub struct AuditTrail {
    keys: AuditKeys,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: AuditSettings,
    /// Whether the last attempt to record failed (health reports it).
    failing: AtomicBool,
    /// Outlives the trail: the server's, kept across sealing.
    metrics: Arc<AuditMetrics>,
}

impl std::fmt::Debug for AuditTrail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditTrail")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// The error a request gets when its event could not be written.
pub fn unavailable() -> AwsError {
    AwsError::new(
        ErrorCode::InternalServiceError,
        "The request could not be recorded in the audit trail, so it was not carried out. \
         Nothing was changed; retry later.",
    )
}

impl AuditTrail {
    pub fn new(
        keys: AuditKeys,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        settings: AuditSettings,
    ) -> AuditTrail {
        AuditTrail {
            keys,
            store,
            clock,
            settings,
            failing: AtomicBool::new(false),
            metrics: Arc::default(),
        }
    }

    /// Counts into the server's audit metrics rather than its own.
    pub fn with_metrics(mut self, metrics: Arc<AuditMetrics>) -> AuditTrail {
        self.metrics = metrics;
        self
    }

    /// Whether the trail could not record its last event.
    pub fn is_failing(&self) -> bool {
        self.failing.load(Ordering::Relaxed)
    }

    /// Notes how the last attempt to record went (one call per event).
    pub fn note(&self, recorded: bool) {
        self.metrics.event(recorded);
        let was_failing = self.failing.swap(!recorded, Ordering::Relaxed);
        if was_failing == recorded {
            if recorded {
                tracing::warn!("the audit trail records again");
            } else {
                tracing::error!("the audit trail cannot record: requests are refused");
            }
        }
    }

    pub fn keys(&self) -> &AuditKeys {
        &self.keys
    }

    pub fn store(&self) -> &dyn Store {
        &*self.store
    }

    pub fn settings(&self) -> &AuditSettings {
        &self.settings
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Appends `event` after the current head of the chain, inside a write
    /// job, with a checkpoint if one is due. Returns its sequence number.
    /// `event` as `Draft::finish` made it; it is moved, not copied (the
    /// writer thread appends one per request).
    pub fn append(&self, txn: &mut dyn WriteTxn, event: AuditEventRow) -> StoreResult<i64> {
        // After a pruning that removed every event, the chain continues
        // from the anchor checkpoint, never from the genesis again.
        let (prev_seq, prev_hash) = match txn.audit_head()? {
            Some(head) => head,
            None => match txn.last_audit_checkpoint()? {
                Some(anchor) => (anchor.seq, anchor.hash),
                None => (0, GENESIS.to_vec()),
            },
        };
        let seq = prev_seq + 1;
        let hash = chain::event_hash(seq, &prev_hash, event.record.as_bytes());
        let mac = self.keys.chain_mac(&hash);
        txn.append_audit_event(&AuditEventRow {
            seq,
            prev_hash,
            hash: hash.to_vec(),
            mac,
            ..event
        })?;
        let now = self.clock.now_ms();
        let last = txn.last_audit_checkpoint()?.map(|c| (c.seq, c.time));
        if chain::checkpoint_due(seq, now, last) {
            self.put_checkpoint(txn, seq, &hash, now)?;
        }
        Ok(seq)
    }

    fn put_checkpoint(
        &self,
        txn: &mut dyn WriteTxn,
        seq: i64,
        hash: &[u8],
        now: i64,
    ) -> StoreResult<()> {
        txn.put_audit_checkpoint(&AuditCheckpointRow {
            seq,
            hash: hash.to_vec(),
            time: now,
            signature: self.keys.sign(&chain::checkpoint_message(seq, hash, now)),
        })
    }

    /// Signs the head of the chain if events came after the last
    /// checkpoint (run periodically, so an idle tail is covered too).
    pub async fn checkpoint_head(self: &Arc<Self>) -> Result<bool, StoreError> {
        let trail = Arc::clone(self);
        crate::store::write(&*self.store, move |txn| {
            let Some((seq, hash)) = txn.audit_head()? else {
                return Ok(false);
            };
            let last = txn.last_audit_checkpoint()?;
            if last.is_some_and(|c| c.seq >= seq) {
                return Ok(false);
            }
            trail.put_checkpoint(txn, seq, &hash, trail.clock.now_ms())?;
            Ok(true)
        })
        .await
    }

    /// Records an event in a job of its own (a read or a failure), and
    /// resolves once its commit is written: durable (fsynced) for `durable`
    /// or when the settings say so; otherwise written to the write-ahead
    /// log (a crash of the process cannot lose it) and fsynced within
    /// `RELAXED_SYNC_WITHIN`. Fails if that takes longer than the timeout.
    pub async fn record(
        self: &Arc<Self>,
        event: AuditEventRow,
        durable: bool,
    ) -> Result<(), AwsError> {
        let deadline = Instant::now() + self.settings.timeout;
        let durable = durable || self.settings.durable_reads;
        let _pending = self.metrics.pending();
        let (done_tx, done_rx) = oneshot::channel::<bool>();
        let trail = Arc::clone(self);
        let job: crate::store::WriteJob = Box::new(move |txn| {
            // A job that starts after its caller gave up writes nothing.
            let written = Instant::now() <= deadline
                && trail
                    .append(txn, event)
                    .inspect_err(|e| tracing::error!(error = %e, "appending an audit event failed"))
                    .is_ok();
            JobOutcome {
                commit: written,
                completion: Box::new(move |result| {
                    let _ = done_tx.send(written && result.is_ok());
                }),
            }
        });
        if durable {
            self.store.submit_write(job);
        } else {
            self.store.submit_relaxed_write(job);
        }
        let wait = async { done_rx.await.unwrap_or(false) };
        let recorded = matches!(tokio::time::timeout_at(deadline, wait).await, Ok(true));
        self.note(recorded);
        if recorded { Ok(()) } else { Err(unavailable()) }
    }
}
