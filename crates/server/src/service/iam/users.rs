//! IAM users: CreateUser, GetUser (also of the caller), ListUsers,
//! DeleteUser.
//!
//! A user owns its access keys, inline policies, attachments and group
//! memberships; DeleteUser refuses while any is left, as IAM does. Tags are
//! `tags.rs`, access keys `access_keys.rs`.

use serde_json::Value;
use tresor_wire::AwsError;
use tresor_wire::dto::Timestamp;
use tresor_wire::dto::iam::{
    CreateUserRequest, CreateUserResponse, DeleteUserRequest, GetUserRequest, GetUserResponse,
    ListUsersRequest, ListUsersResponse,
};

use super::convert::{self, Detail};
use super::errors::{self, Kind};
use super::lookup::{self, Caller, User};
use super::{builtin, names, paging, write};
use crate::authz::Resource;
use crate::identity::entities::{self, Common, Entity, UserBody, iam_arn};
use crate::identity::ids::{IdKind, new_id};
use crate::identity::principal::root_arn;
use crate::service::{Ctx, Service};
use crate::store::ReadTxn;

pub async fn create_user(
    svc: &Service,
    ctx: &Ctx,
    req: CreateUserRequest,
) -> Result<CreateUserResponse, AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    write(svc, move |_, txn| {
        let path = names::path_or_root(req.path.as_deref())?;
        let name = req.user_name;
        names::check_name(&name, names::MAX_USER_NAME, "userName")?;
        let tags = convert::tag_pairs(&req.tags.unwrap_or_default());
        let request_keys = lookup::request_tags(&tags);
        lookup::check_missing_with(&ctx, entities::USER, &path, &name, &request_keys)?;
        if req.permissions_boundary.is_some() {
            return Err(errors::boundaries_unsupported());
        }
        names::check_tags(&tags)?;
        if lookup::find::<UserBody>(txn, &name)?.is_some() {
            return Err(errors::already_exists(Kind::User, &name));
        }
        let user = Entity {
            id: new_id(IdKind::User),
            arn: iam_arn(&ctx.account_id, entities::USER, &path, &name),
            body: UserBody {
                common: Common {
                    name: name.clone(),
                    path,
                    created_ms: now,
                    tags,
                },
            },
        };
        txn.put_iam_entity(&user.encode(entities::USER, &name)?)?;
        Ok(CreateUserResponse {
            user: Some(convert::user(&user, Detail::Full)),
        })
    })
    .await
}

/// GetUser; without a UserName, the caller. The account root is answered
/// as IAM answers it: its account id as `UserId`, its root ARN, and no
/// `UserName` or `Path`.
pub async fn get_user(svc: &Service, ctx: &Ctx, req: GetUserRequest) -> Result<Value, AwsError> {
    let name = match (req.user_name, lookup::caller(ctx)) {
        (Some(name), _) | (None, Caller::User { name }) => name,
        (None, Caller::Other) => return Err(errors::needs_user_name()),
        (None, Caller::Root) => return root_user(svc, ctx).await,
    };
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let user: User = lookup::resolve(txn, &ctx, &name)?;
        to_value(&GetUserResponse {
            user: convert::user(&user, Detail::Full),
        })
    })
    .await
}

async fn root_user(svc: &Service, ctx: &Ctx) -> Result<Value, AwsError> {
    let arn = root_arn(&ctx.account_id);
    ctx.check(Resource::arn(&arn))?;
    let created = svc
        .read(|_, txn: &dyn ReadTxn| builtin::account_created(txn))
        .await?;
    let mut user = to_value(&GetUserResponse {
        user: tresor_wire::dto::iam::User {
            user_id: ctx.account_id.clone(),
            arn,
            create_date: Timestamp::from_millis(created),
            ..Default::default()
        },
    })?;
    if let Some(user) = user.get_mut("User").and_then(Value::as_object_mut) {
        user.remove("UserName");
        user.remove("Path");
    }
    Ok(user)
}

fn to_value<T: serde::Serialize>(dto: &T) -> Result<Value, AwsError> {
    serde_json::to_value(dto)
        .map_err(|e| crate::service::internal_error("encoding an IAM response", &e))
}

pub async fn list_users(
    svc: &Service,
    ctx: &Ctx,
    req: ListUsersRequest,
) -> Result<ListUsersResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let prefix = lookup::check_list(&ctx, entities::USER, req.path_prefix)?;
        let mut users = Vec::new();
        for row in txn.iam_entities(entities::USER)? {
            let user: User = Entity::decode(row)?;
            if user.body.common.path.starts_with(&prefix) {
                users.push((entities::name_key(&user.body.common.name), user));
            }
        }
        let page = paging::page(users, req.marker.as_deref(), req.max_items)?;
        Ok(ListUsersResponse {
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

pub async fn delete_user(svc: &Service, ctx: &Ctx, req: DeleteUserRequest) -> Result<(), AwsError> {
    let ctx = ctx.clone();
    write(svc, move |_, txn| {
        let user: User = lookup::resolve(txn, &ctx, &req.user_name)?;
        if !txn.iam_documents(&user.id)?.is_empty() {
            return Err(errors::delete_conflict(
                "Cannot delete entity, must delete policies first.",
            ));
        }
        if !txn.iam_links_from(entities::ATTACHED, &user.id)?.is_empty() {
            return Err(errors::delete_conflict(
                "Cannot delete entity, must detach all policies first.",
            ));
        }
        if !txn.iam_links_to(entities::MEMBER, &user.id)?.is_empty() {
            return Err(errors::delete_conflict(
                "Cannot delete entity, must remove from all groups first.",
            ));
        }
        let has_keys = txn
            .access_keys()?
            .iter()
            .any(|k| k.user_id.as_deref() == Some(user.id.as_str()));
        if has_keys {
            return Err(errors::delete_conflict(
                "Cannot delete entity, must delete access keys first.",
            ));
        }
        txn.delete_iam_entity(&user.id)?;
        Ok(())
    })
    .await
}
