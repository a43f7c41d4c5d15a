//! Long-term access keys: CreateAccessKey, ListAccessKeys,
//! UpdateAccessKey, DeleteAccessKey.
//!
//! Each acts on the named user or, without a UserName, on the caller: an
//! IAM user's own keys, the account root's keys (no IAM user; `user_id`
//! `None`) for the root, and IAM's ValidationError for a role session. At
//! most two keys per user or root, active or not. The secret is generated
//! here, stored wrapped under the root key (`auth::access_keys`), and
//! returned once in the CreateAccessKey answer; it is never logged.

use serde::Serialize;
use tresor_wire::dto::iam::{
    AccessKey, AccessKeyMetadata, CreateAccessKeyRequest, CreateAccessKeyResponse,
    DeleteAccessKeyRequest, ListAccessKeysRequest, ListAccessKeysResponse, UpdateAccessKeyRequest,
};
use tresor_wire::dto::{SecretString, Timestamp};
use tresor_wire::{AwsError, ErrorCode};

use super::errors;
use super::lookup::{self, Caller, User};
use super::{paging, write};
use crate::auth::access_keys::{self, AccessKey as NewKey};
use crate::authz::Resource;
use crate::identity::principal::root_arn;
use crate::service::{Ctx, Service};
use crate::store::{AccessKeyRow, ReadTxn};

/// IAM's quota of access keys per user (and for the root).
const KEYS_PER_USER: usize = 2;

/// Whose keys an operation is about.
enum Owner {
    Root { arn: String },
    User(User),
}

impl Owner {
    fn user_id(&self) -> Option<&str> {
        match self {
            Owner::Root { .. } => None,
            Owner::User(u) => Some(&u.id),
        }
    }

    fn user_name(&self) -> Option<String> {
        match self {
            Owner::Root { .. } => None,
            Owner::User(u) => Some(u.body.common.name.clone()),
        }
    }

    fn arn(&self) -> &str {
        match self {
            Owner::Root { arn } => arn,
            Owner::User(u) => &u.arn,
        }
    }

    fn keys(&self, txn: &dyn ReadTxn) -> Result<Vec<AccessKeyRow>, AwsError> {
        Ok(txn
            .access_keys()?
            .into_iter()
            .filter(|k| k.user_id.as_deref() == self.user_id())
            .collect())
    }

    /// The key `access_key_id` if it is this owner's.
    fn key(&self, txn: &dyn ReadTxn, access_key_id: &str) -> Result<AccessKeyRow, AwsError> {
        txn.access_key(access_key_id)?
            .filter(|k| k.user_id.as_deref() == self.user_id())
            .ok_or_else(|| errors::no_such_access_key(access_key_id))
    }
}

/// Resolves the owner (named, or the caller) and decides the request's
/// action on it.
fn owner(txn: &dyn ReadTxn, ctx: &Ctx, user_name: Option<String>) -> Result<Owner, AwsError> {
    match (user_name, lookup::caller(ctx)) {
        (Some(name), _) | (None, Caller::User { name }) => {
            Ok(Owner::User(lookup::resolve(txn, ctx, &name)?))
        }
        (None, Caller::Root) => {
            let arn = root_arn(&ctx.account_id);
            ctx.check(Resource::arn(&arn))?;
            Ok(Owner::Root { arn })
        }
        (None, Caller::Other) => Err(errors::needs_user_name()),
    }
}

fn status(active: bool) -> String {
    if active { "Active" } else { "Inactive" }.to_string()
}

/// CreateAccessKey's answer. The root has no user name, and IAM sends
/// none for its keys; both forms keep the secret in a `SecretString`
/// (zeroised when dropped) all the way to the encoder.
#[derive(Serialize)]
#[serde(untagged)]
pub enum CreatedKey {
    User(CreateAccessKeyResponse),
    Root(RootKeyResponse),
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RootKeyResponse {
    access_key: RootKey,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RootKey {
    access_key_id: String,
    status: String,
    secret_access_key: SecretString,
    create_date: Timestamp,
}

pub async fn create_access_key(
    svc: &Service,
    ctx: &Ctx,
    req: CreateAccessKeyRequest,
) -> Result<CreatedKey, AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    write(svc, move |svc, txn| {
        let owner = owner(txn, &ctx, req.user_name)?;
        if owner.keys(txn)?.len() >= KEYS_PER_USER {
            return Err(errors::quota("AccessKeysPerUser", KEYS_PER_USER));
        }
        let key = NewKey::generate();
        access_keys::insert(txn, &svc.keyring, &key, owner.arn(), owner.user_id(), now)?;
        let secret = SecretString::new(key.secret_access_key.to_string());
        Ok(match owner {
            Owner::Root { .. } => CreatedKey::Root(RootKeyResponse {
                access_key: RootKey {
                    access_key_id: key.access_key_id.clone(),
                    status: status(true),
                    secret_access_key: secret,
                    create_date: Timestamp::from_millis(now),
                },
            }),
            Owner::User(user) => CreatedKey::User(CreateAccessKeyResponse {
                access_key: AccessKey {
                    user_name: user.body.common.name,
                    access_key_id: key.access_key_id.clone(),
                    status: status(true),
                    secret_access_key: secret,
                    create_date: Some(Timestamp::from_millis(now)),
                },
            }),
        })
    })
    .await
}

pub async fn list_access_keys(
    svc: &Service,
    ctx: &Ctx,
    req: ListAccessKeysRequest,
) -> Result<ListAccessKeysResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let owner = owner(txn, &ctx, req.user_name)?;
        let user_name = owner.user_name();
        let keys = owner
            .keys(txn)?
            .into_iter()
            .map(|k| {
                // Oldest first; the id keeps keys of one millisecond apart.
                let sort = format!("{:020}{}", k.created.max(0), k.access_key_id);
                let metadata = AccessKeyMetadata {
                    user_name: user_name.clone(),
                    access_key_id: Some(k.access_key_id),
                    status: Some(status(k.active)),
                    create_date: Some(Timestamp::from_millis(k.created)),
                };
                (sort, metadata)
            })
            .collect();
        let page = paging::page(keys, req.marker.as_deref(), req.max_items)?;
        Ok(ListAccessKeysResponse {
            access_key_metadata: page.items,
            is_truncated: Some(page.is_truncated),
            marker: page.marker,
        })
    })
    .await
}

pub async fn update_access_key(
    svc: &Service,
    ctx: &Ctx,
    req: UpdateAccessKeyRequest,
) -> Result<(), AwsError> {
    let ctx = ctx.clone();
    write(svc, move |_, txn| {
        let owner = owner(txn, &ctx, req.user_name)?;
        let active = match req.status.as_str() {
            "Active" => true,
            "Inactive" => false,
            // The model's enum also has `Expired`, which only IAM sets.
            _ => {
                return Err(AwsError::new(
                    ErrorCode::ValidationError,
                    "1 validation error detected: Value at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]",
                ));
            }
        };
        let mut key = owner.key(txn, &req.access_key_id)?;
        key.active = active;
        txn.update_access_key(&key)?;
        Ok(())
    })
    .await
}

pub async fn delete_access_key(
    svc: &Service,
    ctx: &Ctx,
    req: DeleteAccessKeyRequest,
) -> Result<(), AwsError> {
    let ctx = ctx.clone();
    write(svc, move |_, txn| {
        let owner = owner(txn, &ctx, req.user_name)?;
        let key = owner.key(txn, &req.access_key_id)?;
        txn.delete_access_key(&key.access_key_id)?;
        Ok(())
    })
    .await
}
