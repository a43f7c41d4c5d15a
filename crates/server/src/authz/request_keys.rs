//! The condition keys a request's parameters supply, per service, from
//! the decoded JSON body: `secretsmanager:Name`, `secretsmanager:SecretId`,
//! `kms:EncryptionContext:…`, `aws:RequestTag/…`, `aws:TagKeys`, … (the
//! keys AWS documents for each action in its service authorization
//! reference). Keys that come from the resource (`…:ResourceTag/…`) are
//! added where the resource is resolved; global keys in `global_keys`.

use serde_json::Value;
use tresor_policy::ContextKeys;
use tresor_wire::{Service, Target};

/// Adds the keys `body` supplies for `target`.
pub fn add(target: Target, body: &Value, keys: &mut ContextKeys) {
    match target.service() {
        Service::SecretsManager => secrets_manager(body, keys),
        Service::Kms => kms(body, keys),
        _ => {}
    }
}

/// A scalar parameter as IAM compares it: strings as they are, numbers
/// and booleans in their JSON spelling.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn copy(body: &Value, field: &str, keys: &mut ContextKeys, key: &str) {
    if let Some(v) = body.get(field).and_then(scalar) {
        keys.set(key, v);
    }
}

/// `aws:RequestTag/<k>` and `aws:TagKeys` from a tag list whose entries
/// name key and value with `key_field` and `value_field`.
fn request_tags(body: &Value, key_field: &str, value_field: &str, keys: &mut ContextKeys) {
    if let Some(tags) = body.get("Tags").and_then(Value::as_array) {
        let mut names = Vec::new();
        for tag in tags {
            if let Some(k) = tag.get(key_field).and_then(Value::as_str) {
                let v = tag.get(value_field).and_then(Value::as_str).unwrap_or("");
                keys.set(&format!("aws:RequestTag/{k}"), v);
                names.push(k.to_string());
            }
        }
        keys.set_multi("aws:TagKeys", names);
    }
    if let Some(names) = body.get("TagKeys").and_then(Value::as_array) {
        let names = names
            .iter()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect();
        keys.set_multi("aws:TagKeys", names);
    }
}

fn secrets_manager(body: &Value, keys: &mut ContextKeys) {
    for (field, key) in [
        ("SecretId", "secretsmanager:SecretId"),
        ("Name", "secretsmanager:Name"),
        ("Description", "secretsmanager:Description"),
        ("KmsKeyId", "secretsmanager:KmsKeyId"),
        ("VersionId", "secretsmanager:VersionId"),
        ("VersionStage", "secretsmanager:VersionStage"),
        (
            "RecoveryWindowInDays",
            "secretsmanager:RecoveryWindowInDays",
        ),
        (
            "ForceDeleteWithoutRecovery",
            "secretsmanager:ForceDeleteWithoutRecovery",
        ),
        ("BlockPublicPolicy", "secretsmanager:BlockPublicPolicy"),
        (
            "ForceOverwriteReplicaSecret",
            "secretsmanager:ForceOverwriteReplicaSecret",
        ),
        ("RotationLambdaARN", "secretsmanager:RotationLambdaARN"),
    ] {
        copy(body, field, keys, key);
    }
    if let Some(replicas) = body.get("AddReplicaRegions").and_then(Value::as_array) {
        let regions = replicas
            .iter()
            .filter_map(|r| r.get("Region").and_then(Value::as_str).map(str::to_string))
            .collect();
        keys.set_multi("secretsmanager:AddReplicaRegions", regions);
    }
    request_tags(body, "Key", "Value", keys);
}

fn kms(body: &Value, keys: &mut ContextKeys) {
    for (field, key) in [
        ("KeySpec", "kms:KeySpec"),
        ("KeyUsage", "kms:KeyUsage"),
        ("Origin", "kms:KeyOrigin"),
        ("MultiRegion", "kms:MultiRegion"),
        ("EncryptionAlgorithm", "kms:EncryptionAlgorithm"),
        (
            "BypassPolicyLockoutSafetyCheck",
            "kms:BypassPolicyLockoutSafetyCheck",
        ),
        (
            "PendingWindowInDays",
            "kms:ScheduleKeyDeletionPendingWindowInDays",
        ),
        ("RotationPeriodInDays", "kms:RotationPeriodInDays"),
    ] {
        copy(body, field, keys, key);
    }
    // ReEncrypt checks the destination context on its destination key;
    // the source context is what Decrypt would see.
    let context = body
        .get("EncryptionContext")
        .or_else(|| body.get("SourceEncryptionContext"));
    if let Some(context) = context.and_then(Value::as_object) {
        encryption_context(context.iter().map(|(k, v)| (k.as_str(), v)), keys);
    }
    if let Some(key_id) = body.get("KeyId").and_then(Value::as_str)
        && let Some(alias) = key_id
            .strip_prefix("alias/")
            .map(|_| key_id.to_string())
            .or_else(|| {
                key_id
                    .split_once(":alias/")
                    .map(|(_, a)| format!("alias/{a}"))
            })
    {
        keys.set("kms:RequestAlias", alias);
    }
    request_tags(body, "TagKey", "TagValue", keys);
}

/// `kms:EncryptionContext:<k>` for each pair and `kms:EncryptionContextKeys`.
pub fn encryption_context<'a>(
    pairs: impl Iterator<Item = (&'a str, &'a Value)>,
    keys: &mut ContextKeys,
) {
    let mut names = Vec::new();
    for (k, v) in pairs {
        if let Some(v) = v.as_str() {
            keys.set(&format!("kms:EncryptionContext:{k}"), v);
        }
        names.push(k.to_string());
    }
    keys.set_multi("kms:EncryptionContextKeys", names);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tresor_policy::ContextValue;
    use tresor_wire::{KmsOperation, Operation};

    fn single(keys: &ContextKeys, k: &str) -> Option<String> {
        match keys.get(k)? {
            ContextValue::Single(v) => Some(v.clone()),
            ContextValue::Multi(_) => None,
        }
    }

    #[test]
    fn secrets_manager_parameters_become_keys() {
        let mut keys = ContextKeys::new();
        add(
            Operation::CreateSecret.into(),
            &json!({"Name": "prod/db", "KmsKeyId": "alias/app", "Tags": [{"Key": "env", "Value": "prod"}],
                    "AddReplicaRegions": [{"Region": "eu-west-1"}], "ForceOverwriteReplicaSecret": false}),
            &mut keys,
        );
        assert_eq!(
            single(&keys, "secretsmanager:Name").as_deref(),
            Some("prod/db")
        );
        assert_eq!(
            single(&keys, "secretsmanager:KmsKeyId").as_deref(),
            Some("alias/app")
        );
        assert_eq!(single(&keys, "aws:RequestTag/env").as_deref(), Some("prod"));
        assert_eq!(
            keys.get("aws:TagKeys"),
            Some(&ContextValue::Multi(vec!["env".into()]))
        );
        assert_eq!(
            keys.get("secretsmanager:AddReplicaRegions"),
            Some(&ContextValue::Multi(vec!["eu-west-1".into()]))
        );
        assert_eq!(
            single(&keys, "secretsmanager:ForceOverwriteReplicaSecret").as_deref(),
            Some("false")
        );

        let mut keys = ContextKeys::new();
        add(
            Operation::DeleteSecret.into(),
            &json!({"SecretId": "a", "RecoveryWindowInDays": 7}),
            &mut keys,
        );
        assert_eq!(
            single(&keys, "secretsmanager:RecoveryWindowInDays").as_deref(),
            Some("7")
        );
        assert_eq!(
            single(&keys, "secretsmanager:SecretId").as_deref(),
            Some("a")
        );
    }

    #[test]
    fn kms_parameters_become_keys() {
        let mut keys = ContextKeys::new();
        add(
            KmsOperation::Encrypt.into(),
            &json!({"KeyId": "alias/app", "Plaintext": "AA==", "EncryptionContext": {"app": "web"}}),
            &mut keys,
        );
        assert_eq!(
            single(&keys, "kms:EncryptionContext:app").as_deref(),
            Some("web")
        );
        assert_eq!(
            single(&keys, "kms:RequestAlias").as_deref(),
            Some("alias/app")
        );
        assert_eq!(keys.get("kms:Plaintext"), None);

        let mut keys = ContextKeys::new();
        add(
            KmsOperation::TagResource.into(),
            &json!({"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab", "Tags": [{"TagKey": "a", "TagValue": "b"}]}),
            &mut keys,
        );
        assert_eq!(single(&keys, "aws:RequestTag/a").as_deref(), Some("b"));
        assert_eq!(single(&keys, "kms:RequestAlias"), None);
    }
}
