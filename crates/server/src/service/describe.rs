//! DescribeSecret, and the secret metadata ListSecrets shares with it.
//!
//! Members without a value are omitted: a fresh secret describes as exactly
//! `ARN, Name, CreatedDate, LastChangedDate, VersionIdsToStages` (and not
//! even `VersionIdsToStages` without a value). The default KMS key is not
//! reported; rotation members appear once rotation was ever configured.

use std::collections::BTreeMap;

use tresor_wire::AwsError;
use tresor_wire::dto::{
    DescribeSecretRequest, DescribeSecretResponse, ReplicationStatus, RotationRules,
    SecretListEntry, Tag, Timestamp,
};

use super::labels::Labels;
use super::secret::{SecretState, resolve};
use super::{Ctx, Service, replication};
use crate::store::SecretRow;

pub async fn describe_secret(
    svc: &Service,
    ctx: &Ctx,
    req: DescribeSecretRequest,
) -> Result<DescribeSecretResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let row = resolve(txn, &ctx, &req.secret_id)?;
        let state = SecretState::load(txn, row)?;
        let replica_access = replication::replica_access_dates(txn, &state.row)?;
        Ok(describe(&state.row, &state.labels, replica_access))
    })
    .await
}

/// Version id → its labels, for versions that have any.
pub fn versions_to_stages(labels: &Labels) -> Option<BTreeMap<String, Vec<String>>> {
    if labels.is_empty() {
        return None;
    }
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (label, version) in labels {
        map.entry(version.clone()).or_default().push(label.clone());
    }
    Some(map)
}

fn tags(row: &SecretRow) -> Option<Vec<Tag>> {
    row.tags.as_ref().map(|tags| {
        tags.iter()
            .map(|(k, v)| Tag {
                key: Some(k.clone()),
                value: Some(v.clone()),
            })
            .collect()
    })
}

struct RotationMembers {
    enabled: Option<bool>,
    lambda_arn: Option<String>,
    rules: Option<RotationRules>,
    last_rotated: Option<Timestamp>,
    next_rotation: Option<Timestamp>,
}

fn rotation(row: &SecretRow) -> RotationMembers {
    let Some(r) = &row.rotation else {
        return RotationMembers {
            enabled: None,
            lambda_arn: None,
            rules: None,
            last_rotated: None,
            next_rotation: None,
        };
    };
    let has_rules = r.automatically_after_days.is_some()
        || r.schedule_expression.is_some()
        || r.duration.is_some();
    RotationMembers {
        enabled: Some(r.enabled),
        lambda_arn: r.lambda_arn.clone(),
        rules: has_rules.then(|| RotationRules {
            automatically_after_days: r.automatically_after_days,
            duration: r.duration.clone(),
            schedule_expression: r.schedule_expression.clone(),
        }),
        last_rotated: r.last_rotated.map(Timestamp),
        next_rotation: r.next_rotation.filter(|_| r.enabled).map(Timestamp),
    }
}

pub fn describe(
    row: &SecretRow,
    labels: &Labels,
    replica_access: Vec<Option<i64>>,
) -> DescribeSecretResponse {
    let rot = rotation(row);
    let replication_status: Option<Vec<ReplicationStatus>> =
        replication::statuses(row).map(|mut statuses| {
            for (status, accessed) in statuses.iter_mut().zip(replica_access) {
                status.last_accessed_date = accessed.map(Timestamp);
            }
            statuses
        });
    DescribeSecretResponse {
        arn: Some(row.arn.clone()),
        name: Some(row.name.clone()),
        secret_type: row.secret_type.clone(),
        description: row.description.clone(),
        kms_key_id: row.kms_key_id.clone(),
        rotation_enabled: rot.enabled,
        rotation_lambda_arn: rot.lambda_arn,
        rotation_rules: rot.rules,
        external_secret_rotation_metadata: None,
        external_secret_rotation_role_arn: None,
        last_rotated_date: rot.last_rotated,
        last_changed_date: Some(Timestamp(row.last_changed)),
        last_accessed_date: row.last_accessed.map(Timestamp),
        deleted_date: row.deleted.map(Timestamp),
        next_rotation_date: rot.next_rotation,
        tags: tags(row),
        version_ids_to_stages: versions_to_stages(labels),
        owning_service: row.owning_service.clone(),
        created_date: Some(Timestamp(row.created)),
        primary_region: row.primary_region.clone(),
        replication_status,
    }
}

/// The same metadata as a ListSecrets entry.
pub fn list_entry(row: &SecretRow, labels: &Labels) -> SecretListEntry {
    let d = describe(row, labels, Vec::new());
    SecretListEntry {
        arn: d.arn,
        name: d.name,
        secret_type: d.secret_type,
        description: d.description,
        kms_key_id: d.kms_key_id,
        rotation_enabled: d.rotation_enabled,
        rotation_lambda_arn: d.rotation_lambda_arn,
        rotation_rules: d.rotation_rules,
        external_secret_rotation_metadata: d.external_secret_rotation_metadata,
        external_secret_rotation_role_arn: d.external_secret_rotation_role_arn,
        last_rotated_date: d.last_rotated_date,
        last_changed_date: d.last_changed_date,
        last_accessed_date: d.last_accessed_date,
        deleted_date: d.deleted_date,
        next_rotation_date: d.next_rotation_date,
        tags: d.tags,
        secret_versions_to_stages: d.version_ids_to_stages,
        owning_service: d.owning_service,
        created_date: d.created_date,
        primary_region: d.primary_region,
    }
}
