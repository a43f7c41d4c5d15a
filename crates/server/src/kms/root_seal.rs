//! How the root key is protected at rest: the seal record and sealers.
//!
//! The root key R is stored only wrapped. The store's `root_seal` record
//! says how: by a 32-byte seal key S (AES-256-GCM, in modes `file` — S in
//! `<data-dir>/seal.key` —, `shamir` — S split into shares —, `env` and
//! `static` — S supplied by an orchestrator), or by a key inside an HSM
//! (`pkcs11`). Changing the seal re-wraps R; changing R (rotate-root)
//! re-wraps what R protects and then R under the same seal.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::aead::{self, KEY_LEN};
use super::root_key::RootKey;
use super::seal::pkcs11::Pkcs11Seal;

/// The store's meta key for the seal record.
pub const SEAL_RECORD_KEY: &str = "root_seal";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SealKind {
    File,
    Shamir,
    Env,
    Static,
    Pkcs11,
}

impl SealKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SealKind::File => "file",
            SealKind::Shamir => "shamir",
            SealKind::Env => "env",
            SealKind::Static => "static",
            SealKind::Pkcs11 => "pkcs11",
        }
    }

    pub fn parse(s: &str) -> Option<SealKind> {
        [
            SealKind::File,
            SealKind::Shamir,
            SealKind::Env,
            SealKind::Static,
            SealKind::Pkcs11,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

impl std::fmt::Display for SealKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Shamir parameters kept with the record (never the shares).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShamirParams {
    pub shares: u8,
    pub threshold: u8,
    pub set_id: String,
}

/// What the store keeps about the root key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealRecord {
    pub version: u32,
    pub kind: SealKind,
    /// Base64 of the wrapped root key.
    pub wrapped_root: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shamir: Option<ShamirParams>,
}

impl SealRecord {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a seal record serialises")
    }

    pub fn from_json(text: &str) -> Result<SealRecord, String> {
        serde_json::from_str(text).map_err(|e| format!("the seal record is unreadable: {e}"))
    }

    pub fn wrapped(&self) -> Result<Vec<u8>, String> {
        STANDARD
            .decode(&self.wrapped_root)
            .map_err(|_| "the seal record's wrapped root key is not base64".to_string())
    }
}

/// Why the root key could not be unsealed.
#[derive(Debug, thiserror::Error)]
pub enum UnsealError {
    /// The seal key or HSM key is not the one this data directory was
    /// sealed with (or the record was altered).
    #[error("the seal key does not unseal this data directory")]
    WrongKey,
    #[error("{0}")]
    Seal(String),
}

/// Something that wraps and unwraps the root key.
pub enum Sealer {
    /// A 32-byte seal key (file, shamir, env, static).
    Key(SealKind, Zeroizing<[u8; KEY_LEN]>),
    /// A key inside an HSM.
    Hsm(Pkcs11Seal),
}

fn root_aad(kind: SealKind) -> Vec<u8> {
    let mut aad = b"tresor/v1/root-key".to_vec();
    aead::push_field(&mut aad, kind.as_str().as_bytes());
    aad
}

impl Sealer {
    pub fn kind(&self) -> SealKind {
        match self {
            Sealer::Key(kind, _) => *kind,
            Sealer::Hsm(_) => SealKind::Pkcs11,
        }
    }

    pub fn wrap(&self, root: &RootKey) -> Result<Vec<u8>, UnsealError> {
        match self {
            Sealer::Key(kind, key) => Ok(aead::seal(
                &aead::key(&**key),
                &root_aad(*kind),
                root.bytes(),
            )),
            Sealer::Hsm(hsm) => hsm
                .wrap(root.bytes())
                .map_err(|e| UnsealError::Seal(e.to_string())),
        }
    }

    pub fn unwrap(&self, wrapped: &[u8]) -> Result<RootKey, UnsealError> {
        let bytes: Zeroizing<[u8; KEY_LEN]> = match self {
            Sealer::Key(kind, key) => {
                let clear = aead::open(&aead::key(&**key), &root_aad(*kind), wrapped)
                    .map_err(|_| UnsealError::WrongKey)?;
                let array: [u8; KEY_LEN] = clear
                    .as_slice()
                    .try_into()
                    .map_err(|_| UnsealError::WrongKey)?;
                Zeroizing::new(array)
            }
            Sealer::Hsm(hsm) => hsm.unwrap(wrapped).map_err(|_| UnsealError::WrongKey)?,
        };
        Ok(RootKey::from_bytes(bytes))
    }

    /// A record for `root` sealed by this sealer.
    pub fn record(
        &self,
        root: &RootKey,
        shamir: Option<ShamirParams>,
    ) -> Result<SealRecord, UnsealError> {
        Ok(SealRecord {
            version: 1,
            kind: self.kind(),
            wrapped_root: STANDARD.encode(self.wrap(root)?),
            shamir,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seal_key_unseals_only_its_own_record() {
        let root = RootKey::generate();
        let sealer = Sealer::Key(SealKind::File, aead::random_bytes::<KEY_LEN>());
        let record = sealer.record(&root, None).unwrap();
        let back = sealer.unwrap(&record.wrapped().unwrap()).unwrap();
        assert_eq!(back.bytes(), root.bytes());

        let other = Sealer::Key(SealKind::File, aead::random_bytes::<KEY_LEN>());
        assert!(matches!(
            other.unwrap(&record.wrapped().unwrap()),
            Err(UnsealError::WrongKey)
        ));

        // The kind is bound: the same key under another mode does not open it.
        let Sealer::Key(_, key) = &sealer else {
            unreachable!()
        };
        let as_env = Sealer::Key(SealKind::Env, key.clone());
        assert!(matches!(
            as_env.unwrap(&record.wrapped().unwrap()),
            Err(UnsealError::WrongKey)
        ));

        let mut tampered = record.wrapped().unwrap();
        tampered[20] ^= 1;
        assert!(matches!(
            sealer.unwrap(&tampered),
            Err(UnsealError::WrongKey)
        ));
    }

    #[test]
    fn records_round_trip_as_json() {
        let record = SealRecord {
            version: 1,
            kind: SealKind::Shamir,
            wrapped_root: "AAAA".into(),
            shamir: Some(ShamirParams {
                shares: 5,
                threshold: 3,
                set_id: "a1b2c3d4".into(),
            }),
        };
        assert_eq!(SealRecord::from_json(&record.to_json()).unwrap(), record);
        assert!(record.to_json().contains("\"shamir\""));
    }
}
