//! PutSecretValue: a new version, labelled `VersionStages` or `AWSCURRENT`.

use tresor_wire::AwsError;
use tresor_wire::dto::{PutSecretValueRequest, PutSecretValueResponse};

use super::secret::{SecretState, resolve_writable};
use super::write_value::{NewVersion, Written, write_value};
use super::{Ctx, Service, errors, labels, replication};
use crate::value::SecretValue;

pub async fn put_secret_value(
    svc: &Service,
    ctx: &Ctx,
    req: PutSecretValueRequest,
) -> Result<PutSecretValueResponse, AwsError> {
    // AWS checks the token first, before even looking for the secret.
    let Some(token) = req.client_request_token.clone() else {
        return Err(errors::token_required());
    };
    let value = match (&req.secret_string, &req.secret_binary) {
        (Some(_), Some(_)) => return Err(errors::both_values()),
        (None, None) => {
            return Err(errors::invalid_request(
                "You must provide either SecretString or SecretBinary.",
            ));
        }
        _ => SecretValue::from_request(req.secret_string.clone(), req.secret_binary.clone())
            .expect("one of the two is set"),
    };
    let stages = req.version_stages.clone();
    if let Some(stages) = &stages
        && let Some(dup) = first_duplicate(stages)
    {
        return Err(errors::invalid_parameter(format!(
            "The staging label {dup} appears more than once in VersionStages."
        )));
    }
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |svc, txn| {
        let row = resolve_writable(txn, &ctx, &req.secret_id)?;
        let mut state = SecretState::load(txn, row)?;
        let written = write_value(
            svc,
            txn,
            &ctx,
            &mut state,
            NewVersion {
                token: &token,
                value: &value,
                stages: stages.as_deref(),
            },
            now,
        )?;
        if written != Written::Unchanged {
            state.row.last_changed = now;
            txn.update_secret(&state.row)?;
            replication::sync_replicas(svc, txn, &state.row, now)?;
        }
        Ok(PutSecretValueResponse {
            arn: Some(state.row.arn.clone()),
            name: Some(state.row.name.clone()),
            version_id: Some(token.clone()),
            version_stages: Some(labels::stages_of(&state.labels, &token)),
        })
    })
    .await
}

fn first_duplicate(items: &[String]) -> Option<&String> {
    items
        .iter()
        .enumerate()
        .find(|(i, s)| items[..*i].contains(s))
        .map(|(_, s)| s)
}
