//! Stored IAM entities as IAM's response shapes.
//!
//! IAM's list operations return "a subset of the available attributes":
//! ListUsers and ListRoles leave out tags (and ListRoles `RoleLastUsed`),
//! ListPolicies leaves out the description and tags. `Detail` says which
//! form a response needs.

use tresor_wire::dto::Timestamp;
use tresor_wire::dto::iam;

use super::lookup::{Group, Policy, Role, User};

/// The full form (Get, Create) or the list form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Full,
    Listed,
}

pub fn tags(tags: &[(String, String)]) -> Vec<iam::Tag> {
    tags.iter()
        .map(|(key, value)| iam::Tag {
            key: key.clone(),
            value: value.clone(),
        })
        .collect()
}

pub fn tag_pairs(tags: &[iam::Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect()
}

/// IAM omits `Tags` rather than sending an empty list.
fn some_tags(list: &[(String, String)], detail: Detail) -> Option<Vec<iam::Tag>> {
    (detail == Detail::Full && !list.is_empty()).then(|| tags(list))
}

pub fn user(user: &User, detail: Detail) -> iam::User {
    let common = &user.body.common;
    iam::User {
        path: common.path.clone(),
        user_name: common.name.clone(),
        user_id: user.id.clone(),
        arn: user.arn.clone(),
        create_date: Timestamp::from_millis(common.created_ms),
        password_last_used: None,
        permissions_boundary: None,
        tags: some_tags(&common.tags, detail),
    }
}

pub fn group(group: &Group) -> iam::Group {
    let common = &group.body.common;
    iam::Group {
        path: common.path.clone(),
        group_name: common.name.clone(),
        group_id: group.id.clone(),
        arn: group.arn.clone(),
        create_date: Timestamp::from_millis(common.created_ms),
    }
}

pub fn role(role: &Role, detail: Detail) -> iam::Role {
    let common = &role.body.common;
    iam::Role {
        path: common.path.clone(),
        role_name: common.name.clone(),
        role_id: role.id.clone(),
        arn: role.arn.clone(),
        create_date: Timestamp::from_millis(common.created_ms),
        assume_role_policy_document: Some(role.body.trust_policy.clone()),
        description: role.body.description.clone(),
        max_session_duration: i32::try_from(role.body.max_session_secs).ok(),
        permissions_boundary: None,
        tags: some_tags(&common.tags, detail),
        // Tresor does not record role use yet; GetRole sends the empty
        // element, as IAM does for a role never used.
        role_last_used: (detail == Detail::Full).then(iam::RoleLastUsed::default),
    }
}

pub fn policy(policy: &Policy, attachment_count: usize, detail: Detail) -> iam::Policy {
    let common = &policy.body.common;
    iam::Policy {
        policy_name: Some(common.name.clone()),
        policy_id: Some(policy.id.clone()),
        arn: Some(policy.arn.clone()),
        path: Some(common.path.clone()),
        default_version_id: Some(policy.body.default_version.clone()),
        attachment_count: Some(i32::try_from(attachment_count).unwrap_or(i32::MAX)),
        permissions_boundary_usage_count: Some(0),
        is_attachable: Some(true),
        description: match detail {
            Detail::Full => policy.body.description.clone(),
            Detail::Listed => None,
        },
        create_date: Some(Timestamp::from_millis(common.created_ms)),
        update_date: Some(Timestamp::from_millis(policy.body.updated_ms)),
        tags: some_tags(&common.tags, detail),
    }
}

pub fn attached(policy: &Policy) -> iam::AttachedPolicy {
    iam::AttachedPolicy {
        policy_name: Some(policy.body.common.name.clone()),
        policy_arn: Some(policy.arn.clone()),
    }
}
