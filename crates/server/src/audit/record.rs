//! One event in CloudTrail's record shape.
//!
//! A `Draft` holds everything known when a request arrives — who, from
//! where, what, with which (redacted) parameters; `Draft::finish` adds the
//! outcome, the resources the request was authorised against, and (for a
//! change) the redacted response, and renders the record: compact JSON
//! with sorted keys, the exact bytes the chain hashes.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::auth::Caller;
use crate::identity::{Principal, PrincipalKind};
use crate::store::AuditEventRow;
use tresor_wire::{Service, Target};

/// `eventVersion` of the records we write (CloudTrail's current one).
pub const EVENT_VERSION: &str = "1.11";

/// An API call's record before its outcome is known.
#[derive(Debug, Clone)]
pub struct Draft {
    pub event_id: String,
    pub event_time_ms: i64,
    pub request_id: String,
    /// `None` when the request never named an operation we know.
    pub target: Option<Target>,
    pub event_name: String,
    pub event_source: &'static str,
    pub region: String,
    pub source_ip: String,
    pub user_agent: Option<String>,
    pub user_identity: Value,
    /// LookupEvents' `Username`: the user, role session or `root`.
    pub username: Option<String>,
    pub access_key_id: Option<String>,
    pub request_parameters: Value,
    pub read_only: bool,
    pub account_id: String,
    pub secure_transport: bool,
    /// `AwsApiCall`, or `AwsServiceEvent` for Tresor's own work.
    pub event_type: &'static str,
}

/// How the request ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    Success {
        /// The redacted response of a change; `Null` for reads.
        response: Value,
    },
    Failure {
        code: String,
        message: String,
        /// Whether the request got as far as an authorization decision.
        /// Before one — unauthenticated, malformed, missing a required
        /// member — its members are untrusted input, possibly a secret
        /// pasted into the wrong field, and are not recorded (a record
        /// cannot be taken back).
        decided: bool,
    },
}

impl Draft {
    /// The event as a row ready to chain: its record and the columns
    /// lookups use; `trail` fills in its place in the chain.
    pub fn finish(&self, outcome: &Outcome, resources: &[String]) -> AuditEventRow {
        let resources: Vec<Resource> = resources
            .iter()
            .map(|arn| Resource {
                arn,
                account_id: &self.account_id,
                kind: resource_type(arn),
            })
            .collect();
        let omitted = matches!(outcome, Outcome::Failure { code, decided, .. }
            if !decided || is_malformed_input(code));
        let (error_code, error_message, response_elements) = match outcome {
            Outcome::Success { response } => (None, None, response),
            Outcome::Failure { code, message, .. } => {
                (Some(code.as_str()), Some(message.as_str()), &Value::Null)
            }
        };
        let record = Record {
            additional_event_data: omitted.then_some(OmittedParameters {
                request_parameters_omitted: "the request was malformed",
            }),
            aws_region: &self.region,
            error_code,
            error_message,
            event_category: "Management",
            event_id: &self.event_id,
            event_name: &self.event_name,
            event_source: self.event_source,
            event_time: iso_time(self.event_time_ms),
            event_type: self.event_type,
            event_version: EVENT_VERSION,
            management_event: true,
            read_only: self.read_only,
            recipient_account_id: &self.account_id,
            request_id: &self.request_id,
            request_parameters: if omitted {
                &Value::Null
            } else {
                &self.request_parameters
            },
            resources: &resources,
            response_elements,
            source_ip_address: &self.source_ip,
            tls_details: self.secure_transport.then_some(TlsDetails {
                tls_version: "TLSv1.2+",
            }),
            user_agent: self.user_agent.as_deref(),
            user_identity: &self.user_identity,
        };
        let lookup: Vec<LookupResource> = resources
            .iter()
            .map(|r| LookupResource {
                name: r.arn,
                kind: r.kind,
            })
            .collect();
        AuditEventRow {
            seq: 0,
            record: serde_json::to_string(&record).expect("a record serialises"),
            event_id: self.event_id.clone(),
            event_time: self.event_time_ms,
            event_name: self.event_name.clone(),
            event_source: self.event_source.to_string(),
            username: self.username.clone(),
            access_key_id: self.access_key_id.clone(),
            read_only: self.read_only,
            resources: serde_json::to_string(&lookup).expect("resources serialise"),
            prev_hash: Vec::new(),
            hash: Vec::new(),
            mac: Vec::new(),
        }
    }
}

/// The record as written. Fields are declared in byte order of their JSON
/// names, so the output has sorted keys (what a `serde_json::Map` would
/// give) without building one: the test `records_have_sorted_keys` holds
/// the two to the same bytes.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_event_data: Option<OmittedParameters>,
    aws_region: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<&'a str>,
    event_category: &'static str,
    #[serde(rename = "eventID")]
    event_id: &'a str,
    event_name: &'a str,
    event_source: &'a str,
    event_time: String,
    event_type: &'a str,
    event_version: &'static str,
    management_event: bool,
    read_only: bool,
    recipient_account_id: &'a str,
    #[serde(rename = "requestID")]
    request_id: &'a str,
    request_parameters: &'a Value,
    resources: &'a [Resource<'a>],
    response_elements: &'a Value,
    #[serde(rename = "sourceIPAddress")]
    source_ip_address: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_details: Option<TlsDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_agent: Option<&'a str>,
    user_identity: &'a Value,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OmittedParameters {
    request_parameters_omitted: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TlsDetails {
    tls_version: &'static str,
}

#[derive(Serialize)]
struct Resource<'a> {
    #[serde(rename = "ARN")]
    arn: &'a str,
    #[serde(rename = "accountId")]
    account_id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// The `resources` column LookupEvents filters on.
#[derive(Serialize)]
struct LookupResource<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
}

impl Draft {
    /// An event of Tresor's own work (a purge, a key rotation), recorded
    /// as CloudTrail records AWS's: `AwsServiceEvent`, invoked by the
    /// service itself.
    pub fn service_event(
        service: Service,
        name: &str,
        region: &str,
        account_id: &str,
        now_ms: i64,
    ) -> Draft {
        let source = event_source(service);
        Draft {
            // Time-ordered (UUIDv7): the unique index on event ids then
            // grows at its end instead of dirtying a random page (a whole
            // WAL frame) per event.
            event_id: uuid::Uuid::now_v7().to_string(),
            event_time_ms: now_ms,
            request_id: String::new(),
            target: None,
            event_name: name.to_string(),
            event_source: source,
            region: region.to_string(),
            source_ip: source.to_string(),
            user_agent: Some(source.to_string()),
            user_identity: json!({"accountId": account_id, "invokedBy": source}),
            username: None,
            access_key_id: None,
            request_parameters: Value::Null,
            read_only: false,
            account_id: account_id.to_string(),
            secure_transport: false,
            event_type: "AwsServiceEvent",
        }
    }
}

/// The errors that say the request itself was malformed (rather than
/// refused or impossible).
pub fn is_malformed_input(code: &str) -> bool {
    matches!(
        code,
        "SerializationException"
            | "ValidationException"
            | "ValidationError"
            | "InvalidParameterException"
            | "InvalidQueryParameter"
            | "InvalidInput"
            | "MalformedPolicyDocument"
            | "MalformedPolicyDocumentException"
            | "RequestEntityTooLargeException"
    )
}

/// `secretsmanager.amazonaws.com` and friends.
pub fn event_source(service: Service) -> &'static str {
    match service {
        Service::SecretsManager => "secretsmanager.amazonaws.com",
        Service::Kms => "kms.amazonaws.com",
        Service::Iam => "iam.amazonaws.com",
        Service::Sts => "sts.amazonaws.com",
        Service::Operator => "operator.tresor",
        Service::CloudTrail => "cloudtrail.amazonaws.com",
    }
}

/// Whether an operation only reads (CloudTrail's `readOnly`).
pub fn is_read_only(target: Target) -> bool {
    let name = target.name();
    let reads = ["Get", "List", "Describe", "BatchGet", "Validate", "Lookup"];
    if reads.iter().any(|p| name.starts_with(p)) {
        return true;
    }
    match target {
        // Cryptography with a key changes no state.
        Target::Kms(_) => {
            matches!(
                name,
                "Decrypt"
                    | "Encrypt"
                    | "ReEncrypt"
                    | "GenerateRandom"
                    | "Sign"
                    | "Verify"
                    | "GenerateMac"
                    | "VerifyMac"
                    | "DeriveSharedSecret"
            ) || name.starts_with("GenerateDataKey")
        }
        // Issuing credentials changes no resource.
        Target::Sts(_) => true,
        Target::Operator(_) => matches!(
            name,
            "ExportAuditLog" | "VerifyAuditLog" | "HashAuditValue" | "WaitForSecretChanges"
        ),
        _ => false,
    }
}

/// Whether an event records the (redacted) response, as CloudTrail does
/// for changes and for issued credentials (whose access key id ties the
/// session's later calls to the call that created it) — not for reads.
pub fn records_response(target: Target) -> bool {
    !is_read_only(target) || matches!(target, Target::Sts(_))
}

/// CloudTrail's resource type of an ARN we authorise against.
pub fn resource_type(arn: &str) -> &'static str {
    let mut parts = arn.splitn(6, ':');
    let service = parts.nth(2).unwrap_or_default();
    let resource = parts.nth(2).unwrap_or_default();
    let kind = resource.split(['/', ':']).next().unwrap_or_default();
    match (service, kind) {
        ("secretsmanager", _) => "AWS::SecretsManager::Secret",
        ("kms", "alias") => "AWS::KMS::Alias",
        ("kms", _) => "AWS::KMS::Key",
        ("iam", "user") => "AWS::IAM::User",
        ("iam", "group") => "AWS::IAM::Group",
        ("iam", "role") => "AWS::IAM::Role",
        ("iam", "policy") => "AWS::IAM::Policy",
        ("iam", "oidc-provider") => "AWS::IAM::OIDCProvider",
        ("sts", _) => "AWS::STS::AssumedRole",
        _ => "AWS::Unknown",
    }
}

pub fn iso_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// CloudTrail's `userIdentity` of a verified caller, and its LookupEvents
/// user name.
pub fn user_identity(caller: &Caller) -> (Value, String) {
    let p: &Principal = &caller.principal;
    let mut identity = Map::new();
    let username;
    match &p.kind {
        PrincipalKind::Root => {
            identity.insert("type".into(), json!("Root"));
            identity.insert("principalId".into(), json!(p.account_id));
            username = "root".to_string();
        }
        PrincipalKind::User { user_id, name } => {
            identity.insert("type".into(), json!("IAMUser"));
            identity.insert("principalId".into(), json!(user_id));
            identity.insert("userName".into(), json!(name));
            username = name.clone();
        }
        PrincipalKind::AssumedRole(session) => {
            identity.insert("type".into(), json!("AssumedRole"));
            identity.insert(
                "principalId".into(),
                json!(format!("{}:{}", session.role_id, session.session_name)),
            );
            let mut context = json!({
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": session.role_id,
                    "arn": session.role_arn,
                    "accountId": p.account_id,
                    "userName": session.role_name,
                },
                "attributes": {
                    "creationDate": iso_time(session.issued_ms),
                    "mfaAuthenticated": "false",
                },
            });
            if let Some(provider) = &session.federated_provider {
                context["webIdFederationData"] = json!({"federatedProvider": provider});
            }
            identity.insert("sessionContext".into(), context);
            username = session.session_name.clone();
        }
    }
    identity.insert("arn".into(), json!(p.arn));
    identity.insert("accountId".into(), json!(p.account_id));
    identity.insert("accessKeyId".into(), json!(caller.access_key_id));
    if let (Some(issued), false) = (
        p.session_issued_ms,
        matches!(p.kind, PrincipalKind::AssumedRole(_)),
    ) {
        identity.insert(
            "sessionContext".into(),
            json!({"attributes": {"creationDate": iso_time(issued), "mfaAuthenticated": "false"}}),
        );
    }
    (Value::Object(identity), username)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_types_follow_the_arn() {
        assert_eq!(
            resource_type("arn:aws:secretsmanager:us-east-1:1:secret:a/b-AbCdEf"),
            "AWS::SecretsManager::Secret"
        );
        assert_eq!(
            resource_type("arn:aws:kms:us-east-1:1:key/k"),
            "AWS::KMS::Key"
        );
        assert_eq!(
            resource_type("arn:aws:kms:us-east-1:1:alias/a"),
            "AWS::KMS::Alias"
        );
        assert_eq!(
            resource_type("arn:aws:iam::1:user/p/alice"),
            "AWS::IAM::User"
        );
        assert_eq!(resource_type("arn:aws:iam::1:role/r"), "AWS::IAM::Role");
        assert_eq!(resource_type("nonsense"), "AWS::Unknown");
    }

    #[test]
    fn reads_and_changes() {
        use tresor_wire::{KmsOperation, Operation, StsOperation};
        assert!(is_read_only(Target::SecretsManager(
            Operation::GetSecretValue
        )));
        assert!(is_read_only(Target::SecretsManager(
            Operation::ValidateResourcePolicy
        )));
        assert!(!is_read_only(Target::SecretsManager(
            Operation::PutSecretValue
        )));
        assert!(is_read_only(Target::Kms(
            KmsOperation::GenerateDataKeyWithoutPlaintext
        )));
        assert!(!is_read_only(Target::Kms(KmsOperation::CreateKey)));
        assert!(is_read_only(Target::Sts(StsOperation::AssumeRole)));
    }

    #[test]
    fn the_record_is_compact_sorted_json_with_the_outcome() {
        let draft = Draft {
            event_id: "e".into(),
            event_time_ms: 0,
            request_id: "r".into(),
            target: None,
            event_name: "GetSecretValue".into(),
            event_source: "secretsmanager.amazonaws.com",
            region: "us-east-1".into(),
            source_ip: "127.0.0.1".into(),
            user_agent: None,
            user_identity: json!({"type": "Root"}),
            username: Some("root".into()),
            access_key_id: None,
            request_parameters: json!({"secretId": "prod/db"}),
            read_only: true,
            account_id: "111122223333".into(),
            secure_transport: false,
            event_type: "AwsApiCall",
        };
        let arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
        let done = draft.finish(
            &Outcome::Failure {
                code: "AccessDeniedException".into(),
                message: "no".into(),
                decided: true,
            },
            &[arn.to_string()],
        );
        let parsed: Value = serde_json::from_str(&done.record).unwrap();
        assert_eq!(parsed["errorCode"], "AccessDeniedException");
        assert_eq!(parsed["eventTime"], "1970-01-01T00:00:00Z");
        assert_eq!(parsed["resources"][0]["ARN"], arn);
        assert_eq!(parsed.to_string(), done.record, "sorted and compact");
        assert!(done.resources.contains(arn));
        assert_eq!(parsed["requestParameters"]["secretId"], "prod/db");
        // A malformed request's members are not recorded.
        let malformed = draft.finish(
            &Outcome::Failure {
                code: "InvalidParameterException".into(),
                message: "Invalid name.".into(),
                decided: true,
            },
            &[],
        );
        let parsed: Value = serde_json::from_str(&malformed.record).unwrap();
        assert_eq!(parsed["requestParameters"], Value::Null);
        assert!(!malformed.record.contains("prod/db"));
    }

    #[test]
    fn records_have_sorted_keys_whatever_the_outcome() {
        let draft = Draft {
            event_id: "e".into(),
            event_time_ms: 1_795_678_642_604,
            request_id: "r".into(),
            target: None,
            event_name: "PutSecretValue".into(),
            event_source: "secretsmanager.amazonaws.com",
            region: "eu-west-1".into(),
            source_ip: "10.0.0.1".into(),
            user_agent: Some("aws-cli/2".into()),
            user_identity: json!({"type": "IAMUser", "arn": "a", "accountId": "1"}),
            username: Some("alice".into()),
            access_key_id: Some("AKIA".into()),
            request_parameters: json!({"secretId": "prod/db", "secretString": "HIDDEN"}),
            read_only: false,
            account_id: "111122223333".into(),
            secure_transport: true,
            event_type: "AwsApiCall",
        };
        let resources = [
            "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf".to_string(),
            "arn:aws:kms:eu-west-1:111122223333:key/k".to_string(),
        ];
        let outcomes = [
            Outcome::Success {
                response: json!({"versionId": "v", "arn": "x"}),
            },
            Outcome::Failure {
                code: "ResourceNotFoundException".into(),
                message: "gone \"quoted\"".into(),
                decided: true,
            },
            Outcome::Failure {
                code: "SerializationException".into(),
                message: "bad".into(),
                decided: true,
            },
        ];
        for outcome in &outcomes {
            let done = draft.finish(outcome, &resources);
            let parsed: Value = serde_json::from_str(&done.record).unwrap();
            assert_eq!(parsed.to_string(), done.record, "sorted and compact");
            assert_eq!(parsed["eventTime"], "2026-11-26T07:37:22Z");
            assert_eq!(parsed["tlsDetails"]["tlsVersion"], "TLSv1.2+");
            assert_eq!(parsed["resources"][1]["type"], "AWS::KMS::Key");
            let lookup: Value = serde_json::from_str(&done.resources).unwrap();
            assert_eq!(lookup.to_string(), done.resources);
            assert_eq!(lookup[0]["name"], resources[0].as_str());
        }
        let malformed: Value =
            serde_json::from_str(&draft.finish(&outcomes[2], &resources).record).unwrap();
        assert_eq!(malformed["requestParameters"], Value::Null);
        assert!(malformed["additionalEventData"]["requestParametersOmitted"].is_string());
    }
}
