//! Which KMS key protects a secret, as Secrets Manager sees it.
//!
//! A secret records its `KmsKeyId` as the caller named it (key id, key ARN,
//! alias or alias ARN), so that a repointed alias applies to new versions,
//! as on AWS; `None` means the region's AWS managed key. Each version's
//! data key names the key that actually wrapped it, so old versions stay
//! readable under their own key.

use tresor_wire::{AwsError, ErrorCode};

use super::kms::authorize as kms_access;
use super::kms::resolve::{default_key, find_or_create_key};
use super::{Ctx, Service, errors};
use crate::kms::{KmsError, MANAGER_AWS};
use crate::store::{KmsKeyRow, WriteTxn};

/// The key new values of a secret in `region` are encrypted under.
pub fn key_for_secret(
    svc: &Service,
    txn: &mut dyn WriteTxn,
    region: &str,
    kms_key_id: Option<&str>,
    now: i64,
) -> Result<KmsKeyRow, AwsError> {
    let scope = Ctx::scope(region, svc.keyring.account_id());
    match kms_key_id.filter(|k| !k.is_empty()) {
        None => default_key(svc, txn, &scope, now),
        Some(key_ref) => find_or_create_key(svc, txn, &scope, key_ref, now)?.ok_or_else(|| {
            errors::invalid_parameter(format!(
                "The operation failed because of an invalid KMS key: Key '{key_ref}' does not exist."
            ))
        }),
    }
}

/// What a secret records as its `KmsKeyId`: nothing for the AWS managed key
/// (DescribeSecret does not report it), otherwise the key as named.
pub fn recorded_key_id(key: &KmsKeyRow, requested: Option<&str>) -> Option<String> {
    if key.key_manager == MANAGER_AWS {
        None
    } else {
        requested.filter(|k| !k.is_empty()).map(str::to_string)
    }
}

/// KMS failures while encrypting a secret value, as Secrets Manager says.
pub fn encryption_failure(e: KmsError) -> AwsError {
    match e {
        KmsError::Disabled(arn) | KmsError::PendingDeletion(arn) => AwsError::new(
            ErrorCode::EncryptionFailure,
            format!(
                "Secrets Manager can't encrypt the protected secret text using the provided KMS key. \
                 Check that the KMS key is available, enabled, and not pending deletion: {arn}"
            ),
        ),
        other => errors::from_kms_on_write(other),
    }
}

/// KMS failures while decrypting a secret value, as Secrets Manager says.
pub fn decryption_failure(e: KmsError) -> AwsError {
    match e {
        KmsError::Disabled(arn) | KmsError::PendingDeletion(arn) => AwsError::new(
            ErrorCode::DecryptionFailure,
            format!(
                "Secrets Manager can't decrypt the protected secret text using the provided KMS key. \
                 Check that the KMS key is available, enabled, and not pending deletion: {arn}"
            ),
        ),
        other => errors::from_kms_on_read(other),
    }
}

/// Moves the data keys of the versions labelled AWSCURRENT, AWSPENDING and
/// AWSPREVIOUS under `key` (their values' ciphertexts do not change).
pub fn rekey_labelled_versions(
    svc: &Service,
    txn: &mut dyn WriteTxn,
    ctx: &Ctx,
    state: &super::secret::SecretState,
    key: &KmsKeyRow,
) -> Result<(), AwsError> {
    use super::labels::{AWSCURRENT, AWSPENDING, AWSPREVIOUS};
    let labelled: std::collections::BTreeSet<&String> = [AWSCURRENT, AWSPENDING, AWSPREVIOUS]
        .iter()
        .filter_map(|l| state.labels.get(*l))
        .collect();
    for version_id in labelled {
        let Some(mut sealed) = txn.sealed_value(state.row.id, version_id)? else {
            continue;
        };
        if sealed.kms_key_id == key.key_id {
            continue;
        }
        let arn = &state.row.arn;
        if let Some(old) = txn.kms_key(&sealed.kms_key_id)? {
            kms_access::via_secrets_manager(ctx, "kms:Decrypt", &old, arn, version_id)?;
        }
        kms_access::via_secrets_manager(ctx, "kms:GenerateDataKey", key, arn, version_id)?;
        let context = crate::kms::secret_context(arn, version_id);
        let (_, data_key) = svc
            .keyring
            .decrypt(txn, &state.row.region, &sealed.wrapped_key, &context)
            .map_err(decryption_failure)?;
        sealed.wrapped_key = svc
            .keyring
            .encrypt(txn, key, &data_key, &context)
            .map_err(encryption_failure)?;
        sealed.kms_key_id = key.key_id.clone();
        txn.set_version_value(state.row.id, version_id, &sealed)?;
    }
    Ok(())
}
