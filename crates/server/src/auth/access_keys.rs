//! Access keys: generation, storage (secret half wrapped under the root
//! key) and a cache of the ones in use.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::kms::Keyring;
use crate::store::{self, AccessKeyRow, Store, StoreError, WriteTxn};

/// A key pair as handed to a user, once.
#[derive(Clone)]
pub struct AccessKey {
    pub access_key_id: String,
    pub secret_access_key: Zeroizing<String>,
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKey")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

fn random_from(alphabet: &[u8], len: usize) -> String {
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

impl AccessKey {
    /// A new long-term key in AWS's format: `AKIA` + 16 characters, and a
    /// 40-character secret.
    pub fn generate() -> AccessKey {
        AccessKey {
            access_key_id: format!(
                "AKIA{}",
                random_from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
            ),
            secret_access_key: Zeroizing::new(random_from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
                40,
            )),
        }
    }
}

/// Stores `key` for `principal_arn` inside a write job.
pub fn insert(
    txn: &mut dyn WriteTxn,
    keyring: &Keyring,
    key: &AccessKey,
    principal_arn: &str,
    now: i64,
) -> Result<(), StoreError> {
    txn.insert_access_key(&AccessKeyRow {
        access_key_id: key.access_key_id.clone(),
        principal_arn: principal_arn.to_string(),
        wrapped_secret: keyring.wrap_access_secret(&key.access_key_id, &key.secret_access_key),
        created: now,
        active: true,
    })
}

/// What an access key id resolves to.
#[derive(Clone)]
pub struct KnownKey {
    pub principal_arn: String,
    pub secret: Arc<Zeroizing<Vec<u8>>>,
}

/// Active access keys by id, loaded from the store on first use.
pub struct AccessKeys {
    store: Arc<dyn Store>,
    keyring: Arc<Keyring>,
    cache: RwLock<HashMap<String, KnownKey>>,
}

impl AccessKeys {
    pub fn new(store: Arc<dyn Store>, keyring: Arc<Keyring>) -> AccessKeys {
        AccessKeys {
            store,
            keyring,
            cache: RwLock::new(HashMap::new()),
        }
    }

    /// The active key with this id, if any. Unknown ids are not cached, so
    /// guessing ids cannot grow memory.
    pub async fn lookup(&self, access_key_id: &str) -> Result<Option<KnownKey>, StoreError> {
        if let Some(k) = self
            .cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(access_key_id)
        {
            return Ok(Some(k.clone()));
        }
        let id = access_key_id.to_string();
        let row = store::read(&*self.store, move |txn| txn.access_key(&id)).await?;
        let Some(row) = row.filter(|r| r.active) else {
            return Ok(None);
        };
        let secret = self
            .keyring
            .unwrap_access_secret(&row.access_key_id, &row.wrapped_secret)
            .map_err(|e| StoreError(format!("access key {}: {e}", row.access_key_id)))?;
        let known = KnownKey {
            principal_arn: row.principal_arn,
            secret: Arc::new(secret),
        };
        self.cache
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(row.access_key_id, known.clone());
        Ok(Some(known))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_look_like_aws_keys() {
        let k = AccessKey::generate();
        assert!(k.access_key_id.starts_with("AKIA"));
        assert_eq!(k.access_key_id.len(), 20);
        assert_eq!(k.secret_access_key.len(), 40);
        assert_ne!(k.access_key_id, AccessKey::generate().access_key_id);
        assert!(!format!("{k:?}").contains(k.secret_access_key.as_str()));
    }
}
