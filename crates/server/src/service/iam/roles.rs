//! IAM roles: CreateRole, GetRole, ListRoles, DeleteRole,
//! UpdateAssumeRolePolicy.
//!
//! A role carries its trust policy (who may assume it, checked by
//! `documents::check_trust_policy`) and the longest session STS may issue
//! for it (3600–43200 s, default 3600). Sessions STS already issued keep
//! their expiry; a deleted role's sessions lose its policies with it.

use tresor_wire::dto::iam::{
    CreateRoleRequest, CreateRoleResponse, DeleteRoleRequest, GetRoleRequest, GetRoleResponse,
    ListRolesRequest, ListRolesResponse, UpdateAssumeRolePolicyRequest,
};
use tresor_wire::{AwsError, ErrorCode};

use super::convert::{self, Detail};
use super::errors::{self, Kind};
use super::lookup::{self, Role};
use super::{documents, names, paging, write};
use crate::identity::entities::{self, Common, Entity, RoleBody, iam_arn, name_key};
use crate::identity::ids::{IdKind, new_id};
use crate::service::{Ctx, Service};

const DEFAULT_SESSION_SECS: i32 = 3_600;
const MAX_SESSION_SECS: i32 = 43_200;

fn session_secs(requested: Option<i32>) -> Result<i64, AwsError> {
    match requested {
        None => Ok(i64::from(DEFAULT_SESSION_SECS)),
        Some(s) if (DEFAULT_SESSION_SECS..=MAX_SESSION_SECS).contains(&s) => Ok(i64::from(s)),
        Some(s) => Err(AwsError::new(
            ErrorCode::ValidationError,
            format!(
                "1 validation error detected: Value '{s}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between {DEFAULT_SESSION_SECS} and {MAX_SESSION_SECS}"
            ),
        )),
    }
}

pub async fn create_role(
    svc: &Service,
    ctx: &Ctx,
    req: CreateRoleRequest,
) -> Result<CreateRoleResponse, AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    write(svc, move |_, txn| {
        let path = names::path_or_root(req.path.as_deref())?;
        let name = req.role_name;
        names::check_name(&name, names::MAX_ROLE_NAME, "roleName")?;
        let tags = convert::tag_pairs(&req.tags.unwrap_or_default());
        let request_keys = lookup::request_tags(&tags);
        lookup::check_missing_with(&ctx, entities::ROLE, &path, &name, &request_keys)?;
        if req.permissions_boundary.is_some() {
            return Err(errors::boundaries_unsupported());
        }
        let max_session_secs = session_secs(req.max_session_duration)?;
        names::check_tags(&tags)?;
        if lookup::find::<RoleBody>(txn, &name)?.is_some() {
            return Err(errors::already_exists(Kind::Role, &name));
        }
        documents::check_trust_policy(&req.assume_role_policy_document)?;
        let role = Entity {
            id: new_id(IdKind::Role),
            arn: iam_arn(&ctx.account_id, entities::ROLE, &path, &name),
            body: RoleBody {
                common: Common {
                    name: name.clone(),
                    path,
                    created_ms: now,
                    tags,
                },
                trust_policy: req.assume_role_policy_document,
                description: req.description,
                max_session_secs,
            },
        };
        txn.put_iam_entity(&role.encode(entities::ROLE, &name)?)?;
        Ok(CreateRoleResponse {
            role: convert::role(&role, Detail::Full),
        })
    })
    .await
}

pub async fn get_role(
    svc: &Service,
    ctx: &Ctx,
    req: GetRoleRequest,
) -> Result<GetRoleResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let role: Role = lookup::resolve(txn, &ctx, &req.role_name)?;
        Ok(GetRoleResponse {
            role: convert::role(&role, Detail::Full),
        })
    })
    .await
}

pub async fn list_roles(
    svc: &Service,
    ctx: &Ctx,
    req: ListRolesRequest,
) -> Result<ListRolesResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let prefix = lookup::check_list(&ctx, entities::ROLE, req.path_prefix)?;
        let mut roles = Vec::new();
        for row in txn.iam_entities(entities::ROLE)? {
            let role: Role = Entity::decode(row)?;
            if role.body.common.path.starts_with(&prefix) {
                roles.push((name_key(&role.body.common.name), role));
            }
        }
        let page = paging::page(roles, req.marker.as_deref(), req.max_items)?;
        Ok(ListRolesResponse {
            roles: page
                .items
                .iter()
                .map(|r| convert::role(r, Detail::Listed))
                .collect(),
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    })
    .await
}

pub async fn delete_role(svc: &Service, ctx: &Ctx, req: DeleteRoleRequest) -> Result<(), AwsError> {
    let ctx = ctx.clone();
    write(svc, move |_, txn| {
        let role: Role = lookup::resolve(txn, &ctx, &req.role_name)?;
        if !txn.iam_documents(&role.id)?.is_empty() {
            return Err(errors::delete_conflict(
                "Cannot delete entity, must delete policies first.",
            ));
        }
        if !txn.iam_links_from(entities::ATTACHED, &role.id)?.is_empty() {
            return Err(errors::delete_conflict(
                "Cannot delete entity, must detach all policies first.",
            ));
        }
        txn.delete_iam_entity(&role.id)?;
        Ok(())
    })
    .await
}

pub async fn update_assume_role_policy(
    svc: &Service,
    ctx: &Ctx,
    req: UpdateAssumeRolePolicyRequest,
) -> Result<(), AwsError> {
    let ctx = ctx.clone();
    write(svc, move |_, txn| {
        let mut role: Role = lookup::resolve(txn, &ctx, &req.role_name)?;
        documents::check_trust_policy(&req.policy_document)?;
        role.body.trust_policy = req.policy_document;
        let name = role.body.common.name.clone();
        txn.put_iam_entity(&role.encode(entities::ROLE, &name)?)?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_durations() {
        assert_eq!(session_secs(None).unwrap(), 3_600);
        assert_eq!(session_secs(Some(43_200)).unwrap(), 43_200);
        assert!(session_secs(Some(3_599)).is_err());
        assert!(session_secs(Some(43_201)).is_err());
    }
}
