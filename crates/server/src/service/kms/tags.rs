//! TagResource, UntagResource, ListResourceTags for KMS keys.
//!
//! KMS tags are `TagKey`/`TagValue`; at most 50 per key; keys beginning
//! with `aws:` are reserved (TagException). AWS managed keys cannot be
//! tagged.

use tresor_wire::dto::kms::{
    ListResourceTagsRequest, ListResourceTagsResponse, Tag, TagResourceRequest,
    UntagResourceRequest,
};
use tresor_wire::{AwsError, ErrorCode};

use super::paging;
use super::resolve::{refuse_aws_managed, refuse_pending_deletion, require_key};
use crate::service::{Ctx, Empty, Service};

const MAX_TAGS: usize = 50;

fn tag_error(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::TagException, message)
}

/// Checks tags from a request and returns them as pairs.
pub fn validate(tags: &[Tag]) -> Result<Vec<(String, String)>, AwsError> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for tag in tags {
        if tag.tag_key.to_ascii_lowercase().starts_with("aws:") {
            return Err(tag_error(
                // As recorded from AWS.
                "Tags beginning with aws: are reserved",
            ));
        }
        if pairs.iter().any(|(k, _)| *k == tag.tag_key) {
            return Err(tag_error(format!("Duplicate tag key: {}", tag.tag_key)));
        }
        pairs.push((tag.tag_key.clone(), tag.tag_value.clone()));
    }
    if pairs.len() > MAX_TAGS {
        return Err(tag_error(format!(
            "A KMS key can have at most {MAX_TAGS} tags."
        )));
    }
    Ok(pairs)
}

pub async fn tag_resource(
    svc: &Service,
    ctx: &Ctx,
    req: TagResourceRequest,
) -> Result<Empty, AwsError> {
    let new = validate(&req.tags)?;
    let ctx = ctx.clone();
    svc.write(move |_, txn| {
        let mut key = require_key(txn, &ctx, &req.key_id)?;
        refuse_aws_managed(&key, &ctx, "TagResource")?;
        refuse_pending_deletion(&key)?;
        for (k, v) in new {
            match key.tags.iter_mut().find(|(existing, _)| *existing == k) {
                Some(slot) => slot.1 = v,
                None => key.tags.push((k, v)),
            }
        }
        if key.tags.len() > MAX_TAGS {
            return Err(tag_error(format!(
                "A KMS key can have at most {MAX_TAGS} tags."
            )));
        }
        txn.update_kms_key(&key)?;
        Ok(Empty {})
    })
    .await
}

pub async fn untag_resource(
    svc: &Service,
    ctx: &Ctx,
    req: UntagResourceRequest,
) -> Result<Empty, AwsError> {
    let ctx = ctx.clone();
    svc.write(move |_, txn| {
        let mut key = require_key(txn, &ctx, &req.key_id)?;
        refuse_aws_managed(&key, &ctx, "UntagResource")?;
        refuse_pending_deletion(&key)?;
        key.tags.retain(|(k, _)| !req.tag_keys.contains(k));
        txn.update_kms_key(&key)?;
        Ok(Empty {})
    })
    .await
}

pub async fn list_resource_tags(
    svc: &Service,
    ctx: &Ctx,
    req: ListResourceTagsRequest,
) -> Result<ListResourceTagsResponse, AwsError> {
    let ctx = ctx.clone();
    svc.read(move |_, txn| {
        let key = require_key(txn, &ctx, &req.key_id)?;
        let (page, next) = paging::page(key.tags, req.marker.as_deref(), req.limit, 50)?;
        Ok(ListResourceTagsResponse {
            tags: Some(
                page.into_iter()
                    .map(|(tag_key, tag_value)| Tag { tag_key, tag_value })
                    .collect(),
            ),
            truncated: Some(next.is_some()),
            next_marker: next,
        })
    })
    .await
}
