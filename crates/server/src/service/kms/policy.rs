//! Key policies: GetKeyPolicy, PutKeyPolicy, ListKeyPolicies.
//!
//! Every key has one policy, named `default`. Policies are validated as IAM
//! policy documents and stored as sent; every use of the key is decided
//! with it (`authorize`).

use tresor_wire::dto::kms::{
    GetKeyPolicyRequest, GetKeyPolicyResponse, ListKeyPoliciesRequest, ListKeyPoliciesResponse,
    PutKeyPolicyRequest,
};
use tresor_wire::{AwsError, ErrorCode};

use super::authorize;
use super::resolve::{refuse_aws_managed, require_key};
use crate::service::{Ctx, Empty, Service};

const DEFAULT_POLICY_NAME: &str = "default";

/// AWS's default key policy: the account may do everything with the key.
pub fn default_policy(ctx: &Ctx) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Id":"key-default-1","Statement":[{{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{}:root"}},"Action":"kms:*","Resource":"*"}}]}}"#,
        ctx.account_id
    )
}

/// The policy of an AWS managed key: usable through Secrets Manager by the
/// account's principals.
pub fn aws_managed_policy(ctx: &Ctx) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Id":"auto-secretsmanager-2","Statement":[{{"Sid":"Allow access through AWS Secrets Manager for all principals in the account that are authorized to use AWS Secrets Manager","Effect":"Allow","Principal":{{"AWS":"*"}},"Action":["kms:Encrypt","kms:Decrypt","kms:ReEncrypt*","kms:GenerateDataKey*","kms:CreateGrant","kms:DescribeKey"],"Resource":"*","Condition":{{"StringEquals":{{"kms:CallerAccount":"{account}","kms:ViaService":"secretsmanager.{region}.amazonaws.com"}}}}}},{{"Sid":"Allow access through AWS Secrets Manager for all principals in the account that are authorized to use AWS Secrets Manager","Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"kms:GenerateDataKey*","Resource":"*","Condition":{{"StringEquals":{{"kms:CallerAccount":"{account}"}},"StringLike":{{"kms:ViaService":"secretsmanager.{region}.amazonaws.com"}}}}}},{{"Sid":"Allow direct access to key metadata to the account","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":["kms:Describe*","kms:Get*","kms:List*","kms:RevokeGrant"],"Resource":"*"}}]}}"#,
        account = ctx.account_id,
        region = ctx.region
    )
}

/// Checks a key policy; returns it as stored.
pub fn validate(policy: &str) -> Result<String, AwsError> {
    let malformed = |e: tresor_policy::PolicyError| {
        AwsError::new(
            ErrorCode::MalformedPolicyDocumentException,
            format!("The key policy is not valid: {}", e.message),
        )
    };
    let document = tresor_policy::parse(policy).map_err(malformed)?;
    document.check_key_policy().map_err(malformed)?;
    Ok(policy.to_string())
}

fn check_name(name: Option<&str>) -> Result<(), AwsError> {
    match name {
        None | Some(DEFAULT_POLICY_NAME) => Ok(()),
        Some(other) => Err(AwsError::new(
            ErrorCode::NotFoundException,
            format!("No such policy exists: {other}. The only key policy name is \"default\"."),
        )),
    }
}

pub async fn get_key_policy(
    svc: &Service,
    ctx: &Ctx,
    req: GetKeyPolicyRequest,
) -> Result<GetKeyPolicyResponse, AwsError> {
    check_name(req.policy_name.as_deref())?;
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let key = require_key(txn, &ctx, &req.key_id)?;
        Ok(GetKeyPolicyResponse {
            policy: Some(key.policy),
            policy_name: Some(DEFAULT_POLICY_NAME.into()),
        })
    })
    .await
}

pub async fn put_key_policy(
    svc: &Service,
    ctx: &Ctx,
    req: PutKeyPolicyRequest,
) -> Result<Empty, AwsError> {
    check_name(req.policy_name.as_deref())?;
    let policy = validate(&req.policy)?;
    let ctx = ctx.clone();
    svc.write(move |_, txn| {
        let mut key = require_key(txn, &ctx, &req.key_id)?;
        refuse_aws_managed(&key, &ctx, "PutKeyPolicy")?;
        key.policy = policy;
        authorize::refuse_lockout(&ctx, &key, req.bypass_policy_lockout_safety_check)?;
        txn.update_kms_key(&key)?;
        Ok(Empty {})
    })
    .await
}

pub async fn list_key_policies(
    svc: &Service,
    ctx: &Ctx,
    req: ListKeyPoliciesRequest,
) -> Result<ListKeyPoliciesResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        require_key(txn, &ctx, &req.key_id)?;
        Ok(ListKeyPoliciesResponse {
            policy_names: Some(vec![DEFAULT_POLICY_NAME.into()]),
            next_marker: None,
            truncated: Some(false),
        })
    })
    .await
}
