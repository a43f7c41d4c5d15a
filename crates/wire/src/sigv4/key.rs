//! The SigV4 signing key: `HMAC("AWS4" + secret, date)` → region → service
//! → `aws4_request`, and the HMAC of a string to sign under it.
//!
//! Owns key material handling for SigV4: intermediate keys and the
//! `AWS4<secret>` buffer are zeroized, the derived key is zeroized on drop
//! and never printed. Caching derived keys (S18) is the caller's business;
//! `SigningKey` is `Clone` so it can be cached.

use std::fmt;

use aws_lc_rs::hmac;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::TERMINATOR;

/// `kSigning`: 32 bytes, valid for one (secret, date, region, service).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SigningKey([u8; 32]);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Zeroizing<[u8; 32]> {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data);
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(tag.as_ref());
    out
}

/// Derives the signing key for one day, region and service.
pub fn signing_key(
    secret_access_key: &[u8],
    date: &str,
    region: &str,
    service: &str,
) -> SigningKey {
    let mut k_secret = Zeroizing::new(Vec::with_capacity(4 + secret_access_key.len()));
    k_secret.extend_from_slice(b"AWS4");
    k_secret.extend_from_slice(secret_access_key);
    let k_date = hmac_sha256(&k_secret, date.as_bytes());
    let k_region = hmac_sha256(&*k_date, region.as_bytes());
    let k_service = hmac_sha256(&*k_region, service.as_bytes());
    let k_signing = hmac_sha256(&*k_service, TERMINATOR.as_bytes());
    SigningKey(*k_signing)
}

impl SigningKey {
    /// The signature of `string_to_sign`, as 64 lowercase hex digits.
    pub fn sign(&self, string_to_sign: &str) -> String {
        hex::encode(hmac_sha256(&self.0, string_to_sign.as_bytes()).as_slice())
    }

    /// Whether `signature` is the HMAC of `string_to_sign`, compared in
    /// constant time by aws-lc (S15).
    pub(crate) fn verifies(&self, string_to_sign: &str, signature: &[u8; 32]) -> bool {
        let key = hmac::Key::new(hmac::HMAC_SHA256, &self.0);
        hmac::verify(&key, string_to_sign.as_bytes(), signature).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // AWS's documented example: secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
    // 20150830/us-east-1/iam; the derived key is published in the SigV4 docs.
    #[test]
    fn derives_the_documented_key() {
        let key = signing_key(
            b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830",
            "us-east-1",
            "iam",
        );
        assert_eq!(
            hex::encode(key.0),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
        );
    }

    #[test]
    fn verifies_only_its_own_signature() {
        let key = signing_key(b"secret", "20150830", "us-east-1", "service");
        let sig = key.sign("string to sign");
        let mut raw = [0u8; 32];
        hex::decode_to_slice(&sig, &mut raw).unwrap();
        assert!(key.verifies("string to sign", &raw));
        assert!(!key.verifies("string to sigN", &raw));
        raw[31] ^= 1;
        assert!(!key.verifies("string to sign", &raw));
        let other = signing_key(b"secret", "20150831", "us-east-1", "service");
        raw[31] ^= 1;
        assert!(!other.verifies("string to sign", &raw));
    }

    #[test]
    fn debug_is_redacted() {
        let key = signing_key(b"secret", "20150830", "us-east-1", "service");
        let shown = format!("{key:?}");
        assert_eq!(shown, "SigningKey(<redacted>)");
        assert!(!shown.contains(&hex::encode(key.0)));
    }
}
