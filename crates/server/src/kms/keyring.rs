//! KMS keys in clear, and every encryption they do.
//!
//! Owns key material: each KMS key has generations of 256-bit material,
//! stored wrapped under a key derived from the root key; the newest
//! generation encrypts and every generation decrypts what it encrypted.
//!
//! Ciphertexts (KMS `CiphertextBlob`s, and the wrapped data keys of secret
//! versions) are `FORMAT_V1 ‖ key id ‖ material generation ‖ nonce ‖ sealed
//! ‖ tag`, AES-256-GCM, with the header and the encryption context in the
//! AAD: a ciphertext opens only under its own key and with exactly the
//! context it was made with. A secret version's value is sealed under a
//! fresh data key, which is encrypted like any KMS plaintext with the
//! context `{SecretARN, SecretVersionId}` — as AWS Secrets Manager does —
//! so a value copied onto another secret or version does not decrypt.
//!
//! Key *state* (enabled, disabled, pending deletion) is enforced here too:
//! a key that is not enabled neither encrypts nor decrypts.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use aws_lc_rs::aead::LessSafeKey;
use zeroize::Zeroizing;

use super::aead::{self, KEY_LEN, push_field};
use super::audit_keys::{AUDIT_SEED_META_KEY, AuditKeys, new_audit_seed};
use super::root_key::{Purpose, RootKey};
use crate::store::{
    AccessKeyRow, KeyMaterialRow, KmsKeyRow, ReadTxn, SealedValue, StoreError, StsSessionRow,
    ValueKind, WriteTxn,
};
use crate::value::SecretValue;
use tresor_wire::dto::{SecretBytes, SecretString};

/// An encryption context: names and values bound to a ciphertext.
pub type EncryptionContext = BTreeMap<String, String>;

pub const STATE_ENABLED: &str = "Enabled";
pub const STATE_DISABLED: &str = "Disabled";
pub const STATE_PENDING_DELETION: &str = "PendingDeletion";
pub const MANAGER_AWS: &str = "AWS";
pub const MANAGER_CUSTOMER: &str = "CUSTOMER";

/// Format byte of ciphertexts and value ciphertexts.
const FORMAT_V1: u8 = 1;
const KEY_ID_LEN: usize = 36;
const HEADER_LEN: usize = 1 + KEY_ID_LEN + 4;

#[derive(Debug, thiserror::Error)]
pub enum KmsError {
    /// No such key (or it is in another region).
    #[error("key '{0}' does not exist")]
    KeyNotFound(String),
    /// The key exists but is disabled. Carries the key ARN.
    #[error("{0} is disabled.")]
    Disabled(String),
    /// The key is scheduled for deletion. Carries the key ARN.
    #[error("{0} is pending deletion.")]
    PendingDeletion(String),
    /// A ciphertext is malformed, was tampered with, belongs to another
    /// key or region, or the encryption context does not match.
    #[error("the ciphertext could not be decrypted")]
    InvalidCiphertext,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct Keyring {
    account_id: String,
    /// The keys derived from the root key, newest first. There are two only
    /// while the root key is being replaced: the new one wraps, both unwrap.
    roots: RwLock<Vec<Arc<RootWraps>>>,
    /// Unwrapped key material by (key id, generation).
    materials: RwLock<HashMap<(String, u32), Arc<LessSafeKey>>>,
}

/// What the root key wraps with, one key per purpose.
struct RootWraps {
    material: LessSafeKey,
    access_key: LessSafeKey,
    audit_seed: LessSafeKey,
}

impl RootWraps {
    fn new(root: &RootKey) -> RootWraps {
        RootWraps {
            material: aead::key(&*root.derive(Purpose::KeyMaterial)),
            access_key: aead::key(&*root.derive(Purpose::AccessKey)),
            audit_seed: aead::key(&*root.derive(Purpose::AuditSeed)),
        }
    }
}

impl Keyring {
    pub fn new(root: &RootKey, account_id: &str) -> Keyring {
        Keyring {
            account_id: account_id.to_string(),
            roots: RwLock::new(vec![Arc::new(RootWraps::new(root))]),
            materials: RwLock::new(HashMap::new()),
        }
    }

    fn roots(&self) -> Vec<Arc<RootWraps>> {
        self.roots.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn newest_root(&self) -> Arc<RootWraps> {
        Arc::clone(&self.roots()[0])
    }

    /// Opens something wrapped under the root key: tries the newest root
    /// first, then the one being replaced.
    fn unwrap_under_root(
        &self,
        pick: impl Fn(&RootWraps) -> &LessSafeKey,
        aad: &[u8],
        wrapped: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KmsError> {
        for root in self.roots() {
            if let Ok(clear) = aead::open(pick(&root), aad, wrapped) {
                return Ok(clear);
            }
        }
        Err(KmsError::InvalidCiphertext)
    }

    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// The ARN of a key in `region`.
    pub fn key_arn(&self, region: &str, key_id: &str) -> String {
        format!("arn:aws:kms:{region}:{}:key/{key_id}", self.account_id)
    }

    /// Creates a key with its first generation of material.
    pub fn create_key(
        &self,
        txn: &mut dyn WriteTxn,
        template: KmsKeyRow,
        now: i64,
    ) -> Result<KmsKeyRow, KmsError> {
        txn.insert_kms_key(&template)?;
        self.add_material(txn, &template, 1, None, now)?;
        Ok(template)
    }

    /// A new key row for `region` (not yet stored).
    pub fn new_key_row(
        &self,
        region: &str,
        description: &str,
        manager: &str,
        policy: String,
        now: i64,
    ) -> KmsKeyRow {
        let key_id = uuid::Uuid::new_v4().to_string();
        KmsKeyRow {
            arn: self.key_arn(region, &key_id),
            key_id,
            region: region.to_string(),
            description: description.to_string(),
            key_manager: manager.to_string(),
            state: STATE_ENABLED.to_string(),
            created: now,
            deletion_date: None,
            pending_window_days: None,
            policy,
            tags: Vec::new(),
            rotation_period_days: None,
            next_rotation: None,
        }
    }

    /// Adds a new, newest generation of material to `key` (rotation).
    /// Returns its number.
    pub fn rotate(
        &self,
        txn: &mut dyn WriteTxn,
        key: &KmsKeyRow,
        rotation_type: &str,
        now: i64,
    ) -> Result<u32, KmsError> {
        let newest = txn
            .key_materials(&key.key_id)?
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0);
        self.add_material(txn, key, newest + 1, Some(rotation_type.to_string()), now)?;
        Ok(newest + 1)
    }

    fn add_material(
        &self,
        txn: &mut dyn WriteTxn,
        key: &KmsKeyRow,
        version: u32,
        rotation_type: Option<String>,
        now: i64,
    ) -> Result<(), KmsError> {
        let material = aead::random_bytes::<KEY_LEN>();
        let wrapped = aead::seal(
            &self.newest_root().material,
            &material_aad(&key.arn, version),
            &*material,
        );
        txn.insert_key_material(&KeyMaterialRow {
            key_id: key.key_id.clone(),
            version,
            wrapped,
            created: now,
            rotation_type,
        })?;
        self.cache(&key.key_id, version, aead::key(&*material));
        Ok(())
    }

    fn cache(&self, key_id: &str, version: u32, key: LessSafeKey) -> Arc<LessSafeKey> {
        let key = Arc::new(key);
        self.materials
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert((key_id.to_string(), version), Arc::clone(&key));
        key
    }

    /// The material of `key` at `version`, or its newest if `None`.
    fn material(
        &self,
        txn: &dyn ReadTxn,
        key: &KmsKeyRow,
        version: Option<u32>,
    ) -> Result<(u32, Arc<LessSafeKey>), KmsError> {
        if let Some(v) = version
            && let Some(k) = self
                .materials
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(&(key.key_id.clone(), v))
        {
            return Ok((v, Arc::clone(k)));
        }
        let rows = txn.key_materials(&key.key_id)?;
        let row = match version {
            Some(v) => rows.iter().find(|m| m.version == v),
            None => rows.iter().max_by_key(|m| m.version),
        }
        .ok_or(KmsError::InvalidCiphertext)?;
        let clear = self.unwrap_under_root(
            |r| &r.material,
            &material_aad(&key.arn, row.version),
            &row.wrapped,
        )?;
        if clear.len() != KEY_LEN {
            return Err(KmsError::InvalidCiphertext);
        }
        Ok((
            row.version,
            self.cache(&key.key_id, row.version, aead::key(&clear)),
        ))
    }

    fn check_usable(key: &KmsKeyRow) -> Result<(), KmsError> {
        match key.state.as_str() {
            STATE_ENABLED => Ok(()),
            STATE_PENDING_DELETION => Err(KmsError::PendingDeletion(key.arn.clone())),
            _ => Err(KmsError::Disabled(key.arn.clone())),
        }
    }

    /// Encrypts `plaintext` under the newest material of `key`.
    pub fn encrypt(
        &self,
        txn: &dyn ReadTxn,
        key: &KmsKeyRow,
        plaintext: &[u8],
        context: &EncryptionContext,
    ) -> Result<Vec<u8>, KmsError> {
        Self::check_usable(key)?;
        let (version, material) = self.material(txn, key, None)?;
        let mut blob = vec![FORMAT_V1];
        blob.extend_from_slice(key.key_id.as_bytes());
        blob.extend_from_slice(&version.to_be_bytes());
        let aad = ciphertext_aad(&blob, context);
        blob.extend(aead::seal(&material, &aad, plaintext));
        Ok(blob)
    }

    /// The key id a ciphertext names, if it is one of ours.
    pub fn ciphertext_key_id(blob: &[u8]) -> Option<&str> {
        if blob.len() < HEADER_LEN || blob[0] != FORMAT_V1 {
            return None;
        }
        std::str::from_utf8(&blob[1..1 + KEY_ID_LEN]).ok()
    }

    fn ciphertext_version(blob: &[u8]) -> Option<u32> {
        Self::ciphertext_key_id(blob)?;
        Some(u32::from_be_bytes(
            blob[1 + KEY_ID_LEN..HEADER_LEN].try_into().ok()?,
        ))
    }

    /// Decrypts a ciphertext made by `encrypt` in `region`. Returns the key
    /// that made it and the plaintext.
    pub fn decrypt(
        &self,
        txn: &dyn ReadTxn,
        region: &str,
        blob: &[u8],
        context: &EncryptionContext,
    ) -> Result<(KmsKeyRow, Zeroizing<Vec<u8>>), KmsError> {
        let key_id = Self::ciphertext_key_id(blob).ok_or(KmsError::InvalidCiphertext)?;
        let version = Self::ciphertext_version(blob).ok_or(KmsError::InvalidCiphertext)?;
        let key = txn
            .kms_key(key_id)?
            .filter(|k| k.region == region)
            .ok_or(KmsError::InvalidCiphertext)?;
        Self::check_usable(&key)?;
        let (_, material) = self.material(txn, &key, Some(version))?;
        let aad = ciphertext_aad(&blob[..HEADER_LEN], context);
        let plaintext = aead::open(&material, &aad, &blob[HEADER_LEN..])
            .map_err(|_| KmsError::InvalidCiphertext)?;
        Ok((key, plaintext))
    }

    /// Encrypts `value` for version `version_id` of the secret `arn` under
    /// a fresh data key, itself encrypted under `key`.
    pub fn seal_value(
        &self,
        txn: &dyn ReadTxn,
        key: &KmsKeyRow,
        arn: &str,
        version_id: &str,
        value: &SecretValue,
    ) -> Result<SealedValue, KmsError> {
        let data_key = aead::random_bytes::<KEY_LEN>();
        let wrapped_key = self.encrypt(txn, key, &*data_key, &secret_context(arn, version_id))?;
        let mut ciphertext = vec![FORMAT_V1];
        ciphertext.extend(aead::seal(
            &aead::key(&*data_key),
            &value_aad(value.kind(), arn, version_id),
            value.bytes(),
        ));
        Ok(SealedValue {
            kind: value.kind(),
            kms_key_id: key.key_id.clone(),
            wrapped_key,
            ciphertext,
        })
    }

    /// Decrypts a version's value; fails unless `arn` and `version_id` are
    /// exactly the ones it was sealed for, and its key is usable.
    pub fn open_value(
        &self,
        txn: &dyn ReadTxn,
        region: &str,
        sealed: &SealedValue,
        arn: &str,
        version_id: &str,
    ) -> Result<SecretValue, KmsError> {
        if Self::ciphertext_key_id(&sealed.wrapped_key) != Some(sealed.kms_key_id.as_str()) {
            return Err(KmsError::InvalidCiphertext);
        }
        let (_, data_key) = self.decrypt(
            txn,
            region,
            &sealed.wrapped_key,
            &secret_context(arn, version_id),
        )?;
        if data_key.len() != KEY_LEN {
            return Err(KmsError::InvalidCiphertext);
        }
        let Some((&FORMAT_V1, body)) = sealed.ciphertext.split_first() else {
            return Err(KmsError::InvalidCiphertext);
        };
        let clear = aead::open(
            &aead::key(&data_key),
            &value_aad(sealed.kind, arn, version_id),
            body,
        )
        .map_err(|_| KmsError::InvalidCiphertext)?;
        Ok(match sealed.kind {
            ValueKind::String => {
                let text =
                    String::from_utf8(clear.to_vec()).map_err(|_| KmsError::InvalidCiphertext)?;
                SecretValue::String(SecretString::new(text))
            }
            ValueKind::Binary => SecretValue::Binary(SecretBytes::new(clear.to_vec())),
        })
    }

    /// The data key of a stored value, wrapped again under the newest
    /// material of its key; `None` if it already is (or the key is not
    /// enabled, in which case it is left for later).
    pub fn rewrap_data_key(
        &self,
        txn: &dyn ReadTxn,
        region: &str,
        sealed: &SealedValue,
        arn: &str,
        version_id: &str,
    ) -> Result<Option<Vec<u8>>, KmsError> {
        let Some(key) = txn.kms_key(&sealed.kms_key_id)? else {
            return Ok(None);
        };
        if key.state != STATE_ENABLED {
            return Ok(None);
        }
        let newest = txn
            .key_materials(&key.key_id)?
            .iter()
            .map(|m| m.version)
            .max();
        if Self::ciphertext_version(&sealed.wrapped_key) >= newest {
            return Ok(None);
        }
        let context = secret_context(arn, version_id);
        let (_, data_key) = self.decrypt(txn, region, &sealed.wrapped_key, &context)?;
        Ok(Some(self.encrypt(txn, &key, &data_key, &context)?))
    }

    /// Wraps an access key's secret half for storage.
    pub fn wrap_access_secret(&self, access_key_id: &str, secret: &str) -> Vec<u8> {
        aead::seal(
            &self.newest_root().access_key,
            &access_key_aad(access_key_id),
            secret.as_bytes(),
        )
    }

    pub fn unwrap_access_secret(
        &self,
        access_key_id: &str,
        wrapped: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KmsError> {
        self.unwrap_under_root(|r| &r.access_key, &access_key_aad(access_key_id), wrapped)
    }

    /// Starts replacing the root key with `next`, inside a write job:
    /// re-wraps every key's material and every access key's and STS
    /// session's secret under
    /// it, and from now on wraps with it while still unwrapping with both.
    /// Call `finish_root_rotation` once the job committed, or
    /// `abandon_root_rotation` if it did not. Secret ciphertexts are
    /// untouched: they hang below the material, which does not change.
    pub fn begin_root_rotation(
        &self,
        txn: &mut dyn WriteTxn,
        next: &RootKey,
    ) -> Result<(usize, usize), KmsError> {
        let next = Arc::new(RootWraps::new(next));
        let materials = txn.all_key_materials()?;
        for mut row in materials.iter().cloned() {
            let key = txn
                .kms_key(&row.key_id)?
                .ok_or(KmsError::InvalidCiphertext)?;
            let aad = material_aad(&key.arn, row.version);
            let clear = self.unwrap_under_root(|r| &r.material, &aad, &row.wrapped)?;
            row.wrapped = aead::seal(&next.material, &aad, &clear);
            txn.update_key_material(&row)?;
        }
        let keys = txn.access_keys()?;
        for key in &keys {
            let secret = self.unwrap_access_secret(&key.access_key_id, &key.wrapped_secret)?;
            txn.update_access_key(&AccessKeyRow {
                wrapped_secret: aead::seal(
                    &next.access_key,
                    &access_key_aad(&key.access_key_id),
                    &secret,
                ),
                ..key.clone()
            })?;
        }
        // Temporary credentials' secrets are wrapped the same way.
        for session in txn.sts_sessions()? {
            let secret =
                self.unwrap_access_secret(&session.access_key_id, &session.wrapped_secret)?;
            txn.put_sts_session(&StsSessionRow {
                wrapped_secret: aead::seal(
                    &next.access_key,
                    &access_key_aad(&session.access_key_id),
                    &secret,
                ),
                ..session.clone()
            })?;
        }
        // The audit seed too: records signed before stay verifiable.
        if let Some(wrapped) = txn.meta(AUDIT_SEED_META_KEY)? {
            let seed = self.unwrap_audit_seed(&wrapped)?;
            txn.set_meta(
                AUDIT_SEED_META_KEY,
                &hex::encode(aead::seal(&next.audit_seed, AUDIT_SEED_AAD, &seed)),
            )?;
        }
        self.roots
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(0, next);
        Ok((materials.len(), keys.len()))
    }

    /// The audit trail's keys, creating their seed on first use.
    pub fn audit_keys(&self, txn: &mut dyn WriteTxn) -> Result<AuditKeys, KmsError> {
        if let Some(wrapped) = txn.meta(AUDIT_SEED_META_KEY)? {
            return Ok(AuditKeys::from_seed(&self.unwrap_audit_seed(&wrapped)?));
        }
        let seed = new_audit_seed();
        let wrapped = aead::seal(&self.newest_root().audit_seed, AUDIT_SEED_AAD, &*seed);
        txn.set_meta(AUDIT_SEED_META_KEY, &hex::encode(wrapped))?;
        Ok(AuditKeys::from_seed(&*seed))
    }

    fn unwrap_audit_seed(&self, wrapped_hex: &str) -> Result<Zeroizing<Vec<u8>>, KmsError> {
        let wrapped = hex::decode(wrapped_hex).map_err(|_| KmsError::InvalidCiphertext)?;
        self.unwrap_under_root(|r| &r.audit_seed, AUDIT_SEED_AAD, &wrapped)
    }

    /// The rotation committed: forget the old root.
    pub fn finish_root_rotation(&self) {
        self.roots
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .truncate(1);
    }

    /// The rotation did not commit: go back to the old root.
    pub fn abandon_root_rotation(&self) {
        let mut roots = self.roots.write().unwrap_or_else(|p| p.into_inner());
        if roots.len() > 1 {
            roots.remove(0);
        }
    }

    /// Forgets cached material of a key (after it is deleted).
    pub fn forget(&self, key_id: &str) {
        self.materials
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|(id, _), _| id != key_id);
    }
}

/// AWS Secrets Manager's encryption context for a secret version.
pub fn secret_context(arn: &str, version_id: &str) -> EncryptionContext {
    EncryptionContext::from([
        ("SecretARN".to_string(), arn.to_string()),
        ("SecretVersionId".to_string(), version_id.to_string()),
    ])
}

fn material_aad(key_arn: &str, version: u32) -> Vec<u8> {
    let mut aad = b"tresor/v1/kms-key-material".to_vec();
    push_field(&mut aad, key_arn.as_bytes());
    aad.extend_from_slice(&version.to_be_bytes());
    aad
}

/// The header, and the context pairs in sorted order, each length-prefixed.
fn ciphertext_aad(header: &[u8], context: &EncryptionContext) -> Vec<u8> {
    let mut aad = b"tresor/v1/kms-ciphertext".to_vec();
    push_field(&mut aad, header);
    aad.extend_from_slice(&(context.len() as u32).to_be_bytes());
    for (k, v) in context {
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

const AUDIT_SEED_AAD: &[u8] = b"tresor/v1/audit-seed";

fn access_key_aad(access_key_id: &str) -> Vec<u8> {
    let mut aad = b"tresor/v1/access-key".to_vec();
    push_field(&mut aad, access_key_id.as_bytes());
    aad
}
