//! Resource policies: Put, Get, Delete and ValidateResourcePolicy.
//!
//! A policy is validated as an IAM policy document (`tresor-policy`) and
//! stored as the caller sent it. With `BlockPublicPolicy`, a policy that
//! grants access to everyone is refused. Policies are not yet enforced:
//! the access-control issue evaluates them on every request.

use tresor_wire::dto::{
    DeleteResourcePolicyRequest, DeleteResourcePolicyResponse, GetResourcePolicyRequest,
    GetResourcePolicyResponse, PutResourcePolicyRequest, PutResourcePolicyResponse,
    ValidateResourcePolicyRequest, ValidateResourcePolicyResponse, ValidationErrorsEntry,
};
use tresor_wire::{AwsError, ErrorCode};

use super::secret::{resolve, resolve_live, resolve_writable};
use super::{Ctx, Service, replication};

/// Parses a secret's resource policy: an IAM policy document whose every
/// statement names a principal and a resource.
fn parse(policy: &str) -> Result<tresor_policy::PolicyDocument, AwsError> {
    let malformed = |e: tresor_policy::PolicyError| {
        AwsError::new(
            ErrorCode::MalformedPolicyDocumentException,
            format!("The resource policy has syntax errors: {}", e.message),
        )
    };
    let document = tresor_policy::parse(policy).map_err(malformed)?;
    document.check_resource_policy().map_err(malformed)?;
    Ok(document)
}

fn public_policy() -> AwsError {
    AwsError::new(
        ErrorCode::PublicPolicyException,
        "The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.",
    )
}

pub async fn put_resource_policy(
    svc: &Service,
    ctx: &Ctx,
    req: PutResourcePolicyRequest,
) -> Result<PutResourcePolicyResponse, AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |svc, txn| {
        // The secret first: a policy for a secret that does not exist (or
        // cannot be changed here) is refused for that reason.
        let mut row = resolve_writable(txn, &ctx, &req.secret_id)?;
        let document = parse(&req.resource_policy)?;
        if req.block_public_policy.unwrap_or(false) && document.grants_public_access() {
            return Err(public_policy());
        }
        row.resource_policy = Some(req.resource_policy.clone());
        row.last_changed = now;
        txn.update_secret(&row)?;
        replication::sync_replicas(svc, txn, &row, now)?;
        Ok(PutResourcePolicyResponse {
            arn: Some(row.arn),
            name: Some(row.name),
        })
    })
    .await
}

pub async fn get_resource_policy(
    svc: &Service,
    ctx: &Ctx,
    req: GetResourcePolicyRequest,
) -> Result<GetResourcePolicyResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let row = resolve_live(txn, &ctx, &req.secret_id)?;
        Ok(GetResourcePolicyResponse {
            arn: Some(row.arn),
            name: Some(row.name),
            resource_policy: row.resource_policy,
        })
    })
    .await
}

pub async fn delete_resource_policy(
    svc: &Service,
    ctx: &Ctx,
    req: DeleteResourcePolicyRequest,
) -> Result<DeleteResourcePolicyResponse, AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |svc, txn| {
        let mut row = resolve_writable(txn, &ctx, &req.secret_id)?;
        if row.resource_policy.take().is_some() {
            row.last_changed = now;
            txn.update_secret(&row)?;
            replication::sync_replicas(svc, txn, &row, now)?;
        }
        Ok(DeleteResourcePolicyResponse {
            arn: Some(row.arn),
            name: Some(row.name),
        })
    })
    .await
}

pub async fn validate_resource_policy(
    svc: &Service,
    ctx: &Ctx,
    req: ValidateResourcePolicyRequest,
) -> Result<ValidateResourcePolicyResponse, AwsError> {
    match req.secret_id.clone() {
        Some(secret_id) => {
            let ctx = ctx.clone();
            svc.read(move |_, txn| resolve(txn, &ctx, &secret_id).map(|_| ()))
                .await?
        }
        None => ctx.check(crate::authz::Resource::any())?,
    }
    let document = parse(&req.resource_policy)?;
    let mut errors = Vec::new();
    if document.grants_public_access() {
        errors.push(ValidationErrorsEntry {
            check_name: Some("BROAD_ACCESS".to_string()),
            error_message: Some(
                "The resource policy grants broad access to the secret: it allows any principal \
                 without a condition that restricts who can use it."
                    .to_string(),
            ),
        });
    }
    Ok(ValidateResourcePolicyResponse {
        policy_validation_passed: Some(errors.is_empty()),
        validation_errors: Some(errors),
    })
}
