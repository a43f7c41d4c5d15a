//! Key rotation: EnableKeyRotation, DisableKeyRotation,
//! GetKeyRotationStatus, RotateKeyOnDemand, ListKeyRotations.
//!
//! Rotating adds a generation of key material: the newest encrypts, every
//! older one still decrypts what it made. Automatic rotation runs in the
//! background (`keys::maintain_keys`) every `RotationPeriodInDays`.

use tresor_wire::dto::Timestamp;
use tresor_wire::dto::kms::*;
use tresor_wire::{AwsError, ErrorCode};

use super::paging;
use super::resolve::{kms_error, refuse_aws_managed, require_key};
use crate::clock::DAY_MS;
use crate::kms::{STATE_ENABLED, STATE_PENDING_DELETION};
use crate::service::{Ctx, Empty, Service};
use crate::store::KmsKeyRow;

const DEFAULT_PERIOD_DAYS: i64 = 365;

fn require_enabled(key: &KmsKeyRow) -> Result<(), AwsError> {
    match key.state.as_str() {
        STATE_ENABLED => Ok(()),
        STATE_PENDING_DELETION => Err(AwsError::new(
            ErrorCode::KMSInvalidStateException,
            format!("{} is pending deletion.", key.arn),
        )),
        _ => Err(AwsError::new(
            ErrorCode::DisabledException,
            format!("{} is disabled.", key.arn),
        )),
    }
}

pub async fn enable_key_rotation(
    svc: &Service,
    ctx: &Ctx,
    req: EnableKeyRotationRequest,
) -> Result<Empty, AwsError> {
    let period = req
        .rotation_period_in_days
        .map_or(DEFAULT_PERIOD_DAYS, i64::from);
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |_, txn| {
        let mut key = require_key(txn, &ctx, &req.key_id)?;
        refuse_aws_managed(&key, &ctx, "EnableKeyRotation")?;
        require_enabled(&key)?;
        key.rotation_period_days = Some(period);
        key.next_rotation = Some(now + period * DAY_MS);
        txn.update_kms_key(&key)?;
        Ok(Empty {})
    })
    .await
}

pub async fn disable_key_rotation(
    svc: &Service,
    ctx: &Ctx,
    req: DisableKeyRotationRequest,
) -> Result<Empty, AwsError> {
    let ctx = ctx.clone();
    svc.write(move |_, txn| {
        let mut key = require_key(txn, &ctx, &req.key_id)?;
        refuse_aws_managed(&key, &ctx, "DisableKeyRotation")?;
        require_enabled(&key)?;
        key.rotation_period_days = None;
        key.next_rotation = None;
        txn.update_kms_key(&key)?;
        Ok(Empty {})
    })
    .await
}

pub async fn get_key_rotation_status(
    svc: &Service,
    ctx: &Ctx,
    req: GetKeyRotationStatusRequest,
) -> Result<GetKeyRotationStatusResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let key = require_key(txn, &ctx, &req.key_id)?;
        Ok(GetKeyRotationStatusResponse {
            key_rotation_enabled: Some(key.rotation_period_days.is_some()),
            key_id: Some(key.arn.clone()),
            rotation_period_in_days: key.rotation_period_days.map(|d| d as i32),
            next_rotation_date: key.next_rotation.map(Timestamp),
            on_demand_rotation_start_date: None,
        })
    })
    .await
}

pub async fn rotate_key_on_demand(
    svc: &Service,
    ctx: &Ctx,
    req: RotateKeyOnDemandRequest,
) -> Result<RotateKeyOnDemandResponse, AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |svc, txn| {
        let key = require_key(txn, &ctx, &req.key_id)?;
        refuse_aws_managed(&key, &ctx, "RotateKeyOnDemand")?;
        require_enabled(&key)?;
        svc.keyring
            .rotate(txn, &key, "ON_DEMAND", now)
            .map_err(|e| kms_error(e, &ctx))?;
        Ok(RotateKeyOnDemandResponse {
            key_id: Some(key.key_id),
        })
    })
    .await
}

pub async fn list_key_rotations(
    svc: &Service,
    ctx: &Ctx,
    req: ListKeyRotationsRequest,
) -> Result<ListKeyRotationsResponse, AwsError> {
    let all = req.include_key_material.as_deref() == Some("ALL_KEY_MATERIAL");
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let key = require_key(txn, &ctx, &req.key_id)?;
        let newest = txn
            .key_materials(&key.key_id)?
            .iter()
            .map(|m| m.version)
            .max();
        let rotations: Vec<RotationsListEntry> = txn
            .key_materials(&key.key_id)?
            .into_iter()
            .filter(|m| all || m.rotation_type.is_some())
            .map(|m| RotationsListEntry {
                key_id: Some(key.key_id.clone()),
                key_material_id: Some(material_id(&key.key_id, m.version)),
                key_material_state: Some(
                    if Some(m.version) == newest {
                        "CURRENT"
                    } else {
                        "NON_CURRENT"
                    }
                    .into(),
                ),
                rotation_date: m.rotation_type.as_ref().map(|_| Timestamp(m.created)),
                rotation_type: m.rotation_type,
                ..Default::default()
            })
            .collect();
        let (page, next) = paging::page(rotations, req.marker.as_deref(), req.limit, 100)?;
        Ok(ListKeyRotationsResponse {
            rotations: Some(page),
            truncated: Some(next.is_some()),
            next_marker: next,
        })
    })
    .await
}

/// A stable 64-hex-digit id for a generation of key material.
fn material_id(key_id: &str, version: u32) -> String {
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        format!("{key_id}/{version}").as_bytes(),
    );
    hex::encode(digest.as_ref())
}
