//! Attaching managed policies: Attach, Detach and ListAttached
//! User/Group/RolePolicies.
//!
//! An attachment is the `attached` link (user, group or role → policy);
//! the identity directory reads the policy's default version through it.
//! The action is decided on the user, group or role, with the policy's ARN
//! as `iam:PolicyARN` (so a policy can allow attaching only some
//! policies). At most ten managed policies per entity (IAM's quota).

use tresor_policy::ContextKeys;
use tresor_wire::AwsError;
use tresor_wire::dto::iam::{
    AttachGroupPolicyRequest, AttachRolePolicyRequest, AttachUserPolicyRequest, AttachedPolicy,
    DetachGroupPolicyRequest, DetachRolePolicyRequest, DetachUserPolicyRequest,
    ListAttachedGroupPoliciesRequest, ListAttachedGroupPoliciesResponse,
    ListAttachedRolePoliciesRequest, ListAttachedRolePoliciesResponse,
    ListAttachedUserPoliciesRequest, ListAttachedUserPoliciesResponse,
};

use super::errors::{self, Kind};
use super::lookup::{self, Body};
use super::{convert, paging, write};
use crate::identity::entities::{
    self, Entity, GroupBody, PolicyBody, RoleBody, UserBody, name_key,
};
use crate::service::{Ctx, Service};
use crate::store::ReadTxn;

/// IAM's quota of managed policies per user, group or role.
const POLICIES_PER_ENTITY: usize = 10;

fn quota_name(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "PoliciesPerUser",
        Kind::Group => "PoliciesPerGroup",
        Kind::Role => "PoliciesPerRole",
    }
}

/// Resolves the entity and decides the action on it, with `iam:PolicyARN`.
fn resolve<B: Body>(
    txn: &dyn ReadTxn,
    ctx: &Ctx,
    name: &str,
    policy_arn: &str,
) -> Result<Entity<B>, AwsError> {
    let mut keys = ContextKeys::new();
    keys.set("iam:PolicyARN", policy_arn);
    lookup::resolve_with(txn, ctx, name, &keys)
}

async fn attach<B: Body + 'static>(
    svc: &Service,
    ctx: &Ctx,
    kind: Kind,
    name: String,
    policy_arn: String,
) -> Result<(), AwsError> {
    let ctx = ctx.clone();
    write(svc, move |_, txn| {
        let entity: Entity<B> = resolve(txn, &ctx, &name, &policy_arn)?;
        let policy = lookup::attachable_policy(txn, &policy_arn)?;
        let attached = txn.iam_links_from(entities::ATTACHED, &entity.id)?;
        if attached.contains(&policy.id) {
            return Ok(());
        }
        if attached.len() >= POLICIES_PER_ENTITY {
            return Err(errors::quota(quota_name(kind), POLICIES_PER_ENTITY));
        }
        txn.link_iam(entities::ATTACHED, &entity.id, &policy.id)?;
        Ok(())
    })
    .await
}

async fn detach<B: Body + 'static>(
    svc: &Service,
    ctx: &Ctx,
    name: String,
    policy_arn: String,
) -> Result<(), AwsError> {
    let ctx = ctx.clone();
    write(svc, move |_, txn| {
        let entity: Entity<B> = resolve(txn, &ctx, &name, &policy_arn)?;
        lookup::check_policy_arn(&policy_arn)?;
        let policy = lookup::find_policy(txn, &policy_arn)?
            .filter(|p| {
                txn.iam_links_from(entities::ATTACHED, &entity.id)
                    .is_ok_and(|ids| ids.contains(&p.id))
            })
            .ok_or_else(|| errors::policy_not_found(&policy_arn))?;
        txn.unlink_iam(entities::ATTACHED, &entity.id, &policy.id)?;
        Ok(())
    })
    .await
}

struct Listed {
    items: Vec<AttachedPolicy>,
    is_truncated: bool,
    marker: Option<String>,
}

async fn list<B: Body + 'static>(
    svc: &Service,
    ctx: &Ctx,
    name: String,
    path_prefix: Option<String>,
    marker: Option<String>,
    max_items: Option<i32>,
) -> Result<Listed, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let entity: Entity<B> = lookup::resolve(txn, &ctx, &name)?;
        let prefix = path_prefix.unwrap_or_else(|| "/".to_string());
        let mut policies = Vec::new();
        for id in txn.iam_links_from(entities::ATTACHED, &entity.id)? {
            let Some(policy) = lookup::by_id::<PolicyBody>(txn, &id)? else {
                continue;
            };
            if policy.body.common.path.starts_with(&prefix) {
                let key = format!("{}\u{0}{}", name_key(&policy.body.common.name), policy.arn);
                policies.push((key, convert::attached(&policy)));
            }
        }
        let page = paging::page(policies, marker.as_deref(), max_items)?;
        Ok(Listed {
            items: page.items,
            is_truncated: page.is_truncated,
            marker: page.marker,
        })
    })
    .await
}

pub async fn attach_user_policy(
    svc: &Service,
    ctx: &Ctx,
    req: AttachUserPolicyRequest,
) -> Result<(), AwsError> {
    attach::<UserBody>(svc, ctx, Kind::User, req.user_name, req.policy_arn).await
}

pub async fn detach_user_policy(
    svc: &Service,
    ctx: &Ctx,
    req: DetachUserPolicyRequest,
) -> Result<(), AwsError> {
    detach::<UserBody>(svc, ctx, req.user_name, req.policy_arn).await
}

pub async fn list_attached_user_policies(
    svc: &Service,
    ctx: &Ctx,
    req: ListAttachedUserPoliciesRequest,
) -> Result<ListAttachedUserPoliciesResponse, AwsError> {
    let l = list::<UserBody>(
        svc,
        ctx,
        req.user_name,
        req.path_prefix,
        req.marker,
        req.max_items,
    )
    .await?;
    Ok(ListAttachedUserPoliciesResponse {
        attached_policies: Some(l.items),
        is_truncated: Some(l.is_truncated),
        marker: l.marker,
    })
}

pub async fn attach_group_policy(
    svc: &Service,
    ctx: &Ctx,
    req: AttachGroupPolicyRequest,
) -> Result<(), AwsError> {
    attach::<GroupBody>(svc, ctx, Kind::Group, req.group_name, req.policy_arn).await
}

pub async fn detach_group_policy(
    svc: &Service,
    ctx: &Ctx,
    req: DetachGroupPolicyRequest,
) -> Result<(), AwsError> {
    detach::<GroupBody>(svc, ctx, req.group_name, req.policy_arn).await
}

pub async fn list_attached_group_policies(
    svc: &Service,
    ctx: &Ctx,
    req: ListAttachedGroupPoliciesRequest,
) -> Result<ListAttachedGroupPoliciesResponse, AwsError> {
    let l = list::<GroupBody>(
        svc,
        ctx,
        req.group_name,
        req.path_prefix,
        req.marker,
        req.max_items,
    )
    .await?;
    Ok(ListAttachedGroupPoliciesResponse {
        attached_policies: Some(l.items),
        is_truncated: Some(l.is_truncated),
        marker: l.marker,
    })
}

pub async fn attach_role_policy(
    svc: &Service,
    ctx: &Ctx,
    req: AttachRolePolicyRequest,
) -> Result<(), AwsError> {
    attach::<RoleBody>(svc, ctx, Kind::Role, req.role_name, req.policy_arn).await
}

pub async fn detach_role_policy(
    svc: &Service,
    ctx: &Ctx,
    req: DetachRolePolicyRequest,
) -> Result<(), AwsError> {
    detach::<RoleBody>(svc, ctx, req.role_name, req.policy_arn).await
}

pub async fn list_attached_role_policies(
    svc: &Service,
    ctx: &Ctx,
    req: ListAttachedRolePoliciesRequest,
) -> Result<ListAttachedRolePoliciesResponse, AwsError> {
    let l = list::<RoleBody>(
        svc,
        ctx,
        req.role_name,
        req.path_prefix,
        req.marker,
        req.max_items,
    )
    .await?;
    Ok(ListAttachedRolePoliciesResponse {
        attached_policies: Some(l.items),
        is_truncated: Some(l.is_truncated),
        marker: l.marker,
    })
}
