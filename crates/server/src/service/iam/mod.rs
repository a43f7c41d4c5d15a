//! The AWS IAM API (awsQuery, 2010-05-08) over Tresor's identity store.
//!
//! Owns what the 56 served IAM operations mean: users and their access
//! keys, groups and membership, roles and trust policies, inline and
//! managed policies with their versions, attachments, tags, and the AWS
//! managed policies Tresor provides. Each operation decodes its form
//! (`tresor_wire::query`), decides the request's action (`iam:<Operation>`)
//! on the entity's ARN before revealing whether it exists (`lookup`), makes
//! its change in one write transaction, and tells the identity directory
//! so cached credentials and policies are dropped. Errors change nothing.
//! It never sees HTTP or signatures, and reads identities only through
//! `store`; the request path reads them through `identity::Directory`.
//!
//! The other IAM operations (login profiles, MFA, certificates, SAML and
//! OIDC providers, …) answer `UnsupportedOperation` after a decision.

mod access_keys;
mod attach;
pub mod builtin;
mod convert;
mod documents;
mod errors;
mod groups;
mod inline;
mod lookup;
mod managed;
mod names;
mod paging;
mod roles;
mod tags;
mod users;
mod versions;

use tresor_wire::query::{decode_query, encode_query_response};
use tresor_wire::{AwsError, ErrorCode, IamOperation};

use super::{Ctx, Service};
use crate::authz::Resource;
use crate::store::WriteTxn;

pub async fn handle(
    svc: &Service,
    ctx: &Ctx,
    op: IamOperation,
    body: &[u8],
) -> Result<Vec<u8>, AwsError> {
    macro_rules! call {
        ($handler:path) => {{
            let request = decode_query(op, body).map_err(names::aws_wording)?;
            builtin::ensure(svc).await?;
            let response = $handler(svc, ctx, request).await?;
            encode_query_response(op, &response, &ctx.request_id)
        }};
    }
    use IamOperation::*;
    Ok(match op {
        CreateUser => call!(users::create_user),
        GetUser => call!(users::get_user),
        ListUsers => call!(users::list_users),
        DeleteUser => call!(users::delete_user),
        TagUser => call!(tags::tag_user),
        UntagUser => call!(tags::untag_user),
        ListUserTags => call!(tags::list_user_tags),
        CreateAccessKey => call!(access_keys::create_access_key),
        ListAccessKeys => call!(access_keys::list_access_keys),
        UpdateAccessKey => call!(access_keys::update_access_key),
        DeleteAccessKey => call!(access_keys::delete_access_key),
        CreateGroup => call!(groups::create_group),
        GetGroup => call!(groups::get_group),
        ListGroups => call!(groups::list_groups),
        DeleteGroup => call!(groups::delete_group),
        AddUserToGroup => call!(groups::add_user_to_group),
        RemoveUserFromGroup => call!(groups::remove_user_from_group),
        ListGroupsForUser => call!(groups::list_groups_for_user),
        CreateRole => call!(roles::create_role),
        GetRole => call!(roles::get_role),
        ListRoles => call!(roles::list_roles),
        DeleteRole => call!(roles::delete_role),
        UpdateAssumeRolePolicy => call!(roles::update_assume_role_policy),
        TagRole => call!(tags::tag_role),
        UntagRole => call!(tags::untag_role),
        ListRoleTags => call!(tags::list_role_tags),
        PutUserPolicy => call!(inline::put_user_policy),
        GetUserPolicy => call!(inline::get_user_policy),
        ListUserPolicies => call!(inline::list_user_policies),
        DeleteUserPolicy => call!(inline::delete_user_policy),
        PutGroupPolicy => call!(inline::put_group_policy),
        GetGroupPolicy => call!(inline::get_group_policy),
        ListGroupPolicies => call!(inline::list_group_policies),
        DeleteGroupPolicy => call!(inline::delete_group_policy),
        PutRolePolicy => call!(inline::put_role_policy),
        GetRolePolicy => call!(inline::get_role_policy),
        ListRolePolicies => call!(inline::list_role_policies),
        DeleteRolePolicy => call!(inline::delete_role_policy),
        CreatePolicy => call!(managed::create_policy),
        GetPolicy => call!(managed::get_policy),
        ListPolicies => call!(managed::list_policies),
        DeletePolicy => call!(managed::delete_policy),
        CreatePolicyVersion => call!(versions::create_policy_version),
        GetPolicyVersion => call!(versions::get_policy_version),
        ListPolicyVersions => call!(versions::list_policy_versions),
        DeletePolicyVersion => call!(versions::delete_policy_version),
        SetDefaultPolicyVersion => call!(versions::set_default_policy_version),
        AttachUserPolicy => call!(attach::attach_user_policy),
        DetachUserPolicy => call!(attach::detach_user_policy),
        ListAttachedUserPolicies => call!(attach::list_attached_user_policies),
        AttachGroupPolicy => call!(attach::attach_group_policy),
        DetachGroupPolicy => call!(attach::detach_group_policy),
        ListAttachedGroupPolicies => call!(attach::list_attached_group_policies),
        AttachRolePolicy => call!(attach::attach_role_policy),
        DetachRolePolicy => call!(attach::detach_role_policy),
        ListAttachedRolePolicies => call!(attach::list_attached_role_policies),
        other => return unserved(ctx, other),
    })
}

/// An IAM operation Tresor does not serve: callers who may not use it at
/// all learn that first; the others learn it is not built.
fn unserved(ctx: &Ctx, op: IamOperation) -> Result<Vec<u8>, AwsError> {
    ctx.check(Resource::any())?;
    Err(AwsError::new(
        ErrorCode::UnsupportedOperation,
        format!(
            "{} is not supported: Tresor's IAM serves users, access keys, groups, roles and their policies.",
            op.name()
        ),
    ))
}

/// Runs an IAM change in one write transaction; once it committed, the
/// identity directory drops what it cached.
async fn write<T, F>(svc: &Service, f: F) -> Result<T, AwsError>
where
    T: serde::Serialize + Send + 'static,
    F: FnOnce(&Service, &mut dyn WriteTxn) -> Result<T, AwsError> + Send + 'static,
{
    let out = svc.write(f).await?;
    svc.directory().changed();
    Ok(out)
}
