//! IAM groups and membership: CreateGroup, GetGroup (with its users),
//! ListGroups, DeleteGroup, AddUserToGroup, RemoveUserFromGroup,
//! ListGroupsForUser.
//!
//! Membership is the `member` link (group → user); a user's identity
//! policies include its groups' (`identity::directory`). Membership
//! changes are decided on the group, as IAM does; ListGroupsForUser on the
//! user.

use tresor_wire::AwsError;
use tresor_wire::dto::iam::{
    AddUserToGroupRequest, CreateGroupRequest, CreateGroupResponse, DeleteGroupRequest,
    GetGroupRequest, GetGroupResponse, ListGroupsForUserRequest, ListGroupsForUserResponse,
    ListGroupsRequest, ListGroupsResponse, RemoveUserFromGroupRequest,
};

use super::convert::{self, Detail};
use super::errors::{self, Kind};
use super::lookup::{self, Group, User};
use super::{names, paging, write};
use crate::identity::entities::{self, Common, Entity, GroupBody, iam_arn, name_key};
use crate::identity::ids::{IdKind, new_id};
use crate::service::{Ctx, Service};

/// IAM's quota of groups a user can be in.
const GROUPS_PER_USER: usize = 10;

pub async fn create_group(
    svc: &Service,
    ctx: &Ctx,
    req: CreateGroupRequest,
) -> Result<CreateGroupResponse, AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    write(svc, move |_, txn| {
        let path = names::path_or_root(req.path.as_deref())?;
        let name = req.group_name;
        names::check_name(&name, names::MAX_GROUP_NAME, "groupName")?;
        lookup::check_missing(&ctx, entities::GROUP, &path, &name)?;
        if lookup::find::<GroupBody>(txn, &name)?.is_some() {
            return Err(errors::already_exists(Kind::Group, &name));
        }
        let group = Entity {
            id: new_id(IdKind::Group),
            arn: iam_arn(&ctx.account_id, entities::GROUP, &path, &name),
            body: GroupBody {
                common: Common {
                    name: name.clone(),
                    path,
                    created_ms: now,
                    tags: Vec::new(),
                },
            },
        };
        txn.put_iam_entity(&group.encode(entities::GROUP, &name)?)?;
        Ok(CreateGroupResponse {
            group: convert::group(&group),
        })
    })
    .await
}

pub async fn get_group(
    svc: &Service,
    ctx: &Ctx,
    req: GetGroupRequest,
) -> Result<GetGroupResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let group: Group = lookup::resolve(txn, &ctx, &req.group_name)?;
        let mut users = Vec::new();
        for id in txn.iam_links_from(entities::MEMBER, &group.id)? {
            if let Some(user) = lookup::by_id::<entities::UserBody>(txn, &id)? {
                users.push((name_key(&user.body.common.name), user));
            }
        }
        let page = paging::page(users, req.marker.as_deref(), req.max_items)?;
        Ok(GetGroupResponse {
            group: convert::group(&group),
            users: page
                .items
                .iter()
                .map(|u| convert::user(u, Detail::Listed))
                .collect(),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    })
    .await
}

pub async fn list_groups(
    svc: &Service,
    ctx: &Ctx,
    req: ListGroupsRequest,
) -> Result<ListGroupsResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let prefix = lookup::check_list(&ctx, entities::GROUP, req.path_prefix)?;
        let mut groups = Vec::new();
        for row in txn.iam_entities(entities::GROUP)? {
            let group: Group = Entity::decode(row)?;
            if group.body.common.path.starts_with(&prefix) {
                groups.push((name_key(&group.body.common.name), group));
            }
        }
        let page = paging::page(groups, req.marker.as_deref(), req.max_items)?;
        Ok(ListGroupsResponse {
            groups: page.items.iter().map(convert::group).collect(),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    })
    .await
}

pub async fn delete_group(
    svc: &Service,
    ctx: &Ctx,
    req: DeleteGroupRequest,
) -> Result<(), AwsError> {
    let ctx = ctx.clone();
    write(svc, move |_, txn| {
        let group: Group = lookup::resolve(txn, &ctx, &req.group_name)?;
        if !txn.iam_links_from(entities::MEMBER, &group.id)?.is_empty() {
            return Err(errors::delete_conflict(
                "Cannot delete entity, must remove users from group first.",
            ));
        }
        if !txn.iam_documents(&group.id)?.is_empty() {
            return Err(errors::delete_conflict(
                "Cannot delete entity, must delete policies first.",
            ));
        }
        if !txn
            .iam_links_from(entities::ATTACHED, &group.id)?
            .is_empty()
        {
            return Err(errors::delete_conflict(
                "Cannot delete entity, must detach all policies first.",
            ));
        }
        txn.delete_iam_entity(&group.id)?;
        Ok(())
    })
    .await
}

pub async fn add_user_to_group(
    svc: &Service,
    ctx: &Ctx,
    req: AddUserToGroupRequest,
) -> Result<(), AwsError> {
    let ctx = ctx.clone();
    write(svc, move |_, txn| {
        let group: Group = lookup::resolve(txn, &ctx, &req.group_name)?;
        let user: User = lookup::existing(txn, &req.user_name)?;
        let groups = txn.iam_links_to(entities::MEMBER, &user.id)?;
        if groups.contains(&group.id) {
            return Ok(());
        }
        if groups.len() >= GROUPS_PER_USER {
            return Err(errors::quota("GroupsPerUser", GROUPS_PER_USER));
        }
        txn.link_iam(entities::MEMBER, &group.id, &user.id)?;
        Ok(())
    })
    .await
}

pub async fn remove_user_from_group(
    svc: &Service,
    ctx: &Ctx,
    req: RemoveUserFromGroupRequest,
) -> Result<(), AwsError> {
    let ctx = ctx.clone();
    write(svc, move |_, txn| {
        let group: Group = lookup::resolve(txn, &ctx, &req.group_name)?;
        let user: User = lookup::existing(txn, &req.user_name)?;
        if !txn
            .iam_links_from(entities::MEMBER, &group.id)?
            .contains(&user.id)
        {
            return Err(errors::no_such_entity(Kind::User, &req.user_name));
        }
        txn.unlink_iam(entities::MEMBER, &group.id, &user.id)?;
        Ok(())
    })
    .await
}

pub async fn list_groups_for_user(
    svc: &Service,
    ctx: &Ctx,
    req: ListGroupsForUserRequest,
) -> Result<ListGroupsForUserResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let user: User = lookup::resolve(txn, &ctx, &req.user_name)?;
        let mut groups = Vec::new();
        for id in txn.iam_links_to(entities::MEMBER, &user.id)? {
            if let Some(group) = lookup::by_id::<GroupBody>(txn, &id)? {
                groups.push((name_key(&group.body.common.name), group));
            }
        }
        let page = paging::page(groups, req.marker.as_deref(), req.max_items)?;
        Ok(ListGroupsForUserResponse {
            groups: page.items.iter().map(convert::group).collect(),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    })
    .await
}
