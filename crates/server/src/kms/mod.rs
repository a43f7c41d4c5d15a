//! Keys: the root key, KMS keys, and envelope encryption.
//!
//! The only module that touches key material or secret values in clear on
//! their way to and from the store.

mod aead;
mod audit_keys;
mod hkdf;
mod keyring;
mod root_key;
pub mod root_seal;
pub mod seal;

pub use audit_keys::{AUDIT_SEED_META_KEY, AuditKeys};
pub use keyring::{
    EncryptionContext, Keyring, KmsError, MANAGER_AWS, MANAGER_CUSTOMER, STATE_DISABLED,
    STATE_ENABLED, STATE_PENDING_DELETION, secret_context,
};
pub use root_key::RootKey;
