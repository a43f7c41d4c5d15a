//! Finding a KMS key from a `KeyId`, and KMS's errors for keys.
//!
//! A `KeyId` may be a key id, a key ARN, an alias name (`alias/…`) or an
//! alias ARN, always within the caller's region and account. The predefined
//! alias `alias/aws/secretsmanager` names the AWS managed key of the region,
//! which is created the first time it is needed (as on AWS).

use tresor_wire::{AwsError, ErrorCode};

use super::authorize;
use crate::kms::{KmsError, MANAGER_AWS};
use crate::service::{Ctx, Service};
use crate::store::{KmsAliasRow, KmsKeyRow, ReadTxn, WriteTxn};

pub const DEFAULT_ALIAS: &str = "alias/aws/secretsmanager";

/// What a `KeyId` names.
enum KeyRef<'a> {
    Id(&'a str),
    Alias(&'a str),
}

fn parse_ref<'a>(ctx: &Ctx, key_ref: &'a str) -> Option<KeyRef<'a>> {
    if key_ref.starts_with("alias/") {
        return Some(KeyRef::Alias(key_ref));
    }
    if let Some(rest) = key_ref.strip_prefix("arn:aws:kms:") {
        let (region, rest) = rest.split_once(':')?;
        let (account, resource) = rest.split_once(':')?;
        if region != ctx.region || account != ctx.account_id {
            return None;
        }
        if let Some(id) = resource.strip_prefix("key/") {
            return Some(KeyRef::Id(id));
        }
        if resource.starts_with("alias/") {
            return Some(KeyRef::Alias(resource));
        }
        return None;
    }
    Some(KeyRef::Id(key_ref))
}

/// The key `key_ref` names, if any (never creates one).
pub fn find_key(
    txn: &dyn ReadTxn,
    ctx: &Ctx,
    key_ref: &str,
) -> Result<Option<KmsKeyRow>, AwsError> {
    Ok(match parse_ref(ctx, key_ref) {
        None => None,
        Some(KeyRef::Id(id)) => txn.kms_key(id)?.filter(|k| k.region == ctx.region),
        Some(KeyRef::Alias(name)) => match txn.kms_alias(&ctx.region, name)? {
            Some(alias) => txn.kms_key(&alias.target_key_id)?,
            None => None,
        },
    })
}

/// Like `find_key`, but creates the region's AWS managed key when
/// `key_ref` names its predefined alias and it does not exist yet.
pub fn find_or_create_key(
    svc: &Service,
    txn: &mut dyn WriteTxn,
    ctx: &Ctx,
    key_ref: &str,
    now: i64,
) -> Result<Option<KmsKeyRow>, AwsError> {
    if let Some(key) = find_key(txn, ctx, key_ref)? {
        return Ok(Some(key));
    }
    let names_default = matches!(parse_ref(ctx, key_ref), Some(KeyRef::Alias(DEFAULT_ALIAS)));
    if !names_default {
        return Ok(None);
    }
    default_key(svc, txn, ctx, now).map(Some)
}

/// The region's AWS managed `aws/secretsmanager` key, created on first use.
pub fn default_key(
    svc: &Service,
    txn: &mut dyn WriteTxn,
    ctx: &Ctx,
    now: i64,
) -> Result<KmsKeyRow, AwsError> {
    if let Some(alias) = txn.kms_alias(&ctx.region, DEFAULT_ALIAS)?
        && let Some(key) = txn.kms_key(&alias.target_key_id)?
    {
        return Ok(key);
    }
    let template = svc.keyring.new_key_row(
        &ctx.region,
        "Default key that protects my Secrets Manager data when no other key is defined",
        MANAGER_AWS,
        super::policy::aws_managed_policy(ctx),
        now,
    );
    let key = svc
        .keyring
        .create_key(txn, template, now)
        .map_err(|e| kms_error(e, ctx))?;
    txn.put_kms_alias(&KmsAliasRow {
        region: ctx.region.clone(),
        name: DEFAULT_ALIAS.to_string(),
        target_key_id: key.key_id.clone(),
        created: now,
        updated: now,
    })?;
    Ok(key)
}

/// A key id as KMS writes them: a hyphenated UUID.
fn is_key_id(id: &str) -> bool {
    id.len() == 36 && uuid::Uuid::try_parse(id).is_ok() && id.as_bytes()[8] == b'-'
}

/// The region of an ARN naming a key or alias outside the caller's region.
fn foreign_region<'a>(ctx: &Ctx, key_ref: &'a str) -> Option<&'a str> {
    let rest = key_ref.strip_prefix("arn:aws:kms:")?;
    let (region, _) = rest.split_once(':')?;
    (region != ctx.region).then_some(region)
}

/// KMS's NotFoundException for a `KeyId`, worded as AWS words it.
pub fn not_found(ctx: &Ctx, key_ref: &str) -> AwsError {
    if let Some(region) = foreign_region(ctx, key_ref) {
        return AwsError::new(
            ErrorCode::NotFoundException,
            format!("Invalid arn {region}"),
        );
    }
    let message = match parse_ref(ctx, key_ref) {
        Some(KeyRef::Alias(name)) => format!(
            "Alias arn:aws:kms:{}:{}:{name} is not found.",
            ctx.region, ctx.account_id
        ),
        Some(KeyRef::Id(id)) if is_key_id(id) => format!(
            "Key 'arn:aws:kms:{}:{}:key/{id}' does not exist",
            ctx.region, ctx.account_id
        ),
        _ => format!("Invalid keyId '{key_ref}'"),
    };
    AwsError::new(ErrorCode::NotFoundException, message)
}

/// The key `key_ref` names, with the request's action decided on it; or
/// KMS's NotFoundException (if the caller may know).
pub fn require_key(txn: &dyn ReadTxn, ctx: &Ctx, key_ref: &str) -> Result<KmsKeyRow, AwsError> {
    match find_key(txn, ctx, key_ref)? {
        Some(key) => {
            authorize::key(ctx, &key)?;
            Ok(key)
        }
        None => {
            authorize::missing_key(ctx, key_ref)?;
            Err(not_found(ctx, key_ref))
        }
    }
}

/// Keyring failures as the KMS API reports them.
pub fn kms_error(e: KmsError, ctx: &Ctx) -> AwsError {
    match e {
        KmsError::KeyNotFound(key) => not_found(ctx, &key),
        KmsError::Disabled(arn) => {
            AwsError::new(ErrorCode::DisabledException, format!("{arn} is disabled."))
        }
        KmsError::PendingDeletion(arn) => AwsError::new(
            ErrorCode::KMSInvalidStateException,
            format!("{arn} is pending deletion."),
        ),
        KmsError::InvalidCiphertext => AwsError::new(ErrorCode::InvalidCiphertextException, ""),
        KmsError::Store(e) => AwsError::from(e),
    }
}

/// AWS managed keys are used by the services that own them; their key
/// policy lets no one change them. Refused as AWS refuses it: access denied.
pub fn refuse_aws_managed(key: &KmsKeyRow, ctx: &Ctx, action: &str) -> Result<(), AwsError> {
    if key.key_manager == MANAGER_AWS {
        return Err(AwsError::new(
            ErrorCode::AccessDeniedException,
            format!(
                "User: {} is not authorized to perform: kms:{action} on resource: {} because no \
                 resource-based policy allows the kms:{action} action",
                ctx.principal_arn(),
                key.arn
            ),
        ));
    }
    Ok(())
}

/// A key scheduled for deletion can be described but not changed.
pub fn refuse_pending_deletion(key: &KmsKeyRow) -> Result<(), AwsError> {
    if key.state == crate::kms::STATE_PENDING_DELETION {
        return Err(AwsError::new(
            ErrorCode::KMSInvalidStateException,
            format!("{} is pending deletion.", key.arn),
        ));
    }
    Ok(())
}
