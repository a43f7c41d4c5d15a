//! Reading secret values for `exec` and `render`: GetSecretValue for a
//! reference (signed as the AWS tools sign it), and keys of JSON values.

use anyhow::{Context, bail};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::client::Endpoint;
use crate::secret_ref::SecretRef;

/// The string value `r` names (its JSON key is not applied).
pub async fn get_secret_string(
    endpoint: &Endpoint,
    r: &SecretRef,
) -> anyhow::Result<Zeroizing<String>> {
    let mut body = json!({ "SecretId": r.secret_id });
    if let Some(stage) = &r.version_stage {
        body["VersionStage"] = json!(stage);
    }
    if let Some(id) = &r.version_id {
        body["VersionId"] = json!(id);
    }
    let answer = endpoint
        .json_call("secretsmanager", "secretsmanager.GetSecretValue", body)
        .await
        .with_context(|| format!("reading {}", r.secret_id))?;
    match answer.get("SecretString").and_then(Value::as_str) {
        Some(text) => Ok(Zeroizing::new(text.to_string())),
        None => bail!(
            "{} holds a binary value; only string secrets can go into the environment",
            r.secret_id
        ),
    }
}

pub fn json_object(text: &str, secret: &str) -> anyhow::Result<serde_json::Map<String, Value>> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => bail!("{secret} is not a JSON object, so it has no keys"),
    }
}

/// A key's value: strings as they are, anything else as its JSON text
/// (as ECS does).
pub fn json_member(text: &str, key: &str, secret: &str) -> anyhow::Result<Zeroizing<String>> {
    let object = json_object(text, secret)?;
    match object.get(key) {
        Some(Value::String(s)) => Ok(Zeroizing::new(s.clone())),
        Some(other) => Ok(Zeroizing::new(other.to_string())),
        None => bail!("{secret} has no key {key:?}"),
    }
}
