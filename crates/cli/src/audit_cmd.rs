//! `tresor audit …`: read, export and verify the audit trail.
//!
//! `tail` and `search` read the event history through CloudTrail's
//! LookupEvents; `export` writes the chained log (JSON lines) page by page
//! through the signed operator API; `verify` checks an exported file
//! offline with only the public key (`public-key` prints it), or asks the
//! server to check its stored trail, MACs included (`verify --online`);
//! `prune` deletes old events on request (`[audit] retention_days` does it
//! on a schedule).

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use tresor_server::audit::verify::{ExportLine, ExportedCheckpoint, header_line, verify};

use crate::client::{Endpoint, RemoteArgs};

const LOOKUP_TARGET: &str = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents";

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Show the newest events (newest last).
    Tail(TailArgs),
    /// Find events by one attribute, e.g. who read a secret.
    Search(SearchArgs),
    /// Write the whole chained log, with its signed checkpoints, as JSON lines.
    Export(ExportArgs),
    /// Check an exported log offline, or the server's stored trail (--online).
    Verify(VerifyArgs),
    /// Print the Ed25519 public key that checks the log's checkpoints.
    PublicKey(RemoteArgs),
    /// Delete events older than a duration (kept: the checkpoint the rest
    /// continues from; the pruning itself is recorded).
    Prune(PruneArgs),
    /// Print the `hmac-sha256:` form a value (e.g. a session token) takes in
    /// the trail, to find the events that carry it. Reads the value from
    /// standard input.
    Hash(RemoteArgs),
}

#[derive(Args, Debug)]
pub struct PruneArgs {
    /// Prune events older than this: seconds, or with a unit (`90d`, `12h`, `30m`, `0s`).
    #[arg(long, value_parser = parse_age)]
    older_than: u64,
    #[command(flatten)]
    remote: RemoteArgs,
}

/// `90d`, `12h`, `30m`, `45s` or `45` → seconds.
fn parse_age(text: &str) -> Result<u64, String> {
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c),
        _ => (text, 's'),
    };
    let factor = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return Err(format!("unknown unit {unit:?}: use s, m, h or d")),
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .ok_or_else(|| format!("{text:?} is not a duration like 90d"))
}

#[derive(Args, Debug)]
pub struct TailArgs {
    /// How many events.
    #[arg(short = 'n', long, default_value_t = 20)]
    lines: usize,
    /// Print each event's whole record (JSON) instead of a summary line.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(Args, Debug)]
pub struct SearchArgs {
    #[arg(long, group = "attribute")]
    event_name: Option<String>,
    /// A user name, role session name, or `root`.
    #[arg(long, group = "attribute")]
    username: Option<String>,
    /// A resource's ARN (e.g. a secret's).
    #[arg(long, group = "attribute")]
    resource: Option<String>,
    #[arg(long, group = "attribute")]
    access_key_id: Option<String>,
    #[arg(long, group = "attribute")]
    event_source: Option<String>,
    /// Only events at or after this time (RFC 3339).
    #[arg(long)]
    since: Option<String>,
    /// At most this many events.
    #[arg(long, default_value_t = 100)]
    max: usize,
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// Where to write [default: standard output].
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The exported log to check offline.
    file: Option<PathBuf>,
    /// The server's audit public key (hex), as `tresor audit public-key` printed it.
    #[arg(long)]
    public_key: Option<String>,
    /// A file whose last checkpoint you trust (e.g. an earlier export):
    /// the log must contain it, so a log cut short before it is detected.
    #[arg(long)]
    trusted: Option<PathBuf>,
    /// Ask the server to check its stored trail, MACs included.
    #[arg(long, conflicts_with_all = ["file", "public_key", "trusted"])]
    online: bool,
    #[command(flatten)]
    remote: RemoteArgs,
}

pub fn run(command: AuditCommand) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        match command {
            AuditCommand::Tail(args) => tail(args).await,
            AuditCommand::Search(args) => search(args).await,
            AuditCommand::Export(args) => export(args).await,
            AuditCommand::Verify(args) => verify_cmd(args).await,
            AuditCommand::Prune(args) => {
                let out = args
                    .remote
                    .endpoint()?
                    .json_call(
                        "tresor",
                        "TresorOperator.PruneAuditLog",
                        json!({"OlderThanSeconds": args.older_than}),
                    )
                    .await?;
                match out["Pruned"].as_object() {
                    Some(p) => println!(
                        "Pruned {} events, through event {}.",
                        p["Events"], p["ThroughSeq"]
                    ),
                    None => println!("Nothing to prune."),
                }
                Ok(())
            }
            AuditCommand::Hash(args) => {
                let mut value = zeroize::Zeroizing::new(String::new());
                std::io::stdin()
                    .read_line(&mut value)
                    .context("cannot read the value from standard input")?;
                let value = value.trim_end_matches(['\r', '\n']);
                let out = args
                    .endpoint()?
                    .json_call(
                        "tresor",
                        "TresorOperator.HashAuditValue",
                        json!({ "Value": value }),
                    )
                    .await?;
                println!("{}", out["Hash"].as_str().unwrap_or_default());
                Ok(())
            }
            AuditCommand::PublicKey(args) => {
                let out = args.endpoint()?.operator_call("GetAuditPublicKey").await?;
                println!("{}", out["PublicKey"].as_str().unwrap_or_default());
                Ok(())
            }
        }
    })
}

/// Pages through LookupEvents (newest first) until `max` events.
async fn lookup(endpoint: &Endpoint, mut request: Value, max: usize) -> anyhow::Result<Vec<Value>> {
    let mut events = Vec::new();
    loop {
        request["MaxResults"] = json!((max - events.len()).min(50));
        let page = endpoint
            .json_call("cloudtrail", LOOKUP_TARGET, request.clone())
            .await?;
        events.extend(page["Events"].as_array().cloned().unwrap_or_default());
        match page["NextToken"].as_str() {
            Some(token) if events.len() < max => request["NextToken"] = json!(token),
            _ => return Ok(events),
        }
    }
}

fn print_events(events: &[Value], whole: bool) {
    for event in events {
        let record: Value = event["CloudTrailEvent"]
            .as_str()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or(Value::Null);
        if whole {
            println!("{record}");
            continue;
        }
        let who = record["userIdentity"]["arn"]
            .as_str()
            .or(record["userIdentity"]["type"].as_str())
            .unwrap_or("-");
        let resource = event["Resources"][0]["ResourceName"]
            .as_str()
            .unwrap_or("-");
        let outcome = record["errorCode"].as_str().unwrap_or("OK");
        println!(
            "{}  {:<24} {:<8} {}  {}  from {}",
            record["eventTime"].as_str().unwrap_or("-"),
            event["EventName"].as_str().unwrap_or("-"),
            outcome,
            who,
            resource,
            record["sourceIPAddress"].as_str().unwrap_or("-"),
        );
    }
}

async fn tail(args: TailArgs) -> anyhow::Result<()> {
    let mut events = lookup(&args.remote.endpoint()?, json!({}), args.lines.max(1)).await?;
    events.reverse();
    print_events(&events, args.json);
    Ok(())
}

async fn search(args: SearchArgs) -> anyhow::Result<()> {
    let attribute = [
        ("EventName", &args.event_name),
        ("Username", &args.username),
        ("ResourceName", &args.resource),
        ("AccessKeyId", &args.access_key_id),
        ("EventSource", &args.event_source),
    ]
    .into_iter()
    .find_map(|(key, value)| value.as_ref().map(|v| (key, v.clone())));
    let mut request = json!({});
    if let Some((key, value)) = attribute {
        request["LookupAttributes"] = json!([{"AttributeKey": key, "AttributeValue": value}]);
    }
    if let Some(since) = &args.since {
        let time = chrono::DateTime::parse_from_rfc3339(since)
            .with_context(|| format!("--since {since:?} is not an RFC 3339 time"))?;
        request["StartTime"] = json!(time.timestamp());
    }
    let events = lookup(&args.remote.endpoint()?, request, args.max.max(1)).await?;
    print_events(&events, args.json);
    Ok(())
}

async fn export(args: ExportArgs) -> anyhow::Result<()> {
    let endpoint = args.remote.endpoint()?;
    let key = endpoint.operator_call("GetAuditPublicKey").await?;
    let key = hex::decode(key["PublicKey"].as_str().unwrap_or_default())
        .context("the server sent no public key")?;
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    writeln!(out, "{}", header_line(&key))?;
    let mut after = 0i64;
    let mut events = 0usize;
    loop {
        let page = endpoint
            .json_call(
                "tresor",
                "TresorOperator.ExportAuditLog",
                json!({"AfterSeq": after, "MaxItems": 1000}),
            )
            .await?;
        for line in page["Lines"].as_array().into_iter().flatten() {
            writeln!(out, "{}", line.as_str().unwrap_or_default())?;
            events += usize::from(line.as_str().is_some_and(|l| l.starts_with("{\"seq\"")));
        }
        match page["NextAfter"].as_i64() {
            Some(next) => after = next,
            None => break,
        }
    }
    out.flush()?;
    if args.output.is_some() {
        eprintln!("Exported {events} events.");
    }
    Ok(())
}

async fn verify_cmd(args: VerifyArgs) -> anyhow::Result<()> {
    if args.online {
        let report = args
            .remote
            .endpoint()?
            .operator_call("VerifyAuditLog")
            .await?;
        if let Some(problem) = report["Problem"].as_str() {
            bail!("the stored audit trail is NOT sound: {problem}");
        }
        println!(
            "The stored audit trail is sound: {} events (MACs checked), {} checkpoints.",
            report["Events"], report["Checkpoints"]
        );
        return Ok(());
    }
    let Some(file) = &args.file else {
        bail!("give an exported log to check, or --online");
    };
    let Some(key) = &args.public_key else {
        bail!("--public-key is required to check a log offline (see `tresor audit public-key`)");
    };
    let key = hex::decode(key.trim()).context("--public-key must be hex")?;
    let trusted = args.trusted.as_ref().map(last_checkpoint).transpose()?;
    let input = BufReader::new(
        File::open(file).with_context(|| format!("cannot open {}", file.display()))?,
    );
    match verify(input, &key, trusted.as_ref()) {
        Ok(report) => {
            println!(
                "{}: sound. {} events ({}–{}), {} signed checkpoints, the last at event {}.",
                file.display(),
                report.events,
                report.first_seq.unwrap_or(0),
                report.last_seq.unwrap_or(0),
                report.checkpoints,
                report.last_checkpoint.unwrap_or(0),
            );
            if report.unsigned_tail > 0 {
                println!(
                    "Note: the last {} events come after the last checkpoint; only \
                     `tresor audit verify --online` (MACs) covers them until the next one.",
                    report.unsigned_tail
                );
            }
            Ok(())
        }
        Err(problem) => bail!("{}: TAMPERED: {problem}", file.display()),
    }
}

/// The last checkpoint line of a file.
fn last_checkpoint(path: &PathBuf) -> anyhow::Result<ExportedCheckpoint> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .rev()
        .find_map(|line| match ExportLine::parse(line) {
            Some(ExportLine::Checkpoint(c)) => Some(c),
            _ => None,
        })
        .with_context(|| format!("{} holds no checkpoint", path.display()))
}

#[cfg(test)]
mod tests {
    use super::parse_age;

    #[test]
    fn ages_take_units() {
        assert_eq!(parse_age("90d"), Ok(90 * 86_400));
        assert_eq!(parse_age("12h"), Ok(12 * 3_600));
        assert_eq!(parse_age("0s"), Ok(0));
        assert_eq!(parse_age("45"), Ok(45));
        assert!(parse_age("3w").is_err());
        assert!(parse_age("d").is_err());
    }
}
