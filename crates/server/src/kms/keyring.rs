//! KMS keys and envelope encryption of secret values.
//!
//! Owns every key in clear. Each secret version gets a fresh 256-bit data
//! key; the value is sealed under it with AES-256-GCM, and the data key is
//! wrapped under the secret's KMS key with the encryption context
//! `{SecretARN, SecretVersionId}`, as AWS Secrets Manager does. Both layers
//! bind the ciphertext to its place, so a row copied onto another secret or
//! version does not decrypt. KMS key material is itself stored wrapped under
//! a key derived from the root key.
//!
//! Only the AWS managed key `aws/secretsmanager` exists so far (one per
//! region, created on first use); customer keys come with the KMS API.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use aws_lc_rs::aead::LessSafeKey;
use zeroize::Zeroizing;

use super::aead::{self, KEY_LEN, push_field};
use super::root_key::{Purpose, RootKey};
use crate::store::{
    KeyMaterialRow, KmsKeyRow, ReadTxn, SealedValue, StoreError, ValueKind, WriteTxn,
};
use crate::value::SecretValue;
use tresor_wire::dto::{SecretBytes, SecretString};

pub const DEFAULT_KEY_ALIAS: &str = "alias/aws/secretsmanager";

/// Format byte of data-key blobs and value ciphertexts.
const FORMAT_V1: u8 = 1;
const KEY_ID_LEN: usize = 36;

#[derive(Debug, thiserror::Error)]
pub enum KmsError {
    /// The caller named a key that does not exist (in this region).
    #[error("key '{0}' does not exist")]
    KeyNotFound(String),
    /// A ciphertext or wrapped key failed authentication or is malformed.
    #[error("the ciphertext could not be decrypted")]
    Decrypt,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Keyring {
    account_id: String,
    material_wrap: LessSafeKey,
    access_key_wrap: LessSafeKey,
    /// Unwrapped key material by (key id, material version).
    materials: RwLock<HashMap<(String, u32), Arc<LessSafeKey>>>,
}

impl Keyring {
    pub fn new(root: &RootKey, account_id: &str) -> Keyring {
        Keyring {
            account_id: account_id.to_string(),
            material_wrap: aead::key(&*root.derive(Purpose::KeyMaterialWrap)),
            access_key_wrap: aead::key(&*root.derive(Purpose::AccessKeyWrap)),
            materials: RwLock::new(HashMap::new()),
        }
    }

    /// The key a secret in `region` is encrypted under. `None`, `""` or any
    /// name of the default key gives the default key, created if needed.
    pub fn key_for_write(
        &self,
        txn: &mut dyn WriteTxn,
        region: &str,
        requested: Option<&str>,
        now: i64,
    ) -> Result<KmsKeyRow, KmsError> {
        if let Some(key) = self.find_key(txn, region, requested)? {
            return Ok(key);
        }
        if !self.names_default_key(region, requested, None) {
            return Err(KmsError::KeyNotFound(
                requested.unwrap_or_default().to_string(),
            ));
        }
        self.create_default_key(txn, region, now)
    }

    /// Checks that `requested` names a usable key without creating one.
    pub fn check_key(
        &self,
        txn: &dyn ReadTxn,
        region: &str,
        requested: Option<&str>,
    ) -> Result<(), KmsError> {
        if self.find_key(txn, region, requested)?.is_some()
            || self.names_default_key(region, requested, None)
        {
            Ok(())
        } else {
            Err(KmsError::KeyNotFound(
                requested.unwrap_or_default().to_string(),
            ))
        }
    }

    fn find_key(
        &self,
        txn: &dyn ReadTxn,
        region: &str,
        requested: Option<&str>,
    ) -> Result<Option<KmsKeyRow>, KmsError> {
        let Some(default) = txn.kms_key_by_alias(region, DEFAULT_KEY_ALIAS)? else {
            return Ok(None);
        };
        Ok(self
            .names_default_key(region, requested, Some(&default))
            .then_some(default))
    }

    /// Whether `requested` refers to the default key of `region`: by alias,
    /// alias ARN, or (once it exists) its key id or key ARN.
    fn names_default_key(
        &self,
        region: &str,
        requested: Option<&str>,
        key: Option<&KmsKeyRow>,
    ) -> bool {
        let Some(requested) = requested.filter(|r| !r.is_empty()) else {
            return true;
        };
        let alias_arn = format!(
            "arn:aws:kms:{region}:{}:{DEFAULT_KEY_ALIAS}",
            self.account_id
        );
        requested == DEFAULT_KEY_ALIAS
            || requested == alias_arn
            || key.is_some_and(|k| requested == k.key_id || requested == k.arn)
    }

    fn create_default_key(
        &self,
        txn: &mut dyn WriteTxn,
        region: &str,
        now: i64,
    ) -> Result<KmsKeyRow, KmsError> {
        let key_id = uuid::Uuid::new_v4().to_string();
        let row = KmsKeyRow {
            arn: format!("arn:aws:kms:{region}:{}:key/{key_id}", self.account_id),
            key_id: key_id.clone(),
            region: region.to_string(),
            alias: Some(DEFAULT_KEY_ALIAS.to_string()),
            description:
                "Default key that protects my Secrets Manager data when no other key is defined"
                    .to_string(),
            created: now,
        };
        txn.insert_kms_key(&row)?;
        let material = aead::random_bytes::<KEY_LEN>();
        let wrapped = aead::seal(&self.material_wrap, &material_aad(&row.arn, 1), &*material);
        txn.insert_key_material(&KeyMaterialRow {
            key_id: key_id.clone(),
            version: 1,
            wrapped,
            created: now,
        })?;
        self.cache(&key_id, 1, aead::key(&*material));
        Ok(row)
    }

    fn cache(&self, key_id: &str, version: u32, key: LessSafeKey) -> Arc<LessSafeKey> {
        let key = Arc::new(key);
        self.materials
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert((key_id.to_string(), version), Arc::clone(&key));
        key
    }

    /// The material of `key_id` at `version`, or its newest if `None`.
    fn material(
        &self,
        txn: &dyn ReadTxn,
        key_id: &str,
        version: Option<u32>,
    ) -> Result<(u32, Arc<LessSafeKey>), KmsError> {
        if let Some(v) = version
            && let Some(k) = self
                .materials
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(&(key_id.to_string(), v))
        {
            return Ok((v, Arc::clone(k)));
        }
        let key = txn
            .kms_key(key_id)?
            .ok_or_else(|| KmsError::KeyNotFound(key_id.to_string()))?;
        let rows = txn.key_materials(key_id)?;
        let row = match version {
            Some(v) => rows.iter().find(|m| m.version == v),
            None => rows.iter().max_by_key(|m| m.version),
        }
        .ok_or(KmsError::Decrypt)?;
        let clear = aead::open(
            &self.material_wrap,
            &material_aad(&key.arn, row.version),
            &row.wrapped,
        )
        .map_err(|_| KmsError::Decrypt)?;
        if clear.len() != KEY_LEN {
            return Err(KmsError::Decrypt);
        }
        Ok((
            row.version,
            self.cache(key_id, row.version, aead::key(&clear)),
        ))
    }

    /// Encrypts `value` for version `version_id` of the secret `arn`.
    pub fn seal_value(
        &self,
        txn: &dyn ReadTxn,
        key: &KmsKeyRow,
        arn: &str,
        version_id: &str,
        value: &SecretValue,
    ) -> Result<SealedValue, KmsError> {
        let (material_version, kek) = self.material(txn, &key.key_id, None)?;
        let data_key = aead::random_bytes::<KEY_LEN>();
        let ciphertext = {
            let mut out = vec![FORMAT_V1];
            out.extend(aead::seal(
                &aead::key(&*data_key),
                &value_aad(value.kind(), arn, version_id),
                value.bytes(),
            ));
            out
        };
        let header = data_key_header(&key.key_id, material_version);
        let mut wrapped_key = header.clone();
        wrapped_key.extend(aead::seal(
            &kek,
            &data_key_aad(&header, arn, version_id),
            &*data_key,
        ));
        Ok(SealedValue {
            kind: value.kind(),
            kms_key_id: key.key_id.clone(),
            wrapped_key,
            ciphertext,
        })
    }

    /// Decrypts a version's value; fails unless `arn` and `version_id` are
    /// exactly the ones it was sealed for.
    pub fn open_value(
        &self,
        txn: &dyn ReadTxn,
        sealed: &SealedValue,
        arn: &str,
        version_id: &str,
    ) -> Result<SecretValue, KmsError> {
        let header_len = 1 + KEY_ID_LEN + 4;
        let blob = &sealed.wrapped_key;
        if blob.len() < header_len || blob[0] != FORMAT_V1 {
            return Err(KmsError::Decrypt);
        }
        let key_id =
            std::str::from_utf8(&blob[1..1 + KEY_ID_LEN]).map_err(|_| KmsError::Decrypt)?;
        if key_id != sealed.kms_key_id {
            return Err(KmsError::Decrypt);
        }
        let version = u32::from_be_bytes(
            blob[1 + KEY_ID_LEN..header_len]
                .try_into()
                .map_err(|_| KmsError::Decrypt)?,
        );
        let (_, kek) = self.material(txn, key_id, Some(version))?;
        let header = &blob[..header_len];
        let data_key = aead::open(
            &kek,
            &data_key_aad(header, arn, version_id),
            &blob[header_len..],
        )
        .map_err(|_| KmsError::Decrypt)?;
        if data_key.len() != KEY_LEN {
            return Err(KmsError::Decrypt);
        }
        let Some((&FORMAT_V1, body)) = sealed.ciphertext.split_first() else {
            return Err(KmsError::Decrypt);
        };
        let clear = aead::open(
            &aead::key(&data_key),
            &value_aad(sealed.kind, arn, version_id),
            body,
        )
        .map_err(|_| KmsError::Decrypt)?;
        Ok(match sealed.kind {
            ValueKind::String => {
                let text = String::from_utf8(clear.to_vec()).map_err(|_| KmsError::Decrypt)?;
                SecretValue::String(SecretString::new(text))
            }
            ValueKind::Binary => SecretValue::Binary(SecretBytes::new(clear.to_vec())),
        })
    }

    /// Wraps an access key's secret half for storage.
    pub fn wrap_access_secret(&self, access_key_id: &str, secret: &str) -> Vec<u8> {
        aead::seal(
            &self.access_key_wrap,
            &access_key_aad(access_key_id),
            secret.as_bytes(),
        )
    }

    pub fn unwrap_access_secret(
        &self,
        access_key_id: &str,
        wrapped: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KmsError> {
        aead::open(
            &self.access_key_wrap,
            &access_key_aad(access_key_id),
            wrapped,
        )
        .map_err(|_| KmsError::Decrypt)
    }
}

fn material_aad(key_arn: &str, version: u32) -> Vec<u8> {
    let mut aad = b"tresor/v1/kms-key-material".to_vec();
    push_field(&mut aad, key_arn.as_bytes());
    aad.extend_from_slice(&version.to_be_bytes());
    aad
}

fn data_key_header(key_id: &str, material_version: u32) -> Vec<u8> {
    debug_assert_eq!(key_id.len(), KEY_ID_LEN);
    let mut header = vec![FORMAT_V1];
    header.extend_from_slice(key_id.as_bytes());
    header.extend_from_slice(&material_version.to_be_bytes());
    header
}

/// The data key is wrapped with AWS's encryption context for secrets,
/// `{SecretARN, SecretVersionId}` (keys in sorted order), and its header.
fn data_key_aad(header: &[u8], arn: &str, version_id: &str) -> Vec<u8> {
    let mut aad = b"tresor/v1/data-key".to_vec();
    push_field(&mut aad, header);
    for (k, v) in [("SecretARN", arn), ("SecretVersionId", version_id)] {
        push_field(&mut aad, k.as_bytes());
        push_field(&mut aad, v.as_bytes());
    }
    aad
}

fn value_aad(kind: ValueKind, arn: &str, version_id: &str) -> Vec<u8> {
    let mut aad = b"tresor/v1/secret-value".to_vec();
    aad.push(FORMAT_V1);
    aad.push(match kind {
        ValueKind::String => 0,
        ValueKind::Binary => 1,
    });
    push_field(&mut aad, arn.as_bytes());
    push_field(&mut aad, version_id.as_bytes());
    aad
}

fn access_key_aad(access_key_id: &str) -> Vec<u8> {
    let mut aad = b"tresor/v1/access-key".to_vec();
    push_field(&mut aad, access_key_id.as_bytes());
    aad
}
