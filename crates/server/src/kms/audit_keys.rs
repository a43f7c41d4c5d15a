//! The audit trail's keys: one random seed, stored wrapped under the root
//! key, from which HKDF derives three keys with one job each.
//!
//! * the chain MAC key — an HMAC-SHA256 over each event's hash, so that
//!   whoever can write the database but not unseal Tresor cannot forge a
//!   consistent chain;
//! * the field HMAC key — for request members classified `hmac` (tokens an
//!   auditor may want to match without the log revealing them);
//! * the checkpoint signing key — Ed25519; its public half is exported so a
//!   log can be verified offline, without any secret.
//!
//! The seed outlives root key rotations (it is re-wrapped, not replaced), so
//! old records stay verifiable.

use aws_lc_rs::hmac;
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use zeroize::Zeroizing;

use super::aead::{KEY_LEN, random_bytes};
use super::hkdf::derive_key;

/// Where the wrapped seed lives in the store's `meta` table.
pub const AUDIT_SEED_META_KEY: &str = "audit_seed";

/// A fresh seed for a new data directory.
pub fn new_audit_seed() -> Zeroizing<[u8; KEY_LEN]> {
    random_bytes::<KEY_LEN>()
}

pub struct AuditKeys {
    chain_mac: hmac::Key,
    field_hmac: hmac::Key,
    signer: Ed25519KeyPair,
}

impl std::fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKeys(<redacted>)")
    }
}

fn derive(seed: &[u8], label: &[u8]) -> Zeroizing<[u8; KEY_LEN]> {
    derive_key(b"tresor-audit-seed", seed, label)
}

impl AuditKeys {
    pub fn from_seed(seed: &[u8]) -> AuditKeys {
        let chain = derive(seed, b"tresor/v1/audit-chain-mac");
        let field = derive(seed, b"tresor/v1/audit-field-hmac");
        let signing = derive(seed, b"tresor/v1/audit-checkpoint-ed25519");
        AuditKeys {
            chain_mac: hmac::Key::new(hmac::HMAC_SHA256, &*chain),
            field_hmac: hmac::Key::new(hmac::HMAC_SHA256, &*field),
            signer: Ed25519KeyPair::from_seed_unchecked(&*signing)
                .expect("any 32 bytes are an Ed25519 seed"),
        }
    }

    /// The MAC stored beside an event's hash.
    pub fn chain_mac(&self, hash: &[u8]) -> Vec<u8> {
        hmac::sign(&self.chain_mac, hash).as_ref().to_vec()
    }

    /// Whether `mac` is the MAC of `hash` (constant time).
    pub fn verify_chain_mac(&self, hash: &[u8], mac: &[u8]) -> bool {
        hmac::verify(&self.chain_mac, hash, mac).is_ok()
    }

    /// How a member classified `hmac` is recorded.
    pub fn field_hmac(&self, value: &[u8]) -> String {
        format!(
            "hmac-sha256:{}",
            hex::encode(hmac::sign(&self.field_hmac, value))
        )
    }

    /// An Ed25519 signature.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.signer.sign(message).as_ref().to_vec()
    }

    /// The raw 32-byte Ed25519 public key checkpoints verify against.
    pub fn public_key(&self) -> Vec<u8> {
        self.signer.public_key().as_ref().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_deterministic_per_seed_and_distinct_per_job() {
        let seed = new_audit_seed();
        let a = AuditKeys::from_seed(&*seed);
        let b = AuditKeys::from_seed(&*seed);
        assert_eq!(a.public_key(), b.public_key());
        assert_eq!(a.chain_mac(b"h"), b.chain_mac(b"h"));
        assert!(a.verify_chain_mac(b"h", &b.chain_mac(b"h")));
        assert!(!a.verify_chain_mac(b"g", &b.chain_mac(b"h")));
        assert_ne!(
            a.field_hmac(b"h"),
            format!("hmac-sha256:{}", hex::encode(a.chain_mac(b"h")))
        );
        let other = AuditKeys::from_seed(&*new_audit_seed());
        assert_ne!(a.public_key(), other.public_key());
        assert!(!format!("{a:?}").contains(&hex::encode(*seed)));
    }
}
