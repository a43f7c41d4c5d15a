//! The seal key S wrapped by an AES-256 key that never leaves a PKCS#11
//! token (an HSM, or SoftHSM2 in tests).
//!
//! The HSM key is created once by [`Pkcs11Seal::ensure_key`] with
//! `CKA_TOKEN`, `CKA_PRIVATE`, `CKA_SENSITIVE`, not `CKA_EXTRACTABLE`, and
//! only `CKA_ENCRYPT`/`CKA_DECRYPT` allowed. [`Pkcs11Seal::wrap`] encrypts
//! S with `CKM_AES_GCM` inside the token:
//!
//! ```text
//! wrapped = version (1) ‖ iv (12) ‖ ciphertext (32) ‖ tag (16)     61 bytes
//! AAD     = "tresor/v1/pkcs11-seal-key" ‖ version
//! ```
//!
//! The IV comes from aws-lc-rs's system RNG; a random 96-bit IV is safe for
//! the handful of wraps a seal key ever sees.
//!
//! # Process-wide state, as PKCS#11 has it
//!
//! * A module may be `C_Initialize`d once per process, so loaded modules are
//!   kept in a process-wide table for the life of the process (never
//!   finalized); opening another seal on the same module reuses it.
//! * Modules read their configuration when initialised — SoftHSM2 reads the
//!   `SOFTHSM2_CONF` environment variable (default
//!   `/etc/softhsm/softhsm2.conf`) — so that must be set before the first
//!   [`Pkcs11Seal::open`] of the process.
//! * Login is per token per process, not per session. A second
//!   [`Pkcs11Seal`] on a token this process is already logged in to is
//!   refused ([`SealError::AlreadyLoggedIn`]) rather than let through without
//!   its PIN being checked; keep one `Pkcs11Seal` per token.
//!
//! `Pkcs11Seal` is `Send + Sync`: its one session sits behind a mutex, and the
//! module is initialised with `CKF_OS_LOCKING_OK`.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::object::{Attribute, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::{AuthPin, Ulong};
use zeroize::Zeroizing;

use super::{SEAL_KEY_LEN, SealError};
use crate::kms::aead::random_bytes;

const VERSION: u8 = 1;
const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;
const WRAPPED_LEN: usize = 1 + IV_LEN + SEAL_KEY_LEN + TAG_LEN;
const AAD_LABEL: &[u8] = b"tresor/v1/pkcs11-seal-key";
/// PKCS#11 3.0 `CKR_AEAD_DECRYPT_FAILED`.
const CKR_AEAD_DECRYPT_FAILED: u64 = 0x42;

/// Where the HSM key lives and how to reach it.
pub struct Pkcs11Config {
    /// The vendor's PKCS#11 module, e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    pub module: PathBuf,
    pub token_label: String,
    /// The user PIN of the token.
    pub pin: Zeroizing<String>,
    /// `CKA_LABEL` of the AES key that wraps S.
    pub key_label: String,
}

impl fmt::Debug for Pkcs11Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Config")
            .field("module", &self.module)
            .field("token_label", &self.token_label)
            .field("pin", &"<redacted>")
            .field("key_label", &self.key_label)
            .finish()
    }
}

/// A logged-in session on the token that holds the wrapping key.
pub struct Pkcs11Seal {
    session: Mutex<Session>,
    token_label: String,
    key_label: String,
}

impl fmt::Debug for Pkcs11Seal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Seal")
            .field("token_label", &self.token_label)
            .field("key_label", &self.key_label)
            .finish_non_exhaustive()
    }
}

fn call(op: &'static str) -> impl Fn(CkError) -> SealError {
    move |source| SealError::Pkcs11 { op, source }
}

/// The process's one initialised context for `module`.
fn context(module: &Path) -> Result<Pkcs11, SealError> {
    static CONTEXTS: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let fail = |source| SealError::Pkcs11Module {
        module: module.to_path_buf(),
        source,
    };
    // The same library under two names (a symlink) is one library.
    let canonical = std::fs::canonicalize(module).unwrap_or_else(|_| module.to_path_buf());
    let mut contexts = CONTEXTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(context) = contexts.get(&canonical) {
        return Ok(context.clone());
    }
    let context = Pkcs11::new(&canonical).map_err(fail)?;
    match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        // Someone else in this process initialised it; it stays usable.
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(fail(e)),
    }
    contexts.insert(canonical, context.clone());
    Ok(context)
}

impl Pkcs11Seal {
    /// Loads the module, finds the token with this label and logs in.
    pub fn open(config: &Pkcs11Config) -> Result<Self, SealError> {
        let context = context(&config.module)?;
        let label = config.token_label.as_str();
        let mut matching = Vec::new();
        let mut present = Vec::new();
        for slot in context
            .get_slots_with_token()
            .map_err(call("C_GetSlotList"))?
        {
            let info = context
                .get_token_info(slot)
                .map_err(call("C_GetTokenInfo"))?;
            if !info.token_initialized() {
                continue;
            }
            if info.label() == label {
                matching.push(slot);
            }
            present.push(format!("'{}'", info.label()));
        }
        let slot = match matching[..] {
            [slot] => slot,
            [] => {
                return Err(SealError::TokenNotFound {
                    label: label.to_string(),
                    present: if present.is_empty() {
                        "none".to_string()
                    } else {
                        present.join(", ")
                    },
                });
            }
            _ => {
                return Err(SealError::TokenAmbiguous {
                    label: label.to_string(),
                    count: matching.len(),
                });
            }
        };
        let session = context
            .open_rw_session(slot)
            .map_err(call("C_OpenSession"))?;
        let pin = AuthPin::from(config.pin.as_str());
        let token = || label.to_string();
        match session.login(UserType::User, Some(&pin)) {
            Ok(()) => {}
            Err(CkError::Pkcs11(
                RvError::PinIncorrect | RvError::PinInvalid | RvError::PinLenRange,
                _,
            )) => return Err(SealError::PinIncorrect { label: token() }),
            Err(CkError::Pkcs11(RvError::PinLocked, _)) => {
                return Err(SealError::PinLocked { label: token() });
            }
            Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {
                return Err(SealError::AlreadyLoggedIn { label: token() });
            }
            Err(e) => return Err(call("C_Login")(e)),
        }
        Ok(Pkcs11Seal {
            session: Mutex::new(session),
            token_label: config.token_label.clone(),
            key_label: config.key_label.clone(),
        })
    }

    fn session(&self) -> MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn find_keys(&self, session: &Session) -> Result<Vec<ObjectHandle>, SealError> {
        session
            .find_objects(&[
                Attribute::Token(true),
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
                Attribute::Label(self.key_label.as_bytes().to_vec()),
            ])
            .map_err(call("C_FindObjects"))
    }

    /// The one key labelled `key_label`.
    fn key(&self, session: &Session) -> Result<ObjectHandle, SealError> {
        match self.find_keys(session)?[..] {
            [key] => Ok(key),
            [] => Err(SealError::HsmKeyNotFound {
                label: self.key_label.clone(),
            }),
            ref keys => Err(SealError::HsmKeyAmbiguous {
                label: self.key_label.clone(),
                count: keys.len(),
            }),
        }
    }

    /// Creates the AES-256 wrapping key unless a key with this label exists;
    /// returns whether it created one. Two processes racing here can create
    /// two keys, which every later call then reports as ambiguous: run
    /// `operator init` once.
    pub fn ensure_key(&self) -> Result<bool, SealError> {
        let session = self.session();
        match self.key(&session) {
            Ok(_) => return Ok(false),
            Err(SealError::HsmKeyNotFound { .. }) => {}
            Err(e) => return Err(e),
        }
        session
            .generate_key(
                &Mechanism::AesKeyGen,
                &[
                    Attribute::Token(true),
                    Attribute::Private(true),
                    Attribute::Sensitive(true),
                    Attribute::Extractable(false),
                    Attribute::Encrypt(true),
                    Attribute::Decrypt(true),
                    Attribute::Wrap(false),
                    Attribute::Unwrap(false),
                    Attribute::Sign(false),
                    Attribute::Verify(false),
                    Attribute::Derive(false),
                    Attribute::ValueLen(ulong(SEAL_KEY_LEN)),
                    Attribute::Label(self.key_label.as_bytes().to_vec()),
                ],
            )
            .map_err(call("C_GenerateKey"))?;
        self.key(&session)?;
        Ok(true)
    }

    /// Encrypts S under the HSM key; the result is safe to store anywhere.
    pub fn wrap(&self, secret: &[u8; SEAL_KEY_LEN]) -> Result<Vec<u8>, SealError> {
        let session = self.session();
        let key = self.key(&session)?;
        let mut iv = *random_bytes::<IV_LEN>();
        let aad = aad();
        let sealed = {
            let params =
                GcmParams::new(&mut iv, &aad, ulong(TAG_LEN * 8)).map_err(call("C_EncryptInit"))?;
            session
                .encrypt(&Mechanism::AesGcm(params), key, secret)
                .map_err(call("C_Encrypt"))?
        };
        if sealed.len() != SEAL_KEY_LEN + TAG_LEN {
            return Err(call("C_Encrypt")(CkError::InvalidValue));
        }
        let mut out = Vec::with_capacity(WRAPPED_LEN);
        out.push(VERSION);
        out.extend_from_slice(&iv);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts what [`wrap`](Self::wrap) produced, inside the HSM.
    pub fn unwrap(&self, wrapped: &[u8]) -> Result<Zeroizing<[u8; SEAL_KEY_LEN]>, SealError> {
        if wrapped.len() != WRAPPED_LEN || wrapped[0] != VERSION {
            return Err(SealError::WrappedMalformed);
        }
        let mut iv = [0u8; IV_LEN];
        iv.copy_from_slice(&wrapped[1..1 + IV_LEN]);
        let aad = aad();
        let session = self.session();
        let key = self.key(&session)?;
        let params =
            GcmParams::new(&mut iv, &aad, ulong(TAG_LEN * 8)).map_err(call("C_DecryptInit"))?;
        let plain = match session.decrypt(&Mechanism::AesGcm(params), key, &wrapped[1 + IV_LEN..]) {
            Ok(plain) => Zeroizing::new(plain),
            // How a failed tag is reported: 2.40 says ENCRYPTED_DATA_INVALID,
            // 3.0 adds AEAD_DECRYPT_FAILED (cryptoki 0.12 has no name for
            // it), SoftHSM 2.6 answers GENERAL_ERROR.
            Err(CkError::Pkcs11(
                RvError::EncryptedDataInvalid
                | RvError::EncryptedDataLenRange
                | RvError::UnknownErrorCode(CKR_AEAD_DECRYPT_FAILED)
                | RvError::GeneralError,
                _,
            )) => return Err(SealError::WrappedRejected),
            Err(e) => return Err(call("C_Decrypt")(e)),
        };
        let mut out = Zeroizing::new([0u8; SEAL_KEY_LEN]);
        if plain.len() != SEAL_KEY_LEN {
            return Err(SealError::WrappedRejected);
        }
        out.copy_from_slice(&plain);
        Ok(out)
    }
}

fn ulong(n: usize) -> Ulong {
    Ulong::try_from(n).expect("small constants fit in CK_ULONG")
}

fn aad() -> Vec<u8> {
    let mut aad = AAD_LABEL.to_vec();
    aad.push(VERSION);
    aad
}

#[cfg(test)]
#[path = "pkcs11_tests.rs"]
mod tests;
