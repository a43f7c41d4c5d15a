//! HKDF-SHA256 to one 32-byte key: how every key with a single purpose is
//! derived from the key above it (the root key, the audit seed).

use aws_lc_rs::hkdf::{HKDF_SHA256, KeyType, Salt};
use zeroize::Zeroizing;

use super::aead::KEY_LEN;

struct Len32;

impl KeyType for Len32 {
    fn len(&self) -> usize {
        KEY_LEN
    }
}

/// HKDF-SHA256(salt, ikm, info = `label`), 32 bytes.
pub fn derive_key(salt: &[u8], ikm: &[u8], label: &[u8]) -> Zeroizing<[u8; KEY_LEN]> {
    let prk = Salt::new(HKDF_SHA256, salt).extract(ikm);
    let info = [label];
    let okm = prk
        .expand(&info, Len32)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    okm.fill(&mut *out).expect("the output length matches");
    out
}
