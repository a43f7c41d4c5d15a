//! Versions of managed policies: CreatePolicyVersion, GetPolicyVersion,
//! ListPolicyVersions, DeletePolicyVersion, SetDefaultPolicyVersion.
//!
//! IAM's rules: at most five versions; ids `v1`, `v2`, … never reused;
//! exactly one default version, which is the one that applies and which
//! cannot be deleted (delete the policy instead). `UpdateDate` is when the
//! newest version was created. AWS managed policies cannot be changed.

use tresor_wire::AwsError;
use tresor_wire::dto::Timestamp;
use tresor_wire::dto::iam::{
    CreatePolicyVersionRequest, CreatePolicyVersionResponse, DeletePolicyVersionRequest,
    GetPolicyVersionRequest, GetPolicyVersionResponse, ListPolicyVersionsRequest,
    ListPolicyVersionsResponse, PolicyVersion, SetDefaultPolicyVersionRequest,
};

use super::errors;
use super::lookup::{self, Policy};
use super::managed::refuse_aws_managed;
use super::{documents, paging, write};
use crate::identity::entities;
use crate::service::{Ctx, Service};
use crate::store::{IamDocumentRow, ReadTxn, WriteTxn};

/// IAM's quota of versions per managed policy.
const MAX_VERSIONS: usize = 5;

fn version(policy: &Policy, row: &IamDocumentRow, with_document: bool) -> PolicyVersion {
    PolicyVersion {
        document: with_document.then(|| row.document.clone()),
        version_id: Some(row.name.clone()),
        is_default_version: Some(row.name == policy.body.default_version),
        create_date: Some(Timestamp::from_millis(row.created)),
    }
}

fn find_version(
    txn: &dyn ReadTxn,
    policy: &Policy,
    version_id: &str,
) -> Result<IamDocumentRow, AwsError> {
    txn.iam_documents(&policy.id)?
        .into_iter()
        .find(|d| d.name == version_id)
        .ok_or_else(|| errors::no_such_version(&policy.arn, version_id))
}

fn save(txn: &mut dyn WriteTxn, policy: &Policy) -> Result<(), AwsError> {
    // Built-in policies are never saved here, so the name is the key.
    let name = policy.body.common.name.clone();
    txn.put_iam_entity(&policy.encode(entities::POLICY, &name)?)?;
    Ok(())
}

pub async fn create_policy_version(
    svc: &Service,
    ctx: &Ctx,
    req: CreatePolicyVersionRequest,
) -> Result<CreatePolicyVersionResponse, AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    write(svc, move |_, txn| {
        let mut policy =
            lookup::resolve_policy(txn, &ctx, &req.policy_arn, errors::policy_not_found)?;
        refuse_aws_managed(&ctx, &policy)?;
        // The document is checked before the quota: a bad request is bad
        // whatever the policy's state.
        documents::check_managed_policy(&req.policy_document)?;
        if txn.iam_documents(&policy.id)?.len() >= MAX_VERSIONS {
            return Err(errors::limit_exceeded(
                "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
            ));
        }
        let row = IamDocumentRow {
            owner: policy.id.clone(),
            name: format!("v{}", policy.body.next_version),
            document: req.policy_document,
            created: now,
        };
        txn.put_iam_document(&row)?;
        policy.body.next_version += 1;
        policy.body.updated_ms = now;
        if req.set_as_default.unwrap_or(false) {
            policy.body.default_version = row.name.clone();
        }
        save(txn, &policy)?;
        Ok(CreatePolicyVersionResponse {
            policy_version: Some(version(&policy, &row, false)),
        })
    })
    .await
}

pub async fn get_policy_version(
    svc: &Service,
    ctx: &Ctx,
    req: GetPolicyVersionRequest,
) -> Result<GetPolicyVersionResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let policy = lookup::resolve_policy(txn, &ctx, &req.policy_arn, errors::policy_not_found)?;
        let row = find_version(txn, &policy, &req.version_id)?;
        Ok(GetPolicyVersionResponse {
            policy_version: Some(version(&policy, &row, true)),
        })
    })
    .await
}

/// A version id's number (`v12` → 12), for ordering.
fn number(version_id: &str) -> u64 {
    version_id
        .strip_prefix('v')
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

pub async fn list_policy_versions(
    svc: &Service,
    ctx: &Ctx,
    req: ListPolicyVersionsRequest,
) -> Result<ListPolicyVersionsResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let policy = lookup::resolve_policy(txn, &ctx, &req.policy_arn, errors::policy_not_found)?;
        // Newest first, as IAM lists them.
        let versions = txn
            .iam_documents(&policy.id)?
            .iter()
            .map(|row| {
                let key = format!("{:020}", u64::MAX - number(&row.name));
                (key, version(&policy, row, false))
            })
            .collect();
        let page = paging::page(versions, req.marker.as_deref(), req.max_items)?;
        Ok(ListPolicyVersionsResponse {
            versions: Some(page.items),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    })
    .await
}

pub async fn delete_policy_version(
    svc: &Service,
    ctx: &Ctx,
    req: DeletePolicyVersionRequest,
) -> Result<(), AwsError> {
    let ctx = ctx.clone();
    write(svc, move |_, txn| {
        let policy = lookup::resolve_policy(txn, &ctx, &req.policy_arn, errors::policy_not_found)?;
        refuse_aws_managed(&ctx, &policy)?;
        let row = find_version(txn, &policy, &req.version_id)?;
        if row.name == policy.body.default_version {
            return Err(errors::delete_conflict(
                "Cannot delete the default version of a policy.",
            ));
        }
        txn.delete_iam_document(&policy.id, &row.name)?;
        Ok(())
    })
    .await
}

pub async fn set_default_policy_version(
    svc: &Service,
    ctx: &Ctx,
    req: SetDefaultPolicyVersionRequest,
) -> Result<(), AwsError> {
    let ctx = ctx.clone();
    write(svc, move |_, txn| {
        let mut policy =
            lookup::resolve_policy(txn, &ctx, &req.policy_arn, errors::policy_not_found)?;
        refuse_aws_managed(&ctx, &policy)?;
        let row = find_version(txn, &policy, &req.version_id)?;
        policy.body.default_version = row.name;
        save(txn, &policy)?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_numbers_order_newest_first() {
        assert_eq!(number("v12"), 12);
        assert_eq!(number("x"), 0);
        let key = |v: &str| format!("{:020}", u64::MAX - number(v));
        assert!(key("v10") < key("v9"));
    }
}
