//! Multi-region replication: ReplicateSecretToRegions,
//! RemoveRegionsFromReplication, StopReplicationToReplica, and keeping
//! replicas in step with their primary.
//!
//! A region is chosen by the SigV4 credential scope, so replicas live on
//! the same server under another region. A replica has the primary's name,
//! the primary's ARN with its own region, and its own KMS key; its values
//! are re-encrypted for it (their ARN is part of the encryption context).
//! Every change of the primary is applied to its replicas in the same
//! transaction, so a replica is never behind (`InSync`). Replicas are
//! read-only until promoted with StopReplicationToReplica.

use tresor_wire::AwsError;
use tresor_wire::arn::with_region;
use tresor_wire::dto::{
    RemoveRegionsFromReplicationRequest, RemoveRegionsFromReplicationResponse, ReplicaRegion,
    ReplicateSecretToRegionsRequest, ReplicateSecretToRegionsResponse, ReplicationStatus,
    StopReplicationToReplicaRequest, StopReplicationToReplicaResponse,
};

use super::kms::resolve::DEFAULT_ALIAS as DEFAULT_KEY_ALIAS;
use super::secret::{SecretState, resolve_live, resolve_writable, save_labels};
use super::secret_keys::{decryption_failure, encryption_failure, key_for_secret};
use super::{Ctx, Service, errors};
use crate::store::{ReadTxn, Replica, SecretRow, VersionRow, WriteTxn};

const IN_SYNC: &str = "InSync";
const FAILED: &str = "Failed";

/// Checks the requested replica regions; returns `(region, kms key)` pairs.
pub fn validate_regions(
    svc: &Service,
    ctx: &Ctx,
    regions: &[ReplicaRegion],
) -> Result<Vec<(String, Option<String>)>, AwsError> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for r in regions {
        let Some(region) = r.region.clone() else {
            return Err(errors::invalid_parameter(
                "Each replica region must name a Region.",
            ));
        };
        if region == ctx.region {
            return Err(errors::invalid_parameter(format!(
                "Invalid replica region: {region} is the secret's primary region."
            )));
        }
        if let Some(allowed) = &svc.allowed_regions
            && !allowed.contains(&region)
        {
            return Err(errors::invalid_parameter(format!(
                "Invalid replica region: this server does not serve {region}."
            )));
        }
        if out.iter().any(|(r, _)| *r == region) {
            return Err(errors::invalid_parameter(format!(
                "The replica region {region} appears more than once."
            )));
        }
        out.push((region, r.kms_key_id.clone().filter(|k| !k.is_empty())));
    }
    Ok(out)
}

/// The `ReplicationStatus` of a primary (`None` if it has no replicas).
pub fn statuses(row: &SecretRow) -> Option<Vec<ReplicationStatus>> {
    if row.replicas.is_empty() {
        return None;
    }
    Some(
        row.replicas
            .iter()
            .map(|r| ReplicationStatus {
                region: Some(r.region.clone()),
                kms_key_id: Some(
                    r.kms_key_id
                        .clone()
                        .unwrap_or_else(|| DEFAULT_KEY_ALIAS.to_string()),
                ),
                status: Some(r.status.clone()),
                status_message: r.status_message.clone(),
                last_accessed_date: None,
            })
            .collect(),
    )
}

/// Each replica's last access day, in the order of `row.replicas`.
pub fn replica_access_dates(
    txn: &dyn ReadTxn,
    row: &SecretRow,
) -> Result<Vec<Option<i64>>, AwsError> {
    let mut dates = Vec::with_capacity(row.replicas.len());
    for r in &row.replicas {
        dates.push(
            txn.secret_by_name(&r.region, &row.name)?
                .and_then(|s| s.last_accessed),
        );
    }
    Ok(dates)
}

/// Creates replicas of `primary` in `regions` and records them on it.
pub fn add_replicas(
    svc: &Service,
    txn: &mut dyn WriteTxn,
    primary: &mut SecretRow,
    regions: Vec<(String, Option<String>)>,
    force_overwrite: bool,
    now: i64,
) -> Result<Vec<ReplicationStatus>, AwsError> {
    for (region, kms_key_id) in regions {
        if primary
            .replicas
            .iter()
            .any(|r| r.region == region && r.status == IN_SYNC)
        {
            continue;
        }
        primary.replicas.retain(|r| r.region != region);
        let failed = |message: &str| Replica {
            region: region.clone(),
            kms_key_id: kms_key_id.clone(),
            status: FAILED.to_string(),
            status_message: Some(message.to_string()),
        };
        if let Some(existing) = txn.secret_by_name(&region, &primary.name)? {
            if !force_overwrite || existing.is_replica() || !existing.replicas.is_empty() {
                primary.replicas.push(failed(
                    "Secret with this name already exists in this region",
                ));
                continue;
            }
            txn.delete_secret(existing.id)?;
        }
        if let Err(e) = key_for_secret(svc, txn, &region, kms_key_id.as_deref(), now) {
            primary.replicas.push(failed(&e.message));
            continue;
        }
        let replica = SecretRow {
            id: 0,
            region: region.clone(),
            arn: with_region(&primary.arn, &region)
                .ok_or_else(|| errors::internal("malformed secret ARN", &primary.arn))?,
            kms_key_id: kms_key_id.clone(),
            created: now,
            last_accessed: None,
            primary_region: Some(primary.region.clone()),
            replicas: Vec::new(),
            ..primary.clone()
        };
        txn.insert_secret(&replica)?;
        primary.replicas.push(Replica {
            region,
            kms_key_id,
            status: IN_SYNC.to_string(),
            status_message: None,
        });
    }
    primary.primary_region = Some(primary.region.clone());
    primary.last_changed = now;
    txn.update_secret(primary)?;
    sync_replicas(svc, txn, primary, now)?;
    Ok(statuses(primary).unwrap_or_default())
}

/// Makes every in-sync replica of `primary` match it: metadata, versions
/// (values re-encrypted for the replica) and labels.
pub fn sync_replicas(
    svc: &Service,
    txn: &mut dyn WriteTxn,
    primary: &SecretRow,
    now: i64,
) -> Result<(), AwsError> {
    if primary.replicas.iter().all(|r| r.status != IN_SYNC) {
        return Ok(());
    }
    let source = SecretState::load(txn, primary.clone())?;
    for rep in primary.replicas.iter().filter(|r| r.status == IN_SYNC) {
        let Some(mut row) = txn.secret_by_name(&rep.region, &primary.name)? else {
            continue;
        };
        row.description = primary.description.clone();
        row.secret_type = primary.secret_type.clone();
        row.tags = primary.tags.clone();
        row.resource_policy = primary.resource_policy.clone();
        row.rotation = primary.rotation.clone();
        row.last_changed = primary.last_changed;
        row.kms_key_id = rep.kms_key_id.clone();
        txn.update_secret(&row)?;
        let target = SecretState::load(txn, row)?;
        for v in &source.versions {
            let have = target.version(&v.version_id);
            if have.is_some_and(|h| h.has_value || !v.has_value) {
                continue;
            }
            copy_version(svc, txn, &source.row, &target.row, v, have.is_some(), now)?;
        }
        for v in &target.versions {
            if source.version(&v.version_id).is_none() {
                txn.delete_version(target.row.id, &v.version_id)?;
            }
        }
        save_labels(txn, target.row.id, &source.labels)?;
    }
    Ok(())
}

/// Copies one version from the primary to a replica, re-encrypting it.
fn copy_version(
    svc: &Service,
    txn: &mut dyn WriteTxn,
    from: &SecretRow,
    to: &SecretRow,
    version: &VersionRow,
    exists: bool,
    now: i64,
) -> Result<(), AwsError> {
    let sealed = match txn.sealed_value(from.id, &version.version_id)? {
        None => None,
        Some(sealed) => {
            let value = svc
                .keyring
                .open_value(txn, &from.region, &sealed, &from.arn, &version.version_id)
                .map_err(decryption_failure)?;
            let key = key_for_secret(svc, txn, &to.region, to.kms_key_id.as_deref(), now)?;
            Some(
                svc.keyring
                    .seal_value(txn, &key, &to.arn, &version.version_id, &value)
                    .map_err(encryption_failure)?,
            )
        }
    };
    match (exists, &sealed) {
        (true, Some(sealed)) => txn.set_version_value(to.id, &version.version_id, sealed)?,
        (true, None) => {}
        (false, _) => {
            let copy = VersionRow {
                last_accessed: None,
                kms_key_id: sealed.as_ref().map(|s| s.kms_key_id.clone()),
                ..version.clone()
            };
            txn.insert_version(to.id, &copy, sealed.as_ref())?;
        }
    }
    Ok(())
}

pub async fn replicate_secret_to_regions(
    svc: &Service,
    ctx: &Ctx,
    req: ReplicateSecretToRegionsRequest,
) -> Result<ReplicateSecretToRegionsResponse, AwsError> {
    let regions = validate_regions(svc, ctx, &req.add_replica_regions)?;
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |svc, txn| {
        let mut primary = resolve_writable(txn, &ctx, &req.secret_id)?;
        let force = req.force_overwrite_replica_secret.unwrap_or(false);
        let statuses = add_replicas(svc, txn, &mut primary, regions, force, now)?;
        Ok(ReplicateSecretToRegionsResponse {
            arn: Some(primary.arn.clone()),
            replication_status: Some(statuses),
        })
    })
    .await
}

pub async fn remove_regions_from_replication(
    svc: &Service,
    ctx: &Ctx,
    req: RemoveRegionsFromReplicationRequest,
) -> Result<RemoveRegionsFromReplicationResponse, AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |_, txn| {
        let mut primary = resolve_writable(txn, &ctx, &req.secret_id)?;
        for region in &req.remove_replica_regions {
            if !primary.replicas.iter().any(|r| r.region == *region) {
                return Err(errors::invalid_parameter(format!(
                    "The secret is not replicated to {region}."
                )));
            }
            if let Some(replica) = txn.secret_by_name(region, &primary.name)?
                && replica.primary_region.as_deref() == Some(&primary.region)
            {
                txn.delete_secret(replica.id)?;
            }
            primary.replicas.retain(|r| r.region != *region);
        }
        if primary.replicas.is_empty() {
            primary.primary_region = None;
        }
        primary.last_changed = now;
        txn.update_secret(&primary)?;
        Ok(RemoveRegionsFromReplicationResponse {
            arn: Some(primary.arn.clone()),
            replication_status: Some(statuses(&primary).unwrap_or_default()),
        })
    })
    .await
}

pub async fn stop_replication_to_replica(
    svc: &Service,
    ctx: &Ctx,
    req: StopReplicationToReplicaRequest,
) -> Result<StopReplicationToReplicaResponse, AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |_, txn| {
        let mut replica = resolve_live(txn, &ctx, &req.secret_id)?;
        let Some(primary_region) = replica.primary_region.clone().filter(|_| replica.is_replica()) else {
            return Err(errors::invalid_request(
                "StopReplicationToReplica can only be called on a replica secret, in the replica's region.",
            ));
        };
        // Promoted: a standalone secret whose primary region is its own.
        replica.primary_region = Some(replica.region.clone());
        replica.last_changed = now;
        txn.update_secret(&replica)?;
        if let Some(mut primary) = txn.secret_by_name(&primary_region, &replica.name)? {
            primary.replicas.retain(|r| r.region != replica.region);
            if primary.replicas.is_empty() {
                primary.primary_region = None;
            }
            primary.last_changed = now;
            txn.update_secret(&primary)?;
        }
        Ok(StopReplicationToReplicaResponse {
            arn: Some(replica.arn.clone()),
        })
    })
    .await
}
