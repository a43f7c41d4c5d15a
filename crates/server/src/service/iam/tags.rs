//! Tags of users and roles: TagUser, UntagUser, ListUserTags, TagRole,
//! UntagRole, ListRoleTags.
//!
//! IAM tag keys are unique without regard to case but keep their spelling:
//! tagging `TEAM` over `team` replaces the tag, new spelling included.
//! Removing a key that is not there is no error. At most 50 tags.

use tresor_wire::AwsError;
use tresor_wire::dto::iam::{
    ListRoleTagsRequest, ListRoleTagsResponse, ListUserTagsRequest, ListUserTagsResponse, Tag,
    TagRoleRequest, TagUserRequest, UntagRoleRequest, UntagUserRequest,
};

use super::lookup::{self, Body};
use super::{convert, names, paging, write};
use crate::identity::entities::{Entity, RoleBody, UserBody};
use crate::service::{Ctx, Service};

async fn tag<B: Body + 'static>(
    svc: &Service,
    ctx: &Ctx,
    name: String,
    tags: Vec<Tag>,
) -> Result<(), AwsError> {
    let ctx = ctx.clone();
    write(svc, move |_, txn| {
        let new = convert::tag_pairs(&tags);
        let mut entity: Entity<B> =
            lookup::resolve_with(txn, &ctx, &name, &lookup::request_tags(&new))?;
        names::check_tags(&new)?;
        let merged = names::merge_tags(&entity.body.common().tags, &new)?;
        entity.body.common_mut().tags = merged;
        let stored_name = entity.body.common().name.clone();
        txn.put_iam_entity(&entity.encode(B::KIND, &stored_name)?)?;
        Ok(())
    })
    .await
}

async fn untag<B: Body + 'static>(
    svc: &Service,
    ctx: &Ctx,
    name: String,
    keys: Vec<String>,
) -> Result<(), AwsError> {
    let ctx = ctx.clone();
    write(svc, move |_, txn| {
        let mut entity: Entity<B> =
            lookup::resolve_with(txn, &ctx, &name, &lookup::removed_tags(&keys))?;
        names::check_tag_keys(&keys)?;
        let kept = names::remove_tags(&entity.body.common().tags, &keys);
        entity.body.common_mut().tags = kept;
        let stored_name = entity.body.common().name.clone();
        txn.put_iam_entity(&entity.encode(B::KIND, &stored_name)?)?;
        Ok(())
    })
    .await
}

async fn list<B: Body + 'static>(
    svc: &Service,
    ctx: &Ctx,
    name: String,
    marker: Option<String>,
    max_items: Option<i32>,
) -> Result<paging::Page<Tag>, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let entity: Entity<B> = lookup::resolve(txn, &ctx, &name)?;
        let tags = convert::tags(&entity.body.common().tags)
            .into_iter()
            .map(|t| (t.key.to_lowercase(), t))
            .collect();
        paging::page(tags, marker.as_deref(), max_items)
    })
    .await
}

pub async fn tag_user(svc: &Service, ctx: &Ctx, req: TagUserRequest) -> Result<(), AwsError> {
    tag::<UserBody>(svc, ctx, req.user_name, req.tags).await
}

pub async fn untag_user(svc: &Service, ctx: &Ctx, req: UntagUserRequest) -> Result<(), AwsError> {
    untag::<UserBody>(svc, ctx, req.user_name, req.tag_keys).await
}

pub async fn list_user_tags(
    svc: &Service,
    ctx: &Ctx,
    req: ListUserTagsRequest,
) -> Result<ListUserTagsResponse, AwsError> {
    let page = list::<UserBody>(svc, ctx, req.user_name, req.marker, req.max_items).await?;
    Ok(ListUserTagsResponse {
        tags: page.items,
        is_truncated: Some(page.is_truncated),
        marker: page.marker,
    })
}

pub async fn tag_role(svc: &Service, ctx: &Ctx, req: TagRoleRequest) -> Result<(), AwsError> {
    tag::<RoleBody>(svc, ctx, req.role_name, req.tags).await
}

pub async fn untag_role(svc: &Service, ctx: &Ctx, req: UntagRoleRequest) -> Result<(), AwsError> {
    untag::<RoleBody>(svc, ctx, req.role_name, req.tag_keys).await
}

pub async fn list_role_tags(
    svc: &Service,
    ctx: &Ctx,
    req: ListRoleTagsRequest,
) -> Result<ListRoleTagsResponse, AwsError> {
    let page = list::<RoleBody>(svc, ctx, req.role_name, req.marker, req.max_items).await?;
    Ok(ListRoleTagsResponse {
        tags: page.items,
        is_truncated: Some(page.is_truncated),
        marker: page.marker,
    })
}
