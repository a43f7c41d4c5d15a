//! Writing a new value into a secret: the path CreateSecret, PutSecretValue
//! and UpdateSecret share.
//!
//! Owns ClientRequestToken idempotency (API reference §3.5), sealing the
//! value, attaching its labels, the label quota and version pruning.

use tresor_wire::AwsError;

use super::errors;
use super::kms::authorize as kms_access;
use super::labels::{self, MAX_LABELS_PER_SECRET};
use super::secret::SecretState;
use super::secret_keys::{decryption_failure, encryption_failure, key_for_secret};
use super::{Ctx, Service};
use crate::clock::DAY_MS;
use crate::store::{VersionRow, WriteTxn};
use crate::value::SecretValue;

/// Deprecated versions are pruned once a secret has more versions than this,
/// and no more versions can be created once nothing is left to prune.
pub const MAX_VERSIONS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// A new version was created.
    Created,
    /// The token already named a version with this very value: a retry.
    Unchanged,
    /// The token named an empty AWSPENDING version (rotation's createSecret).
    FilledPending,
}

/// A value to write: its version id (the request token), and the labels
/// it takes (`None`: `AWSCURRENT`).
pub struct NewVersion<'a> {
    pub token: &'a str,
    pub value: &'a SecretValue,
    pub stages: Option<&'a [String]>,
}

impl<'a> NewVersion<'a> {
    /// A value that becomes `AWSCURRENT`.
    pub fn current(token: &'a str, value: &'a SecretValue) -> NewVersion<'a> {
        NewVersion {
            token,
            value,
            stages: None,
        }
    }
}

/// Writes a new version of `state`, moving its labels; the caller needs
/// the key's use through Secrets Manager. Updates `state` to match.
pub fn write_value(
    svc: &Service,
    txn: &mut dyn WriteTxn,
    ctx: &Ctx,
    state: &mut SecretState,
    new: NewVersion,
    now: i64,
) -> Result<Written, AwsError> {
    let NewVersion {
        token,
        value,
        stages,
    } = new;
    let secret = state.row.id;
    let arn = state.row.arn.clone();
    let existing = state.version(token).cloned();
    if let Some(existing) = &existing
        && existing.has_value
    {
        let sealed = txn
            .sealed_value(secret, token)?
            .ok_or_else(|| errors::internal("version without value", &token))?;
        if let Some(key) = txn.kms_key(&sealed.kms_key_id)? {
            kms_access::via_secrets_manager(ctx, "kms:Decrypt", &key, &arn, token)?;
        }
        let stored = svc
            .keyring
            .open_value(txn, &state.row.region, &sealed, &arn, token)
            .map_err(decryption_failure)?;
        return if stored.same_as(value) {
            Ok(Written::Unchanged)
        } else {
            Err(errors::token_in_use(token, &arn))
        };
    }

    let region = state.row.region.clone();
    let key = key_for_secret(svc, txn, &region, state.row.kms_key_id.as_deref(), now)?;
    kms_access::via_secrets_manager(ctx, "kms:GenerateDataKey", &key, &arn, token)?;
    let sealed = svc
        .keyring
        .seal_value(txn, &key, &arn, token, value)
        .map_err(encryption_failure)?;
    let written = if existing.is_some() {
        txn.set_version_value(secret, token, &sealed)?;
        let v = state
            .versions
            .iter_mut()
            .find(|v| v.version_id == token)
            .expect("the version exists");
        v.has_value = true;
        v.kms_key_id = Some(key.key_id.clone());
        Written::FilledPending
    } else {
        let version = VersionRow {
            version_id: token.to_string(),
            created: now,
            last_accessed: None,
            stages: Vec::new(),
            kms_key_id: Some(key.key_id.clone()),
            has_value: true,
        };
        txn.insert_version(secret, &version, Some(&sealed))?;
        state.versions.push(version);
        Written::Created
    };

    labels::attach_new_value(&mut state.labels, token, stages);
    check_label_quota(&state.labels)?;
    prune(txn, state, now)?;
    state.save_labels(txn)?;
    refresh_version_stages(state);
    Ok(written)
}

pub fn check_label_quota(labels: &labels::Labels) -> Result<(), AwsError> {
    if labels.len() > MAX_LABELS_PER_SECRET {
        return Err(errors::limit_exceeded(format!(
            "A secret can have at most {MAX_LABELS_PER_SECRET} staging labels across all its versions."
        )));
    }
    Ok(())
}

/// Keeps `VersionRow::stages` in step with the label map.
pub fn refresh_version_stages(state: &mut SecretState) {
    for v in &mut state.versions {
        v.stages = labels::stages_of(&state.labels, &v.version_id);
    }
}

/// Removes the oldest deprecated (unlabelled) versions over the quota, but
/// never one younger than a day (AWS does the same). Fails if the secret
/// would still have too many versions.
fn prune(txn: &mut dyn WriteTxn, state: &mut SecretState, now: i64) -> Result<(), AwsError> {
    if state.versions.len() <= MAX_VERSIONS {
        return Ok(());
    }
    let labelled: std::collections::HashSet<&String> = state.labels.values().collect();
    let mut candidates: Vec<(i64, String)> = state
        .versions
        .iter()
        .filter(|v| !labelled.contains(&v.version_id) && v.created <= now - DAY_MS)
        .map(|v| (v.created, v.version_id.clone()))
        .collect();
    candidates.sort();
    let excess = state.versions.len() - MAX_VERSIONS;
    for (_, version_id) in candidates.into_iter().take(excess) {
        txn.delete_version(state.row.id, &version_id)?;
        state.versions.retain(|v| v.version_id != version_id);
    }
    if state.versions.len() > MAX_VERSIONS {
        return Err(errors::limit_exceeded(format!(
            "You have exceeded the maximum number of versions ({MAX_VERSIONS}) for this secret. \
             Versions without staging labels are removed once they are older than 24 hours."
        )));
    }
    Ok(())
}
