//! Customer managed policies: CreatePolicy, GetPolicy, ListPolicies,
//! DeletePolicy. Their versions are `versions.rs`; AWS managed policies
//! (`builtin.rs`) are listed and read here like any other, and refused
//! deletion.
//!
//! A managed policy is a `policy` entity whose versions are documents it
//! owns (`v1`, `v2`, …); its attachments are `attached` links to it. Names
//! are unique in the account whatever the path, as IAM wants.

use tresor_wire::AwsError;
use tresor_wire::dto::iam::{
    CreatePolicyRequest, CreatePolicyResponse, DeletePolicyRequest, GetPolicyRequest,
    GetPolicyResponse, ListPoliciesRequest, ListPoliciesResponse,
};

use super::convert::{self, Detail};
use super::errors;
use super::lookup::{self, Policy};
use super::{documents, names, paging, write};
use crate::identity::entities::{self, Common, Entity, PolicyBody, iam_arn, name_key};
use crate::identity::ids::{IdKind, new_id};
use crate::service::{Ctx, Service};
use crate::store::{IamDocumentRow, ReadTxn};

/// How many users, groups and roles a policy is attached to.
pub fn attachment_count(txn: &dyn ReadTxn, policy: &Policy) -> Result<usize, AwsError> {
    Ok(txn.iam_links_to(entities::ATTACHED, &policy.id)?.len())
}

/// Refuses to change an AWS managed policy, after the request's action
/// was decided on it.
pub fn refuse_aws_managed(ctx: &Ctx, policy: &Policy) -> Result<(), AwsError> {
    if lookup::is_aws_managed(&policy.arn) {
        return Err(errors::aws_managed_read_only(
            ctx.principal_arn(),
            ctx.access.action(),
            &policy.arn,
        ));
    }
    Ok(())
}

pub async fn create_policy(
    svc: &Service,
    ctx: &Ctx,
    req: CreatePolicyRequest,
) -> Result<CreatePolicyResponse, AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    write(svc, move |_, txn| {
        let path = names::path_or_root(req.path.as_deref())?;
        let name = req.policy_name;
        names::check_name(&name, names::MAX_POLICY_NAME, "policyName")?;
        let tags = convert::tag_pairs(&req.tags.unwrap_or_default());
        let request_keys = lookup::request_tags(&tags);
        lookup::check_missing_with(&ctx, entities::POLICY, &path, &name, &request_keys)?;
        names::check_tags(&tags)?;
        if txn
            .iam_entity(entities::POLICY, &name_key(&name))?
            .is_some()
        {
            return Err(errors::policy_exists(&name));
        }
        documents::check_managed_policy(&req.policy_document)?;
        let policy = Entity {
            id: new_id(IdKind::ManagedPolicy),
            arn: iam_arn(&ctx.account_id, entities::POLICY, &path, &name),
            body: PolicyBody {
                common: Common {
                    name: name.clone(),
                    path,
                    created_ms: now,
                    tags,
                },
                description: req.description,
                default_version: "v1".to_string(),
                next_version: 2,
                updated_ms: now,
            },
        };
        txn.put_iam_entity(&policy.encode(entities::POLICY, &name)?)?;
        txn.put_iam_document(&IamDocumentRow {
            owner: policy.id.clone(),
            name: "v1".to_string(),
            document: req.policy_document,
            created: now,
        })?;
        Ok(CreatePolicyResponse {
            policy: Some(convert::policy(&policy, 0, Detail::Full)),
        })
    })
    .await
}

pub async fn get_policy(
    svc: &Service,
    ctx: &Ctx,
    req: GetPolicyRequest,
) -> Result<GetPolicyResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let policy = lookup::resolve_policy(txn, &ctx, &req.policy_arn, errors::policy_not_found)?;
        let count = attachment_count(txn, &policy)?;
        Ok(GetPolicyResponse {
            policy: Some(convert::policy(&policy, count, Detail::Full)),
        })
    })
    .await
}

/// Whether a policy belongs in a ListPolicies answer.
struct Filter {
    scope: String,
    prefix: String,
    only_attached: bool,
    /// `PermissionsBoundary`: Tresor sets no boundaries, so nothing is.
    boundaries_only: bool,
}

impl Filter {
    fn keeps(&self, policy: &Policy, attachments: usize) -> bool {
        let aws = lookup::is_aws_managed(&policy.arn);
        let in_scope = match self.scope.as_str() {
            "AWS" => aws,
            "Local" => !aws,
            _ => true,
        };
        in_scope
            && !self.boundaries_only
            && policy.body.common.path.starts_with(&self.prefix)
            && (!self.only_attached || attachments > 0)
    }
}

pub async fn list_policies(
    svc: &Service,
    ctx: &Ctx,
    req: ListPoliciesRequest,
) -> Result<ListPoliciesResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let filter = Filter {
            prefix: lookup::check_list(&ctx, entities::POLICY, req.path_prefix)?,
            scope: req.scope.unwrap_or_else(|| "All".to_string()),
            only_attached: req.only_attached.unwrap_or(false),
            boundaries_only: req.policy_usage_filter.as_deref() == Some("PermissionsBoundary"),
        };
        let mut policies = Vec::new();
        for row in txn.iam_entities(entities::POLICY)? {
            let policy: Policy = Entity::decode(row)?;
            let count = attachment_count(txn, &policy)?;
            if filter.keeps(&policy, count) {
                // A customer policy may share its name with an AWS one.
                let key = format!("{}\u{0}{}", name_key(&policy.body.common.name), policy.arn);
                policies.push((key, convert::policy(&policy, count, Detail::Listed)));
            }
        }
        let page = paging::page(policies, req.marker.as_deref(), req.max_items)?;
        Ok(ListPoliciesResponse {
            policies: Some(page.items),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    })
    .await
}

pub async fn delete_policy(
    svc: &Service,
    ctx: &Ctx,
    req: DeletePolicyRequest,
) -> Result<(), AwsError> {
    let ctx = ctx.clone();
    write(svc, move |_, txn| {
        let policy = lookup::resolve_policy(txn, &ctx, &req.policy_arn, errors::policy_not_found)?;
        refuse_aws_managed(&ctx, &policy)?;
        if attachment_count(txn, &policy)? > 0 {
            return Err(errors::delete_conflict(
                "Cannot delete a policy attached to entities.",
            ));
        }
        if txn.iam_documents(&policy.id)?.len() > 1 {
            return Err(errors::delete_conflict(
                "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
            ));
        }
        txn.delete_iam_entity(&policy.id)?;
        Ok(())
    })
    .await
}
