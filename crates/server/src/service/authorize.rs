//! Authorization of Secrets Manager actions on secrets: the condition keys
//! a secret supplies (`secretsmanager:ResourceTag/…`, `aws:ResourceTag/…`,
//! `secretsmanager:resource/AllowRotationLambdaArn`,
//! `secretsmanager:SecretPrimaryRegion`), its resource policy, and the ARN
//! a secret that does not exist is checked against.

use tresor_policy::ContextKeys;
use tresor_wire::AwsError;
use tresor_wire::arn::PARTITION;

use super::Ctx;
use crate::authz::{Resource, ResourcePolicy};
use crate::store::SecretRow;

/// Decides the request's action on an existing secret.
pub fn secret(ctx: &Ctx, row: &SecretRow) -> Result<(), AwsError> {
    ctx.check(secret_resource(row))
}

/// What `row` brings to a decision.
pub fn secret_resource(row: &SecretRow) -> Resource<'_> {
    let mut keys = ContextKeys::new();
    for (k, v) in row.tags.iter().flatten() {
        keys.set(&format!("secretsmanager:ResourceTag/{k}"), v.as_str());
        keys.set(&format!("aws:ResourceTag/{k}"), v.as_str());
    }
    if let Some(lambda) = row.rotation.as_ref().and_then(|r| r.lambda_arn.as_deref()) {
        keys.set("secretsmanager:resource/AllowRotationLambdaArn", lambda);
    }
    keys.set(
        "secretsmanager:SecretPrimaryRegion",
        row.primary_region.as_deref().unwrap_or(&row.region),
    );
    Resource {
        arn: &row.arn,
        keys,
        policy: match &row.resource_policy {
            Some(text) => ResourcePolicy::Optional(text),
            None => ResourcePolicy::None,
        },
    }
}

/// Decides the request's action on a secret that does not exist, against
/// the ARN it would have without its random suffix: a caller who may not
/// act on that name learns nothing about whether it exists.
pub fn missing_secret(ctx: &Ctx, secret_id: &str) -> Result<(), AwsError> {
    ctx.check(Resource::arn(&missing_arn(ctx, secret_id)))
}

pub fn missing_arn(ctx: &Ctx, secret_id: &str) -> String {
    if secret_id.starts_with("arn:") {
        secret_id.to_string()
    } else {
        format!(
            "arn:{PARTITION}:secretsmanager:{}:{}:secret:{secret_id}",
            ctx.region, ctx.account_id
        )
    }
}
