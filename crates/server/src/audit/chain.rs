//! The integrity scheme, as pure functions: what is hashed, chained and
//! signed. `trail` applies it when appending; `verify` checks it offline.
//!
//! * `hash(n) = SHA-256("tresor-audit-event-v1" ‖ seq(n) ‖ hash(n-1) ‖ record(n))`
//!   with `hash(0)` = 32 zero bytes and `seq` as 8 big-endian bytes. Editing,
//!   dropping, inserting or reordering a record breaks every later link.
//! * Each event also carries `HMAC-SHA256(chain key, hash(n))`, checkable
//!   only by the unsealed server: a writer of the database cannot rebuild a
//!   consistent chain after an edit.
//! * A checkpoint signs `"tresor-audit-checkpoint-v1" ‖ seq ‖ hash(seq) ‖
//!   time` with Ed25519. Anyone with the public key can check that the log
//!   up to `seq` is the one the server wrote; records after the newest
//!   checkpoint a verifier trusts can be cut off undetected, which is why
//!   checkpoints come at a bounded interval (`CHECKPOINT_EVERY`,
//!   `CHECKPOINT_AFTER_MS`).

use aws_lc_rs::digest::{Context, SHA256};
use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};

/// The hash before the first event.
pub const GENESIS: [u8; 32] = [0u8; 32];

/// A checkpoint at least every this many events…
pub const CHECKPOINT_EVERY: i64 = 1000;
/// …and at least this often while events are being written.
pub const CHECKPOINT_AFTER_MS: i64 = 60_000;

const EVENT_DOMAIN: &[u8] = b"tresor-audit-event-v1";
const CHECKPOINT_DOMAIN: &[u8] = b"tresor-audit-checkpoint-v1";

/// The chain hash of the event at `seq` following `prev`.
pub fn event_hash(seq: i64, prev: &[u8], record: &[u8]) -> [u8; 32] {
    let mut ctx = Context::new(&SHA256);
    ctx.update(EVENT_DOMAIN);
    ctx.update(&seq.to_be_bytes());
    ctx.update(prev);
    ctx.update(record);
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// The message a checkpoint's signature covers.
pub fn checkpoint_message(seq: i64, hash: &[u8], time_ms: i64) -> Vec<u8> {
    let mut message = CHECKPOINT_DOMAIN.to_vec();
    message.extend_from_slice(&seq.to_be_bytes());
    message.extend_from_slice(hash);
    message.extend_from_slice(&time_ms.to_be_bytes());
    message
}

/// Whether `signature` is the server's signature of that checkpoint.
pub fn checkpoint_signed(
    public_key: &[u8],
    seq: i64,
    hash: &[u8],
    time_ms: i64,
    signature: &[u8],
) -> bool {
    UnparsedPublicKey::new(&ED25519, public_key)
        .verify(&checkpoint_message(seq, hash, time_ms), signature)
        .is_ok()
}

/// Whether a checkpoint is due after the event at `seq`, given the last
/// checkpoint `(seq, time)`.
pub fn checkpoint_due(seq: i64, now_ms: i64, last: Option<(i64, i64)>) -> bool {
    match last {
        None => true,
        Some((last_seq, last_time)) => {
            seq - last_seq >= CHECKPOINT_EVERY || now_ms - last_time >= CHECKPOINT_AFTER_MS
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kms::AuditKeys;

    #[test]
    fn every_input_of_the_hash_matters() {
        let base = event_hash(1, &GENESIS, b"{}");
        assert_ne!(base, event_hash(2, &GENESIS, b"{}"));
        assert_ne!(base, event_hash(1, &[1u8; 32], b"{}"));
        assert_ne!(base, event_hash(1, &GENESIS, b"{ }"));
        assert_eq!(base, event_hash(1, &GENESIS, b"{}"));
    }

    #[test]
    fn checkpoints_verify_with_the_public_key_only() {
        let keys = AuditKeys::from_seed(&[7u8; 32]);
        let hash = event_hash(5, &GENESIS, b"x");
        let signature = keys.sign(&checkpoint_message(5, &hash, 1000));
        let public = keys.public_key();
        assert!(checkpoint_signed(&public, 5, &hash, 1000, &signature));
        assert!(!checkpoint_signed(&public, 6, &hash, 1000, &signature));
        assert!(!checkpoint_signed(&public, 5, &hash, 1001, &signature));
        assert!(!checkpoint_signed(&public, 5, &GENESIS, 1000, &signature));
        let other = AuditKeys::from_seed(&[8u8; 32]).public_key();
        assert!(!checkpoint_signed(&other, 5, &hash, 1000, &signature));
    }

    #[test]
    fn checkpoints_come_by_count_or_by_time() {
        assert!(checkpoint_due(1, 0, None));
        assert!(!checkpoint_due(10, 1_000, Some((1, 0))));
        assert!(checkpoint_due(1001, 1_000, Some((1, 0))));
        assert!(checkpoint_due(2, 60_000, Some((1, 0))));
    }
}
