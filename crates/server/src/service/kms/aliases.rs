//! CreateAlias, UpdateAlias, DeleteAlias, ListAliases.
//!
//! An alias is `alias/<name>` in one region and names one key; `alias/aws/`
//! is reserved for AWS managed keys.

use tresor_wire::dto::Timestamp;
use tresor_wire::dto::kms::{
    AliasListEntry, CreateAliasRequest, DeleteAliasRequest, ListAliasesRequest,
    ListAliasesResponse, UpdateAliasRequest,
};
use tresor_wire::{AwsError, ErrorCode};

use super::resolve::require_key;
use super::{authorize, paging};
use crate::authz::Resource;
use crate::kms::STATE_PENDING_DELETION;
use crate::service::{Ctx, Empty, Service};
use crate::store::KmsAliasRow;

fn alias_arn(ctx: &Ctx, name: &str) -> String {
    format!("arn:aws:kms:{}:{}:{name}", ctx.region, ctx.account_id)
}

/// An alias a caller may create or point elsewhere.
fn check_name(name: &str) -> Result<(), AwsError> {
    if !name.starts_with("alias/") || name.len() <= "alias/".len() {
        return Err(AwsError::new(
            ErrorCode::ValidationException,
            "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
        ));
    }
    if name.starts_with("alias/aws/") {
        return Err(AwsError::new(
            ErrorCode::InvalidAliasNameException,
            "Cannot create alias with prefix 'alias/aws/' because it is reserved for AWS managed keys.",
        ));
    }
    Ok(())
}

/// The key an alias may point at: a customer key in this region, not
/// pending deletion.
fn target(
    txn: &dyn crate::store::ReadTxn,
    ctx: &Ctx,
    key_ref: &str,
) -> Result<crate::store::KmsKeyRow, AwsError> {
    // "This value cannot be an alias" (CreateAlias, UpdateAlias).
    if key_ref.starts_with("alias/") || key_ref.contains(":alias/") {
        return Err(AwsError::new(
            ErrorCode::ValidationException,
            "TargetKeyId must be a key id or key ARN; an alias cannot point at another alias.",
        ));
    }
    let key = require_key(txn, ctx, key_ref)?;
    if key.key_manager == crate::kms::MANAGER_AWS {
        return Err(AwsError::new(
            ErrorCode::UnsupportedOperationException,
            format!(
                "{} is an AWS managed key; aliases cannot point at it.",
                key.arn
            ),
        ));
    }
    if key.state == STATE_PENDING_DELETION {
        return Err(AwsError::new(
            ErrorCode::KMSInvalidStateException,
            format!("{} is pending deletion.", key.arn),
        ));
    }
    Ok(key)
}

pub async fn create_alias(
    svc: &Service,
    ctx: &Ctx,
    req: CreateAliasRequest,
) -> Result<Empty, AwsError> {
    check_name(&req.alias_name)?;
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |_, txn| {
        authorize::alias(&ctx, &req.alias_name)?;
        if txn.kms_alias(&ctx.region, &req.alias_name)?.is_some() {
            return Err(AwsError::new(
                ErrorCode::AlreadyExistsException,
                format!(
                    "An alias with the name {} already exists",
                    alias_arn(&ctx, &req.alias_name)
                ),
            ));
        }
        let key = target(txn, &ctx, &req.target_key_id)?;
        txn.put_kms_alias(&KmsAliasRow {
            region: ctx.region.clone(),
            name: req.alias_name.clone(),
            target_key_id: key.key_id,
            created: now,
            updated: now,
        })?;
        Ok(Empty {})
    })
    .await
}

pub async fn update_alias(
    svc: &Service,
    ctx: &Ctx,
    req: UpdateAliasRequest,
) -> Result<Empty, AwsError> {
    check_name(&req.alias_name)?;
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |_, txn| {
        authorize::alias(&ctx, &req.alias_name)?;
        let Some(mut alias) = txn.kms_alias(&ctx.region, &req.alias_name)? else {
            return Err(AwsError::new(
                ErrorCode::NotFoundException,
                format!("Alias {} is not found.", alias_arn(&ctx, &req.alias_name)),
            ));
        };
        // Both keys must allow it: the one the alias leaves and the new one.
        if let Some(current) = txn.kms_key(&alias.target_key_id)? {
            authorize::key(&ctx, &current)?;
        }
        let key = target(txn, &ctx, &req.target_key_id)?;
        alias.target_key_id = key.key_id;
        alias.updated = now;
        txn.put_kms_alias(&alias)?;
        Ok(Empty {})
    })
    .await
}

pub async fn delete_alias(
    svc: &Service,
    ctx: &Ctx,
    req: DeleteAliasRequest,
) -> Result<Empty, AwsError> {
    check_name(&req.alias_name)?;
    let ctx = ctx.clone();
    svc.write(move |_, txn| {
        authorize::alias(&ctx, &req.alias_name)?;
        let Some(alias) = txn.kms_alias(&ctx.region, &req.alias_name)? else {
            return Err(AwsError::new(
                ErrorCode::NotFoundException,
                format!("Alias {} is not found.", alias_arn(&ctx, &req.alias_name)),
            ));
        };
        if let Some(key) = txn.kms_key(&alias.target_key_id)? {
            authorize::key(&ctx, &key)?;
        }
        txn.delete_kms_alias(&ctx.region, &req.alias_name)?;
        Ok(Empty {})
    })
    .await
}

pub async fn list_aliases(
    svc: &Service,
    ctx: &Ctx,
    req: ListAliasesRequest,
) -> Result<ListAliasesResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        ctx.check(Resource::any())?;
        let only = match &req.key_id {
            Some(key_ref) => Some(require_key(txn, &ctx, key_ref)?.key_id),
            None => None,
        };
        let aliases: Vec<AliasListEntry> = txn
            .kms_aliases(&ctx.region)?
            .into_iter()
            .filter(|a| only.as_ref().is_none_or(|k| *k == a.target_key_id))
            .map(|a| AliasListEntry {
                alias_arn: Some(alias_arn(&ctx, &a.name)),
                alias_name: Some(a.name),
                target_key_id: Some(a.target_key_id),
                creation_date: Some(Timestamp(a.created)),
                last_updated_date: Some(Timestamp(a.updated)),
            })
            .collect();
        let (page, next) = paging::page(aliases, req.marker.as_deref(), req.limit, 50)?;
        Ok(ListAliasesResponse {
            aliases: Some(page),
            truncated: Some(next.is_some()),
            next_marker: next,
        })
    })
    .await
}
