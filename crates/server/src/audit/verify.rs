//! Checking an exported audit log offline, with only the public key.
//!
//! An export is JSON lines: an optional header, then each event
//! (`{"seq", "prevHash", "hash", "mac", "event"}`, `event` being the record
//! exactly as hashed) followed, where one was made, by its checkpoint
//! (`{"checkpoint": {"seq", "hash", "time", "signature"}}`). A log whose
//! older events were pruned starts with the checkpoint it continues from.
//!
//! The verifier recomputes every hash and link and checks every signature,
//! and reports the first problem: an edited record, a dropped or inserted
//! one, a reordering, a log that restarts its chain, a checkpoint that does
//! not match, or — given a checkpoint the auditor kept from an earlier
//! export — a log cut short before it. Events after the last checkpoint are
//! reported as not yet signed: rewriting them consistently needs only the
//! database, so only the server's MAC check (online) covers them.

use std::io::BufRead;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::chain::{self, GENESIS};
use crate::store::{AuditCheckpointRow, AuditEventRow};

/// The export line of a stored event.
pub fn event_line(row: &AuditEventRow) -> String {
    let event = RawValue::from_string(row.record.clone())
        .unwrap_or_else(|_| RawValue::from_string("null".into()).expect("null is JSON"));
    serde_json::to_string(&ExportedEvent {
        seq: row.seq,
        prev_hash: hex::encode(&row.prev_hash),
        hash: hex::encode(&row.hash),
        mac: hex::encode(&row.mac),
        event,
    })
    .expect("an export line serialises")
}

/// The export line of a stored checkpoint.
pub fn checkpoint_line(row: &AuditCheckpointRow) -> String {
    serde_json::json!({"checkpoint": ExportedCheckpoint {
        seq: row.seq,
        hash: hex::encode(&row.hash),
        time: row.time,
        signature: hex::encode(&row.signature),
    }})
    .to_string()
}

/// The first line of an export: the format and the key that signed it
/// (informational: a verifier takes the key it trusts from elsewhere).
pub fn header_line(public_key: &[u8]) -> String {
    serde_json::to_string(&ExportedHeader {
        format: 1,
        public_key: hex::encode(public_key),
    })
    .expect("an export line serialises")
}

/// One line of an export.
#[derive(Debug)]
pub enum ExportLine {
    Checkpoint(ExportedCheckpoint),
    Event(ExportedEvent),
    Header(ExportedHeader),
}

impl ExportLine {
    /// Reads one line. (Not a serde `untagged` enum: an event's raw record
    /// must be read straight from the text, which buffering would lose.)
    pub fn parse(text: &str) -> Option<ExportLine> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct CheckpointLine {
            checkpoint: ExportedCheckpoint,
        }
        if let Ok(event) = serde_json::from_str::<ExportedEvent>(text) {
            return Some(ExportLine::Event(event));
        }
        if let Ok(line) = serde_json::from_str::<CheckpointLine>(text) {
            return Some(ExportLine::Checkpoint(line.checkpoint));
        }
        serde_json::from_str::<ExportedHeader>(text)
            .ok()
            .map(ExportLine::Header)
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedHeader {
    #[serde(rename = "tresorAuditLog")]
    pub format: u32,
    #[serde(rename = "publicKey")]
    pub public_key: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportedEvent {
    pub seq: i64,
    pub prev_hash: String,
    pub hash: String,
    pub mac: String,
    pub event: Box<RawValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedCheckpoint {
    pub seq: i64,
    pub hash: String,
    pub time: i64,
    pub signature: String,
}

/// What a sound log contained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub events: u64,
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
    pub checkpoints: u64,
    pub last_checkpoint: Option<i64>,
    /// Events after the last checkpoint (not yet covered by a signature).
    pub unsigned_tail: u64,
}

/// The first thing wrong with a log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("line {line}: not a record of a Tresor audit log")]
    Malformed { line: usize },
    #[error("line {line}: event {seq} was edited (its hash does not match its content)")]
    Edited { line: usize, seq: i64 },
    #[error("line {line}: events {from} to {to} are missing here (dropped or moved)")]
    Dropped { line: usize, from: i64, to: i64 },
    #[error("line {line}: event {seq} is out of order (inserted, duplicated or moved)")]
    OutOfOrder { line: usize, seq: i64 },
    #[error(
        "line {line}: event {seq} does not follow the event before it \
         (an event before it was changed, removed or inserted)"
    )]
    BrokenLink { line: usize, seq: i64 },
    #[error(
        "line {line}: the log starts at event {seq} without the signed checkpoint it \
         continues from (a restarted or truncated chain)"
    )]
    NoAnchor { line: usize, seq: i64 },
    #[error("line {line}: the signature of the checkpoint at event {seq} is not valid")]
    BadSignature { line: usize, seq: i64 },
    #[error(
        "line {line}: the checkpoint at event {seq} does not match the log \
         (events up to {seq} were altered)"
    )]
    CheckpointMismatch { line: usize, seq: i64 },
    #[error(
        "the log ends at event {last} but the trusted checkpoint covers event {expected}: \
         it was truncated"
    )]
    Truncated { last: i64, expected: i64 },
    #[error("the trusted checkpoint at event {seq} does not match the log")]
    TrustedMismatch { seq: i64 },
}

/// Verifies an export read from `input` against the server's Ed25519
/// `public_key`; `trusted` is a checkpoint the auditor kept (e.g. from an
/// earlier export), which the log must contain.
pub fn verify(
    input: impl BufRead,
    public_key: &[u8],
    trusted: Option<&ExportedCheckpoint>,
) -> Result<Report, Problem> {
    let mut verifier = Verifier::new(public_key, trusted.cloned());
    for (index, line) in input.lines().enumerate() {
        let line_no = index + 1;
        let text = line.map_err(|_| Problem::Malformed { line: line_no })?;
        verifier.line(line_no, &text)?;
    }
    verifier.finish()
}

/// Checks an export line by line (the server's online check feeds it the
/// pages it exports, so both checks are one).
pub struct Verifier {
    public_key: Vec<u8>,
    trusted: Option<ExportedCheckpoint>,
    trusted_seen: bool,
    report: Report,
    /// The hash of the last event seen (or the anchor), and its seq.
    head: Option<(i64, Vec<u8>)>,
}

impl Verifier {
    pub fn new(public_key: &[u8], trusted: Option<ExportedCheckpoint>) -> Verifier {
        Verifier {
            public_key: public_key.to_vec(),
            trusted,
            trusted_seen: false,
            report: Report {
                events: 0,
                first_seq: None,
                last_seq: None,
                checkpoints: 0,
                last_checkpoint: None,
                unsigned_tail: 0,
            },
            head: None,
        }
    }

    /// Checks the next line of the export; returns it parsed.
    pub fn line(&mut self, line_no: usize, text: &str) -> Result<Option<ExportLine>, Problem> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        let parsed = ExportLine::parse(text).ok_or(Problem::Malformed { line: line_no })?;
        match &parsed {
            ExportLine::Header(_) if self.report.events == 0 && self.head.is_none() => {}
            ExportLine::Header(_) => return Err(Problem::Malformed { line: line_no }),
            ExportLine::Event(event) => self.event(line_no, event)?,
            ExportLine::Checkpoint(checkpoint) => self.checkpoint(line_no, checkpoint)?,
        }
        Ok(Some(parsed))
    }

    fn event(&mut self, line_no: usize, event: &ExportedEvent) -> Result<(), Problem> {
        let prev = decode(&event.prev_hash, line_no)?;
        let hash = decode(&event.hash, line_no)?;
        let seq = event.seq;
        match &self.head {
            None if seq == 1 => {
                if prev != GENESIS {
                    return Err(Problem::BrokenLink { line: line_no, seq });
                }
            }
            None => return Err(Problem::NoAnchor { line: line_no, seq }),
            Some((head_seq, head_hash)) => {
                if seq > head_seq + 1 {
                    return Err(Problem::Dropped {
                        line: line_no,
                        from: head_seq + 1,
                        to: seq - 1,
                    });
                }
                if seq <= *head_seq {
                    return Err(Problem::OutOfOrder { line: line_no, seq });
                }
                if &prev != head_hash {
                    return Err(Problem::BrokenLink { line: line_no, seq });
                }
            }
        }
        if chain::event_hash(seq, &prev, event.event.get().as_bytes()) != hash[..] {
            return Err(Problem::Edited { line: line_no, seq });
        }
        self.head = Some((seq, hash));
        self.report.events += 1;
        self.report.first_seq.get_or_insert(seq);
        self.report.last_seq = Some(seq);
        self.report.unsigned_tail += 1;
        Ok(())
    }

    fn checkpoint(
        &mut self,
        line_no: usize,
        checkpoint: &ExportedCheckpoint,
    ) -> Result<(), Problem> {
        let hash = decode(&checkpoint.hash, line_no)?;
        let signature = decode(&checkpoint.signature, line_no)?;
        let seq = checkpoint.seq;
        if !chain::checkpoint_signed(&self.public_key, seq, &hash, checkpoint.time, &signature) {
            return Err(Problem::BadSignature { line: line_no, seq });
        }
        match &self.head {
            // The anchor of a pruned log.
            None => self.head = Some((seq, hash)),
            Some((head_seq, head_hash)) => {
                if *head_seq != seq || *head_hash != hash {
                    return Err(Problem::CheckpointMismatch { line: line_no, seq });
                }
            }
        }
        if let Some(t) = &self.trusted
            && t.seq == seq
        {
            if t.hash != checkpoint.hash {
                return Err(Problem::TrustedMismatch { seq });
            }
            self.trusted_seen = true;
        }
        self.report.checkpoints += 1;
        self.report.last_checkpoint = Some(seq);
        self.report.unsigned_tail = 0;
        Ok(())
    }

    /// The verdict once every line was checked.
    pub fn finish(self) -> Result<Report, Problem> {
        if let Some(t) = &self.trusted
            && !self.trusted_seen
        {
            let last = self.report.last_seq.unwrap_or(0);
            if last < t.seq {
                return Err(Problem::Truncated {
                    last,
                    expected: t.seq,
                });
            }
            return Err(Problem::TrustedMismatch { seq: t.seq });
        }
        Ok(self.report)
    }
}

fn decode(hex_text: &str, line: usize) -> Result<Vec<u8>, Problem> {
    hex::decode(hex_text).map_err(|_| Problem::Malformed { line })
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
