//! Encrypt, Decrypt, ReEncrypt, GenerateDataKey(WithoutPlaintext),
//! GenerateRandom.
//!
//! Ciphertexts name the key and material generation that made them, so
//! Decrypt needs no `KeyId`; if one is given it must be that key
//! (IncorrectKeyException). The encryption context must match exactly.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use tresor_wire::dto::kms::*;
use tresor_wire::dto::{Blob, SecretBytes};
use tresor_wire::{AwsError, ErrorCode};
use zeroize::Zeroizing;

use super::authorize;
use super::resolve::{kms_error, require_key};
use crate::authz::Resource;
use crate::kms::EncryptionContext;
use crate::service::{Ctx, Service};
use crate::store::{KmsKeyRow, ReadTxn};

const SYMMETRIC_DEFAULT: &str = "SYMMETRIC_DEFAULT";

fn check_algorithm(algorithm: Option<&str>) -> Result<(), AwsError> {
    match algorithm {
        None | Some(SYMMETRIC_DEFAULT) => Ok(()),
        Some(other) => Err(AwsError::new(
            ErrorCode::InvalidKeyUsageException,
            format!(
                "{other} is not a supported encryption algorithm for a symmetric encryption key."
            ),
        )),
    }
}

fn check_dry_run(dry_run: Option<bool>) -> Result<(), AwsError> {
    if dry_run == Some(true) {
        return Err(AwsError::new(
            ErrorCode::DryRunOperationException,
            "The request would have succeeded, but the DryRun option is set.",
        ));
    }
    Ok(())
}

fn no_recipient(recipient: &Option<RecipientInfo>) -> Result<(), AwsError> {
    if recipient.is_some() {
        return Err(AwsError::new(
            ErrorCode::UnsupportedOperationException,
            "Recipient (Nitro Enclaves attestation) is not supported by Tresor.",
        ));
    }
    Ok(())
}

/// As recorded from AWS: no message at all, whatever was wrong (tampering,
/// another key or region, a different encryption context).
fn invalid_ciphertext() -> AwsError {
    AwsError::new(ErrorCode::InvalidCiphertextException, "")
}

/// `CiphertextBlob` is optional in the model only for Nitro Enclave
/// recipients, which Tresor does not serve.
fn required_blob(blob: &Option<Blob>) -> Result<&[u8], AwsError> {
    blob.as_ref().map(|b| b.0.as_slice()).ok_or_else(|| {
        AwsError::new(
            ErrorCode::ValidationException,
            "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null",
        )
    })
}

/// Decrypts `blob`, checking `expected` names the key that made it.
fn decrypt_in(
    svc: &Service,
    txn: &dyn ReadTxn,
    ctx: &Ctx,
    blob: &[u8],
    context: &EncryptionContext,
    expected: Option<&str>,
) -> Result<(KmsKeyRow, Zeroizing<Vec<u8>>), AwsError> {
    if let Some(expected) = expected {
        let named = require_key(txn, ctx, expected)?;
        if crate::kms::Keyring::ciphertext_key_id(blob) != Some(named.key_id.as_str()) {
            return Err(AwsError::new(
                ErrorCode::IncorrectKeyException,
                "The key ID in the request does not identify a CMK that can perform this operation.",
            ));
        }
    } else if let Some(key) = crate::kms::Keyring::ciphertext_key_id(blob)
        .map(|id| txn.kms_key(id))
        .transpose()?
        .flatten()
        .filter(|k| k.region == ctx.region)
    {
        // The ciphertext names its key: the caller needs the action on it.
        authorize::key(ctx, &key)?;
    }
    svc.keyring
        .decrypt(txn, &ctx.region, blob, context)
        .map_err(|e| match e {
            crate::kms::KmsError::InvalidCiphertext => invalid_ciphertext(),
            other => kms_error(other, ctx),
        })
}

pub async fn encrypt(
    svc: &Service,
    ctx: &Ctx,
    req: EncryptRequest,
) -> Result<EncryptResponse, AwsError> {
    check_algorithm(req.encryption_algorithm.as_deref())?;
    check_dry_run(req.dry_run)?;
    let ctx = ctx.clone();
    svc.read(move |svc, txn| {
        let key = require_key(txn, &ctx, &req.key_id)?;
        let context = req.encryption_context.unwrap_or_default();
        let blob = svc
            .keyring
            .encrypt(txn, &key, req.plaintext.expose(), &context)
            .map_err(|e| kms_error(e, &ctx))?;
        Ok(EncryptResponse {
            ciphertext_blob: Some(Blob(blob)),
            key_id: Some(key.arn),
            encryption_algorithm: Some(SYMMETRIC_DEFAULT.into()),
        })
    })
    .await
}

pub async fn decrypt(
    svc: &Service,
    ctx: &Ctx,
    req: DecryptRequest,
) -> Result<DecryptResponse, AwsError> {
    check_algorithm(req.encryption_algorithm.as_deref())?;
    check_dry_run(req.dry_run)?;
    no_recipient(&req.recipient)?;
    let ctx = ctx.clone();
    svc.read(move |svc, txn| {
        let context = req.encryption_context.unwrap_or_default();
        let blob = required_blob(&req.ciphertext_blob)?;
        let (key, plaintext) = decrypt_in(svc, txn, &ctx, blob, &context, req.key_id.as_deref())?;
        Ok(DecryptResponse {
            key_id: Some(key.arn),
            plaintext: Some(SecretBytes::new(plaintext.to_vec())),
            encryption_algorithm: Some(SYMMETRIC_DEFAULT.into()),
            ..Default::default()
        })
    })
    .await
}

pub async fn re_encrypt(
    svc: &Service,
    ctx: &Ctx,
    req: ReEncryptRequest,
) -> Result<ReEncryptResponse, AwsError> {
    check_algorithm(req.source_encryption_algorithm.as_deref())?;
    check_algorithm(req.destination_encryption_algorithm.as_deref())?;
    check_dry_run(req.dry_run)?;
    let ctx = ctx.clone();
    svc.read(move |svc, txn| {
        let source_context = req.source_encryption_context.unwrap_or_default();
        // ReEncrypt is two actions: ReEncryptFrom on the source key,
        // ReEncryptTo on the destination.
        let (source, plaintext) = decrypt_in(
            svc,
            txn,
            &ctx.for_action("kms:ReEncryptFrom"),
            required_blob(&req.ciphertext_blob)?,
            &source_context,
            req.source_key_id.as_deref(),
        )?;
        let destination = require_key(
            txn,
            &ctx.for_action("kms:ReEncryptTo"),
            &req.destination_key_id,
        )?;
        let blob = svc
            .keyring
            .encrypt(
                txn,
                &destination,
                &plaintext,
                &req.destination_encryption_context.unwrap_or_default(),
            )
            .map_err(|e| kms_error(e, &ctx))?;
        Ok(ReEncryptResponse {
            ciphertext_blob: Some(Blob(blob)),
            source_key_id: Some(source.arn),
            key_id: Some(destination.arn),
            source_encryption_algorithm: Some(SYMMETRIC_DEFAULT.into()),
            destination_encryption_algorithm: Some(SYMMETRIC_DEFAULT.into()),
            ..Default::default()
        })
    })
    .await
}

/// How many bytes a data key request asks for.
fn data_key_length(
    key_spec: Option<&str>,
    number_of_bytes: Option<i32>,
) -> Result<usize, AwsError> {
    match (key_spec, number_of_bytes) {
        (Some("AES_256"), None) => Ok(32),
        (Some("AES_128"), None) => Ok(16),
        (None, Some(n)) => Ok(n as usize),
        (Some(_), Some(_)) | (None, None) => Err(AwsError::new(
            ErrorCode::ValidationException,
            "Please specify either number of bytes or key spec.",
        )),
        (Some(other), None) => Err(AwsError::new(
            ErrorCode::ValidationException,
            format!(
                "1 validation error detected: Value '{other}' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]"
            ),
        )),
    }
}

fn random(len: usize) -> Result<Zeroizing<Vec<u8>>, AwsError> {
    let mut bytes = Zeroizing::new(vec![0u8; len]);
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| AwsError::new(ErrorCode::KMSInternalException, "The random source failed."))?;
    Ok(bytes)
}

async fn data_key(
    svc: &Service,
    ctx: &Ctx,
    key_id: String,
    context: EncryptionContext,
    len: usize,
) -> Result<(String, Vec<u8>, Zeroizing<Vec<u8>>), AwsError> {
    let plaintext = random(len)?;
    let ctx = ctx.clone();
    svc.read(move |svc, txn| {
        let key = require_key(txn, &ctx, &key_id)?;
        let blob = svc
            .keyring
            .encrypt(txn, &key, &plaintext, &context)
            .map_err(|e| kms_error(e, &ctx))?;
        Ok((key.arn, blob, plaintext))
    })
    .await
}

pub async fn generate_data_key(
    svc: &Service,
    ctx: &Ctx,
    req: GenerateDataKeyRequest,
) -> Result<GenerateDataKeyResponse, AwsError> {
    let len = data_key_length(req.key_spec.as_deref(), req.number_of_bytes)?;
    check_dry_run(req.dry_run)?;
    no_recipient(&req.recipient)?;
    let (arn, blob, plaintext) = data_key(
        svc,
        ctx,
        req.key_id,
        req.encryption_context.unwrap_or_default(),
        len,
    )
    .await?;
    Ok(GenerateDataKeyResponse {
        ciphertext_blob: Some(Blob(blob)),
        plaintext: Some(SecretBytes::new(plaintext.to_vec())),
        key_id: Some(arn),
        ..Default::default()
    })
}

pub async fn generate_data_key_without_plaintext(
    svc: &Service,
    ctx: &Ctx,
    req: GenerateDataKeyWithoutPlaintextRequest,
) -> Result<GenerateDataKeyWithoutPlaintextResponse, AwsError> {
    let len = data_key_length(req.key_spec.as_deref(), req.number_of_bytes)?;
    check_dry_run(req.dry_run)?;
    let (arn, blob, _) = data_key(
        svc,
        ctx,
        req.key_id,
        req.encryption_context.unwrap_or_default(),
        len,
    )
    .await?;
    Ok(GenerateDataKeyWithoutPlaintextResponse {
        ciphertext_blob: Some(Blob(blob)),
        key_id: Some(arn),
        ..Default::default()
    })
}

pub async fn generate_random(
    _svc: &Service,
    ctx: &Ctx,
    req: GenerateRandomRequest,
) -> Result<GenerateRandomResponse, AwsError> {
    ctx.check(Resource::any())?;
    no_recipient(&req.recipient)?;
    if req.custom_key_store_id.is_some() {
        return Err(AwsError::new(
            ErrorCode::UnsupportedOperationException,
            "Custom key stores are not supported by Tresor.",
        ));
    }
    let Some(n) = req.number_of_bytes else {
        return Err(AwsError::new(
            ErrorCode::ValidationException,
            "NumberOfBytes is required.",
        ));
    };
    Ok(GenerateRandomResponse {
        plaintext: Some(SecretBytes::new(random(n as usize)?.to_vec())),
        ..Default::default()
    })
}
