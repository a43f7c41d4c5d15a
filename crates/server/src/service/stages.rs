//! UpdateSecretVersionStage: move or remove one staging label.
//!
//! Moving a label that another version holds requires naming that version
//! in `RemoveFromVersionId`, so that concurrent rotations cannot silently
//! steal `AWSCURRENT` from each other.

use tresor_wire::AwsError;
use tresor_wire::dto::{UpdateSecretVersionStageRequest, UpdateSecretVersionStageResponse};

use super::labels::{self, AWSCURRENT};
use super::secret::{SecretState, resolve_writable};
use super::write_value::{check_label_quota, refresh_version_stages};
use super::{Ctx, Service, errors, replication};

pub async fn update_secret_version_stage(
    svc: &Service,
    ctx: &Ctx,
    req: UpdateSecretVersionStageRequest,
) -> Result<UpdateSecretVersionStageResponse, AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |svc, txn| {
        let row = resolve_writable(txn, &ctx, &req.secret_id)?;
        let mut state = SecretState::load(txn, row)?;
        let label = req.version_stage.as_str();
        for id in [&req.move_to_version_id, &req.remove_from_version_id].into_iter().flatten() {
            if state.version(id).is_none() {
                return Err(errors::invalid_parameter(format!(
                    "The version {id} does not exist for this secret."
                )));
            }
        }
        let holder = state.labels.get(label).cloned();
        if let Some(from) = &req.remove_from_version_id
            && holder.as_ref() != Some(from)
        {
            return Err(errors::invalid_parameter(format!(
                "The staging label {label} is not attached to version {from}, so it can't be removed from it."
            )));
        }
        match (&req.move_to_version_id, &req.remove_from_version_id) {
            (Some(to), remove_from) => {
                if let Some(holder) = &holder
                    && holder != to
                    && remove_from.is_none()
                {
                    return Err(errors::invalid_parameter(format!(
                        "The parameter RemoveFromVersionId can't be empty. Staging label {label} is currently \
                         attached to version {holder}, so you must explicitly reference that version in \
                         RemoveFromVersionId."
                    )));
                }
                if !state.version(to).is_some_and(|v| v.has_value) && label == AWSCURRENT {
                    return Err(errors::invalid_parameter(format!(
                        "The version {to} has no secret value, so it can't become {AWSCURRENT}."
                    )));
                }
                if label == AWSCURRENT {
                    labels::move_current(&mut state.labels, to);
                } else {
                    state.labels.insert(label.to_string(), to.clone());
                }
            }
            (None, Some(_)) => {
                if label == AWSCURRENT {
                    return Err(errors::invalid_parameter(
                        "You can't remove the staging label AWSCURRENT without moving it to another version \
                         with MoveToVersionId.",
                    ));
                }
                state.labels.remove(label);
            }
            (None, None) => {
                return Err(errors::invalid_parameter(
                    "You must specify MoveToVersionId, RemoveFromVersionId, or both.",
                ));
            }
        }
        check_label_quota(&state.labels)?;
        if state
            .versions
            .iter()
            .any(|v| labels::stages_of(&state.labels, &v.version_id).len() > 20)
        {
            return Err(errors::limit_exceeded("A version can have at most 20 staging labels."));
        }
        state.save_labels(txn)?;
        refresh_version_stages(&mut state);
        state.row.last_changed = now;
        txn.update_secret(&state.row)?;
        replication::sync_replicas(svc, txn, &state.row, now)?;
        Ok(UpdateSecretVersionStageResponse {
            arn: Some(state.row.arn.clone()),
            name: Some(state.row.name.clone()),
        })
    })
    .await
}
