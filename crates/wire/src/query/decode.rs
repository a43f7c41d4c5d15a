//! Decoding an awsQuery form body into a typed request.
//!
//! Owns the order of checks for a query body: strict form syntax
//! (`form.rs`), `Action` and `Version`, then the operation's input shape
//! turns the flattened names into a JSON value (structures by `.`, lists as
//! `Name.member.N`, maps as `Name.entry.N.key` / `.value`), then the model's
//! constraints (`validate.rs`, the same checks and Coral messages as awsJson)
//! and the typed DTO. Unknown names are ignored, as AWS ignores them.
//!
//! IAM's and STS's models use no `locationName`, `flattened` or
//! `queryName` traits (a test in this module checks), so every member is
//! named by its model name and every list by `member`.

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use zeroize::Zeroize;

use super::form::{Form, parse_form};
use crate::dto::Timestamp;
use crate::error::{AwsError, ErrorCode};
use crate::model::{Model, Shape, ShapeKind};
use crate::operation::{ApiOperation, Protocol};
use crate::sigv4::errors::echo;
use crate::validate::{member_path, validate_request};

/// Decodes an awsQuery body for `op` as `T`.
///
/// Errors: `InvalidQueryParameter` for a malformed form (encoding, UTF-8, a
/// name twice, a list that is both empty and not); `MissingAction`;
/// `InvalidAction` when `Action` is not `op` or `Version` is not the model's
/// `apiVersion` (AWS: `Could not find operation CreateUser for version
/// 2010-05-09`); `ValidationError` when a member is not of its type or
/// breaks a model constraint (the awsJson `ValidationException` message,
/// under the code IAM and STS use).
pub fn decode_query<T: DeserializeOwned>(
    op: impl ApiOperation,
    body: &[u8],
) -> Result<T, AwsError> {
    let service = op.service();
    let Some(model) = Model::of(service).filter(|_| service.protocol() == Protocol::AwsQuery)
    else {
        debug_assert!(false, "{service:?} does not speak awsQuery");
        return Err(AwsError::internal());
    };
    let mut form = parse_form(body)?;
    let action = form.take("Action").unwrap_or_default();
    let version = form.take("Version");
    if action.is_empty() {
        return Err(AwsError::new(
            ErrorCode::MissingAction,
            "The request must contain the parameter Action.",
        ));
    }
    if action != op.name() || version.as_deref() != Some(model.api_version()) {
        return Err(no_such_operation(&action, version.as_deref()));
    }
    let mut value = match model.input_shape(op) {
        Some(shape) => Reader {
            model,
            form: &mut form,
        }
        .structure(shape, "", "")?
        .unwrap_or_else(|| Value::Object(Map::new())),
        None => Value::Object(Map::new()),
    };
    drop(form);
    if let Err(mut e) = validate_request(op, &value) {
        scrub(&mut value);
        e.code = ErrorCode::ValidationError;
        return Err(e);
    }
    serde_json::from_value(value).map_err(|_| {
        // The validator accepts only what the DTOs can hold; reaching this
        // means the two disagree. serde's message may quote a value.
        validation_error("The request does not match the operation's input shape.".into())
    })
}

/// The members of an awsQuery body as the JSON value `op`'s input shape
/// reads them (`Tags.member.1.Key` → `{"Tags": [{"Key": …}]}`), without
/// checking them: what the audit trail records of a request, valid or not.
/// `None` if the form itself does not parse.
pub fn query_request_value(op: impl ApiOperation, body: &[u8]) -> Option<Value> {
    let model = Model::of(op.service())?;
    let mut form = parse_form(body).ok()?;
    form.take("Action");
    form.take("Version");
    let shape = model.input_shape(op)?;
    Reader {
        model,
        form: &mut form,
    }
    .structure(shape, "", "")
    .ok()
    .flatten()
}

/// AWS's answer for an unknown Action or Version. The names are echoed only
/// when they are short and harmless.
pub(crate) fn no_such_operation(action: &str, version: Option<&str>) -> AwsError {
    let message = match (echo(action), version.map(echo)) {
        (Some(action), Some(Some(version))) => {
            format!("Could not find operation {action} for version {version}")
        }
        (Some(action), None) => format!("Could not find operation {action}: no Version given"),
        (Some(action), Some(None)) => format!("Could not find operation {action} for that version"),
        (None, _) => "Could not find the operation for that version".to_string(),
    };
    AwsError::new(ErrorCode::InvalidAction, message)
}

fn validation_error(message: String) -> AwsError {
    AwsError::new(ErrorCode::ValidationError, message)
}

fn malformed(message: String) -> AwsError {
    AwsError::new(ErrorCode::InvalidQueryParameter, message)
}

/// Wipes every string of a value that held request data.
pub(crate) fn scrub(value: &mut Value) {
    match value {
        Value::String(s) => s.zeroize(),
        Value::Array(items) => items.iter_mut().for_each(scrub),
        Value::Object(members) => members.values_mut().for_each(scrub),
        _ => {}
    }
}

fn child(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// A value that is not of its member's type. Only non-sensitive values
/// that `echo` deems harmless are repeated.
fn not_of_type(shape: &Shape, text: &str, path: &str, what: &str) -> AwsError {
    let shown = (!shape.sensitive).then(|| echo(text)).flatten();
    let value = shown.map(|t| format!(" '{t}'")).unwrap_or_default();
    validation_error(format!(
        "1 validation error detected: Value{value} at '{path}' failed to satisfy constraint: Member must be {what}"
    ))
}

struct Reader<'a> {
    model: &'static Model,
    form: &'a mut Form,
}

impl Reader<'_> {
    /// The value of `shape` named `name` (Coral path `path`), or `None` when
    /// the form has nothing for it.
    fn read(&mut self, shape: &Shape, name: &str, path: &str) -> Result<Option<Value>, AwsError> {
        match &shape.kind {
            ShapeKind::Structure { .. } => self.structure(shape, name, path),
            ShapeKind::List { member, .. } => self.list(self.model.shape(member), name, path),
            ShapeKind::Map { key, value, .. } => {
                self.map(self.model.shape(key), self.model.shape(value), name, path)
            }
            _ => match self.form.take(name) {
                None => Ok(None),
                Some(text) => scalar(shape, text, path).map(Some),
            },
        }
    }

    fn structure(
        &mut self,
        shape: &Shape,
        name: &str,
        path: &str,
    ) -> Result<Option<Value>, AwsError> {
        let ShapeKind::Structure { members, .. } = &shape.kind else {
            unreachable!("called on structures only");
        };
        let mut object = Map::new();
        for (member, target) in members {
            let target = self.model.shape(target);
            if let Some(value) =
                self.read(target, &child(name, member), &member_path(path, member))?
            {
                object.insert(member.clone(), value);
            }
        }
        Ok((!object.is_empty()).then_some(Value::Object(object)))
    }

    /// The indices `N` of names `{prefix}N` and `{prefix}N.…`: decimal,
    /// from 1, without leading zeros. Other names under the prefix are
    /// unknown, so ignored. The indices must run 1..=n without gaps.
    fn indices(&self, prefix: &str, shown: &str) -> Result<usize, AwsError> {
        let mut found = BTreeSet::new();
        for name in self.form.names_under(prefix) {
            let rest = &name[prefix.len()..];
            let index = rest.split('.').next().unwrap_or_default();
            let canonical = !index.is_empty()
                && !index.starts_with('0')
                && index.bytes().all(|b| b.is_ascii_digit());
            if let Some(n) = canonical.then(|| index.parse::<usize>().ok()).flatten() {
                found.insert(n);
            }
        }
        let count = found.len();
        if found.last().is_some_and(|&last| last != count) {
            return Err(malformed(format!(
                "The entries of '{shown}' must be numbered from 1 without gaps."
            )));
        }
        Ok(count)
    }

    /// `Name=` (empty) is an empty list or map; `Name=x` is not one.
    fn empty_marker(&mut self, name: &str, count: usize, shown: &str) -> Result<bool, AwsError> {
        match self.form.take(name) {
            None => Ok(false),
            Some(v) if v.is_empty() && count == 0 => Ok(true),
            Some(_) => Err(malformed(format!(
                "The parameter '{shown}' must be sent as its numbered entries, or empty for an empty collection, not both."
            ))),
        }
    }

    fn list(&mut self, member: &Shape, name: &str, path: &str) -> Result<Option<Value>, AwsError> {
        let prefix = format!("{name}.member.");
        let shown = echo(name).unwrap_or("a list");
        let count = self.indices(&prefix, shown)?;
        if self.empty_marker(name, count, shown)? {
            return Ok(Some(Value::Array(Vec::new())));
        }
        if count == 0 {
            return Ok(None);
        }
        let mut items = Vec::with_capacity(count);
        for n in 1..=count {
            let item_path = format!("{path}.{n}.member");
            let item = match &member.kind {
                // An entry whose members are all unknown is an empty
                // structure: the validator names what it lacks.
                ShapeKind::Structure { .. } => Some(
                    self.structure(member, &format!("{prefix}{n}"), &item_path)?
                        .unwrap_or_else(|| Value::Object(Map::new())),
                ),
                _ => self.read(member, &format!("{prefix}{n}"), &item_path)?,
            };
            let Some(item) = item else {
                return Err(malformed(format!("Entry {n} of '{shown}' has no value.")));
            };
            items.push(item);
        }
        Ok(Some(Value::Array(items)))
    }

    fn map(
        &mut self,
        key: &Shape,
        value: &Shape,
        name: &str,
        path: &str,
    ) -> Result<Option<Value>, AwsError> {
        let prefix = format!("{name}.entry.");
        let shown = echo(name).unwrap_or("a map");
        let count = self.indices(&prefix, shown)?;
        if self.empty_marker(name, count, shown)? {
            return Ok(Some(Value::Object(Map::new())));
        }
        if count == 0 {
            return Ok(None);
        }
        let mut entries = Map::new();
        for n in 1..=count {
            let entry = format!("{prefix}{n}");
            let Some(k) = self.form.take(&format!("{entry}.key")) else {
                return Err(malformed(format!("Entry {n} of '{shown}' has no key.")));
            };
            let Some(v) = self.read(value, &format!("{entry}.value"), &format!("{path}.{k}"))?
            else {
                return Err(malformed(format!("Entry {n} of '{shown}' has no value.")));
            };
            if !matches!(key.kind, ShapeKind::String { .. }) {
                return Err(malformed(format!(
                    "'{shown}' has keys that are not strings."
                )));
            }
            if entries.insert(k, v).is_some() {
                return Err(malformed(format!("'{shown}' has a key twice.")));
            }
        }
        Ok(Some(Value::Object(entries)))
    }
}

/// A scalar member's text as the JSON value the validator and DTOs expect.
fn scalar(shape: &Shape, mut text: String, path: &str) -> Result<Value, AwsError> {
    let value = match &shape.kind {
        ShapeKind::String { .. } | ShapeKind::Blob { .. } => return Ok(Value::String(text)),
        ShapeKind::Integer { .. } => text
            .parse::<i32>()
            .ok()
            .map(Value::from)
            .ok_or_else(|| not_of_type(shape, &text, path, "an integer")),
        ShapeKind::Long { .. } => text
            .parse::<i64>()
            .ok()
            .map(Value::from)
            .ok_or_else(|| not_of_type(shape, &text, path, "an integer")),
        ShapeKind::Boolean => match text.as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(not_of_type(shape, &text, path, "true or false")),
        },
        ShapeKind::Timestamp => Timestamp::parse_iso8601(&text)
            .map(|t| serde_json::to_value(t).expect("a timestamp serialises"))
            .ok_or_else(|| not_of_type(shape, &text, path, "an ISO 8601 timestamp")),
        ShapeKind::Structure { .. } | ShapeKind::List { .. } | ShapeKind::Map { .. } => {
            unreachable!("containers are read by Reader")
        }
    };
    text.zeroize();
    value
}

#[cfg(test)]
#[path = "decode_tests.rs"]
mod tests;
