//! Decoding an awsJson 1.1 body into a typed request.
//!
//! Owns the order of protocol checks for a body: strict JSON (no duplicate
//! members), then the model's constraints, then the typed DTO.

use serde::de::DeserializeOwned;

use crate::error::{AwsError, ErrorCode};
use crate::json::parse_strict;
use crate::operation::ApiOperation;
#[cfg(test)]
use crate::operation::Operation;
use crate::validate::validate_request;

/// Parses and validates `body` for `op`, then decodes it as `T`.
///
/// An empty body counts as `{}`.
pub fn decode<T: DeserializeOwned>(op: impl ApiOperation, body: &[u8]) -> Result<T, AwsError> {
    let value = if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Object(Default::default())
    } else {
        parse_strict(body).map_err(|e| {
            AwsError::new(
                ErrorCode::SerializationException,
                format!("The request body is not valid JSON: {e}"),
            )
        })?
    };
    validate_request(op, &value)?;
    serde_json::from_value(value).map_err(|_| {
        // The validator accepts only what the DTOs can hold; reaching this
        // means the two disagree, which is still the client's malformed
        // input. serde's message may quote a value, so it is not passed on.
        AwsError::new(
            ErrorCode::SerializationException,
            "The request body does not match the operation's input shape.",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::{CreateSecretRequest, GetSecretValueRequest};

    #[test]
    fn decodes_a_typed_request() {
        let r: GetSecretValueRequest = decode(
            Operation::GetSecretValue,
            br#"{"SecretId":"prod/db","VersionStage":"AWSCURRENT"}"#,
        )
        .unwrap();
        assert_eq!(r.secret_id, "prod/db");
        assert_eq!(r.version_stage.as_deref(), Some("AWSCURRENT"));
    }

    #[test]
    fn duplicate_members_are_rejected() {
        let e = decode::<GetSecretValueRequest>(
            Operation::GetSecretValue,
            br#"{"SecretId":"a","SecretId":"b"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::SerializationException);
    }

    #[test]
    fn json_errors_never_echo_the_body() {
        let e = decode::<CreateSecretRequest>(
            Operation::CreateSecret,
            br#"{"Name":"x","SecretString":"hunter2"#,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::SerializationException);
        assert!(!e.message.contains("hunter2"));
    }
}
