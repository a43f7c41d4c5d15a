//! CloudTrail's LookupEvents over the audit trail: the event history
//! `aws cloudtrail lookup-events` reads, with CloudTrail's filters (one
//! lookup attribute, a time range), page size and paging, newest first.
//!
//! One difference from CloudTrail: Tresor has one trail for all regions,
//! so a lookup returns events of every region, not only the request's.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tresor_wire::dto::Timestamp;
use tresor_wire::dto::cloudtrail::{
    Event, LookupEventsRequest, LookupEventsResponse, Resource as EventResource,
};
use tresor_wire::{AwsError, ErrorCode};

use super::{Ctx, Service};
use crate::authz::Resource;
use crate::store::{AuditEventRow, AuditQuery, ReadTxn};

/// The attribute keys CloudTrail filters on.
const ATTRIBUTE_KEYS: &[&str] = &[
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
];

/// CloudTrail's default and largest page.
const MAX_RESULTS: i64 = 50;
/// How far back a lookup without a start time reaches (CloudTrail: 90 days).
const DEFAULT_WINDOW_MS: i64 = 90 * 24 * 3600 * 1000;

pub async fn lookup_events(
    svc: &Service,
    ctx: &Ctx,
    req: LookupEventsRequest,
) -> Result<LookupEventsResponse, AwsError> {
    ctx.check(Resource::any())?;
    let attribute = match req.lookup_attributes.as_deref().unwrap_or_default() {
        [] => None,
        [one] => {
            if !ATTRIBUTE_KEYS.contains(&one.attribute_key.as_str()) {
                return Err(invalid_attributes(format!(
                    "{} is not a valid AttributeKey; use one of {}.",
                    one.attribute_key,
                    ATTRIBUTE_KEYS.join(", ")
                )));
            }
            if one.attribute_value.is_empty() || one.attribute_value.len() > 2000 {
                return Err(invalid_attributes(
                    "AttributeValue must be 1 to 2000 characters long.".into(),
                ));
            }
            Some((one.attribute_key.clone(), one.attribute_value.clone()))
        }
        _ => {
            return Err(invalid_attributes(
                "You can specify only one lookup attribute.".into(),
            ));
        }
    };
    let limit = req.max_results.unwrap_or(MAX_RESULTS);
    if !(1..=MAX_RESULTS).contains(&limit) {
        return Err(AwsError::new(
            ErrorCode::InvalidMaxResultsException,
            format!("MaxResults must be between 1 and {MAX_RESULTS}."),
        ));
    }
    match req.event_category.as_deref() {
        None => {}
        // Tresor records management events only: no insight events exist.
        Some("insight") => return Ok(LookupEventsResponse::default()),
        Some(_) => {
            return Err(AwsError::new(
                ErrorCode::InvalidEventCategoryException,
                "EventCategory must be insight.",
            ));
        }
    }
    let end = req.end_time.map_or_else(|| svc.now(), Timestamp::millis);
    let start = req
        .start_time
        .map_or(end - DEFAULT_WINDOW_MS, Timestamp::millis);
    if start > end {
        return Err(AwsError::new(
            ErrorCode::InvalidTimeRangeException,
            "StartTime must be before EndTime.",
        ));
    }
    let before_seq = req.next_token.as_deref().map(parse_token).transpose()?;
    let query = AuditQuery {
        start,
        end,
        before_seq,
        attribute,
        limit: limit as usize + 1,
    };
    let mut rows = svc
        .read(move |_, txn: &dyn ReadTxn| Ok(txn.lookup_audit_events(&query)?))
        .await?;
    let next_token = if rows.len() > limit as usize {
        rows.truncate(limit as usize);
        rows.last().map(|r| token(r.seq))
    } else {
        None
    };
    Ok(LookupEventsResponse {
        events: rows.into_iter().map(event).collect(),
        next_token,
    })
}

fn invalid_attributes(message: String) -> AwsError {
    AwsError::new(ErrorCode::InvalidLookupAttributesException, message)
}

fn token(seq: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("tresor-lookup-v1:{seq}"))
}

fn parse_token(token: &str) -> Result<i64, AwsError> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|text| text.strip_prefix("tresor-lookup-v1:")?.parse().ok())
        .ok_or_else(|| {
            AwsError::new(
                ErrorCode::InvalidNextTokenException,
                "The NextToken is not valid.",
            )
        })
}

fn event(row: AuditEventRow) -> Event {
    #[derive(serde::Deserialize)]
    struct Stored {
        #[serde(rename = "type")]
        kind: String,
        name: String,
    }
    let resources: Vec<Stored> = serde_json::from_str(&row.resources).unwrap_or_default();
    Event {
        event_id: row.event_id,
        event_name: row.event_name,
        read_only: row.read_only.to_string(),
        access_key_id: row.access_key_id,
        event_time: Timestamp::from_millis(row.event_time),
        event_source: row.event_source,
        username: row.username,
        resources: resources
            .into_iter()
            .map(|r| EventResource {
                resource_type: r.kind,
                resource_name: r.name,
            })
            .collect(),
        cloud_trail_event: row.record,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        assert_eq!(parse_token(&token(42)).unwrap(), 42);
        assert_eq!(
            parse_token("nonsense").unwrap_err().code,
            ErrorCode::InvalidNextTokenException
        );
    }
}
