//! What the HTTP layer knows of a request, as the draft of its audit
//! event: caller, source address, user agent, operation and its redacted
//! parameters — also for requests that never got as far as an operation
//! (a bad signature, an unknown action, an oversized body).

use std::net::SocketAddr;

use serde_json::{Value, json};
use tresor_wire::model::Model;
use tresor_wire::operation::{parse_target, query_target};
use tresor_wire::query::{query_action, query_request_value};
use tresor_wire::{Service, Target};

use crate::audit::classify::redact;
use crate::audit::record::{event_source, is_read_only, user_identity};
use crate::audit::{AuditTrail, Draft};
use crate::auth::Caller;

/// The longest user agent or operation name recorded.
const MAX_ECHO: usize = 256;

pub struct RequestFacts<'a> {
    pub parts: &'a http::request::Parts,
    pub body: &'a [u8],
    pub peer: SocketAddr,
    pub request_id: &'a str,
    pub account_id: &'a str,
    pub secure: bool,
    pub query: bool,
}

impl RequestFacts<'_> {
    /// The operation the request names, as far as it can be told without
    /// authenticating (for awsQuery, STS's actions are tried before IAM's).
    pub fn named_target(&self) -> Option<Target> {
        if self.query {
            let action = query_action(self.body)?;
            query_target(Service::Sts, &action)
                .or_else(|_| query_target(Service::Iam, &action))
                .ok()
        } else {
            let header = self.parts.headers.get("x-amz-target")?.to_str().ok()?;
            parse_target(header).ok()
        }
    }

    /// The draft of this request's event. `caller` is `None` when the
    /// request was not (or could not be) authenticated.
    pub fn draft(
        &self,
        trail: &AuditTrail,
        caller: Option<&Caller>,
        target: Option<Target>,
        unsigned_identity: Option<Value>,
    ) -> Draft {
        let (identity, username) = match caller {
            Some(caller) => {
                let (identity, username) = user_identity(caller);
                (identity, Some(username))
            }
            None => (
                unsigned_identity.unwrap_or_else(|| self.unknown_identity()),
                None,
            ),
        };
        let event_name = match target {
            Some(t) => t.name().to_string(),
            None => self.raw_operation_name(),
        };
        let service = target.map(Target::service);
        Draft {
            // Time-ordered (UUIDv7): the unique index on event ids then
            // grows at its end instead of dirtying a random page (a whole
            // WAL frame) per event.
            event_id: uuid::Uuid::now_v7().to_string(),
            event_time_ms: trail.now_ms(),
            request_id: self.request_id.to_string(),
            target,
            event_name,
            event_source: service.map_or("unknown", event_source),
            region: caller.map_or_else(|| "us-east-1".to_string(), |c| c.region.clone()),
            source_ip: self.peer.ip().to_string(),
            user_agent: self
                .parts
                .headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(MAX_ECHO).collect()),
            user_identity: identity,
            username,
            access_key_id: caller.map(|c| c.access_key_id.clone()),
            request_parameters: target.map_or(Value::Null, |t| self.parameters(trail, t)),
            read_only: target.is_some_and(is_read_only),
            account_id: self.account_id.to_string(),
            secure_transport: self.secure,
            event_type: "AwsApiCall",
        }
    }

    /// The request's members, redacted by the audit classification.
    fn parameters(&self, trail: &AuditTrail, target: Target) -> Value {
        let Some(model) = Model::of(target.service()) else {
            return Value::Null;
        };
        let Some(shape) = model.input_shape(target) else {
            return Value::Null;
        };
        let value = if self.query {
            query_request_value(target, self.body)
        } else {
            serde_json::from_slice(self.body).ok()
        };
        let keys = trail.keys();
        value.map_or(Value::Null, |v| {
            redact(model, shape, &v, &|bytes| keys.field_hmac(bytes))
        })
    }

    /// An unauthenticated caller: the access key id it presented, if any.
    fn unknown_identity(&self) -> Value {
        let key_id = self
            .parts
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split("Credential=").nth(1))
            .and_then(|v| v.split('/').next())
            .filter(|id| id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric()));
        match key_id {
            Some(id) => json!({"type": "Unknown", "accessKeyId": id}),
            None => json!({"type": "Unknown"}),
        }
    }

    /// The operation name as sent, when it names nothing we know: kept
    /// only if it looks like a name.
    fn raw_operation_name(&self) -> String {
        let raw = if self.query {
            query_action(self.body).unwrap_or_default()
        } else {
            self.parts
                .headers
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .and_then(|t| t.rsplit('.').next())
                .unwrap_or_default()
                .to_string()
        };
        if !raw.is_empty()
            && raw.len() <= 64
            && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            raw
        } else {
            "Unknown".to_string()
        }
    }
}
