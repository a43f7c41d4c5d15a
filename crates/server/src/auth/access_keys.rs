//! Long-term access keys: generation and storage (the secret half wrapped
//! under the root key). Looking them up is `identity::Directory`'s job.

use zeroize::Zeroizing;

use crate::identity::ids::{self, IdKind};
use crate::kms::Keyring;
use crate::store::{AccessKeyRow, StoreError, WriteTxn};

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

impl AccessKey {
    /// A new long-term key in AWS's format: `AKIA` + 16 characters, and a
    /// 40-character secret.
    pub fn generate() -> AccessKey {
        AccessKey {
            access_key_id: ids::new_id(IdKind::AccessKey),
            secret_access_key: Zeroizing::new(ids::new_secret_access_key()),
        }
    }
}

/// Stores `key` for `principal_arn` inside a write job; `user_id` is the
/// owning IAM user (`None`: the account root).
pub fn insert(
    txn: &mut dyn WriteTxn,
    keyring: &Keyring,
    key: &AccessKey,
    principal_arn: &str,
    user_id: Option<&str>,
    now: i64,
) -> Result<(), StoreError> {
    txn.insert_access_key(&AccessKeyRow {
        access_key_id: key.access_key_id.clone(),
        principal_arn: principal_arn.to_string(),
        wrapped_secret: keyring.wrap_access_secret(&key.access_key_id, &key.secret_access_key),
        created: now,
        active: true,
        user_id: user_id.map(str::to_string),
    })
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
