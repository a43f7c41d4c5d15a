//! awsQuery answers: the XML of a response and of an error.
//!
//! Owns the XML IAM and STS send, as botocore's `QueryParser` reads it: the
//! DTO is serialised to JSON, then written member by member as the output
//! shape says — structures as elements named by their members, lists as
//! `<Name><member>…</member></Name>`, maps as `<entry><key/><value/></entry>`,
//! timestamps in ISO 8601 UTC (`2018-04-11T20:05:45Z`), booleans
//! `true`/`false` — inside `<{Op}Result>` (the model's `resultWrapper`),
//! with the request id in `<ResponseMetadata>`. IAM policy documents (shape
//! `policyDocumentType`) are URL-encoded, as IAM sends them; botocore's
//! `json_decode_policies` decodes them. Text is escaped; characters XML 1.0
//! cannot carry become U+FFFD, so an odd stored value never makes the whole
//! answer unreadable.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde_json::Value;

use super::decode::scrub;
use crate::dto::Timestamp;
use crate::error::AwsError;
use crate::model::{Model, Shape, ShapeKind};
use crate::operation::{ApiOperation, Service};

/// RFC 3986 unreserved characters stay; everything else is `%XX` (UTF-8),
/// which `urllib.parse.unquote` reverses (it does not read `+` as space).
const POLICY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The XML answer to `op`: `response` (a DTO; `&()` for an operation without
/// output) inside `<{Op}Response><{Op}Result>`, then the request id.
pub fn encode_query_response<T: Serialize>(
    op: impl ApiOperation,
    response: &T,
    request_id: &str,
) -> Vec<u8> {
    let service = op.service();
    let model = Model::of(service);
    let name = op.name();
    let mut out = String::with_capacity(512);
    out.push('<');
    out.push_str(name);
    out.push_str("Response");
    push_namespace(&mut out, model);
    out.push('>');
    if let Some((model, shape)) = model.and_then(|m| m.output_shape(op).map(|s| (m, s))) {
        // Serialising a DTO cannot fail: structures of strings, numbers,
        // booleans, lists and string-keyed maps.
        let mut value = serde_json::to_value(response).expect("a DTO serialises to JSON");
        let wrapper = model
            .result_wrapper(op)
            .map_or_else(|| format!("{name}Result"), str::to_string);
        let writer = Writer {
            model,
            url_encode_policies: service == Service::Iam,
        };
        open(&mut out, &wrapper);
        writer.members(shape, &value, &mut out);
        close(&mut out, &wrapper);
        scrub(&mut value);
    }
    out.push_str("<ResponseMetadata><RequestId>");
    escape(request_id, &mut out);
    out.push_str("</RequestId></ResponseMetadata></");
    out.push_str(name);
    out.push_str("Response>");
    out.into_bytes()
}

/// The XML error answer of an awsQuery service: `<Type>` is `Receiver` for a
/// server fault (5xx), `Sender` otherwise. Send it with
/// `error.code.http_status()`.
pub fn encode_query_error(service: Service, error: &AwsError, request_id: &str) -> Vec<u8> {
    let mut out = String::with_capacity(256);
    out.push_str("<ErrorResponse");
    push_namespace(&mut out, Model::of(service));
    out.push_str("><Error><Type>");
    out.push_str(if error.code.http_status() >= 500 {
        "Receiver"
    } else {
        "Sender"
    });
    out.push_str("</Type><Code>");
    out.push_str(error.code.as_str());
    out.push_str("</Code><Message>");
    escape(&error.message, &mut out);
    out.push_str("</Message></Error><RequestId>");
    escape(request_id, &mut out);
    out.push_str("</RequestId></ErrorResponse>");
    out.into_bytes()
}

fn push_namespace(out: &mut String, model: Option<&Model>) {
    if let Some(namespace) = model.and_then(Model::xml_namespace) {
        out.push_str(" xmlns=\"");
        escape(namespace, out);
        out.push('"');
    }
}

fn open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Escapes text content. `\r` is written as a reference, since XML parsers
/// turn a literal one into `\n`.
fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
}

struct Writer {
    model: &'static Model,
    url_encode_policies: bool,
}

impl Writer {
    /// The members of a structure value present in `value`, in the model's
    /// order. Values the shape does not describe are not written.
    fn members(&self, shape: &Shape, value: &Value, out: &mut String) {
        let (ShapeKind::Structure { members, .. }, Value::Object(object)) = (&shape.kind, value)
        else {
            return;
        };
        for (member, target) in members {
            match object.get(member) {
                None | Some(Value::Null) => {}
                Some(v) => {
                    open(out, member);
                    self.value(self.model.shape(target), v, out);
                    close(out, member);
                }
            }
        }
    }

    fn value(&self, shape: &Shape, value: &Value, out: &mut String) {
        match (&shape.kind, value) {
            (ShapeKind::Structure { .. }, _) => self.members(shape, value, out),
            (ShapeKind::List { member, .. }, Value::Array(items)) => {
                let member = self.model.shape(member);
                for item in items.iter().filter(|i| !i.is_null()) {
                    open(out, "member");
                    self.value(member, item, out);
                    close(out, "member");
                }
            }
            (ShapeKind::Map { value: target, .. }, Value::Object(entries)) => {
                let target = self.model.shape(target);
                for (key, v) in entries {
                    out.push_str("<entry><key>");
                    escape(key, out);
                    out.push_str("</key><value>");
                    self.value(target, v, out);
                    out.push_str("</value></entry>");
                }
            }
            (ShapeKind::String { .. }, Value::String(s)) => {
                if self.url_encode_policies && shape.name == "policyDocumentType" {
                    out.extend(utf8_percent_encode(s, POLICY_ENCODE));
                } else {
                    escape(s, out);
                }
            }
            (ShapeKind::Blob { .. }, Value::String(s)) => escape(s, out),
            (ShapeKind::Integer { .. } | ShapeKind::Long { .. }, Value::Number(n)) => {
                out.push_str(&n.to_string());
            }
            (ShapeKind::Boolean, Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
            (ShapeKind::Timestamp, Value::Number(n)) => {
                if let Some(seconds) = n.as_f64() {
                    let millis = (seconds * 1000.0).round() as i64;
                    out.push_str(&Timestamp::from_millis(millis).to_iso8601());
                }
            }
            // A value of another type than its shape: the conformance tests
            // rule it out for every DTO; nothing is written.
            _ => {}
        }
    }
}

#[cfg(test)]
#[path = "xml_tests.rs"]
mod tests;
