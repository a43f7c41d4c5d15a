//! The agent's calls to the server: GetSecretValue, answered in the AWS
//! Secrets Manager Agent's body format, and its failures as that agent
//! reports them (the service's status and `{"__type", "message"}`; 504
//! `TimeoutError`, 502 `ConnectionError`, else 500 `InternalFailure`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::json;
use zeroize::Zeroizing;

use super::cache::{Entry, Key, SecretBody};
use crate::client::Endpoint;

/// How long one call to the server may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// A failed fetch, ready to answer.
#[derive(Debug)]
pub struct Failure {
    pub status: u16,
    pub body: String,
    /// The server was away or overloaded: a cached value may stand in.
    pub transient: bool,
    pub kind: FailureKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The service answered with an error (not found, denied, …).
    Service,
    Timeout,
    Connection,
    Internal,
}

impl FailureKind {
    pub fn label(self) -> &'static str {
        match self {
            FailureKind::Service => "service",
            FailureKind::Timeout => "timeout",
            FailureKind::Connection => "connection",
            FailureKind::Internal => "internal",
        }
    }
}

/// The AWS agent's error body: `{"__type":"Code", "message":"text"}`
/// (with its space), or `{"__type":"InternalFailure"}`.
pub fn error_body(code: &str, message: &str) -> String {
    if message.is_empty() || code == "InternalFailure" {
        return r#"{"__type":"InternalFailure"}"#.to_string();
    }
    let quoted = |s: &str| serde_json::to_string(s).expect("a string serialises");
    format!(
        r#"{{"__type":{}, "message":{}}}"#,
        quoted(code),
        quoted(message)
    )
}

fn internal() -> Failure {
    Failure {
        status: 500,
        body: error_body("InternalFailure", ""),
        transient: false,
        kind: FailureKind::Internal,
    }
}

/// GetSecretValue for `key`.
pub async fn get_secret_value(endpoint: &Endpoint, key: &Key) -> Result<Entry, Failure> {
    let mut request = json!({ "SecretId": key.secret_id });
    if let Some(id) = &key.version_id {
        request["VersionId"] = json!(id);
    }
    if let Some(stage) = &key.version_stage {
        request["VersionStage"] = json!(stage);
    }
    let call = endpoint.json_call_raw(
        "secretsmanager",
        "secretsmanager.GetSecretValue",
        serde_json::to_vec(&request).expect("JSON serialises"),
    );
    let (status, body) = match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Err(_) => {
            return Err(Failure {
                status: 504,
                body: error_body("TimeoutError", "Timeout"),
                transient: true,
                kind: FailureKind::Timeout,
            });
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %format!("{e:#}"), "cannot reach the server");
            return Err(Failure {
                status: 502,
                body: error_body("ConnectionError", "Read Error"),
                transient: true,
                kind: FailureKind::Connection,
            });
        }
        Ok(Ok(answer)) => answer,
    };
    let body = Zeroizing::new(body.to_vec());
    if status != 200 {
        return Err(service_failure(status, &body));
    }
    let answer: ServerAnswer = serde_json::from_slice(&body).map_err(|_| internal())?;
    let arn = answer.arn.clone().ok_or_else(internal)?;
    let formatted =
        Zeroizing::new(serde_json::to_vec(&AgentAnswer::from(answer)).map_err(|_| internal())?);
    Ok(Entry::new(
        arn,
        SecretBody::new(formatted),
        SystemTime::now(),
    ))
}

fn service_failure(status: u16, body: &[u8]) -> Failure {
    #[derive(Deserialize)]
    struct ErrorBody {
        #[serde(rename = "__type")]
        code: Option<String>,
        message: Option<String>,
        #[serde(rename = "Message")]
        message_upper: Option<String>,
    }
    let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) else {
        return Failure {
            transient: status >= 500,
            ..internal()
        };
    };
    let (Some(code), Some(message)) = (parsed.code, parsed.message.or(parsed.message_upper)) else {
        return internal();
    };
    // A namespaced code (`aws.protocol#Code`) is reported by its name.
    let code = code.rsplit('#').next().unwrap_or(&code).to_string();
    Failure {
        status,
        body: error_body(&code, &message),
        transient: status >= 500 || code == "ThrottlingException",
        kind: FailureKind::Service,
    }
}

/// The server's GetSecretValue answer, as far as the agent reads it.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ServerAnswer {
    #[serde(rename = "ARN")]
    arn: Option<String>,
    name: Option<String>,
    version_id: Option<String>,
    secret_string: Option<Zeroizing<String>>,
    /// Already base64, as the agent sends it.
    secret_binary: Option<Zeroizing<String>>,
    version_stages: Option<Vec<String>>,
    created_date: Option<f64>,
}

/// The AWS agent's body: its field order, `ARN`/`Name`/`VersionId` always
/// present, and `CreatedDate` as a string of fractional epoch seconds.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct AgentAnswer {
    #[serde(rename = "ARN")]
    arn: Option<String>,
    name: Option<String>,
    version_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_string: Option<Zeroizing<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_binary: Option<Zeroizing<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_stages: Option<Vec<String>>,
    created_date: Option<String>,
}

impl From<ServerAnswer> for AgentAnswer {
    fn from(a: ServerAnswer) -> AgentAnswer {
        AgentAnswer {
            arn: a.arn,
            name: a.name,
            version_id: a.version_id,
            secret_string: a.secret_string,
            secret_binary: a.secret_binary,
            version_stages: a.version_stages,
            created_date: a.created_date.map(fractional_seconds),
        }
    }
}

/// Epoch seconds as the AWS agent writes them: whole seconds plus the
/// fraction, in Rust's shortest form (`1700000000.123`, `1700000000`).
fn fractional_seconds(epoch: f64) -> String {
    let millis = (epoch * 1000.0).round() as i64;
    let time = UNIX_EPOCH + Duration::from_millis(millis.max(0) as u64);
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    (since.as_secs() as f64 + f64::from(since.subsec_nanos()) / 1e9).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_written_as_the_aws_agent_writes_them() {
        assert_eq!(
            error_body(
                "ResourceNotFoundException",
                "Secrets Manager can't find the specified secret."
            ),
            r#"{"__type":"ResourceNotFoundException", "message":"Secrets Manager can't find the specified secret."}"#
        );
        assert_eq!(error_body("X", ""), r#"{"__type":"InternalFailure"}"#);
        let failure = service_failure(400, br#"{"__type":"AccessDeniedException","Message":"no"}"#);
        assert_eq!(failure.status, 400);
        assert!(!failure.transient);
        assert_eq!(
            failure.body,
            r#"{"__type":"AccessDeniedException", "message":"no"}"#
        );
        assert!(
            service_failure(400, br#"{"__type":"ThrottlingException","message":"slow"}"#).transient
        );
        assert_eq!(service_failure(500, b"not json").status, 500);
    }

    #[test]
    fn the_body_has_the_aws_agents_fields_in_its_order() {
        let server: ServerAnswer = serde_json::from_str(
            r#"{"ARN":"arn:x","Name":"n","VersionId":"v","SecretString":"s",
                "VersionStages":["AWSCURRENT"],"CreatedDate":1700000000.123}"#,
        )
        .unwrap();
        let body = serde_json::to_string(&AgentAnswer::from(server)).unwrap();
        assert_eq!(
            body,
            r#"{"ARN":"arn:x","Name":"n","VersionId":"v","SecretString":"s","VersionStages":["AWSCURRENT"],"CreatedDate":"1700000000.123"}"#
        );
        assert_eq!(fractional_seconds(1700000000.0), "1700000000");
    }
}
