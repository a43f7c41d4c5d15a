//! Finding IAM entities and deciding the request's action on them.
//!
//! Every operation resolves its resource here, so the decision always
//! comes before an answer reveals whether the entity exists: an existing
//! entity is checked on its stored ARN (with its real path, whatever case
//! the request spelt the name in) and its tags as `aws:ResourceTag/…` and
//! `iam:ResourceTag/…`; a missing one on the ARN it would have with the
//! path `/` (I18: never the caller's spelling of something that exists).
//! Requests that set or remove tags add `aws:RequestTag/…` and
//! `aws:TagKeys`; attachments add `iam:PolicyARN`.

use serde::Serialize;
use serde::de::DeserializeOwned;
use tresor_policy::{ContextKeys, ContextValue};
use tresor_wire::AwsError;

use super::errors::{self, Kind};
use crate::authz::{Resource, ResourcePolicy};
use crate::identity::PrincipalKind;
use crate::identity::entities::{
    self, Common, Entity, GroupBody, PolicyBody, RoleBody, UserBody, iam_arn, name_key,
};
use crate::service::Ctx;
use crate::store::{ReadTxn, StoreError};

/// What the entity bodies share, so lookups are written once.
pub trait Body: Serialize + DeserializeOwned {
    /// The stored kind (`user`, `group`, `role`, `policy`).
    const KIND: &'static str;
    fn common(&self) -> &Common;
    fn common_mut(&mut self) -> &mut Common;
}

macro_rules! body {
    ($body:ty, $kind:expr) => {
        impl Body for $body {
            const KIND: &'static str = $kind;
            fn common(&self) -> &Common {
                &self.common
            }
            fn common_mut(&mut self) -> &mut Common {
                &mut self.common
            }
        }
    };
}

body!(UserBody, entities::USER);
body!(GroupBody, entities::GROUP);
body!(RoleBody, entities::ROLE);
body!(PolicyBody, entities::POLICY);

pub type User = Entity<UserBody>;
pub type Group = Entity<GroupBody>;
pub type Role = Entity<RoleBody>;
pub type Policy = Entity<PolicyBody>;

/// The entity of `B`'s kind named `name` (without regard to case).
pub fn find<B: Body>(txn: &dyn ReadTxn, name: &str) -> Result<Option<Entity<B>>, AwsError> {
    Ok(txn
        .iam_entity(B::KIND, &name_key(name))?
        .map(Entity::decode)
        .transpose()?)
}

/// The entity with this unique id, if it is of `B`'s kind.
pub fn by_id<B: Body>(txn: &dyn ReadTxn, id: &str) -> Result<Option<Entity<B>>, StoreError> {
    txn.iam_entity_by_id(id)?
        .filter(|row| row.kind == B::KIND)
        .map(Entity::decode)
        .transpose()
}

/// An entity as a resource: its ARN and tags.
pub fn resource<'a>(arn: &'a str, tags: &[(String, String)]) -> Resource<'a> {
    let mut keys = ContextKeys::new();
    for (k, v) in tags {
        keys.set(&format!("aws:ResourceTag/{k}"), v.as_str());
        keys.set(&format!("iam:ResourceTag/{k}"), v.as_str());
    }
    Resource {
        arn,
        keys,
        policy: ResourcePolicy::None,
    }
}

/// Condition keys of a request that sets `tags`: `aws:RequestTag/…` and
/// `aws:TagKeys`.
pub fn request_tags(tags: &[(String, String)]) -> ContextKeys {
    let mut keys = ContextKeys::new();
    for (k, v) in tags {
        keys.set(&format!("aws:RequestTag/{k}"), v.as_str());
    }
    if !tags.is_empty() {
        keys.set_multi("aws:TagKeys", tags.iter().map(|(k, _)| k.clone()).collect());
    }
    keys
}

/// Condition keys of a request that removes tags: `aws:TagKeys`.
pub fn removed_tags(tag_keys: &[String]) -> ContextKeys {
    let mut keys = ContextKeys::new();
    keys.set_multi("aws:TagKeys", tag_keys.to_vec());
    keys
}

/// `resource` with the request's own condition keys added.
fn with_keys<'a>(mut resource: Resource<'a>, extra: &ContextKeys) -> Resource<'a> {
    for (k, v) in extra.iter() {
        match v {
            ContextValue::Single(s) => resource.keys.set(k, s.clone()),
            ContextValue::Multi(vs) => resource.keys.set_multi(k, vs.clone()),
        }
    }
    resource
}

/// Decides the request's action on an existing entity.
pub fn check<B: Body>(ctx: &Ctx, entity: &Entity<B>) -> Result<(), AwsError> {
    check_with(ctx, entity, &ContextKeys::new())
}

fn check_with<B: Body>(ctx: &Ctx, entity: &Entity<B>, extra: &ContextKeys) -> Result<(), AwsError> {
    ctx.check(with_keys(
        resource(&entity.arn, &entity.body.common().tags),
        extra,
    ))
}

/// The ARN an entity of `kind` named `name` has (or would have) at `path`.
pub fn arn_of(ctx: &Ctx, kind: &str, path: &str, name: &str) -> String {
    iam_arn(&ctx.account_id, kind, path, name)
}

/// Decides the request's action on an entity that does not exist yet, on
/// the ARN it would have at `path`.
pub fn check_missing(ctx: &Ctx, kind: &str, path: &str, name: &str) -> Result<(), AwsError> {
    check_missing_with(ctx, kind, path, name, &ContextKeys::new())
}

/// `check_missing` with the request's own condition keys.
pub fn check_missing_with(
    ctx: &Ctx,
    kind: &str,
    path: &str,
    name: &str,
    extra: &ContextKeys,
) -> Result<(), AwsError> {
    let arn = arn_of(ctx, kind, path, name);
    ctx.check(with_keys(Resource::arn(&arn), extra))
}

/// Decides a list operation (ListUsers, ListRoles, …) on the ARN prefix
/// it lists, as IAM does (`arn:aws:iam::<account>:role/` for ListRoles
/// without a PathPrefix); returns the prefix to filter by.
pub fn check_list(ctx: &Ctx, kind: &str, path_prefix: Option<String>) -> Result<String, AwsError> {
    let prefix = path_prefix.unwrap_or_else(|| "/".to_string());
    ctx.check(Resource::arn(&arn_of(ctx, kind, &prefix, "")))?;
    Ok(prefix)
}

fn kind_of<B: Body>() -> Kind {
    match B::KIND {
        entities::USER => Kind::User,
        entities::GROUP => Kind::Group,
        _ => Kind::Role,
    }
}

/// Finds a user, group or role by name and decides the request's action on
/// it; `NoSuchEntity` (after the decision) when there is none.
pub fn resolve<B: Body>(txn: &dyn ReadTxn, ctx: &Ctx, name: &str) -> Result<Entity<B>, AwsError> {
    resolve_with(txn, ctx, name, &ContextKeys::new())
}

/// `resolve` with the request's own condition keys (`aws:RequestTag/…`,
/// `iam:PolicyARN`, …).
pub fn resolve_with<B: Body>(
    txn: &dyn ReadTxn,
    ctx: &Ctx,
    name: &str,
    extra: &ContextKeys,
) -> Result<Entity<B>, AwsError> {
    match find::<B>(txn, name)? {
        Some(entity) => {
            check_with(ctx, &entity, extra)?;
            Ok(entity)
        }
        None => {
            check_missing_with(ctx, B::KIND, "/", name, extra)?;
            Err(errors::no_such_entity(kind_of::<B>(), name))
        }
    }
}

/// A user, group or role that must exist for an operation on something
/// else (the user added to a group, …): no decision of its own.
pub fn existing<B: Body>(txn: &dyn ReadTxn, name: &str) -> Result<Entity<B>, AwsError> {
    find::<B>(txn, name)?.ok_or_else(|| errors::no_such_entity(kind_of::<B>(), name))
}

/// AWS managed policies live in the `aws` account.
pub fn is_aws_managed(arn: &str) -> bool {
    arn.starts_with("arn:aws:iam::aws:policy/")
}

/// Checks a policy ARN's form: `arn:aws:iam::<account or aws>:policy/…`.
pub fn check_policy_arn(arn: &str) -> Result<(), AwsError> {
    let well_formed = arn
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":policy/"))
        .is_some_and(|(account, name)| {
            (account == "aws"
                || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())))
                && !name.is_empty()
                && !name.ends_with('/')
        });
    if well_formed {
        Ok(())
    } else {
        Err(errors::invalid_arn(arn))
    }
}

/// The managed policy with this ARN (exactly), if any.
pub fn find_policy(txn: &dyn ReadTxn, arn: &str) -> Result<Option<Policy>, AwsError> {
    Ok(txn
        .iam_entity_by_arn(arn)?
        .filter(|row| row.kind == entities::POLICY)
        .map(Entity::decode)
        .transpose()?)
}

/// Finds a managed policy by ARN and decides the request's action on it;
/// `missing` is the error when there is none (after the decision).
pub fn resolve_policy(
    txn: &dyn ReadTxn,
    ctx: &Ctx,
    arn: &str,
    missing: fn(&str) -> AwsError,
) -> Result<Policy, AwsError> {
    check_policy_arn(arn)?;
    match find_policy(txn, arn)? {
        Some(policy) => {
            check(ctx, &policy)?;
            Ok(policy)
        }
        None => {
            ctx.check(Resource::arn(arn))?;
            Err(missing(arn))
        }
    }
}

/// A managed policy that must exist to be attached: no decision of its own
/// (the decision is on the user, group or role it is attached to).
pub fn attachable_policy(txn: &dyn ReadTxn, arn: &str) -> Result<Policy, AwsError> {
    check_policy_arn(arn)?;
    find_policy(txn, arn)?.ok_or_else(|| errors::not_attachable(arn))
}

/// Who "yourself" is when an operation names no user.
pub enum Caller {
    Root,
    User {
        name: String,
    },
    /// A role session: IAM wants a UserName.
    Other,
}

pub fn caller(ctx: &Ctx) -> Caller {
    match &ctx.access.principal().kind {
        PrincipalKind::Root => Caller::Root,
        PrincipalKind::User { name, .. } => Caller::User { name: name.clone() },
        PrincipalKind::AssumedRole(_) => Caller::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_arns() {
        for good in [
            "arn:aws:iam::aws:policy/AdministratorAccess",
            "arn:aws:iam::111122223333:policy/team/read",
            "arn:aws:iam::aws:policy/service-role/AWSLambdaRole",
        ] {
            check_policy_arn(good).unwrap();
        }
        for bad in [
            "AdministratorAccess",
            "arn:aws:iam::111122223333:user/alice",
            "arn:aws:iam::1111:policy/x",
            "arn:aws:iam::111122223333:policy/",
            "arn:aws-cn:iam::aws:policy/x",
        ] {
            assert_eq!(
                check_policy_arn(bad).unwrap_err().code,
                tresor_wire::ErrorCode::InvalidInput,
                "{bad}"
            );
        }
        assert!(is_aws_managed("arn:aws:iam::aws:policy/IAMFullAccess"));
        assert!(!is_aws_managed(
            "arn:aws:iam::111122223333:policy/IAMFullAccess"
        ));
    }
}
