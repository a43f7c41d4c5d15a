//! What an audit record may say about a request or response: every member
//! of every AWS model Tresor speaks is classified in `fields.txt` as
//! `keep`, `hide` or `hmac`, and `redact` walks a value along its model
//! shape applying that table.
//!
//! Redaction is by classification, not by omission: a member the table
//! does not know is hidden (and a test fails), and anything the shape does
//! not know — a misspelt member, a value of the wrong type — is dropped,
//! so a secret sent in an unexpected place never reaches the record.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Map, Value};
use tresor_wire::model::{Model, Shape, ShapeKind};

/// What CloudTrail writes in place of a sensitive value.
pub const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

const TABLE: &str = include_str!("fields.txt");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Recorded as sent.
    Keep,
    /// Replaced by `HIDDEN`.
    Hide,
    /// Replaced by `hmac-sha256:<hex>` under the audit field key.
    Hmac,
}

fn table() -> &'static HashMap<&'static str, Class> {
    static PARSED: OnceLock<HashMap<&'static str, Class>> = OnceLock::new();
    PARSED.get_or_init(|| {
        TABLE
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|line| {
                let (name, class) = line.split_once(char::is_whitespace)?;
                let class = match class.trim() {
                    "keep" => Class::Keep,
                    "hmac" => Class::Hmac,
                    _ => Class::Hide,
                };
                Some((name, class))
            })
            .collect()
    })
}

/// The classification of a member name, if it has one.
pub fn class_of(member: &str) -> Option<Class> {
    table().get(member).copied()
}

/// CloudTrail's member naming: `SecretId` → `secretId`, `ARN` → `arn`,
/// `SSHPublicKeyId` → `sshPublicKeyId`.
pub fn lower_camel(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let upper_run = chars.iter().take_while(|c| c.is_ascii_uppercase()).count();
    let lower = match upper_run {
        0 => 0,
        n if n == chars.len() => n,
        1 => 1,
        // "SSHPublic": the last capital starts the next word.
        n => n - 1,
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < lower {
                c.to_ascii_lowercase()
            } else {
                *c
            }
        })
        .collect()
}

/// Redacts `value`, an instance of `shape`, for an audit record.
pub fn redact(
    model: &Model,
    shape: &Shape,
    value: &Value,
    hmac: &dyn Fn(&[u8]) -> String,
) -> Value {
    walk(model, shape, value, hmac).unwrap_or(Value::Null)
}

fn walk(
    model: &Model,
    shape: &Shape,
    value: &Value,
    hmac: &dyn Fn(&[u8]) -> String,
) -> Option<Value> {
    match (&shape.kind, value) {
        (ShapeKind::Structure { members, .. }, Value::Object(fields)) => {
            let mut out = Map::new();
            for (member, target) in members {
                let Some(v) = fields.get(member) else {
                    continue;
                };
                let redacted = match class_of(member) {
                    Some(Class::Keep) => match walk(model, model.shape(target), v, hmac) {
                        Some(v) => v,
                        None => continue,
                    },
                    Some(Class::Hmac) => hmac_of(v, hmac),
                    Some(Class::Hide) | None => Value::String(HIDDEN.to_string()),
                };
                out.insert(lower_camel(member), redacted);
            }
            Some(Value::Object(out))
        }
        (ShapeKind::List { member, .. }, Value::Array(items)) => {
            let member = model.shape(member);
            Some(Value::Array(
                items
                    .iter()
                    .filter_map(|item| walk(model, member, item, hmac))
                    .collect(),
            ))
        }
        (ShapeKind::Map { value: target, .. }, Value::Object(entries)) => {
            let target = model.shape(target);
            Some(Value::Object(
                entries
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), walk(model, target, v, hmac)?)))
                    .collect(),
            ))
        }
        (ShapeKind::String { .. } | ShapeKind::Blob { .. }, Value::String(_))
        | (ShapeKind::Integer { .. } | ShapeKind::Long { .. }, Value::Number(_))
        | (ShapeKind::Boolean, Value::Bool(_))
        | (ShapeKind::Timestamp, Value::Number(_) | Value::String(_)) => Some(value.clone()),
        // awsQuery values arrive as strings whatever their type.
        (
            ShapeKind::Integer { .. } | ShapeKind::Long { .. } | ShapeKind::Boolean,
            Value::String(s),
        ) => Some(
            serde_json::from_str::<Value>(s)
                .ok()
                .filter(|v| !v.is_string())?,
        ),
        _ => None,
    }
}

fn hmac_of(value: &Value, hmac: &dyn Fn(&[u8]) -> String) -> Value {
    match value {
        Value::String(s) => Value::String(hmac(s.as_bytes())),
        Value::Array(items) => Value::Array(items.iter().map(|v| hmac_of(v, hmac)).collect()),
        other => Value::String(hmac(other.to_string().as_bytes())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tresor_wire::{IamOperation, KmsOperation, Operation, StsOperation};

    fn fake_hmac(v: &[u8]) -> String {
        format!("hmac:{}", v.len())
    }

    #[test]
    fn names_follow_cloudtrail() {
        assert_eq!(lower_camel("SecretId"), "secretId");
        assert_eq!(lower_camel("ARN"), "arn");
        assert_eq!(lower_camel("SSHPublicKeyId"), "sshPublicKeyId");
        assert_eq!(lower_camel("KMSKeyId"), "kmsKeyId");
        assert_eq!(lower_camel("name"), "name");
    }

    /// Every member of every input and output shape of every operation is
    /// classified: a new model member cannot slip into records unnoticed.
    #[test]
    fn every_member_of_every_operation_is_classified() {
        fn visit(model: &Model, shape: &Shape, seen: &mut Vec<String>, missing: &mut Vec<String>) {
            if seen.contains(&shape.name) {
                return;
            }
            seen.push(shape.name.clone());
            match &shape.kind {
                ShapeKind::Structure { members, .. } => {
                    for (member, target) in members {
                        if class_of(member).is_none() {
                            missing.push(format!("{}.{member}", shape.name));
                        }
                        visit(model, model.shape(target), seen, missing);
                    }
                }
                ShapeKind::List { member, .. } => visit(model, model.shape(member), seen, missing),
                ShapeKind::Map { key, value, .. } => {
                    visit(model, model.shape(key), seen, missing);
                    visit(model, model.shape(value), seen, missing);
                }
                _ => {}
            }
        }
        let mut missing = Vec::new();
        let mut ops = 0;
        let mut check =
            |model: &Model, name: &str, input: Option<&Shape>, output: Option<&Shape>| {
                ops += 1;
                let _ = name;
                let mut seen = Vec::new();
                for shape in input.into_iter().chain(output) {
                    visit(model, shape, &mut seen, &mut missing);
                }
            };
        for op in Operation::ALL {
            let m = Model::secrets_manager();
            check(m, op.name(), m.input_shape(*op), m.output_shape(*op));
        }
        for op in KmsOperation::ALL {
            let m = Model::kms();
            check(m, op.name(), m.input_shape(*op), m.output_shape(*op));
        }
        for op in IamOperation::ALL {
            let m = Model::iam();
            check(m, op.name(), m.input_shape(*op), m.output_shape(*op));
        }
        for op in StsOperation::ALL {
            let m = Model::sts();
            check(m, op.name(), m.input_shape(*op), m.output_shape(*op));
        }
        assert!(ops > 250, "walked {ops} operations");
        assert!(missing.is_empty(), "unclassified members: {missing:?}");
    }

    /// A member of a shape the model marks `sensitive` is never kept.
    #[test]
    fn sensitive_members_are_never_kept() {
        // Sensitive in the model but an identifier, logged by CloudTrail:
        // an access key id (KMS's XKS proxy credential marks it sensitive).
        let identifiers = ["AccessKeyId"];
        let mut kept = Vec::new();
        for model in [
            Model::secrets_manager(),
            Model::kms(),
            Model::iam(),
            Model::sts(),
        ] {
            for shape in model.shapes() {
                if let ShapeKind::Structure { members, .. } = &shape.kind {
                    for (member, target) in members {
                        if model.shape(target).sensitive
                            && class_of(member) == Some(Class::Keep)
                            && !identifiers.contains(&member.as_str())
                        {
                            kept.push(format!("{}.{member}", shape.name));
                        }
                    }
                }
            }
        }
        assert!(kept.is_empty(), "sensitive members kept: {kept:?}");
    }

    #[test]
    fn secrets_are_hidden_tokens_hmaced_unknowns_dropped() {
        let m = Model::secrets_manager();
        let shape = m.input_shape(Operation::PutSecretValue).unwrap();
        let body = json!({
            "SecretId": "prod/db",
            "SecretString": "canary-1",
            "SecretStrin": "canary-2",
            "VersionStages": ["AWSCURRENT", 7],
            "ClientRequestToken": "tok-000000000000000000000000000000001",
        });
        let out = redact(m, shape, &body, &fake_hmac);
        assert_eq!(
            out,
            json!({
                "secretId": "prod/db",
                "secretString": HIDDEN,
                "versionStages": ["AWSCURRENT"],
                "clientRequestToken": "tok-000000000000000000000000000000001",
            })
        );
        let sts = Model::sts();
        let shape = sts
            .input_shape(StsOperation::AssumeRoleWithWebIdentity)
            .unwrap();
        let out = redact(
            sts,
            shape,
            &json!({"RoleArn": "arn:aws:iam::1:role/r", "WebIdentityToken": "eyJ.canary", "DurationSeconds": "900"}),
            &fake_hmac,
        );
        assert_eq!(out["webIdentityToken"], json!("hmac:10"));
        assert_eq!(out["durationSeconds"], json!(900));
        // A secret where a structure belongs is dropped, not echoed.
        let shape = m.input_shape(Operation::CreateSecret).unwrap();
        let out = redact(
            m,
            shape,
            &json!({"Name": "x", "Tags": "canary-3"}),
            &fake_hmac,
        );
        assert_eq!(out, json!({"name": "x"}));
    }
}
