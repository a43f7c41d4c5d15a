//! CreateSecret.
//!
//! A new secret gets an ARN with a fresh six-character suffix; with a value
//! it also gets its first version (`ClientRequestToken`, `[AWSCURRENT]`).
//! A retry with the same token and value answers as the first call did.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use tresor_wire::AwsError;
use tresor_wire::arn::secret_arn;
use tresor_wire::dto::{CreateSecretRequest, CreateSecretResponse};

use super::secret::{SecretState, is_valid_name};
use super::secret_keys::{key_for_secret, recorded_key_id};
use super::write_value::{NewVersion, Written, write_value};
use super::{Ctx, Service, errors, replication, tags};
use crate::authz::Resource;
use crate::store::SecretRow;
use crate::value::SecretValue;

pub async fn create_secret(
    svc: &Service,
    ctx: &Ctx,
    req: CreateSecretRequest,
) -> Result<CreateSecretResponse, AwsError> {
    let value = match (&req.secret_string, &req.secret_binary) {
        (Some(_), Some(_)) => return Err(errors::both_values()),
        _ => SecretValue::from_request(req.secret_string.clone(), req.secret_binary.clone()),
    };
    if value.is_some() && req.client_request_token.is_none() {
        return Err(errors::token_required());
    }
    if !is_valid_name(&req.name) {
        return Err(errors::invalid_name());
    }
    let tags = req
        .tags
        .as_deref()
        .map(tags::validate)
        .transpose()?
        .filter(|t| !t.is_empty());
    let replicas = req
        .add_replica_regions
        .as_deref()
        .map(|r| replication::validate_regions(svc, ctx, r))
        .transpose()?;
    let ctx = ctx.clone();
    let now = svc.now();
    // Decided against the ARN the secret gets, before anything about an
    // existing secret of that name is revealed. Tags and replicas given at
    // creation need their own actions too, as on AWS.
    let arn = secret_arn(&ctx.region, &ctx.account_id, &req.name, &random_suffix());
    ctx.check(Resource::arn(&arn))?;
    if tags.is_some() {
        ctx.access
            .check_action("secretsmanager:TagResource", Resource::arn(&arn))?;
    }
    if replicas.is_some() {
        ctx.access.check_action(
            "secretsmanager:ReplicateSecretToRegions",
            Resource::arn(&arn),
        )?;
    }
    svc.write(move |svc, txn| {
        if let Some(existing) = txn.secret_by_name(&ctx.region, &req.name)? {
            return retried_or_exists(svc, txn, &ctx, existing, &req, value.as_ref());
        }
        let key = key_for_secret(svc, txn, &ctx.region, req.kms_key_id.as_deref(), now)?;
        let mut row = SecretRow {
            id: 0,
            region: ctx.region.clone(),
            name: req.name.clone(),
            arn,
            description: req.description.clone().filter(|d| !d.is_empty()),
            kms_key_id: recorded_key_id(&key, req.kms_key_id.as_deref()),
            secret_type: req.secret_type.clone().filter(|t| !t.is_empty()),
            tags,
            resource_policy: None,
            rotation: None,
            created: now,
            last_changed: now,
            last_accessed: None,
            deleted: None,
            deletion_date: None,
            primary_region: None,
            replicas: Vec::new(),
            owning_service: None,
        };
        row.id = txn.insert_secret(&row)?;
        let mut response = CreateSecretResponse {
            arn: Some(row.arn.clone()),
            name: Some(row.name.clone()),
            ..Default::default()
        };
        if let (Some(value), Some(token)) = (&value, &req.client_request_token) {
            let mut state = SecretState::load(txn, row.clone())?;
            write_value(
                svc,
                txn,
                &ctx,
                &mut state,
                NewVersion::current(token, value),
                now,
            )?;
            response.version_id = Some(token.clone());
        }
        if let Some(replicas) = replicas {
            let statuses = replication::add_replicas(
                svc,
                txn,
                &mut row,
                replicas,
                req.force_overwrite_replica_secret.unwrap_or(false),
                now,
            )?;
            response.replication_status = Some(statuses);
        }
        Ok(response)
    })
    .await
}

/// A secret of this name exists: either this is a retry of the call that
/// created it (same token, same value), or the name is taken.
fn retried_or_exists(
    svc: &Service,
    txn: &mut dyn crate::store::WriteTxn,
    ctx: &Ctx,
    existing: SecretRow,
    req: &CreateSecretRequest,
    value: Option<&SecretValue>,
) -> Result<CreateSecretResponse, AwsError> {
    if existing.is_scheduled_for_deletion() {
        return Err(errors::invalid_request(
            "You can't create this secret because a secret with this name is already scheduled for deletion.",
        ));
    }
    let exists = || {
        AwsError::new(
            tresor_wire::ErrorCode::ResourceExistsException,
            format!(
                "The operation failed because the secret {} already exists.",
                req.name
            ),
        )
    };
    let (Some(token), Some(value)) = (&req.client_request_token, value) else {
        return Err(exists());
    };
    let mut state = SecretState::load(txn, existing)?;
    if state.version(token).is_none_or(|v| !v.has_value) {
        return Err(exists());
    }
    match write_value(
        svc,
        txn,
        ctx,
        &mut state,
        NewVersion::current(token, value),
        svc.now(),
    )? {
        Written::Unchanged => Ok(CreateSecretResponse {
            arn: Some(state.row.arn.clone()),
            name: Some(state.row.name.clone()),
            version_id: Some(token.clone()),
            replication_status: replication::statuses(&state.row),
        }),
        _ => Err(exists()),
    }
}

/// Six random characters from `[A-Za-z0-9]`, as AWS appends to ARNs.
pub fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let rng = SystemRandom::new();
    let mut out = String::with_capacity(6);
    while out.len() < 6 {
        let mut byte = [0u8; 1];
        rng.fill(&mut byte).expect("the system RNG does not fail");
        // 248 = 4 * 62: rejecting the rest keeps the choice uniform.
        if byte[0] < 248 {
            out.push(ALPHABET[(byte[0] % 62) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_are_six_alphanumerics() {
        for _ in 0..100 {
            let s = random_suffix();
            assert_eq!(s.len(), 6);
            assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
        }
        assert_ne!(random_suffix(), random_suffix());
    }
}
