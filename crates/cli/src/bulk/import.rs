//! `tresor import`: secrets from a `.env` file, a flat JSON object or a
//! `tresor export` document (age-encrypted or not) into the server.
//!
//! Idempotent and resumable: each secret is created with a
//! `ClientRequestToken` derived from the file and the secret's name, so
//! running the same import again — after an interrupt, a crash, a network
//! failure — creates nothing twice: a secret already imported from this
//! file is a no-op (AWS's idempotency rule), the rest are created. The
//! token is an HMAC keyed by the whole file's hash, so a version id says
//! nothing about the value it holds. A secret that exists already with
//! other content is left alone unless `--overwrite`, which adds the
//! imported value as its new current version (once, by the same rule).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use base64::Engine;
use clap::Args;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::document::{self, Format, Item, ItemValue};
use super::parallel;
use super::sealing::{OpenArgs, is_sealed};
use crate::client::{Endpoint, RemoteArgs};

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The file to read (`-`: standard input).
    file: PathBuf,
    /// The file's format [default: JSON if it starts with `{`, else .env].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Prepended to every name from a .env file (`DB_PASSWORD` → `<prefix>DB_PASSWORD`).
    #[arg(long, default_value = "")]
    prefix: String,
    /// Store a .env file's variables as one JSON secret with this name
    /// (read back with `tresor exec --secret <name>`).
    #[arg(long, value_name = "NAME")]
    into: Option<String>,
    /// Give secrets that exist already (with other content) the imported
    /// value as their new current version.
    #[arg(long)]
    overwrite: bool,
    #[command(flatten)]
    open: OpenArgs,
    #[command(flatten)]
    remote: RemoteArgs,
}

enum Outcome {
    /// Created now or by an earlier run of this import.
    Imported,
    /// Existed with other content; left alone.
    Kept,
    /// Existed; the imported value is its new version.
    Overwritten,
}

pub fn run(args: ImportArgs) -> anyhow::Result<()> {
    let raw = Zeroizing::new(if args.file.as_os_str() == "-" {
        let mut buffer = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buffer)?;
        buffer
    } else {
        std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?
    });
    let plain = if is_sealed(&raw) {
        args.open.open(&raw)?
    } else {
        raw
    };
    let format = args.format.unwrap_or_else(|| document::detect(&plain));
    let mut items = document::read(&plain, format, &args.prefix)?;
    if let Some(name) = &args.into {
        items = vec![into_one(name, items, format)?];
    }
    let file_key = file_key(&plain);
    let endpoint = Arc::new(args.remote.endpoint()?);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let outcomes = runtime.block_on(write_all(endpoint, items, file_key, args.overwrite));
    let (mut imported, mut kept, mut overwritten, mut failed) = (0, Vec::new(), 0, Vec::new());
    for (name, outcome) in outcomes {
        match outcome {
            Ok(Outcome::Imported) => imported += 1,
            Ok(Outcome::Overwritten) => overwritten += 1,
            Ok(Outcome::Kept) => kept.push(name),
            Err(e) => failed.push(format!("{name}: {e:#}")),
        }
    }
    eprintln!(
        "imported {imported} secrets (new, or already imported from this file), overwrote {overwritten}, kept {} existing, {} failed",
        kept.len(),
        failed.len()
    );
    if !kept.is_empty() {
        eprintln!(
            "kept (they exist with other content; --overwrite replaces): {}",
            kept.join(", ")
        );
    }
    if !failed.is_empty() {
        for failure in &failed {
            eprintln!("  {failure}");
        }
        bail!(
            "{} secrets were not imported; run the import again to retry them",
            failed.len()
        );
    }
    Ok(())
}

/// A .env file's variables as one JSON object secret.
fn into_one(name: &str, items: Vec<Item>, format: Format) -> anyhow::Result<Item> {
    if format != Format::Env {
        bail!("--into takes a .env file");
    }
    let mut object = serde_json::Map::new();
    for item in items {
        let ItemValue::Text(value) = item.value else {
            unreachable!(".env values are text")
        };
        object.insert(item.name, Value::String(value.to_string()));
    }
    let text = Zeroizing::new(Value::Object(object).to_string());
    Ok(Item {
        name: name.to_string(),
        value: ItemValue::Text(text),
        description: None,
        tags: Vec::new(),
    })
}

/// The key of this file's request tokens: its SHA-256.
fn file_key(plain: &[u8]) -> aws_lc_rs::hmac::Key {
    let mut context = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    context.update(b"tresor-import/1\0");
    context.update(plain);
    aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, context.finish().as_ref())
}

/// The `ClientRequestToken` of one secret of this file (UUID-shaped).
fn request_token(key: &aws_lc_rs::hmac::Key, name: &str) -> String {
    let tag = aws_lc_rs::hmac::sign(key, name.as_bytes());
    let h = hex::encode(&tag.as_ref()[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

async fn write_all(
    endpoint: Arc<Endpoint>,
    items: Vec<Item>,
    key: aws_lc_rs::hmac::Key,
    overwrite: bool,
) -> Vec<(String, anyhow::Result<Outcome>)> {
    let key = Arc::new(key);
    let mut outcomes: Vec<(String, anyhow::Result<Outcome>)> =
        parallel::each("importing", items, |item| {
            let (endpoint, key) = (Arc::clone(&endpoint), Arc::clone(&key));
            async move {
                let token = request_token(&key, &item.name);
                let outcome = write_one(&endpoint, &item, &token, overwrite).await;
                (item.name, outcome)
            }
        })
        .await
        .into_iter()
        .map(|done| done.unwrap_or_else(|e| ("?".into(), Err(anyhow::anyhow!("{e}")))))
        .collect();
    outcomes.sort_by(|a, b| a.0.cmp(&b.0));
    outcomes
}

async fn write_one(
    endpoint: &Endpoint,
    item: &Item,
    token: &str,
    overwrite: bool,
) -> anyhow::Result<Outcome> {
    let mut create = json!({ "Name": item.name, "ClientRequestToken": token });
    set_value(&mut create, &item.value);
    if let Some(description) = &item.description {
        create["Description"] = json!(description);
    }
    if !item.tags.is_empty() {
        create["Tags"] = json!(item.tags);
    }
    let (status, body) = endpoint
        .json_call_raw(
            "secretsmanager",
            "secretsmanager.CreateSecret",
            Zeroizing::new(serde_json::to_vec(&create)?).to_vec(),
        )
        .await?;
    drop(create);
    if status == 200 {
        return Ok(Outcome::Imported);
    }
    let error: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let message = error["Message"].as_str().or(error["message"].as_str());
    let exists = error["__type"].as_str() == Some("ResourceExistsException")
        && message.is_some_and(|m| m.contains("already exists"));
    if !exists {
        bail!("{}", crate::client::describe_error(status, &error));
    }
    if !overwrite {
        return Ok(Outcome::Kept);
    }
    let mut put = json!({ "SecretId": item.name, "ClientRequestToken": token });
    set_value(&mut put, &item.value);
    endpoint
        .json_call("secretsmanager", "secretsmanager.PutSecretValue", put)
        .await?;
    Ok(Outcome::Overwritten)
}

fn set_value(request: &mut Value, value: &ItemValue) {
    match value {
        ItemValue::Text(text) => request["SecretString"] = json!(text.as_str()),
        ItemValue::Binary(bytes) => {
            request["SecretBinary"] =
                json!(base64::engine::general_purpose::STANDARD.encode(bytes.as_slice()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_depend_on_the_file_and_the_name_only() {
        let a = file_key(b"A=1\nB=2\n");
        let token = request_token(&a, "app/A");
        assert_eq!(token.len(), 36);
        assert_eq!(token, request_token(&file_key(b"A=1\nB=2\n"), "app/A"));
        assert_ne!(token, request_token(&a, "app/B"));
        assert_ne!(token, request_token(&file_key(b"A=1\nB=3\n"), "app/A"));
    }
}
