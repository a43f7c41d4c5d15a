//! Keys: the root key, KMS keys, and envelope encryption.
//!
//! The only module that touches key material or secret values in clear on
//! their way to and from the store.

mod aead;
mod keyring;
mod root_key;
pub mod seal;

pub use keyring::{DEFAULT_KEY_ALIAS, Keyring, KmsError};
pub use root_key::RootKey;
