//! The root of the key hierarchy: 32 random bytes, in memory only.
//!
//! Everything Tresor encrypts hangs below the root key: KMS key material
//! and access-key secrets are wrapped under keys derived from it with
//! HKDF-SHA256, one per purpose. The root key itself is stored only sealed
//! (see `root_seal`); it can be replaced (`operator rotate-root`) by
//! re-wrapping what hangs directly below it.

use aws_lc_rs::hkdf::{HKDF_SHA256, KeyType, Salt};
use zeroize::Zeroizing;

use super::aead::{KEY_LEN, random_bytes};

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

struct Len32;

impl KeyType for Len32 {
    fn len(&self) -> usize {
        KEY_LEN
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
        let prk = Salt::new(HKDF_SHA256, b"tresor-root-key").extract(&*self.0);
        let info = [purpose.label()];
        let okm = prk
            .expand(&info, Len32)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        okm.fill(&mut *out).expect("the output length matches");
        out
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
