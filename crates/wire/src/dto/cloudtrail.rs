//! CloudTrail's LookupEvents, as the AWS CLI and SDKs send and read it
//! (API version 2013-11-01, awsJson 1.1). Tresor vendors no CloudTrail
//! model: these DTOs carry the members LookupEvents defines.

use serde::{Deserialize, Serialize};

use super::Timestamp;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct LookupEventsRequest {
    pub lookup_attributes: Option<Vec<LookupAttribute>>,
    pub start_time: Option<Timestamp>,
    pub end_time: Option<Timestamp>,
    pub event_category: Option<String>,
    pub max_results: Option<i64>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct LookupAttribute {
    pub attribute_key: String,
    pub attribute_value: String,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LookupEventsResponse {
    pub events: Vec<Event>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Event {
    pub event_id: String,
    pub event_name: String,
    /// `"true"` or `"false"`: a string, as CloudTrail sends it.
    pub read_only: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    pub event_time: Timestamp,
    pub event_source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    pub resources: Vec<Resource>,
    /// The whole record, as a JSON string.
    pub cloud_trail_event: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Resource {
    pub resource_type: String,
    pub resource_name: String,
}
