//! Reading the stored trail back: export pages (the format `verify`
//! checks offline) and the server's own check of the whole chain, MACs
//! included (which only the unsealed server can do).

use std::sync::Arc;

use serde::Serialize;

use super::chain::{self, GENESIS};
use super::trail::AuditTrail;
use super::verify::{checkpoint_line, event_line};
use crate::store::{self, ReadTxn, Store, StoreError};

/// Events read per store job.
const PAGE: usize = 1000;

/// One page of an export: events after `after` with their checkpoints
/// interleaved, and where the next page starts (`None`: the end).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExportPage {
    pub lines: Vec<String>,
    pub next_after: Option<i64>,
}

pub async fn export_page(
    store: &dyn Store,
    after: i64,
    limit: usize,
) -> Result<ExportPage, StoreError> {
    let limit = limit.clamp(1, PAGE);
    store::read(store, move |txn: &dyn ReadTxn| {
        let events = txn.audit_events_after(after, limit)?;
        let Some(last) = events.last().map(|e| e.seq) else {
            return Ok(ExportPage {
                lines: Vec::new(),
                next_after: None,
            });
        };
        // At most one checkpoint per event: `limit` covers the page.
        let mut checkpoints = txn
            .audit_checkpoints_after(after, limit)?
            .into_iter()
            .filter(|c| c.seq >= events[0].seq && c.seq <= last)
            .peekable();
        let mut lines = Vec::with_capacity(events.len() + 8);
        // A pruned trail starts from its anchor checkpoint.
        if let Some(first) = events.first()
            && first.seq > after + 1
            && let Some(anchor) = txn.audit_checkpoint_at(first.seq - 1)?
        {
            lines.push(checkpoint_line(&anchor));
        }
        for event in &events {
            lines.push(event_line(event));
            while let Some(c) = checkpoints.next_if(|c| c.seq <= event.seq) {
                lines.push(checkpoint_line(&c));
            }
        }
        let next_after = (events.len() == limit).then_some(last);
        Ok(ExportPage { lines, next_after })
    })
    .await
}

/// What the server's own check of its trail found.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StoredReport {
    pub events: u64,
    pub checkpoints: u64,
    pub last_seq: i64,
    /// The first problem, in words; `None` if the trail is sound.
    pub problem: Option<String>,
}

/// Walks the whole stored chain: sequence, links, hashes, MACs and
/// checkpoint signatures.
pub async fn verify_stored(
    trail: &Arc<AuditTrail>,
    store: &Arc<dyn Store>,
) -> Result<StoredReport, StoreError> {
    let mut report = StoredReport::default();
    let mut prev = GENESIS.to_vec();
    let public = trail.keys().public_key();
    loop {
        let after = report.last_seq;
        let (events, checkpoints, anchor) = store::read(&**store, move |txn: &dyn ReadTxn| {
            let events = txn.audit_events_after(after, PAGE)?;
            let anchor = match events.first() {
                Some(first) if after == 0 && first.seq > 1 => {
                    txn.audit_checkpoint_at(first.seq - 1)?
                }
                _ => None,
            };
            let last = events.last().map_or(after, |e| e.seq);
            let checkpoints: Vec<_> = txn
                .audit_checkpoints_after(after, PAGE)?
                .into_iter()
                .filter(|c| events.first().is_some_and(|f| c.seq >= f.seq) && c.seq <= last)
                .collect();
            Ok::<_, StoreError>((events, checkpoints, anchor))
        })
        .await?;
        if events.is_empty() {
            return Ok(report);
        }
        if after == 0 && events[0].seq > 1 {
            // Pruned: the chain continues from a signed anchor.
            match anchor {
                Some(a)
                    if chain::checkpoint_signed(&public, a.seq, &a.hash, a.time, &a.signature) =>
                {
                    prev = a.hash;
                    report.last_seq = a.seq;
                    report.checkpoints += 1;
                }
                _ => {
                    report.problem = Some(format!(
                        "the trail starts at event {} without the signed checkpoint it continues from",
                        events[0].seq
                    ));
                    return Ok(report);
                }
            }
        }
        let mut hashes = std::collections::HashMap::new();
        for e in &events {
            let problem = if e.seq != report.last_seq + 1 {
                Some(format!("event {} follows event {}", e.seq, report.last_seq))
            } else if e.prev_hash != prev {
                Some(format!(
                    "event {} does not follow the event before it",
                    e.seq
                ))
            } else if chain::event_hash(e.seq, &e.prev_hash, e.record.as_bytes())[..] != e.hash[..]
            {
                Some(format!("event {} was edited", e.seq))
            } else if !trail.keys().verify_chain_mac(&e.hash, &e.mac) {
                Some(format!("event {} does not carry the server's MAC", e.seq))
            } else {
                None
            };
            if problem.is_some() {
                report.problem = problem;
                return Ok(report);
            }
            prev = e.hash.clone();
            hashes.insert(e.seq, e.hash.clone());
            report.last_seq = e.seq;
            report.events += 1;
        }
        for c in &checkpoints {
            let signed = chain::checkpoint_signed(&public, c.seq, &c.hash, c.time, &c.signature);
            if !signed || hashes.get(&c.seq) != Some(&c.hash) {
                report.problem = Some(format!("the checkpoint at event {} does not match", c.seq));
                return Ok(report);
            }
            report.checkpoints += 1;
        }
    }
}
