//! Reading the stored trail back: export pages (the format `verify`
//! checks offline) and the server's own check of the whole chain, MACs
//! included (which only the unsealed server can do).

use std::sync::Arc;

use serde::Serialize;

use super::trail::AuditTrail;
use super::verify::{ExportLine, ExportedEvent, Verifier, checkpoint_line, event_line};
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
    store::read(store, move |txn: &dyn ReadTxn| page_from(txn, after, limit)).await
}

/// `export_page` within a read transaction (a backup's database is read
/// this way too).
pub fn page_from(txn: &dyn ReadTxn, after: i64, limit: usize) -> Result<ExportPage, StoreError> {
    let limit = limit.clamp(1, PAGE);
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

/// Walks the whole stored chain as `tresor audit verify` walks an export
/// (sequence, links, hashes, anchor, checkpoint signatures — the same
/// `Verifier`), and checks what only the server can: every event's MAC.
/// A problem names the line it would have in a full export.
pub async fn verify_stored(
    trail: &Arc<AuditTrail>,
    store: &Arc<dyn Store>,
) -> Result<StoredReport, StoreError> {
    let mut verifier = Verifier::new(&trail.keys().public_key(), None);
    let mut line_no = 1; // the export's header line
    let mut after = 0;
    loop {
        let page = export_page(&**store, after, PAGE).await?;
        for line in &page.lines {
            line_no += 1;
            let problem = match verifier.line(line_no, line) {
                Err(problem) => Some(problem.to_string()),
                Ok(Some(ExportLine::Event(e))) if !mac_matches(trail, &e) => Some(format!(
                    "line {line_no}: event {} does not carry the server's MAC",
                    e.seq
                )),
                Ok(_) => None,
            };
            if let Some(problem) = problem {
                return Ok(StoredReport {
                    problem: Some(problem),
                    ..StoredReport::default()
                });
            }
        }
        match page.next_after {
            Some(next) => after = next,
            None => break,
        }
    }
    Ok(match verifier.finish() {
        Ok(report) => StoredReport {
            events: report.events,
            checkpoints: report.checkpoints,
            last_seq: report.last_seq.unwrap_or(0),
            problem: None,
        },
        Err(problem) => StoredReport {
            problem: Some(problem.to_string()),
            ..StoredReport::default()
        },
    })
}

fn mac_matches(trail: &AuditTrail, event: &ExportedEvent) -> bool {
    match (hex::decode(&event.hash), hex::decode(&event.mac)) {
        (Ok(hash), Ok(mac)) => trail.keys().verify_chain_mac(&hash, &mac),
        _ => false,
    }
}
