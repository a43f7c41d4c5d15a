//! AES-256-GCM with a random nonce, the one cipher Tresor uses.
//!
//! Sealed form: `nonce (12) ‖ ciphertext ‖ tag (16)`. Callers pass AAD that
//! binds the ciphertext to its place and purpose; every format and version
//! byte the caller relies on must be inside that AAD.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

pub const KEY_LEN: usize = 32;
pub const OVERHEAD: usize = NONCE_LEN + 16;

/// Why a ciphertext did not open. Deliberately says nothing more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the ciphertext failed authentication")]
pub struct OpenError;

pub fn key(bytes: &[u8]) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, bytes).expect("a 32-byte AES-256 key"))
}

pub fn random_bytes<const N: usize>() -> Zeroizing<[u8; N]> {
    let mut bytes = Zeroizing::new([0u8; N]);
    SystemRandom::new()
        .fill(&mut *bytes)
        .expect("the system RNG does not fail");
    bytes
}

pub fn seal(key: &LessSafeKey, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let nonce_bytes = random_bytes::<NONCE_LEN>();
    let mut out = Vec::with_capacity(plaintext.len() + OVERHEAD);
    out.extend_from_slice(&*nonce_bytes);
    out.extend_from_slice(plaintext);
    let nonce = Nonce::assume_unique_for_key(*nonce_bytes);
    let tag = key
        .seal_in_place_separate_tag(nonce, Aad::from(aad), &mut out[NONCE_LEN..])
        .expect("sealing with a valid key does not fail");
    out.extend_from_slice(tag.as_ref());
    out
}

pub fn open(key: &LessSafeKey, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, OpenError> {
    if sealed.len() < OVERHEAD {
        return Err(OpenError);
    }
    let nonce = Nonce::try_assume_unique_for_key(&sealed[..NONCE_LEN]).map_err(|_| OpenError)?;
    let mut buf = Zeroizing::new(sealed[NONCE_LEN..].to_vec());
    let len = key
        .open_in_place(nonce, Aad::from(aad), &mut buf)
        .map_err(|_| OpenError)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

/// Appends `bytes` with a 4-byte length prefix, so that concatenated AAD
/// fields can never be confused with each other.
pub fn push_field(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_aad_binding() {
        let k = key(&*random_bytes::<KEY_LEN>());
        let sealed = seal(&k, b"place", b"secret");
        assert_eq!(&*open(&k, b"place", &sealed).unwrap(), b"secret");
        assert_eq!(open(&k, b"elsewhere", &sealed), Err(OpenError));
        let mut tampered = sealed.clone();
        tampered[NONCE_LEN] ^= 1;
        assert_eq!(open(&k, b"place", &tampered), Err(OpenError));
        assert_eq!(open(&k, b"place", &sealed[..10]), Err(OpenError));
    }

    #[test]
    fn nonces_differ() {
        let k = key(&*random_bytes::<KEY_LEN>());
        assert_ne!(seal(&k, b"", b"x"), seal(&k, b"", b"x"));
    }

    #[test]
    fn length_prefixes_separate_fields() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        push_field(&mut a, b"ab");
        push_field(&mut a, b"c");
        push_field(&mut b, b"a");
        push_field(&mut b, b"bc");
        assert_ne!(a, b);
    }
}
