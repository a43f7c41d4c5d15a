//! UpdateSecret: metadata (description, KMS key, type) and, optionally, a
//! new value that becomes `AWSCURRENT`.
//!
//! Members left out keep their values. With a value it behaves like
//! PutSecretValue without `VersionStages`; without one no version is made
//! and the response carries only `ARN` and `Name`.

use tresor_wire::AwsError;
use tresor_wire::dto::{UpdateSecretRequest, UpdateSecretResponse};

use super::secret::{SecretState, resolve_writable};
use super::secret_keys::{key_for_secret, recorded_key_id, rekey_labelled_versions};
use super::write_value::{NewVersion, write_value};
use super::{Ctx, Service, errors, replication};
use crate::value::SecretValue;

pub async fn update_secret(
    svc: &Service,
    ctx: &Ctx,
    req: UpdateSecretRequest,
) -> Result<UpdateSecretResponse, AwsError> {
    let value = match (&req.secret_string, &req.secret_binary) {
        (Some(_), Some(_)) => return Err(errors::both_values()),
        _ => SecretValue::from_request(req.secret_string.clone(), req.secret_binary.clone()),
    };
    let token = match (&value, &req.client_request_token) {
        (Some(_), None) => return Err(errors::token_required()),
        (Some(_), Some(t)) => Some(t.clone()),
        (None, _) => None,
    };
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |svc, txn| {
        let row = resolve_writable(txn, &ctx, &req.secret_id)?;
        let mut state = SecretState::load(txn, row)?;
        if let Some(description) = &req.description {
            state.row.description = Some(description.clone()).filter(|d| !d.is_empty());
        }
        if let Some(kms_key_id) = &req.kms_key_id {
            let key = key_for_secret(svc, txn, &ctx.region, Some(kms_key_id), now)?;
            state.row.kms_key_id = recorded_key_id(&key, Some(kms_key_id));
            // As AWS documents: the versions labelled AWSCURRENT, AWSPENDING
            // and AWSPREVIOUS move to the new key; new versions use it too.
            rekey_labelled_versions(svc, txn, &ctx, &state, &key)?;
        }
        if let Some(secret_type) = &req.secret_type {
            state.row.secret_type = Some(secret_type.clone()).filter(|t| !t.is_empty());
        }
        if let (Some(value), Some(token)) = (&value, &token) {
            write_value(
                svc,
                txn,
                &ctx,
                &mut state,
                NewVersion::current(token, value),
                now,
            )?;
        }
        state.row.last_changed = now;
        txn.update_secret(&state.row)?;
        replication::sync_replicas(svc, txn, &state.row, now)?;
        Ok(UpdateSecretResponse {
            arn: Some(state.row.arn.clone()),
            name: Some(state.row.name.clone()),
            version_id: token,
        })
    })
    .await
}
