//! Request validation against the service model, with AWS's error messages.
//!
//! Owns the two protocol-level rejections a body can earn before any
//! operation runs: `SerializationException` (a member of the wrong JSON type,
//! bad base64) and `ValidationException` (a model constraint — required,
//! length, range, enum, pattern — not met), with Coral's message format:
//! `1 validation error detected: Value '5000' at 'passwordLength' failed to
//! satisfy constraint: Member must have value less than or equal to 4096`.
//! Values of sensitive shapes are never echoed.

use base64::Engine;
use serde_json::Value;

use crate::error::{AwsError, ErrorCode};
use crate::model::{Model, Shape, ShapeKind};
use crate::operation::ApiOperation;
#[cfg(test)]
use crate::operation::Operation;

/// Checks a parsed request body against the operation's input shape.
pub fn validate_request(op: impl ApiOperation, body: &Value) -> Result<(), AwsError> {
    let Some(model) = Model::of(op.service()) else {
        return Ok(());
    };
    let Some(shape) = model.input_shape(op) else {
        return Ok(());
    };
    let mut violations = Vec::new();
    check(model, shape, body, "", &mut violations)?;
    if violations.is_empty() {
        return Ok(());
    }
    let count = violations.len();
    let noun = if count == 1 { "error" } else { "errors" };
    Err(AwsError::new(
        ErrorCode::ValidationException,
        format!(
            "{count} validation {noun} detected: {}",
            violations.join("; ")
        ),
    ))
}

/// Coral names members in lower camel case: `SecretId` -> `secretId`.
pub(crate) fn member_path(parent: &str, member: &str) -> String {
    let mut chars = member.chars();
    let lowered = match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect::<String>(),
        None => String::new(),
    };
    if parent.is_empty() {
        lowered
    } else {
        format!("{parent}.{lowered}")
    }
}

fn serialization(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::SerializationException, message)
}

/// Jackson-style wording, as AWS JSON services answer a type mismatch.
fn type_mismatch(found: &Value, expected: &str) -> AwsError {
    let message = match found {
        Value::String(_) => format!("STRING_VALUE can not be converted to {expected}"),
        Value::Number(_) => format!("NUMBER_VALUE can not be converted to {expected}"),
        Value::Bool(true) => format!("TRUE_VALUE can not be converted to {expected}"),
        Value::Bool(false) => format!("FALSE_VALUE can not be converted to {expected}"),
        Value::Array(_) => "Start of list found where not expected".to_string(),
        Value::Object(_) => "Start of structure or map found where not expected.".to_string(),
        Value::Null => format!("null can not be converted to {expected}"),
    };
    serialization(message)
}

/// How Coral prints a value in a violation: Java's `toString`.
fn render(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(render).collect();
            format!("[{}]", inner.join(", "))
        }
        other => other.to_string(),
    }
}

fn violation(shape: &Shape, value: &Value, path: &str, constraint: String) -> String {
    // Sensitive values are never echoed; nor are blobs (Coral does not
    // print binary members either).
    if shape.sensitive || matches!(shape.kind, ShapeKind::Blob { .. }) {
        format!("Value at '{path}' failed to satisfy constraint: {constraint}")
    } else {
        format!(
            "Value '{}' at '{path}' failed to satisfy constraint: {constraint}",
            render(value)
        )
    }
}

fn check_length(
    shape: &Shape,
    value: &Value,
    path: &str,
    len: i64,
    min: Option<i64>,
    max: Option<i64>,
    out: &mut Vec<String>,
) {
    if let Some(max) = max
        && len > max
    {
        out.push(violation(
            shape,
            value,
            path,
            format!("Member must have length less than or equal to {max}"),
        ));
    }
    if let Some(min) = min
        && len < min
    {
        out.push(violation(
            shape,
            value,
            path,
            format!("Member must have length greater than or equal to {min}"),
        ));
    }
}

fn check_range(
    shape: &Shape,
    value: &Value,
    path: &str,
    n: i64,
    min: Option<i64>,
    max: Option<i64>,
    out: &mut Vec<String>,
) {
    if let Some(max) = max
        && n > max
    {
        out.push(violation(
            shape,
            value,
            path,
            format!("Member must have value less than or equal to {max}"),
        ));
    }
    if let Some(min) = min
        && n < min
    {
        out.push(violation(
            shape,
            value,
            path,
            format!("Member must have value greater than or equal to {min}"),
        ));
    }
}

fn integer(value: &Value, expected: &str, lo: i64, hi: i64) -> Result<i64, AwsError> {
    match value.as_i64() {
        Some(n) if (lo..=hi).contains(&n) => Ok(n),
        Some(_) | None if value.is_number() => Err(serialization(format!(
            "NUMBER_VALUE can not be converted to {expected}"
        ))),
        _ => Err(type_mismatch(value, expected)),
    }
}

/// The length AWS measures: UTF-16 code units for strings (Java's
/// `String.length`), except for secret values, whose limit is in bytes.
fn string_length(shape: &Shape, s: &str) -> i64 {
    if shape.name == "SecretStringType" {
        s.len() as i64
    } else {
        s.encode_utf16().count() as i64
    }
}

fn check(
    model: &Model,
    shape: &Shape,
    value: &Value,
    path: &str,
    out: &mut Vec<String>,
) -> Result<(), AwsError> {
    match &shape.kind {
        ShapeKind::Structure { members, required } => {
            let Value::Object(object) = value else {
                return Err(type_mismatch(value, "Structure"));
            };
            for (member, target) in members {
                let member_path = member_path(path, member);
                let target = model.shape(target);
                match object.get(member) {
                    None | Some(Value::Null) => {
                        if required.contains(member) {
                            out.push(format!(
                                "Value null at '{member_path}' failed to satisfy constraint: Member must not be null"
                            ));
                        }
                    }
                    Some(v) => check(model, target, v, &member_path, out)?,
                }
            }
        }
        ShapeKind::String {
            min,
            max,
            pattern,
            enumeration,
        } => {
            let Value::String(s) = value else {
                return Err(type_mismatch(value, "String"));
            };
            check_length(shape, value, path, string_length(shape, s), *min, *max, out);
            if let Some(allowed) = enumeration
                && !allowed.iter().any(|a| a == s)
            {
                out.push(violation(
                    shape,
                    value,
                    path,
                    format!(
                        "Member must satisfy enum value set: [{}]",
                        allowed.join(", ")
                    ),
                ));
            }
            if let Some(pattern) = pattern
                && !pattern.is_match(s)
            {
                out.push(violation(
                    shape,
                    value,
                    path,
                    format!(
                        "Member must satisfy regular expression pattern: {}",
                        pattern.source
                    ),
                ));
            }
        }
        ShapeKind::Integer { min, max } => {
            let n = integer(value, "Integer", i32::MIN as i64, i32::MAX as i64)?;
            check_range(shape, value, path, n, *min, *max, out);
        }
        ShapeKind::Long { min, max } => {
            let n = integer(value, "Long", i64::MIN, i64::MAX)?;
            check_range(shape, value, path, n, *min, *max, out);
        }
        ShapeKind::Boolean => {
            if !value.is_boolean() {
                return Err(type_mismatch(value, "Boolean"));
            }
        }
        ShapeKind::Blob { min, max } => {
            let Value::String(s) = value else {
                return Err(type_mismatch(value, "Blob"));
            };
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|_| {
                    serialization(format!("Base64 encoded value at '{path}' is not valid"))
                })?;
            check_length(shape, value, path, bytes.len() as i64, *min, *max, out);
        }
        ShapeKind::Timestamp => {
            if !value.is_number() {
                return Err(type_mismatch(value, "Timestamp"));
            }
        }
        ShapeKind::List { member, min, max } => {
            let Value::Array(items) = value else {
                return Err(type_mismatch(value, "List"));
            };
            check_length(shape, value, path, items.len() as i64, *min, *max, out);
            let member = model.shape(member);
            for (i, item) in items.iter().enumerate() {
                if item.is_null() {
                    return Err(serialization(format!(
                        "null member found in list at '{path}'"
                    )));
                }
                check(
                    model,
                    member,
                    item,
                    &format!("{path}.{}.member", i + 1),
                    out,
                )?;
            }
        }
        ShapeKind::Map {
            key,
            value: value_shape,
            min,
            max,
        } => {
            let Value::Object(object) = value else {
                return Err(type_mismatch(value, "Map"));
            };
            check_length(shape, value, path, object.len() as i64, *min, *max, out);
            let (key, value_shape) = (model.shape(key), model.shape(value_shape));
            for (k, v) in object {
                check(
                    model,
                    key,
                    &Value::String(k.clone()),
                    &format!("{path}.key"),
                    out,
                )?;
                check(model, value_shape, v, &format!("{path}.{k}"), out)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(op: Operation, body: Value) -> (ErrorCode, String) {
        let e = validate_request(op, &body).unwrap_err();
        (e.code, e.message)
    }

    #[test]
    fn accepts_a_valid_request() {
        validate_request(
            Operation::CreateSecret,
            &json!({"Name": "prod/db", "SecretString": "x", "ClientRequestToken": "a".repeat(32)}),
        )
        .unwrap();
    }

    #[test]
    fn missing_required_member() {
        let (code, msg) = message(Operation::GetSecretValue, json!({}));
        assert_eq!(code, ErrorCode::ValidationException);
        assert_eq!(
            msg,
            "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn range_violation_matches_aws_text() {
        let (_, msg) = message(
            Operation::GetRandomPassword,
            json!({"PasswordLength": 5000}),
        );
        assert_eq!(
            msg,
            "1 validation error detected: Value '5000' at 'passwordLength' failed to satisfy constraint: Member must have value less than or equal to 4096"
        );
    }

    #[test]
    fn sensitive_values_are_not_echoed() {
        let big = base64::engine::general_purpose::STANDARD.encode(vec![7u8; 65537]);
        let (_, msg) = message(
            Operation::PutSecretValue,
            json!({"SecretId": "x", "SecretBinary": big}),
        );
        assert_eq!(
            msg,
            "1 validation error detected: Value at 'secretBinary' failed to satisfy constraint: Member must have length less than or equal to 65536"
        );
        let (_, msg) = message(
            Operation::CreateSecret,
            json!({"Name": "x", "SecretString": "s3cr3t".repeat(11000)}),
        );
        assert!(!msg.contains("s3cr3t"), "{msg}");
    }

    #[test]
    fn enum_violation_in_nested_list() {
        let (_, msg) = message(
            Operation::ListSecrets,
            json!({"Filters": [{"Key": "invalid", "Values": ["a"]}]}),
        );
        assert_eq!(
            msg,
            "1 validation error detected: Value 'invalid' at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set: [description, name, tag-key, tag-value, primary-region, owning-service, all]"
        );
    }

    #[test]
    fn several_violations_are_counted_and_joined() {
        let (_, msg) = message(
            Operation::ListSecrets,
            json!({"MaxResults": 0, "SortOrder": "up"}),
        );
        assert!(msg.starts_with("2 validation errors detected: "), "{msg}");
        assert!(msg.contains("; "));
    }

    #[test]
    fn pattern_violation() {
        let (_, msg) = message(
            Operation::ListSecrets,
            json!({"Filters": [{"Key": "name", "Values": ["a*b"]}]}),
        );
        assert!(
            msg.contains("at 'filters.1.member.values.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern"),
            "{msg}"
        );
    }

    #[test]
    fn wrong_types_are_serialization_errors() {
        let (code, _) = message(Operation::GetSecretValue, json!({"SecretId": 5}));
        assert_eq!(code, ErrorCode::SerializationException);
        let (code, _) = message(Operation::ListSecrets, json!({"MaxResults": "5"}));
        assert_eq!(code, ErrorCode::SerializationException);
        let (code, _) = message(Operation::ListSecrets, json!({"MaxResults": 1.5}));
        assert_eq!(code, ErrorCode::SerializationException);
        let (code, _) = message(Operation::ListSecrets, json!({"MaxResults": 1e12}));
        assert_eq!(code, ErrorCode::SerializationException);
        let (code, _) = message(Operation::ListSecrets, json!([]));
        assert_eq!(code, ErrorCode::SerializationException);
        let (code, _) = message(
            Operation::PutSecretValue,
            json!({"SecretId": "x", "SecretBinary": "!!notbase64"}),
        );
        assert_eq!(code, ErrorCode::SerializationException);
    }

    #[test]
    fn null_members_count_as_absent() {
        validate_request(
            Operation::ListSecrets,
            &json!({"MaxResults": null, "Filters": null}),
        )
        .unwrap();
    }

    #[test]
    fn secret_string_limit_is_in_bytes() {
        // 30,000 three-byte characters: 90,000 bytes but 30,000 UTF-16 units.
        let (code, _) = message(
            Operation::CreateSecret,
            json!({"Name": "x", "SecretString": "€".repeat(30000)}),
        );
        assert_eq!(code, ErrorCode::ValidationException);
    }
}
