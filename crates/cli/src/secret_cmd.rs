//! `tresor secret …`: the everyday Secrets Manager operations for people,
//! beside the AWS CLI — readable tables by default, `--output json` for
//! scripts (the operation's own answer, as the AWS CLI prints it).
//!
//! Values are read from standard input or a file, never from the command
//! line (where other users could see them in the process list).

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::client::{Endpoint, RemoteArgs};
use crate::fetch::json_member;

#[derive(Args, Debug)]
pub struct SecretArgs {
    #[command(subcommand)]
    command: SecretCommand,
    /// How to print answers.
    #[arg(long, value_enum, default_value_t = Output::Table, global = true)]
    output: Output,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Table,
    Json,
}

#[derive(Subcommand, Debug)]
enum SecretCommand {
    /// Print a secret's value (or one key of a JSON value).
    Get {
        secret: String,
        #[arg(long)]
        key: Option<String>,
        #[arg(long)]
        version_stage: Option<String>,
        #[arg(long)]
        version_id: Option<String>,
    },
    /// Store a new value (from standard input, or --value-file).
    Put {
        secret: String,
        #[arg(long)]
        value_file: Option<PathBuf>,
    },
    /// Create a secret (its value from standard input, or --value-file).
    Create {
        name: String,
        #[arg(long)]
        description: Option<String>,
        #[arg(long)]
        kms_key_id: Option<String>,
        /// key=value (repeatable).
        #[arg(long = "tag")]
        tags: Vec<String>,
        #[arg(long)]
        value_file: Option<PathBuf>,
    },
    /// List secrets (names starting with --prefix).
    List {
        #[arg(long)]
        prefix: Option<String>,
        /// Also list secrets scheduled for deletion.
        #[arg(long)]
        include_deleted: bool,
    },
    /// Show a secret's metadata.
    Describe { secret: String },
    /// Schedule a secret's deletion (or delete it now with --force).
    Delete {
        secret: String,
        #[arg(long, conflicts_with = "force")]
        recovery_window_days: Option<i64>,
        #[arg(long)]
        force: bool,
    },
    /// Cancel a scheduled deletion.
    Restore { secret: String },
    /// List a secret's versions and their labels.
    Versions { secret: String },
    /// Add tags (key=value) or remove them (--remove key).
    Tag {
        secret: String,
        tags: Vec<String>,
        #[arg(long = "remove")]
        remove: Vec<String>,
    },
}

pub fn run(args: SecretArgs) -> anyhow::Result<()> {
    let endpoint = args.remote.endpoint()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(execute(&endpoint, args.command, args.output))
}

async fn call(endpoint: &Endpoint, op: &str, body: Value) -> anyhow::Result<Value> {
    endpoint
        .json_call("secretsmanager", &format!("secretsmanager.{op}"), body)
        .await
}

/// Every secret ListSecrets returns (names starting with `prefix`), all
/// pages.
pub async fn list_secrets(
    endpoint: &Endpoint,
    prefix: Option<&str>,
    include_deleted: bool,
) -> anyhow::Result<Vec<Value>> {
    let mut secrets = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({
            "MaxResults": 100,
            "IncludePlannedDeletion": include_deleted,
        });
        if let Some(prefix) = prefix {
            body["Filters"] = json!([{ "Key": "name", "Values": [prefix] }]);
        }
        if let Some(t) = &token {
            body["NextToken"] = json!(t);
        }
        let page = call(endpoint, "ListSecrets", body).await?;
        secrets.extend(page["SecretList"].as_array().cloned().unwrap_or_default());
        match page["NextToken"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => return Ok(secrets),
        }
    }
}

async fn execute(
    endpoint: &Endpoint,
    command: SecretCommand,
    output: Output,
) -> anyhow::Result<()> {
    let answer = match command {
        SecretCommand::Get {
            secret,
            key,
            version_stage,
            version_id,
        } => {
            let mut body = json!({ "SecretId": secret });
            if let Some(stage) = version_stage {
                body["VersionStage"] = json!(stage);
            }
            if let Some(id) = version_id {
                body["VersionId"] = json!(id);
            }
            let answer = call(endpoint, "GetSecretValue", body).await?;
            if output == Output::Table {
                let Some(text) = answer["SecretString"].as_str() else {
                    bail!("{secret} holds a binary value; use --output json to see it (base64)");
                };
                match key {
                    None => println!("{text}"),
                    Some(key) => println!("{}", *json_member(text, &key, &secret)?),
                }
                return Ok(());
            }
            answer
        }
        SecretCommand::Put { secret, value_file } => {
            let value = read_value(value_file)?;
            let body = json!({
                "SecretId": secret,
                "SecretString": value.as_str(),
                "ClientRequestToken": uuid::Uuid::new_v4().to_string(),
            });
            call(endpoint, "PutSecretValue", body).await?
        }
        SecretCommand::Create {
            name,
            description,
            kms_key_id,
            tags,
            value_file,
        } => {
            let value = read_value(value_file)?;
            let mut body = json!({
                "Name": name,
                "SecretString": value.as_str(),
                "ClientRequestToken": uuid::Uuid::new_v4().to_string(),
            });
            if let Some(d) = description {
                body["Description"] = json!(d);
            }
            if let Some(k) = kms_key_id {
                body["KmsKeyId"] = json!(k);
            }
            if !tags.is_empty() {
                body["Tags"] = tag_list(&tags)?;
            }
            call(endpoint, "CreateSecret", body).await?
        }
        SecretCommand::List {
            prefix,
            include_deleted,
        } => {
            let secrets = list_secrets(endpoint, prefix.as_deref(), include_deleted).await?;
            if output == Output::Table {
                let rows = secrets
                    .iter()
                    .map(|s| {
                        vec![
                            text(&s["Name"]),
                            time(&s["LastChangedDate"]),
                            if s["DeletedDate"].is_null() {
                                ""
                            } else {
                                "scheduled for deletion"
                            }
                            .to_string(),
                            text(&s["Description"]),
                        ]
                    })
                    .collect();
                print_table(&["NAME", "LAST CHANGED", "STATE", "DESCRIPTION"], rows);
                return Ok(());
            }
            json!({ "SecretList": secrets })
        }
        SecretCommand::Describe { secret } => {
            let answer = call(endpoint, "DescribeSecret", json!({ "SecretId": secret })).await?;
            if output == Output::Table {
                let mut rows = Vec::new();
                for (label, field) in [
                    ("Name", "Name"),
                    ("ARN", "ARN"),
                    ("Description", "Description"),
                    ("KMS key", "KmsKeyId"),
                ] {
                    rows.push(vec![label.to_string(), text(&answer[field])]);
                }
                for (label, field) in [
                    ("Created", "CreatedDate"),
                    ("Last changed", "LastChangedDate"),
                    ("Last accessed", "LastAccessedDate"),
                    ("Deletion date", "DeletedDate"),
                ] {
                    rows.push(vec![label.to_string(), time(&answer[field])]);
                }
                let tags = answer["Tags"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|t| format!("{}={}", text(&t["Key"]), text(&t["Value"])))
                    .collect::<Vec<_>>()
                    .join(", ");
                rows.push(vec!["Tags".to_string(), tags]);
                print_table(&["FIELD", "VALUE"], rows);
                return Ok(());
            }
            answer
        }
        SecretCommand::Delete {
            secret,
            recovery_window_days,
            force,
        } => {
            let mut body = json!({ "SecretId": secret });
            if force {
                body["ForceDeleteWithoutRecovery"] = json!(true);
            }
            if let Some(days) = recovery_window_days {
                body["RecoveryWindowInDays"] = json!(days);
            }
            call(endpoint, "DeleteSecret", body).await?
        }
        SecretCommand::Restore { secret } => {
            call(endpoint, "RestoreSecret", json!({ "SecretId": secret })).await?
        }
        SecretCommand::Versions { secret } => {
            let body = json!({ "SecretId": secret, "IncludeDeprecated": true, "MaxResults": 100 });
            let answer = call(endpoint, "ListSecretVersionIds", body).await?;
            if output == Output::Table {
                let rows = answer["Versions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|v| {
                        let stages = v["VersionStages"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(text)
                            .collect::<Vec<_>>()
                            .join(",");
                        vec![text(&v["VersionId"]), stages, time(&v["CreatedDate"])]
                    })
                    .collect();
                print_table(&["VERSION ID", "STAGES", "CREATED"], rows);
                return Ok(());
            }
            answer
        }
        SecretCommand::Tag {
            secret,
            tags,
            remove,
        } => {
            if tags.is_empty() && remove.is_empty() {
                bail!("give tags as key=value, or --remove key");
            }
            if !tags.is_empty() {
                let body = json!({ "SecretId": secret, "Tags": tag_list(&tags)? });
                call(endpoint, "TagResource", body).await?;
            }
            if !remove.is_empty() {
                let body = json!({ "SecretId": secret, "TagKeys": remove });
                call(endpoint, "UntagResource", body).await?;
            }
            json!({})
        }
    };
    match output {
        Output::Json => println!("{}", serde_json::to_string_pretty(&answer)?),
        Output::Table => {
            if let Some(arn) = answer["ARN"].as_str() {
                println!("{arn}");
            }
            if let Some(version) = answer["VersionId"].as_str() {
                println!("version {version}");
            }
            if let Some(date) = answer.get("DeletionDate").filter(|d| !d.is_null()) {
                println!("deleted on {}", time(date));
            }
        }
    }
    Ok(())
}

/// The value to store: the file's content, or standard input's.
fn read_value(file: Option<PathBuf>) -> anyhow::Result<Zeroizing<String>> {
    let mut value = Zeroizing::new(String::new());
    match file {
        Some(path) => {
            *value = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
        }
        None => {
            std::io::stdin()
                .read_to_string(&mut value)
                .context("cannot read the value from standard input")?;
        }
    }
    // A value typed or echoed ends with a newline that is not part of it.
    if value.ends_with('\n') {
        value.pop();
        if value.ends_with('\r') {
            value.pop();
        }
    }
    if value.is_empty() {
        bail!("the value is empty: pipe it on standard input or give --value-file");
    }
    Ok(value)
}

fn tag_list(tags: &[String]) -> anyhow::Result<Value> {
    let mut list = Vec::new();
    for tag in tags {
        let (key, value) = tag
            .split_once('=')
            .with_context(|| format!("tag {tag:?}: expected key=value"))?;
        list.push(json!({ "Key": key, "Value": value }));
    }
    Ok(Value::Array(list))
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// Epoch seconds (as the JSON protocol sends dates) as RFC 3339 UTC.
fn time(v: &Value) -> String {
    v.as_f64()
        .and_then(|secs| chrono::DateTime::from_timestamp_millis((secs * 1000.0) as i64))
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

fn print_table(header: &[&str], rows: Vec<Vec<String>>) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = widths[i]))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    for row in rows {
        line(row);
    }
}
