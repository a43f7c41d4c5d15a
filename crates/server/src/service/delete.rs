//! DeleteSecret, RestoreSecret, and the purge of secrets whose recovery
//! window has ended.
//!
//! DeleteSecret schedules deletion (7–30 days, default 30): the secret keeps
//! everything, answers DescribeSecret, and refuses value operations until
//! restored. `ForceDeleteWithoutRecovery` deletes at once, and succeeds even
//! for a secret that does not exist.

use tresor_wire::AwsError;
use tresor_wire::arn::{PARTITION, SecretRef};
use tresor_wire::dto::{
    DeleteSecretRequest, DeleteSecretResponse, RestoreSecretRequest, RestoreSecretResponse,
    Timestamp,
};

use super::authorize;
use super::secret::{find, resolve};
use super::{Ctx, Service, errors};
use crate::clock::DAY_MS;

const DEFAULT_RECOVERY_DAYS: i64 = 30;

pub async fn delete_secret(
    svc: &Service,
    ctx: &Ctx,
    req: DeleteSecretRequest,
) -> Result<DeleteSecretResponse, AwsError> {
    // Checked even together with ForceDeleteWithoutRecovery, as AWS does.
    if let Some(days) = req.recovery_window_in_days
        && !(7..=30).contains(&days)
    {
        return Err(errors::invalid_parameter(
            "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
        ));
    }
    let force = req.force_delete_without_recovery.unwrap_or(false);
    if force && req.recovery_window_in_days.is_some() {
        return Err(errors::invalid_parameter(
            "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
        ));
    }
    let days = req.recovery_window_in_days.unwrap_or(DEFAULT_RECOVERY_DAYS);
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |_, txn| {
        let found = find(txn, &ctx, &req.secret_id)?;
        match &found {
            Some(row) => authorize::secret(&ctx, row)?,
            None => authorize::missing_secret(&ctx, &req.secret_id)?,
        }
        let Some(mut row) = found else {
            if force {
                return Ok(absent_secret_response(&ctx, &req.secret_id, now));
            }
            return Err(errors::secret_not_found());
        };
        if row.is_replica() {
            return Err(errors::replica_read_only());
        }
        if !row.replicas.is_empty() {
            let regions: Vec<&str> = row.replicas.iter().map(|r| r.region.as_str()).collect();
            return Err(errors::invalid_request(format!(
                "You can't delete secret {} that still has replica regions [{}]. Remove the replicas first.",
                row.name,
                regions.join(", ")
            )));
        }
        if force {
            txn.delete_secret(row.id)?;
            return Ok(DeleteSecretResponse {
                arn: Some(row.arn),
                name: Some(row.name),
                deletion_date: Some(Timestamp(now)),
            });
        }
        if row.is_scheduled_for_deletion() {
            return Err(errors::marked_for_deletion());
        }
        let deletion_date = now + days * DAY_MS;
        row.deleted = Some(now);
        row.deletion_date = Some(deletion_date);
        row.last_changed = now;
        txn.update_secret(&row)?;
        Ok(DeleteSecretResponse {
            arn: Some(row.arn),
            name: Some(row.name),
            deletion_date: Some(Timestamp(deletion_date)),
        })
    })
    .await
}

/// What a forced delete of a secret that does not exist answers: the name
/// and ARN as the caller gave them.
fn absent_secret_response(ctx: &Ctx, secret_id: &str, now: i64) -> DeleteSecretResponse {
    let (arn, name) = match SecretRef::parse(secret_id) {
        SecretRef::Name(name) | SecretRef::PartialArn { name, .. } => (
            format!(
                "arn:{PARTITION}:secretsmanager:{}:{}:secret:{name}",
                ctx.region, ctx.account_id
            ),
            name,
        ),
        SecretRef::FullArn { name, .. } => (secret_id.to_string(), name),
        SecretRef::NotASecretArn => (secret_id.to_string(), secret_id.to_string()),
    };
    DeleteSecretResponse {
        arn: Some(arn),
        name: Some(name),
        deletion_date: Some(Timestamp(now)),
    }
}

pub async fn restore_secret(
    svc: &Service,
    ctx: &Ctx,
    req: RestoreSecretRequest,
) -> Result<RestoreSecretResponse, AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |_, txn| {
        let mut row = resolve(txn, &ctx, &req.secret_id)?;
        if row.is_replica() {
            return Err(errors::replica_read_only());
        }
        if row.is_scheduled_for_deletion() {
            row.deleted = None;
            row.deletion_date = None;
            row.last_changed = now;
            txn.update_secret(&row)?;
        }
        Ok(RestoreSecretResponse {
            arn: Some(row.arn),
            name: Some(row.name),
        })
    })
    .await
}

/// Secrets one purge transaction removes at most: the writer, and every
/// request waiting for its audit event, is held only that long.
const PURGE_STEP: usize = 100;

/// Deletes, for good, every secret whose recovery window has ended, in
/// transactions of at most `PURGE_STEP` secrets. Returns how many were
/// removed.
pub async fn purge_due(svc: &Service) -> Result<usize, AwsError> {
    let now = svc.now();
    let mut total = 0;
    loop {
        let purged = purge_step(svc, now).await?;
        total += purged;
        if purged < PURGE_STEP {
            return Ok(total);
        }
    }
}

async fn purge_step(svc: &Service, now: i64) -> Result<usize, AwsError> {
    let purged = svc
        .write(move |svc, txn| {
            let due = txn.secrets_due_for_purge(now, PURGE_STEP)?;
            let mut arns = Vec::with_capacity(due.len());
            for id in &due {
                if let Some(row) = txn.secret_by_id(*id)? {
                    svc.record_service_event(
                        txn,
                        tresor_wire::Service::SecretsManager,
                        "EndSecretDeletion",
                        &row.region,
                        &row.arn,
                    )?;
                    arns.push(row.arn);
                }
                txn.delete_secret(*id)?;
            }
            Ok(arns)
        })
        .await?;
    svc.changes.note(purged.iter().map(String::as_str));
    Ok(purged.len())
}
