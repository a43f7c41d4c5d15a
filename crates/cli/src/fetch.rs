//! Reading secret values for `exec` and `render`: GetSecretValue for a
//! reference (signed as the AWS tools sign it), keys of JSON values, and
//! waiting for the referenced secrets to change (`Watcher`).

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

/// Waits for followed secrets to change: with the server's change feed
/// (`WaitForSecretChanges`, answered within a second of a change) when it
/// has one, else by sleeping the interval. A wake-up only says "look
/// again": callers re-read and compare.
pub struct Watcher {
    secret_ids: Vec<String>,
    interval: std::time::Duration,
    cursor: Option<String>,
    feed: bool,
}

impl Watcher {
    /// Starts following `secret_ids`: takes the feed's cursor now, so that
    /// a change made after this returns is never missed.
    pub async fn start(
        endpoint: &Endpoint,
        secret_ids: Vec<String>,
        interval: std::time::Duration,
    ) -> Watcher {
        let mut watcher = Watcher {
            secret_ids,
            interval,
            cursor: None,
            feed: true,
        };
        match watcher.call(endpoint, 0).await {
            Ok(answer) => watcher.cursor = answer["Cursor"].as_str().map(str::to_string),
            Err(e) => {
                eprintln!("tresor: no change feed ({e:#}); checking every {interval:?}");
                watcher.feed = false;
            }
        }
        watcher
    }

    async fn call(&self, endpoint: &Endpoint, wait: u64) -> anyhow::Result<Value> {
        let mut body = json!({ "SecretIds": self.secret_ids, "WaitSeconds": wait });
        if let Some(cursor) = &self.cursor {
            body["Cursor"] = json!(cursor);
        }
        endpoint
            .json_call("tresor", "TresorOperator.WaitForSecretChanges", body)
            .await
    }

    /// Returns when a followed secret may have changed, or after the
    /// interval at the latest.
    pub async fn next(&mut self, endpoint: &Endpoint) {
        if !self.feed {
            tokio::time::sleep(self.interval).await;
            return;
        }
        let wait = self.interval.as_secs().clamp(1, 60);
        match self.call(endpoint, wait).await {
            Ok(answer) => {
                if let Some(cursor) = answer["Cursor"].as_str() {
                    self.cursor = Some(cursor.to_string());
                }
            }
            // The server may be briefly away: do not spin.
            Err(_) => tokio::time::sleep(self.interval).await,
        }
    }
}
