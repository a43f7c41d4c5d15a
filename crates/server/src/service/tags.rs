//! TagResource and UntagResource, and the tag rules CreateSecret shares.
//!
//! Tags merge by key (keys are case-sensitive); removing unknown keys is a
//! no-op. At most 50 tags; keys 1–128 and values 0–256 characters of
//! letters, digits, spaces and `_ . : / = + - @`; the `aws:` prefix is
//! reserved for AWS.

use tresor_wire::AwsError;
use tresor_wire::dto::{Tag, TagResourceRequest, UntagResourceRequest};

use super::errors;
use super::secret::resolve_writable;
use super::{Ctx, Empty, Service, replication};

pub const MAX_TAGS: usize = 50;

fn allowed_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

/// Checks tags from a request and returns them as pairs.
pub fn validate(tags: &[Tag]) -> Result<Vec<(String, String)>, AwsError> {
    let mut pairs: Vec<(String, String)> = Vec::with_capacity(tags.len());
    for (i, tag) in tags.iter().enumerate() {
        let Some(key) = tag.key.clone() else {
            return Err(AwsError::new(
                tresor_wire::ErrorCode::ValidationException,
                format!(
                    "1 validation error detected: Value null at 'tags.{}.member.key' failed to satisfy constraint: Member must not be null",
                    i + 1
                ),
            ));
        };
        let value = tag.value.clone().unwrap_or_default();
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(errors::invalid_parameter(
                "Tag keys beginning with 'aws:' are reserved for AWS use.",
            ));
        }
        if !key.chars().all(allowed_char) || !value.chars().all(allowed_char) {
            return Err(errors::invalid_parameter(format!(
                "The tag '{key}' contains characters that are not allowed. Tags may contain letters, \
                 numbers, spaces and the characters _ . : / = + - @"
            )));
        }
        if pairs.iter().any(|(k, _)| *k == key) {
            return Err(errors::invalid_parameter(format!(
                "The tag key '{key}' appears more than once in the request."
            )));
        }
        pairs.push((key, value));
    }
    if pairs.len() > MAX_TAGS {
        return Err(errors::invalid_parameter(format!(
            "A secret can have at most {MAX_TAGS} tags."
        )));
    }
    Ok(pairs)
}

/// Merges `new` into `existing` (same key: value replaced).
pub fn merge(
    existing: &mut Vec<(String, String)>,
    new: Vec<(String, String)>,
) -> Result<(), AwsError> {
    for (key, value) in new {
        match existing.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => existing.push((key, value)),
        }
    }
    if existing.len() > MAX_TAGS {
        return Err(errors::invalid_parameter(format!(
            "A secret can have at most {MAX_TAGS} tags."
        )));
    }
    Ok(())
}

pub async fn tag_resource(
    svc: &Service,
    ctx: &Ctx,
    req: TagResourceRequest,
) -> Result<Empty, AwsError> {
    let new = validate(&req.tags)?;
    change_tags(svc, ctx, req.secret_id, move |tags| merge(tags, new)).await
}

pub async fn untag_resource(
    svc: &Service,
    ctx: &Ctx,
    req: UntagResourceRequest,
) -> Result<Empty, AwsError> {
    let keys = req.tag_keys;
    change_tags(svc, ctx, req.secret_id, move |tags| {
        tags.retain(|(k, _)| !keys.contains(k));
        Ok(())
    })
    .await
}

async fn change_tags(
    svc: &Service,
    ctx: &Ctx,
    secret_id: String,
    change: impl FnOnce(&mut Vec<(String, String)>) -> Result<(), AwsError> + Send + 'static,
) -> Result<Empty, AwsError> {
    let ctx = ctx.clone();
    let now = svc.now();
    svc.write(move |svc, txn| {
        let mut row = resolve_writable(txn, &ctx, &secret_id)?;
        let mut tags = row.tags.take().unwrap_or_default();
        change(&mut tags)?;
        row.tags = Some(tags);
        row.last_changed = now;
        txn.update_secret(&row)?;
        replication::sync_replicas(svc, txn, &row, now)
    })
    .await?;
    Ok(Empty {})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(k: &str, v: &str) -> Tag {
        Tag {
            key: Some(k.into()),
            value: Some(v.into()),
        }
    }

    #[test]
    fn validates_tags() {
        assert!(validate(&[tag("env", "prod"), tag("Team Name", "a/b@c")]).is_ok());
        assert!(validate(&[tag("aws:thing", "x")]).is_err());
        assert!(validate(&[tag("a", "x"), tag("a", "y")]).is_err());
        assert!(validate(&[tag("bad*key", "x")]).is_err());
        let many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
        assert!(validate(&many).is_err());
        assert!(
            validate(&[Tag {
                key: None,
                value: Some("v".into())
            }])
            .is_err()
        );
    }

    #[test]
    fn merges_by_case_sensitive_key() {
        let mut tags = vec![("ABC".to_string(), "1".to_string())];
        merge(
            &mut tags,
            vec![("abc".into(), "2".into()), ("ABC".into(), "3".into())],
        )
        .unwrap();
        assert_eq!(
            tags,
            vec![("ABC".into(), "3".into()), ("abc".into(), "2".into())]
        );
    }
}
