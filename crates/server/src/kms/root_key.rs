//! The root of the key hierarchy: 32 random bytes, in memory only.
//!
//! Everything Tresor encrypts hangs below the root key: KMS key material
//! and access-key secrets are wrapped under keys derived from it with
//! HKDF-SHA256, one per purpose. The root key itself is stored only sealed
//! (see `root_seal`); it can be replaced (`operator rotate-root`) by
//! re-wrapping what hangs directly below it.

use zeroize::Zeroizing;

use super::aead::{KEY_LEN, random_bytes};
use super::hkdf::derive_key;

pub struct RootKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for RootKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RootKey(<redacted>)")
    }
}

/// What a key derived from the root is for. Each purpose gets its own key.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    KeyMaterial,
    AccessKey,
    AuditSeed,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::KeyMaterial => b"tresor/v1/kms-key-material-wrap",
            Purpose::AccessKey => b"tresor/v1/access-key-wrap",
            Purpose::AuditSeed => b"tresor/v1/audit-seed-wrap",
        }
    }
}

impl RootKey {
    /// A new random root key.
    pub fn generate() -> RootKey {
        RootKey(random_bytes::<KEY_LEN>())
    }

    pub fn from_bytes(bytes: Zeroizing<[u8; KEY_LEN]>) -> RootKey {
        RootKey(bytes)
    }

    /// The raw key, for sealing it.
    pub(super) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// A key for one purpose: HKDF-SHA256(root, info = purpose label).
    pub fn derive(&self, purpose: Purpose) -> Zeroizing<[u8; KEY_LEN]> {
        derive_key(b"tresor-root-key", &*self.0, purpose.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_get_different_keys_and_roots_differ() {
        let key = RootKey::generate();
        assert_ne!(
            *key.derive(Purpose::AccessKey),
            *key.derive(Purpose::KeyMaterial)
        );
        assert_ne!(
            *key.derive(Purpose::AccessKey),
            *RootKey::generate().derive(Purpose::AccessKey)
        );
        let same = RootKey::from_bytes(Zeroizing::new(*key.bytes()));
        assert_eq!(
            *key.derive(Purpose::AccessKey),
            *same.derive(Purpose::AccessKey)
        );
        assert!(!format!("{key:?}").contains(&format!("{:?}", key.bytes())));
    }
}
