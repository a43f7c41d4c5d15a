//! AssumeRole: a user or role session gets temporary credentials for a
//! role of the account. The role's trust policy must allow the caller —
//! by name, or by naming the account, in which case the caller's identity
//! policies must allow `sts:AssumeRole` on the role — and session tags
//! need `sts:TagSession` too, as on AWS.

use tresor_policy::ContextKeys;
use tresor_wire::dto::sts::{AssumeRoleRequest, AssumeRoleResponse};
use tresor_wire::{AwsError, ErrorCode};

use super::session::{self, SessionStart};
use crate::authz::{Resource, ResourcePolicy};
use crate::identity::PrincipalKind;
use crate::identity::entities::{Entity, RoleBody};
use crate::service::{Ctx, Service};

pub async fn assume_role(
    svc: &Service,
    ctx: &Ctx,
    req: AssumeRoleRequest,
) -> Result<AssumeRoleResponse, AwsError> {
    let principal = ctx.access.principal();
    if principal.is_root() {
        return Err(AwsError::new(
            ErrorCode::AccessDenied,
            "Roles may not be assumed by root accounts.",
        ));
    }
    let chained = matches!(principal.kind, PrincipalKind::AssumedRole(_));
    let tags = session::session_tags(req.tags.as_deref())?;
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |svc, txn| {
        let Some(role) = session::find_role(txn, &req.role_arn)? else {
            // No such role: denied in the same words as a role that does
            // not trust the caller, once the caller may ask at all.
            ctx.check(Resource::arn(&req.role_arn))?;
            return Err(not_trusted(&ctx, &req.role_arn));
        };
        ctx.check(trust_resource(&role, &req, &tags))?;
        if !tags.is_empty() {
            ctx.access
                .check_action("sts:TagSession", trust_resource(&role, &req, &tags))?;
        }
        let duration_secs = session::duration_secs(req.duration_seconds, &role.body, chained)?;
        let session_policies =
            session::session_policies(txn, req.policy.as_deref(), req.policy_arns.as_deref())?;
        let packed_policy_size = packed_size(&session_policies, &tags);
        let issued = session::issue(
            svc,
            txn,
            SessionStart {
                role: &role,
                session_name: &req.role_session_name,
                duration_secs,
                session_policies,
                tags,
                federated_provider: None,
            },
            now,
        )?;
        Ok(AssumeRoleResponse {
            credentials: Some(issued.credentials),
            assumed_role_user: Some(issued.user),
            packed_policy_size,
            source_identity: None,
        })
    })
    .await
}

/// The role as the trust decision sees it: its ARN, its tags, the keys the
/// request supplies, and the trust policy, which must take part.
fn trust_resource<'a>(
    role: &'a Entity<RoleBody>,
    req: &AssumeRoleRequest,
    tags: &[(String, String)],
) -> Resource<'a> {
    let mut keys = ContextKeys::new();
    for (k, v) in &role.body.common.tags {
        keys.set(&format!("aws:ResourceTag/{k}"), v.as_str());
        keys.set(&format!("iam:ResourceTag/{k}"), v.as_str());
    }
    keys.set("sts:RoleSessionName", req.role_session_name.as_str());
    if let Some(external_id) = &req.external_id {
        keys.set("sts:ExternalId", external_id.as_str());
    }
    if let Some(source) = &req.source_identity {
        keys.set("sts:SourceIdentity", source.as_str());
    }
    if !tags.is_empty() {
        for (k, v) in tags {
            keys.set(&format!("aws:RequestTag/{k}"), v.as_str());
        }
        keys.set_multi("aws:TagKeys", tags.iter().map(|(k, _)| k.clone()).collect());
    }
    if let Some(transitive) = &req.transitive_tag_keys {
        keys.set_multi("sts:TransitiveTagKeys", transitive.clone());
    }
    Resource {
        arn: &role.arn,
        keys,
        policy: ResourcePolicy::Required(&role.body.trust_policy),
    }
}

/// AWS's denial for a role that does not exist or does not trust the
/// caller.
pub fn not_trusted(ctx: &Ctx, role_arn: &str) -> AwsError {
    AwsError::new(
        ErrorCode::AccessDenied,
        format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            ctx.principal_arn()
        ),
    )
}

/// How much of the allowance the session policies and session tags use
/// together, in percent (AWS packs and reports them as one).
fn packed_size(policies: &[String], tags: &[(String, String)]) -> Option<i32> {
    if policies.is_empty() && tags.is_empty() {
        return None;
    }
    let chars: usize = policies.iter().map(String::len).sum::<usize>()
        + tags.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
    Some(((chars * 100).div_ceil(2048)).clamp(1, 100) as i32)
}
