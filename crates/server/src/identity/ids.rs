//! Identifiers in AWS's formats: access key ids, IAM unique ids, session
//! tokens. All from the system CSPRNG.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// `len` characters drawn uniformly from `alphabet`.
pub fn random_from(alphabet: &[u8], len: usize) -> String {
    let rng = SystemRandom::new();
    // Largest multiple of the alphabet size that fits a byte: rejecting
    // bytes above it keeps every character equally likely.
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let mut b = [0u8; 1];
        rng.fill(&mut b).expect("the system RNG does not fail");
        if (b[0] as usize) < limit {
            out.push(alphabet[b[0] as usize % alphabet.len()] as char);
        }
    }
    out
}

/// The kinds of IAM unique id, by their AWS prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    User,
    Group,
    Role,
    ManagedPolicy,
    /// A long-term access key id.
    AccessKey,
    /// A temporary (STS) access key id.
    TemporaryAccessKey,
}

impl IdKind {
    fn prefix(self) -> &'static str {
        match self {
            IdKind::User => "AIDA",
            IdKind::Group => "AGPA",
            IdKind::Role => "AROA",
            IdKind::ManagedPolicy => "ANPA",
            IdKind::AccessKey => "AKIA",
            IdKind::TemporaryAccessKey => "ASIA",
        }
    }

    /// Characters after the prefix: access keys are 20 characters long,
    /// unique ids 21.
    fn body_len(self) -> usize {
        match self {
            IdKind::AccessKey | IdKind::TemporaryAccessKey => 16,
            _ => 17,
        }
    }
}

/// A fresh id of `kind`, e.g. `AIDAJQABLZS4A3QDU576Q`.
pub fn new_id(kind: IdKind) -> String {
    format!("{}{}", kind.prefix(), random_from(BASE32, kind.body_len()))
}

/// A 40-character secret access key.
pub fn new_secret_access_key() -> String {
    random_from(BASE64, 40)
}

/// A session token: 64 random bytes, base64.
pub fn new_session_token() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 64];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system RNG does not fail");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// What the store keeps of a session token: its SHA-256.
pub fn token_hash(token: &str) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes())
        .as_ref()
        .to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_aws_ids() {
        let user = new_id(IdKind::User);
        assert!(user.starts_with("AIDA") && user.len() == 21, "{user}");
        let key = new_id(IdKind::TemporaryAccessKey);
        assert!(key.starts_with("ASIA") && key.len() == 20, "{key}");
        assert!(key.bytes().all(|b| BASE32.contains(&b)));
        assert_ne!(new_id(IdKind::Role), new_id(IdKind::Role));
        assert_eq!(new_secret_access_key().len(), 40);
        assert_eq!(new_session_token().len(), 88);
    }
}
