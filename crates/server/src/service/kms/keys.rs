//! CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey,
//! ScheduleKeyDeletion, CancelKeyDeletion, UpdateKeyDescription — and the
//! background work keys need: deletion when the waiting period ends and
//! automatic rotation.
//!
//! Tresor's KMS has symmetric encryption keys only (`SYMMETRIC_DEFAULT`,
//! `ENCRYPT_DECRYPT`, origin `AWS_KMS`, single-Region); anything else is
//! answered with UnsupportedOperationException.

use tresor_wire::dto::Timestamp;
use tresor_wire::dto::kms::*;
use tresor_wire::{AwsError, ErrorCode};

use super::resolve::{find_or_create_key, kms_error, not_found, refuse_aws_managed, require_key};
use super::{authorize, paging, policy, tags};
use crate::authz::Resource;
use crate::clock::DAY_MS;
use crate::kms::{MANAGER_CUSTOMER, STATE_DISABLED, STATE_ENABLED, STATE_PENDING_DELETION};
use crate::service::{Ctx, Empty, Service};
use crate::store::KmsKeyRow;

const SYMMETRIC_DEFAULT: &str = "SYMMETRIC_DEFAULT";
const ENCRYPT_DECRYPT: &str = "ENCRYPT_DECRYPT";

fn unsupported(what: &str) -> AwsError {
    AwsError::new(
        ErrorCode::UnsupportedOperationException,
        format!(
            "{what} is not supported: Tresor's KMS has symmetric encryption keys only \
             (KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT, Origin AWS_KMS, single-Region)."
        ),
    )
}

/// The `KeyMetadata` AWS reports for a key.
pub fn metadata(key: &KmsKeyRow, account_id: &str) -> KeyMetadata {
    let pending = key.state == STATE_PENDING_DELETION;
    KeyMetadata {
        aws_account_id: Some(account_id.to_string()),
        key_id: key.key_id.clone(),
        arn: Some(key.arn.clone()),
        creation_date: Some(Timestamp(key.created)),
        enabled: Some(key.state == STATE_ENABLED),
        description: Some(key.description.clone()),
        key_usage: Some(ENCRYPT_DECRYPT.into()),
        key_state: Some(key.state.clone()),
        deletion_date: key.deletion_date.filter(|_| pending).map(Timestamp),
        origin: Some("AWS_KMS".into()),
        key_manager: Some(key.key_manager.clone()),
        customer_master_key_spec: Some(SYMMETRIC_DEFAULT.into()),
        key_spec: Some(SYMMETRIC_DEFAULT.into()),
        encryption_algorithms: Some(vec![SYMMETRIC_DEFAULT.into()]),
        multi_region: Some(false),
        // PendingDeletionWindowInDays is reported for multi-Region keys only.
        ..Default::default()
    }
}

/// The key usages AWS allows for a key spec.
fn usages_for(spec: &str) -> &'static [&'static str] {
    match spec {
        SYMMETRIC_DEFAULT => &[ENCRYPT_DECRYPT],
        s if s.starts_with("RSA_") => &[ENCRYPT_DECRYPT, "SIGN_VERIFY"],
        s if s.starts_with("ECC_NIST_P") => &["SIGN_VERIFY", "KEY_AGREEMENT"],
        s if s.starts_with("HMAC_") => &["GENERATE_VERIFY_MAC"],
        "SM2" => &[ENCRYPT_DECRYPT, "SIGN_VERIFY", "KEY_AGREEMENT"],
        _ => &["SIGN_VERIFY"],
    }
}

/// AWS's own rules for KeySpec and KeyUsage together: a combination AWS
/// rejects is a ValidationException here too, not merely "unsupported".
fn check_spec_and_usage(spec: Option<&str>, usage: Option<&str>) -> Result<(), AwsError> {
    let spec_name = spec.unwrap_or(SYMMETRIC_DEFAULT);
    let Some(usage) = usage else {
        if spec_name != SYMMETRIC_DEFAULT {
            return Err(AwsError::new(
                ErrorCode::ValidationException,
                "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
            ));
        }
        return Ok(());
    };
    if !usages_for(spec_name).contains(&usage) {
        return Err(AwsError::new(
            ErrorCode::ValidationException,
            format!("KeyUsage {usage} is not compatible with KeySpec {spec_name}."),
        ));
    }
    Ok(())
}

pub async fn create_key(
    svc: &Service,
    ctx: &Ctx,
    req: CreateKeyRequest,
) -> Result<CreateKeyResponse, AwsError> {
    ctx.check(Resource::any())?;
    check_spec_and_usage(
        req.key_spec
            .as_deref()
            .or(req.customer_master_key_spec.as_deref()),
        req.key_usage.as_deref(),
    )?;
    for (what, value, allowed) in [
        ("KeyUsage", &req.key_usage, ENCRYPT_DECRYPT),
        ("KeySpec", &req.key_spec, SYMMETRIC_DEFAULT),
        (
            "CustomerMasterKeySpec",
            &req.customer_master_key_spec,
            SYMMETRIC_DEFAULT,
        ),
        ("Origin", &req.origin, "AWS_KMS"),
    ] {
        if let Some(v) = value
            && v != allowed
        {
            return Err(unsupported(&format!("{what} {v}")));
        }
    }
    if req.multi_region == Some(true) {
        return Err(unsupported("A multi-Region key"));
    }
    if req.custom_key_store_id.is_some() || req.xks_key_id.is_some() {
        return Err(unsupported("A custom key store"));
    }
    let policy = match &req.policy {
        Some(text) => policy::validate(text)?,
        None => policy::default_policy(ctx),
    };
    let tags = tags::validate(req.tags.as_deref().unwrap_or(&[]))?;
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |svc, txn| {
        let mut template = svc.keyring.new_key_row(
            &ctx.region,
            req.description.as_deref().unwrap_or(""),
            MANAGER_CUSTOMER,
            policy,
            now,
        );
        template.tags = tags;
        // The safety check guards a policy the caller wrote; the default
        // one delegates to IAM.
        if req.policy.is_some() {
            authorize::refuse_lockout(&ctx, &template, req.bypass_policy_lockout_safety_check)?;
        }
        let key = svc
            .keyring
            .create_key(txn, template, now)
            .map_err(|e| kms_error(e, &ctx))?;
        Ok(CreateKeyResponse {
            key_metadata: Some(metadata(&key, &ctx.account_id)),
        })
    })
    .await
}

pub async fn describe_key(
    svc: &Service,
    ctx: &Ctx,
    req: DescribeKeyRequest,
) -> Result<DescribeKeyResponse, AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    // A write: describing the predefined alias creates the AWS managed key.
    svc.write(move |svc, txn| {
        let Some(key) = find_or_create_key(svc, txn, &ctx, &req.key_id, now)? else {
            authorize::missing_key(&ctx, &req.key_id)?;
            return Err(not_found(&ctx, &req.key_id));
        };
        authorize::key(&ctx, &key)?;
        Ok(DescribeKeyResponse {
            key_metadata: Some(metadata(&key, &ctx.account_id)),
        })
    })
    .await
}

pub async fn list_keys(
    svc: &Service,
    ctx: &Ctx,
    req: ListKeysRequest,
) -> Result<ListKeysResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        ctx.check(Resource::any())?;
        let keys = txn.kms_keys(&ctx.region)?;
        let (page, next) = paging::page(keys, req.marker.as_deref(), req.limit, 100)?;
        Ok(ListKeysResponse {
            keys: Some(
                page.into_iter()
                    .map(|k| KeyListEntry {
                        key_id: Some(k.key_id),
                        key_arn: Some(k.arn),
                    })
                    .collect(),
            ),
            truncated: Some(next.is_some()),
            next_marker: next,
        })
    })
    .await
}

/// Loads a customer key, changes it, stores it.
async fn change_key(
    svc: &Service,
    ctx: &Ctx,
    key_ref: String,
    action: &'static str,
    change: impl FnOnce(&mut KmsKeyRow, i64) -> Result<(), AwsError> + Send + 'static,
) -> Result<KmsKeyRow, AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |_, txn| {
        let mut key = require_key(txn, &ctx, &key_ref)?;
        refuse_aws_managed(&key, &ctx, action)?;
        change(&mut key, now)?;
        txn.update_kms_key(&key)?;
        Ok(key)
    })
    .await
}

fn pending_deletion(key: &KmsKeyRow) -> AwsError {
    AwsError::new(
        ErrorCode::KMSInvalidStateException,
        format!("{} is pending deletion.", key.arn),
    )
}

pub async fn enable_key(
    svc: &Service,
    ctx: &Ctx,
    req: EnableKeyRequest,
) -> Result<Empty, AwsError> {
    change_key(svc, ctx, req.key_id, "EnableKey", |key, _| {
        if key.state == STATE_PENDING_DELETION {
            return Err(pending_deletion(key));
        }
        key.state = STATE_ENABLED.into();
        Ok(())
    })
    .await?;
    Ok(Empty {})
}

pub async fn disable_key(
    svc: &Service,
    ctx: &Ctx,
    req: DisableKeyRequest,
) -> Result<Empty, AwsError> {
    change_key(svc, ctx, req.key_id, "DisableKey", |key, _| {
        if key.state == STATE_PENDING_DELETION {
            return Err(pending_deletion(key));
        }
        key.state = STATE_DISABLED.into();
        Ok(())
    })
    .await?;
    Ok(Empty {})
}

pub async fn schedule_key_deletion(
    svc: &Service,
    ctx: &Ctx,
    req: ScheduleKeyDeletionRequest,
) -> Result<ScheduleKeyDeletionResponse, AwsError> {
    let days = req.pending_window_in_days.unwrap_or(30);
    if !(7..=30).contains(&days) {
        // As recorded from AWS.
        return Err(AwsError::new(
            ErrorCode::ValidationException,
            "PendingWindowInDays must be between 7 and 30",
        ));
    }
    let key = change_key(
        svc,
        ctx,
        req.key_id,
        "ScheduleKeyDeletion",
        move |key, now| {
            if key.state == STATE_PENDING_DELETION {
                return Err(pending_deletion(key));
            }
            key.state = STATE_PENDING_DELETION.into();
            key.deletion_date = Some(now + days as i64 * DAY_MS);
            key.pending_window_days = Some(days as i64);
            Ok(())
        },
    )
    .await?;
    Ok(ScheduleKeyDeletionResponse {
        key_id: Some(key.arn.clone()),
        deletion_date: key.deletion_date.map(Timestamp),
        key_state: Some(key.state.clone()),
        pending_window_in_days: Some(days),
    })
}

pub async fn cancel_key_deletion(
    svc: &Service,
    ctx: &Ctx,
    req: CancelKeyDeletionRequest,
) -> Result<CancelKeyDeletionResponse, AwsError> {
    let key = change_key(svc, ctx, req.key_id, "CancelKeyDeletion", |key, _| {
        if key.state != STATE_PENDING_DELETION {
            return Err(AwsError::new(
                ErrorCode::KMSInvalidStateException,
                format!("{} is not pending deletion.", key.arn),
            ));
        }
        // As on AWS, a key whose deletion is cancelled comes back disabled.
        key.state = STATE_DISABLED.into();
        key.deletion_date = None;
        key.pending_window_days = None;
        Ok(())
    })
    .await?;
    Ok(CancelKeyDeletionResponse {
        key_id: Some(key.arn),
    })
}

pub async fn update_key_description(
    svc: &Service,
    ctx: &Ctx,
    req: UpdateKeyDescriptionRequest,
) -> Result<Empty, AwsError> {
    change_key(
        svc,
        ctx,
        req.key_id,
        "UpdateKeyDescription",
        move |key, _| {
            super::resolve::refuse_pending_deletion(key)?;
            key.description = req.description;
            Ok(())
        },
    )
    .await?;
    Ok(Empty {})
}

/// Deletes keys whose waiting period has ended and rotates keys whose
/// automatic rotation is due. Returns (deleted, rotated).
pub async fn maintain_keys(svc: &Service) -> Result<(usize, usize), AwsError> {
    let now = svc.now();
    let (deleted, rotated) = svc
        .write(move |svc, txn| {
            let (mut deleted, mut rotated) = (Vec::new(), 0);
            for mut key in txn.kms_keys_due(now)? {
                if key.state == STATE_PENDING_DELETION
                    && key.deletion_date.is_some_and(|d| d <= now)
                {
                    svc.record_service_event(
                        txn,
                        tresor_wire::Service::Kms,
                        "DeleteKey",
                        &key.region,
                        &key.arn,
                    )?;
                    txn.delete_kms_key(&key.key_id)?;
                    deleted.push(key.key_id);
                    continue;
                }
                if let (Some(period), Some(next)) = (key.rotation_period_days, key.next_rotation)
                    && next <= now
                {
                    if key.state == STATE_ENABLED {
                        svc.keyring
                            .rotate(txn, &key, "AUTOMATIC", now)
                            .map_err(|e| {
                                crate::service::internal_error("automatic key rotation", &e)
                            })?;
                        svc.record_service_event(
                            txn,
                            tresor_wire::Service::Kms,
                            "RotateKey",
                            &key.region,
                            &key.arn,
                        )?;
                        rotated += 1;
                    }
                    key.next_rotation = Some(now + period * DAY_MS);
                    txn.update_kms_key(&key)?;
                }
            }
            Ok((deleted, rotated))
        })
        .await?;
    for key_id in &deleted {
        svc.keyring.forget(key_id);
    }
    Ok((deleted.len(), rotated))
}
