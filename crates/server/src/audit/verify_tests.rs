//! The tamper corpus: a log built as the server builds it, then altered
//! one record at a time in every way an attacker could, each of which the
//! verifier must report.

use super::*;
use crate::kms::AuditKeys;

const EVENTS: i64 = 240;
const CHECKPOINT_EVERY: i64 = 25;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn keys() -> AuditKeys {
    AuditKeys::from_seed(&[42u8; 32])
}

fn event_row(seq: i64, prev: &[u8], record: String, keys: &AuditKeys) -> AuditEventRow {
    let hash = chain::event_hash(seq, prev, record.as_bytes());
    AuditEventRow {
        seq,
        event_id: format!("e{seq}"),
        event_time: seq,
        event_name: "GetSecretValue".into(),
        event_source: "secretsmanager.amazonaws.com".into(),
        username: None,
        access_key_id: None,
        read_only: true,
        resources: "[]".into(),
        record,
        prev_hash: prev.to_vec(),
        hash: hash.to_vec(),
        mac: keys.chain_mac(&hash),
    }
}

fn record(seq: i64) -> String {
    format!(
        r#"{{"eventName":"GetSecretValue","n":{seq},"sourceIPAddress":"10.0.0.{}"}}"#,
        seq % 250
    )
}

fn checkpoint_row(seq: i64, hash: &[u8], keys: &AuditKeys) -> AuditCheckpointRow {
    AuditCheckpointRow {
        seq,
        hash: hash.to_vec(),
        time: seq * 10,
        signature: keys.sign(&chain::checkpoint_message(seq, hash, seq * 10)),
    }
}

/// A log of `EVENTS` events ending in a checkpoint, and that checkpoint.
fn build() -> (Vec<String>, ExportedCheckpoint) {
    let keys = keys();
    let mut lines = vec![header_line(&keys.public_key())];
    let mut prev = GENESIS.to_vec();
    let mut last = None;
    for seq in 1..=EVENTS {
        let row = event_row(seq, &prev, record(seq), &keys);
        lines.push(event_line(&row));
        if seq % CHECKPOINT_EVERY == 0 || seq == EVENTS {
            let cp = checkpoint_row(seq, &row.hash, &keys);
            lines.push(checkpoint_line(&cp));
            last = Some(cp);
        }
        prev = row.hash;
    }
    let last = last.expect("a checkpoint");
    let trusted = ExportedCheckpoint {
        seq: last.seq,
        hash: hex::encode(&last.hash),
        time: last.time,
        signature: hex::encode(&last.signature),
    };
    (lines, trusted)
}

fn check(lines: &[String], trusted: Option<&ExportedCheckpoint>) -> Result<Report, Problem> {
    verify(lines.join("\n").as_bytes(), &keys().public_key(), trusted)
}

fn event_lines(lines: &[String]) -> Vec<usize> {
    (0..lines.len())
        .filter(|&i| lines[i].starts_with(r#"{"seq""#))
        .collect()
}

#[test]
fn an_untouched_log_verifies() {
    let (lines, trusted) = build();
    let report = check(&lines, Some(&trusted)).expect("sound");
    assert_eq!(report.events, EVENTS as u64);
    assert_eq!(report.last_checkpoint, Some(EVENTS));
    assert_eq!(report.unsigned_tail, 0);
    // Without the trusted checkpoint too.
    check(&lines, None).expect("sound");
}

#[test]
fn a_thousand_single_record_tamperings_are_all_detected() {
    let (original, trusted) = build();
    let events = event_lines(&original);
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut kinds = [0usize; 5];
    for round in 0..1000 {
        let mut lines = original.clone();
        let kind = round % 5;
        kinds[kind] += 1;
        let at = events[rng.below(events.len())];
        match kind {
            // Edit an event's content.
            0 => {
                let n = at as i64;
                lines[at] = lines[at].replacen(r#""n":"#, &format!(r#""n":{}"#, n + 7), 1);
            }
            // Drop an event.
            1 => {
                lines.remove(at);
            }
            // Swap two events.
            2 => {
                let other = loop {
                    let o = events[rng.below(events.len())];
                    if o != at {
                        break o;
                    }
                };
                lines.swap(at, other);
            }
            // Insert a copy of an event elsewhere.
            3 => {
                let copy = lines[at].clone();
                let to = events[rng.below(events.len())];
                lines.insert(to, copy);
            }
            // Rewrite an event and re-chain everything after it, as an
            // attacker with the database but without the keys would.
            _ => {
                let keys = AuditKeys::from_seed(&[1u8; 32]);
                let seq_at: i64 = serde_json::from_str::<ExportedEvent>(&lines[at])
                    .unwrap()
                    .seq;
                let mut prev = hex::decode(
                    serde_json::from_str::<ExportedEvent>(&lines[at])
                        .unwrap()
                        .prev_hash,
                )
                .unwrap();
                for (i, line) in lines.clone().iter().enumerate().skip(at) {
                    if let Ok(e) = serde_json::from_str::<ExportedEvent>(line) {
                        let content = if e.seq == seq_at {
                            record(e.seq + 1000)
                        } else {
                            e.event.get().to_string()
                        };
                        let row = event_row(e.seq, &prev, content, &keys);
                        lines[i] = event_line(&row);
                        prev = row.hash;
                    }
                }
            }
        }
        assert!(
            check(&lines, Some(&trusted)).is_err(),
            "round {round} (kind {kind}, line {at}) went undetected"
        );
    }
    assert!(kinds.iter().all(|&k| k == 200), "{kinds:?}");
}

#[test]
fn problems_are_named() {
    let (lines, trusted) = build();
    let mut edited = lines.clone();
    edited[5] = edited[5].replacen(r#""n":"#, r#""n":9"#, 1);
    assert!(matches!(check(&edited, None), Err(Problem::Edited { .. })));

    let mut dropped = lines.clone();
    dropped.remove(5);
    assert!(matches!(
        check(&dropped, None),
        Err(Problem::Dropped { .. })
    ));

    let mut swapped = lines.clone();
    swapped.swap(5, 6);
    assert!(matches!(
        check(&swapped, None),
        Err(Problem::Dropped { .. })
    ));
    let mut duplicated = lines.clone();
    duplicated.insert(6, lines[5].clone());
    assert!(matches!(
        check(&duplicated, None),
        Err(Problem::OutOfOrder { .. })
    ));

    // Cut after the first checkpoint: sound on its own, truncated against
    // the checkpoint the auditor kept.
    let cut: Vec<String> = lines[..=(CHECKPOINT_EVERY as usize + 1)].to_vec();
    let report = check(&cut, None).expect("a prefix is a sound log");
    assert_eq!(report.last_checkpoint, Some(CHECKPOINT_EVERY));
    assert!(matches!(
        check(&cut, Some(&trusted)),
        Err(Problem::Truncated { .. })
    ));

    // A log that starts mid-chain without its anchor.
    let mut restarted = vec![lines[0].clone()];
    restarted.extend_from_slice(&lines[10..]);
    assert!(matches!(
        check(&restarted, None),
        Err(Problem::NoAnchor { .. })
    ));

    // A signature from another key.
    let other = AuditKeys::from_seed(&[9u8; 32]);
    assert!(matches!(
        verify(lines.join("\n").as_bytes(), &other.public_key(), None),
        Err(Problem::BadSignature { .. })
    ));
}

#[test]
fn a_pruned_log_continues_from_its_anchor_checkpoint() {
    let (lines, trusted) = build();
    // Keep the header, then the checkpoint at 25 and everything after.
    let anchor = lines
        .iter()
        .position(
            |l| matches!(ExportLine::parse(l), Some(ExportLine::Checkpoint(c)) if c.seq == 25),
        )
        .unwrap();
    let mut pruned = vec![lines[0].clone()];
    pruned.extend_from_slice(&lines[anchor..]);
    let report = check(&pruned, Some(&trusted)).expect("sound");
    assert_eq!(report.first_seq, Some(26));
}
