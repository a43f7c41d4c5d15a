//! Seal backends: where the seal key S that protects the root key comes from.
//!
//! The root key R (see `root_key.rs`) is the top of Tresor's key hierarchy.
//! In every seal mode except `file`, R is stored in the database wrapped
//! with AES-256-GCM under a 32-byte seal key S, and the server starts
//! *sealed* until S is available. This module only produces and checks S;
//! it knows nothing of HTTP, the store or server state. Whether an S is the
//! *right* one is decided by the caller, by unwrapping R with it.
//!
//! | mode       | where S comes from                                              | module        |
//! |------------|-----------------------------------------------------------------|---------------|
//! | `file`     | no S: R itself lives in `<data-dir>/root.key` (development)     | `root_key.rs` |
//! | `shamir`   | split into N operator shares; any K of them rebuild S           | [`shamir`]    |
//! | `pkcs11`   | S is wrapped by a non-extractable AES key inside an HSM token   | [`pkcs11`]    |
//! | `env`      | base64 in an environment variable set by an orchestrator        | [`external`]  |
//! | `key-file` | a private file, e.g. a systemd credential in `/run/credentials` | [`external`]  |
//!
//! Everything that holds S, a share or a PIN is zeroized on drop and has a
//! redacted `Debug`. Error messages name files, variables, tokens and share
//! numbers, never key or share bytes.

pub mod external;
pub mod pkcs11;
pub mod shamir;
#[cfg(test)]
mod test_child;

use std::path::PathBuf;

pub use external::{generate_key, key_from_env, key_from_file, key_to_base64};
pub use pkcs11::{Pkcs11Config, Pkcs11Seal};
pub use shamir::{Progress, Share, ShareSetId, Unsealer, split};

/// Length of the seal key S in bytes (AES-256).
pub const SEAL_KEY_LEN: usize = 32;

/// Why a seal could not produce or accept a key. Messages are written for
/// the operator and never contain key, share or PIN material.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    // --- Shamir -----------------------------------------------------------
    #[error("invalid share parameters: {0}")]
    ShareParameters(&'static str),
    #[error("not a valid Tresor unseal share: {0}")]
    MalformedShare(&'static str),
    #[error(
        "the share's checksum does not match: it was mistyped or damaged in copying; \
         check it against the original"
    )]
    ShareChecksum,
    #[error(
        "this share belongs to share set {got}, but this server expects shares of set {expected}"
    )]
    OtherShareSet {
        got: shamir::ShareSetId,
        expected: shamir::ShareSetId,
    },
    #[error(
        "this share was made for a threshold of {got}, but this server needs {expected} shares"
    )]
    ThresholdMismatch { got: u8, expected: u8 },
    #[error("a share with this number was already entered; each share counts once")]
    DuplicateShare,
    #[error("all {need} shares have been entered already; combine them or start over")]
    EnoughShares { need: u8 },
    #[error("{have} of {need} shares entered; {} more needed", need - have)]
    NotEnoughShares { have: u8, need: u8 },
    #[error("the shares could not be combined")]
    Combine,

    // --- env / key file ---------------------------------------------------
    #[error("seal key variable {var}: {reason}")]
    KeyEnv { var: String, reason: &'static str },
    #[error("seal key file {}: {reason}", path.display())]
    KeyFile { path: PathBuf, reason: String },

    // --- PKCS#11 ----------------------------------------------------------
    #[error("cannot load PKCS#11 module {}: {source}", module.display())]
    Pkcs11Module {
        module: PathBuf,
        source: cryptoki::error::Error,
    },
    #[error("no PKCS#11 token labelled '{label}' (tokens present: {present})")]
    TokenNotFound { label: String, present: String },
    #[error("{count} PKCS#11 tokens are labelled '{label}'; labels must be unique")]
    TokenAmbiguous { label: String, count: usize },
    #[error("the PIN for PKCS#11 token '{label}' is incorrect")]
    PinIncorrect { label: String },
    #[error(
        "PKCS#11 token '{label}' is locked after too many wrong PINs; ask its security officer"
    )]
    PinLocked { label: String },
    #[error(
        "PKCS#11 token '{label}' is already logged in by this process; \
         open one Pkcs11Seal per token"
    )]
    AlreadyLoggedIn { label: String },
    #[error("no AES key labelled '{label}' on the PKCS#11 token; run operator init first")]
    HsmKeyNotFound { label: String },
    #[error("{count} keys are labelled '{label}' on the PKCS#11 token; keep exactly one")]
    HsmKeyAmbiguous { label: String, count: usize },
    #[error("the wrapped seal key is not in a format this version of Tresor knows")]
    WrappedMalformed,
    #[error(
        "the HSM refused to unwrap the seal key: the blob is damaged or was wrapped \
         under another HSM key"
    )]
    WrappedRejected,
    #[error("PKCS#11 {op} failed: {source}")]
    Pkcs11 {
        op: &'static str,
        source: cryptoki::error::Error,
    },
}
