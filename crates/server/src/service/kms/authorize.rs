//! Authorization of KMS actions on keys: the key policy (which must allow
//! the caller or delegate to the account's IAM policies, as on AWS), the
//! condition keys a key supplies, and Secrets Manager using a key on its
//! caller's behalf (`kms:ViaService`).

use tresor_policy::ContextKeys;
use tresor_wire::{AwsError, ErrorCode};

use crate::authz::{Resource, ResourcePolicy};
use crate::service::Ctx;
use crate::store::KmsKeyRow;

/// What `key` brings to a decision.
pub fn key_resource(key: &KmsKeyRow) -> Resource<'_> {
    let mut keys = ContextKeys::new();
    for (k, v) in &key.tags {
        keys.set(&format!("aws:ResourceTag/{k}"), v.as_str());
    }
    // Tresor's keys are all symmetric, AWS-generated, single-Region.
    keys.set("kms:KeySpec", "SYMMETRIC_DEFAULT");
    keys.set("kms:KeyUsage", "ENCRYPT_DECRYPT");
    keys.set("kms:KeyOrigin", "AWS_KMS");
    keys.set("kms:MultiRegion", "false");
    Resource {
        arn: &key.arn,
        keys,
        policy: ResourcePolicy::Required(&key.policy),
    }
}

/// Decides the request's action on `key`.
pub fn key(ctx: &Ctx, key: &KmsKeyRow) -> Result<(), AwsError> {
    ctx.check(key_resource(key))
}

/// KMS's lockout safety check: a key policy that would not let the caller
/// change it again is refused unless the caller says to bypass the check.
pub fn refuse_lockout(ctx: &Ctx, key: &KmsKeyRow, bypass: Option<bool>) -> Result<(), AwsError> {
    if bypass == Some(true) {
        return Ok(());
    }
    ctx.access
        .check_action("kms:PutKeyPolicy", key_resource(key))
        .map_err(|_| {
            AwsError::new(
                ErrorCode::MalformedPolicyDocumentException,
                "The new key policy will not allow you to update the key policy in the future.",
            )
        })
}

/// Decides the request's action on a key that does not exist, by the
/// identity policies alone, against the ARN it would have.
pub fn missing_key(ctx: &Ctx, key_ref: &str) -> Result<(), AwsError> {
    let arn = if key_ref.starts_with("arn:") {
        key_ref.to_string()
    } else {
        format!(
            "arn:aws:kms:{}:{}:{}",
            ctx.region,
            ctx.account_id,
            if key_ref.starts_with("alias/") {
                key_ref.to_string()
            } else {
                format!("key/{key_ref}")
            }
        )
    };
    ctx.check(Resource::arn(&arn))
}

/// Decides an alias action on the alias itself (identity policies only:
/// aliases have no policy of their own).
pub fn alias(ctx: &Ctx, alias_name: &str) -> Result<(), AwsError> {
    let arn = format!("arn:aws:kms:{}:{}:{alias_name}", ctx.region, ctx.account_id);
    ctx.check(Resource::arn(&arn))
}

/// Secrets Manager uses `key` for a secret's value on the caller's behalf:
/// the caller needs `action` on it through Secrets Manager, which the AWS
/// managed key's policy grants everyone in the account and a customer
/// key's policy grants as it says. Denied as Secrets Manager reports it.
pub fn via_secrets_manager(
    ctx: &Ctx,
    action: &str,
    key: &KmsKeyRow,
    secret_arn: &str,
    version_id: &str,
) -> Result<(), AwsError> {
    let mut resource = key_resource(key);
    resource.keys.set(
        "kms:ViaService",
        format!("secretsmanager.{}.amazonaws.com", ctx.region),
    );
    resource.keys.set("aws:ViaAWSService", "true");
    resource
        .keys
        .set("kms:CallerAccount", ctx.account_id.as_str());
    resource
        .keys
        .set("kms:EncryptionContext:SecretARN", secret_arn);
    resource
        .keys
        .set("kms:EncryptionContext:SecretVersionId", version_id);
    resource.keys.set_multi(
        "kms:EncryptionContextKeys",
        vec!["SecretARN".to_string(), "SecretVersionId".to_string()],
    );
    ctx.access.check_action(action, resource).map_err(|_| {
        AwsError::new(
            ErrorCode::AccessDeniedException,
            "Access to KMS is not allowed",
        )
    })
}
