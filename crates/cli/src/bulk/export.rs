//! `tresor export`: the current value, description and tags of every
//! secret (under a prefix) into one file — a JSON document or a `.env`
//! file — encrypted with age to a passphrase or public keys unless
//! `--plaintext` is asked for, written atomically with mode 0600.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use base64::Engine;
use clap::Args;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::document::{self, Format, Item, ItemValue, Tag};
use super::parallel;
use super::sealing::SealArgs;
use crate::client::{Endpoint, RemoteArgs};

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The file to write (`-`: standard output).
    #[arg(long, short)]
    output: PathBuf,
    /// Only secrets whose name starts with this.
    #[arg(long)]
    prefix: Option<String>,
    /// The file's format (a .env file holds string values only; names lose
    /// the prefix and become VARIABLE_NAMES).
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    #[command(flatten)]
    seal: SealArgs,
    #[command(flatten)]
    remote: RemoteArgs,
}

pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    args.seal.check()?;
    let endpoint = Arc::new(args.remote.endpoint()?);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let items = runtime.block_on(read_all(endpoint, args.prefix.as_deref()))?;
    let prefix = args.prefix.as_deref().unwrap_or("");
    let plain = match args.format {
        Format::Json => document::write_json(&items),
        Format::Env => document::write_env(&items, prefix)?,
    };
    let sealed = args.seal.seal(&plain)?;
    write_private(&args.output, &sealed)?;
    eprintln!("exported {} secrets", items.len());
    Ok(())
}

async fn read_all(endpoint: Arc<Endpoint>, prefix: Option<&str>) -> anyhow::Result<Vec<Item>> {
    let listed: Vec<Value> = crate::secret_cmd::list_secrets(&endpoint, prefix, false)
        .await?
        .into_iter()
        // The service's name filter also matches words inside a name.
        .filter(|s| {
            s["Name"]
                .as_str()
                .is_some_and(|n| n.starts_with(prefix.unwrap_or("")))
        })
        .collect();
    let done = parallel::each("exporting", listed, |listing| {
        let endpoint = Arc::clone(&endpoint);
        async move { read_one(&endpoint, listing).await }
    })
    .await;
    let mut items = Vec::with_capacity(done.len());
    for item in done {
        items.push(item.context("an export task failed")??);
    }
    // By name: the same secrets make the same file.
    items.sort_by(|a: &Item, b: &Item| a.name.cmp(&b.name));
    Ok(items)
}

async fn read_one(endpoint: &Endpoint, listing: Value) -> anyhow::Result<Item> {
    let name = listing["Name"].as_str().unwrap_or_default().to_string();
    let answer = endpoint
        .json_call(
            "secretsmanager",
            "secretsmanager.GetSecretValue",
            json!({ "SecretId": listing["ARN"] }),
        )
        .await
        .with_context(|| format!("reading {name}"))?;
    let value = match (answer.get("SecretString"), answer.get("SecretBinary")) {
        (Some(Value::String(s)), _) => ItemValue::Text(Zeroizing::new(s.clone())),
        (_, Some(Value::String(b))) => ItemValue::Binary(Zeroizing::new(
            base64::engine::general_purpose::STANDARD
                .decode(b)
                .with_context(|| format!("{name}: the server sent invalid base64"))?,
        )),
        _ => bail!("{name} has no current value"),
    };
    let tags = listing["Tags"]
        .as_array()
        .map(|tags| {
            tags.iter()
                .map(|t| Tag {
                    key: t["Key"].as_str().unwrap_or_default().into(),
                    value: t["Value"].as_str().unwrap_or_default().into(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Item {
        name,
        value,
        description: listing["Description"].as_str().map(String::from),
        tags,
    })
}

/// Writes `bytes` to `path` (0600, atomically) or to standard output.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> anyhow::Result<()> {
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        return Ok(out.flush()?);
    }
    crate::atomic_file::write_private(path, bytes)
}
