//! ListSecretVersionIds.
//!
//! Labelled versions, oldest first; with `IncludeDeprecated` also the
//! unlabelled ones (listed without `VersionStages`). Versions under the
//! AWS managed key report `KmsKeyIds: ["DefaultEncryptionKey"]`, as AWS does.

use tresor_wire::AwsError;
use tresor_wire::dto::{
    ListSecretVersionIdsRequest, ListSecretVersionIdsResponse, SecretVersionsListEntry, Timestamp,
};

use super::secret::{SecretState, resolve};
use super::{Ctx, Service, pagination};
use crate::kms::MANAGER_AWS;

const DEFAULT_PAGE: usize = 100;

pub async fn list_secret_version_ids(
    svc: &Service,
    ctx: &Ctx,
    req: ListSecretVersionIdsRequest,
) -> Result<ListSecretVersionIdsResponse, AwsError> {
    let offset = pagination::decode(req.next_token.as_deref())?;
    let max = req.max_results.map_or(DEFAULT_PAGE, |m| m.max(1) as usize);
    let include_deprecated = req.include_deprecated.unwrap_or(false);
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let row = resolve(txn, &ctx, &req.secret_id)?;
        let state = SecretState::load(txn, row)?;
        let mut entries = Vec::new();
        for v in state
            .versions
            .iter()
            .filter(|v| include_deprecated || !v.stages.is_empty())
        {
            let key_ids = match &v.kms_key_id {
                Some(key_id) if v.has_value => Some(vec![match txn.kms_key(key_id)? {
                    Some(k) if k.key_manager == MANAGER_AWS => "DefaultEncryptionKey".to_string(),
                    Some(k) => k.arn,
                    None => key_id.clone(),
                }]),
                _ => None,
            };
            entries.push(SecretVersionsListEntry {
                version_id: Some(v.version_id.clone()),
                version_stages: Some(v.stages.clone()).filter(|s| !s.is_empty()),
                last_accessed_date: v.last_accessed.map(Timestamp),
                created_date: Some(Timestamp(v.created)),
                kms_key_ids: key_ids,
            });
        }
        let (versions, next_token) = pagination::page(entries, offset, max);
        Ok(ListSecretVersionIdsResponse {
            versions: Some(versions),
            next_token,
            arn: Some(state.row.arn.clone()),
            name: Some(state.row.name.clone()),
        })
    })
    .await
}
