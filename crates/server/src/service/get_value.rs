//! GetSecretValue and BatchGetSecretValue.
//!
//! Picks the version (`VersionId`, `VersionStage`, default `AWSCURRENT`)
//! with AWS's error precedence, decrypts it, and records the access day.

use tresor_wire::AwsError;
use tresor_wire::dto::{
    ApiError, BatchGetSecretValueRequest, BatchGetSecretValueResponse, GetSecretValueRequest,
    GetSecretValueResponse, SecretValueEntry, Timestamp,
};

use super::filters::SecretFilters;
use super::kms::authorize as kms_access;
use super::labels::AWSCURRENT;
use super::secret::{SecretState, resolve};
use super::{Ctx, Service, authorize, errors, list, pagination};
use crate::authz::Resource;
use crate::clock::day_of;
use crate::store::{ReadTxn, SecretKey, SecretRow};
use crate::value::SecretValue;

/// Most secrets one BatchGetSecretValue call returns.
const MAX_BATCH: usize = 20;

/// A decrypted version and where it came from.
struct Read {
    row: SecretRow,
    version_id: String,
    stages: Vec<String>,
    created: i64,
    value: SecretValue,
    /// Whether the access day must be recorded (secret or version).
    stale_access: bool,
}

fn read_version(
    svc: &Service,
    txn: &dyn ReadTxn,
    ctx: &Ctx,
    row: SecretRow,
    version_id: Option<&str>,
    stage: Option<&str>,
) -> Result<Read, AwsError> {
    if row.is_scheduled_for_deletion() {
        return Err(errors::marked_for_deletion());
    }
    let state = SecretState::load(txn, row)?;
    let (version, missing) = match version_id {
        Some(id) => {
            let version = state
                .version(id)
                .ok_or_else(|| errors::version_not_found(id))?;
            if let Some(stage) = stage
                && !version.stages.iter().any(|s| s == stage)
            {
                return Err(errors::invalid_request(
                    "You provided a VersionStage that is not associated to the provided VersionId.",
                ));
            }
            (version, errors::version_not_found(id))
        }
        None => {
            let stage = stage.unwrap_or(AWSCURRENT);
            let id = state
                .labels
                .get(stage)
                .ok_or_else(|| errors::stage_not_found(stage))?;
            let version = state
                .version(id)
                .ok_or_else(|| errors::stage_not_found(stage))?;
            (version, errors::stage_not_found(stage))
        }
    };
    // The empty AWSPENDING version a rotation starts with has no value yet.
    let sealed = txn
        .sealed_value(state.row.id, &version.version_id)?
        .ok_or(missing)?;
    if let Some(key) = txn.kms_key(&sealed.kms_key_id)? {
        kms_access::via_secrets_manager(
            ctx,
            "kms:Decrypt",
            &key,
            &state.row.arn,
            &version.version_id,
        )?;
    }
    let value = svc
        .keyring
        .open_value(
            txn,
            &state.row.region,
            &sealed,
            &state.row.arn,
            &version.version_id,
        )
        .map_err(super::secret_keys::decryption_failure)?;
    let today = day_of(svc.now());
    let stale_access =
        state.row.last_accessed != Some(today) || version.last_accessed != Some(today);
    Ok(Read {
        version_id: version.version_id.clone(),
        stages: version.stages.clone(),
        created: version.created,
        value,
        stale_access,
        row: state.row,
    })
}

/// Records today as the access day of the secrets and versions read.
async fn record_access(svc: &Service, reads: Vec<(SecretKey, String)>) -> Result<(), AwsError> {
    if reads.is_empty() {
        return Ok(());
    }
    let today = day_of(svc.now());
    svc.write(move |_, txn| {
        for (secret, version_id) in reads {
            if let Some(mut row) = txn.secret_by_id(secret)? {
                if row.last_accessed != Some(today) {
                    row.last_accessed = Some(today);
                    txn.update_secret(&row)?;
                }
                txn.set_version_accessed(secret, &version_id, today)?;
            }
        }
        Ok(())
    })
    .await
}

fn split(
    value: SecretValue,
) -> (
    Option<tresor_wire::dto::SecretString>,
    Option<tresor_wire::dto::SecretBytes>,
) {
    match value {
        SecretValue::String(s) => (Some(s), None),
        SecretValue::Binary(b) => (None, Some(b)),
    }
}

pub async fn get_secret_value(
    svc: &Service,
    ctx: &Ctx,
    req: GetSecretValueRequest,
) -> Result<GetSecretValueResponse, AwsError> {
    let ctx = ctx.clone();
    // The hot path: usually answered from the store's memory on this task.
    let read = svc
        .read_fast(move |svc, txn| {
            let row = resolve(txn, &ctx, &req.secret_id)?;
            read_version(
                svc,
                txn,
                &ctx,
                row,
                req.version_id.as_deref(),
                req.version_stage.as_deref(),
            )
        })
        .await?;
    if read.stale_access {
        record_access(svc, vec![(read.row.id, read.version_id.clone())]).await?;
    }
    let (secret_string, secret_binary) = split(read.value);
    Ok(GetSecretValueResponse {
        arn: Some(read.row.arn),
        name: Some(read.row.name),
        version_id: Some(read.version_id),
        secret_string,
        secret_binary,
        version_stages: Some(read.stages).filter(|s| !s.is_empty()),
        created_date: Some(Timestamp(read.created)),
    })
}

pub async fn batch_get_secret_value(
    svc: &Service,
    ctx: &Ctx,
    req: BatchGetSecretValueRequest,
) -> Result<BatchGetSecretValueResponse, AwsError> {
    let filters = match (&req.secret_id_list, &req.filters) {
        (Some(_), Some(_)) | (None, None) => {
            return Err(errors::invalid_parameter(
                "Either 'SecretIdList' or 'Filters' must be provided, but not both.",
            ));
        }
        (Some(_), None) if req.max_results.is_some() => {
            return Err(errors::invalid_parameter(
                "'MaxResults' can be used only together with 'Filters'.",
            ));
        }
        (_, Some(filters)) => Some(SecretFilters::compile(filters)?),
        (Some(_), None) => None,
    };
    let offset = pagination::decode(req.next_token.as_deref())?;
    let max = req
        .max_results
        .map_or(MAX_BATCH, |m| m.clamp(1, MAX_BATCH as i32) as usize);
    // The batch itself, listing when it filters, then each secret is
    // decided on its own: a denied one is reported in Errors.
    ctx.check(Resource::any())?;
    if filters.is_some() {
        ctx.access
            .check_action("secretsmanager:ListSecrets", Resource::any())?;
    }
    let ctx = ctx.for_action("secretsmanager:GetSecretValue");
    let ids = req.secret_id_list.clone();
    let (entries, errors_out, next_token) = svc
        .read(move |svc, txn| {
            // Either the ids as sent, or one page of the secrets that match.
            let (targets, next_token): (Vec<(String, Result<SecretRow, AwsError>)>, _) =
                match (ids, filters) {
                    (Some(ids), _) => {
                        let targets = ids
                            .into_iter()
                            .map(|id| {
                                let row = super::secret::resolve(txn, &ctx, &id);
                                (id, row)
                            })
                            .collect();
                        (targets, None)
                    }
                    (None, filters) => {
                        let filters = filters.expect("checked above");
                        let rows: Vec<SecretRow> = list::matching(txn, &ctx, &filters, false)?;
                        let (page, token) = pagination::page(rows, offset, max);
                        (
                            page.into_iter()
                                .map(|r| {
                                    let allowed = authorize::secret(&ctx, &r).map(|()| r.clone());
                                    (r.arn, allowed)
                                })
                                .collect(),
                            token,
                        )
                    }
                };
            let mut entries = Vec::new();
            let mut failures = Vec::new();
            for (secret_id, row) in targets {
                let outcome = row.and_then(|row| read_version(svc, txn, &ctx, row, None, None));
                match outcome {
                    Ok(read) => entries.push(read),
                    Err(e) => failures.push(ApiError {
                        secret_id: Some(secret_id),
                        error_code: Some(e.code.as_str().to_string()),
                        message: Some(e.message),
                    }),
                }
            }
            Ok((entries, failures, next_token))
        })
        .await?;
    let stale: Vec<(SecretKey, String)> = entries
        .iter()
        .filter(|r| r.stale_access)
        .map(|r| (r.row.id, r.version_id.clone()))
        .collect();
    record_access(svc, stale).await?;
    let secret_values = entries
        .into_iter()
        .map(|read| {
            let (secret_string, secret_binary) = split(read.value);
            SecretValueEntry {
                arn: Some(read.row.arn),
                name: Some(read.row.name),
                version_id: Some(read.version_id),
                secret_string,
                secret_binary,
                version_stages: Some(read.stages).filter(|s| !s.is_empty()),
                created_date: Some(Timestamp(read.created)),
            }
        })
        .collect();
    Ok(BatchGetSecretValueResponse {
        secret_values: Some(secret_values),
        next_token,
        errors: Some(errors_out),
    })
}
