//! Inline policies of users, groups and roles: Put, Get, List and Delete
//! User/Group/RolePolicy.
//!
//! An inline policy is an `iam_documents` row owned by the entity's id and
//! named by the policy name. Putting a name again replaces the document.
//! The entity's inline policies together stay within IAM's quota for its
//! kind (2,048 / 5,120 / 10,240 characters without whitespace). The entity
//! is resolved (and the action decided) before the document is looked at,
//! so a missing entity wins over a malformed document, as on IAM.

use tresor_wire::AwsError;
use tresor_wire::dto::iam::{
    DeleteGroupPolicyRequest, DeleteRolePolicyRequest, DeleteUserPolicyRequest,
    GetGroupPolicyRequest, GetGroupPolicyResponse, GetRolePolicyRequest, GetRolePolicyResponse,
    GetUserPolicyRequest, GetUserPolicyResponse, ListGroupPoliciesRequest,
    ListGroupPoliciesResponse, ListRolePoliciesRequest, ListRolePoliciesResponse,
    ListUserPoliciesRequest, ListUserPoliciesResponse, PutGroupPolicyRequest, PutRolePolicyRequest,
    PutUserPolicyRequest,
};

use super::documents;
use super::errors::{self, Kind};
use super::lookup::{self, Body};
use super::{names, paging, write};
use crate::identity::entities::{Entity, GroupBody, RoleBody, UserBody};
use crate::service::{Ctx, Service};
use crate::store::IamDocumentRow;

async fn put<B: Body + 'static>(
    svc: &Service,
    ctx: &Ctx,
    kind: Kind,
    owner: String,
    policy_name: String,
    document: String,
) -> Result<(), AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    write(svc, move |_, txn| {
        let entity: Entity<B> = lookup::resolve(txn, &ctx, &owner)?;
        names::check_name(&policy_name, names::MAX_POLICY_NAME, "policyName")?;
        let others: usize = txn
            .iam_documents(&entity.id)?
            .iter()
            .filter(|d| d.name != policy_name)
            .map(|d| documents::policy_size(&d.document))
            .sum();
        documents::check_inline_policy(kind, &entity.body.common().name, others, &document)?;
        txn.put_iam_document(&IamDocumentRow {
            owner: entity.id,
            name: policy_name,
            document,
            created: now,
        })?;
        Ok(())
    })
    .await
}

/// The owner's stored name and the document.
async fn get<B: Body + 'static>(
    svc: &Service,
    ctx: &Ctx,
    kind: Kind,
    owner: String,
    policy_name: String,
) -> Result<(String, String), AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let entity: Entity<B> = lookup::resolve(txn, &ctx, &owner)?;
        let document = txn
            .iam_documents(&entity.id)?
            .into_iter()
            .find(|d| d.name == policy_name)
            .ok_or_else(|| errors::no_such_inline_policy(kind, &policy_name))?;
        Ok((entity.body.common().name.clone(), document.document))
    })
    .await
}

async fn list<B: Body + 'static>(
    svc: &Service,
    ctx: &Ctx,
    owner: String,
    marker: Option<String>,
    max_items: Option<i32>,
) -> Result<paging::Page<String>, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let entity: Entity<B> = lookup::resolve(txn, &ctx, &owner)?;
        let names = txn
            .iam_documents(&entity.id)?
            .into_iter()
            .map(|d| (d.name.clone(), d.name))
            .collect();
        paging::page(names, marker.as_deref(), max_items)
    })
    .await
}

async fn delete<B: Body + 'static>(
    svc: &Service,
    ctx: &Ctx,
    kind: Kind,
    owner: String,
    policy_name: String,
) -> Result<(), AwsError> {
    let ctx = ctx.clone();
    write(svc, move |_, txn| {
        let entity: Entity<B> = lookup::resolve(txn, &ctx, &owner)?;
        if !txn
            .iam_documents(&entity.id)?
            .iter()
            .any(|d| d.name == policy_name)
        {
            return Err(errors::no_such_inline_policy(kind, &policy_name));
        }
        txn.delete_iam_document(&entity.id, &policy_name)?;
        Ok(())
    })
    .await
}

pub async fn put_user_policy(
    svc: &Service,
    ctx: &Ctx,
    req: PutUserPolicyRequest,
) -> Result<(), AwsError> {
    put::<UserBody>(
        svc,
        ctx,
        Kind::User,
        req.user_name,
        req.policy_name,
        req.policy_document,
    )
    .await
}

pub async fn get_user_policy(
    svc: &Service,
    ctx: &Ctx,
    req: GetUserPolicyRequest,
) -> Result<GetUserPolicyResponse, AwsError> {
    let policy_name = req.policy_name.clone();
    let (user_name, policy_document) =
        get::<UserBody>(svc, ctx, Kind::User, req.user_name, req.policy_name).await?;
    Ok(GetUserPolicyResponse {
        user_name,
        policy_name,
        policy_document,
    })
}

pub async fn list_user_policies(
    svc: &Service,
    ctx: &Ctx,
    req: ListUserPoliciesRequest,
) -> Result<ListUserPoliciesResponse, AwsError> {
    let page = list::<UserBody>(svc, ctx, req.user_name, req.marker, req.max_items).await?;
    Ok(ListUserPoliciesResponse {
        policy_names: page.items,
        is_truncated: Some(page.is_truncated),
        marker: page.marker,
    })
}

pub async fn delete_user_policy(
    svc: &Service,
    ctx: &Ctx,
    req: DeleteUserPolicyRequest,
) -> Result<(), AwsError> {
    delete::<UserBody>(svc, ctx, Kind::User, req.user_name, req.policy_name).await
}

pub async fn put_group_policy(
    svc: &Service,
    ctx: &Ctx,
    req: PutGroupPolicyRequest,
) -> Result<(), AwsError> {
    put::<GroupBody>(
        svc,
        ctx,
        Kind::Group,
        req.group_name,
        req.policy_name,
        req.policy_document,
    )
    .await
}

pub async fn get_group_policy(
    svc: &Service,
    ctx: &Ctx,
    req: GetGroupPolicyRequest,
) -> Result<GetGroupPolicyResponse, AwsError> {
    let policy_name = req.policy_name.clone();
    let (group_name, policy_document) =
        get::<GroupBody>(svc, ctx, Kind::Group, req.group_name, req.policy_name).await?;
    Ok(GetGroupPolicyResponse {
        group_name,
        policy_name,
        policy_document,
    })
}

pub async fn list_group_policies(
    svc: &Service,
    ctx: &Ctx,
    req: ListGroupPoliciesRequest,
) -> Result<ListGroupPoliciesResponse, AwsError> {
    let page = list::<GroupBody>(svc, ctx, req.group_name, req.marker, req.max_items).await?;
    Ok(ListGroupPoliciesResponse {
        policy_names: page.items,
        is_truncated: Some(page.is_truncated),
        marker: page.marker,
    })
}

pub async fn delete_group_policy(
    svc: &Service,
    ctx: &Ctx,
    req: DeleteGroupPolicyRequest,
) -> Result<(), AwsError> {
    delete::<GroupBody>(svc, ctx, Kind::Group, req.group_name, req.policy_name).await
}

pub async fn put_role_policy(
    svc: &Service,
    ctx: &Ctx,
    req: PutRolePolicyRequest,
) -> Result<(), AwsError> {
    put::<RoleBody>(
        svc,
        ctx,
        Kind::Role,
        req.role_name,
        req.policy_name,
        req.policy_document,
    )
    .await
}

pub async fn get_role_policy(
    svc: &Service,
    ctx: &Ctx,
    req: GetRolePolicyRequest,
) -> Result<GetRolePolicyResponse, AwsError> {
    let policy_name = req.policy_name.clone();
    let (role_name, policy_document) =
        get::<RoleBody>(svc, ctx, Kind::Role, req.role_name, req.policy_name).await?;
    Ok(GetRolePolicyResponse {
        role_name,
        policy_name,
        policy_document,
    })
}

pub async fn list_role_policies(
    svc: &Service,
    ctx: &Ctx,
    req: ListRolePoliciesRequest,
) -> Result<ListRolePoliciesResponse, AwsError> {
    let page = list::<RoleBody>(svc, ctx, req.role_name, req.marker, req.max_items).await?;
    Ok(ListRolePoliciesResponse {
        policy_names: page.items,
        is_truncated: Some(page.is_truncated),
        marker: page.marker,
    })
}

pub async fn delete_role_policy(
    svc: &Service,
    ctx: &Ctx,
    req: DeleteRolePolicyRequest,
) -> Result<(), AwsError> {
    delete::<RoleBody>(svc, ctx, Kind::Role, req.role_name, req.policy_name).await
}
