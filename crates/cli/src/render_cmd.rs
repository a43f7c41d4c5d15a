//! `tresor render`: write secrets into a file from a template (see
//! `template`), atomically (`atomic_file`) — a reader sees the old file or the new one,
//! never half of either — with mode 0600 unless `--mode` says otherwise and
//! an optional numeric owner. `--watch` re-renders when a secret changes
//! (the server's change feed; every `--interval` without one) and, when the
//! output changed, runs `--exec` (e.g. a reload command).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use clap::Args;
use zeroize::Zeroizing;

use crate::client::{Endpoint, RemoteArgs};
use crate::fetch::{Watcher, get_secret_string, json_member};
use crate::secret_ref::SecretRef;
use crate::template::{Part, parse};

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// The template: text with {{ secret "<name>" "<key>" }} actions.
    #[arg(long)]
    template: PathBuf,
    /// The file to write.
    #[arg(long)]
    output: PathBuf,
    /// The file's mode, octal.
    #[arg(long, default_value = "0600", value_parser = parse_mode)]
    mode: u32,
    /// The file's owner, as numeric `uid[:gid]` (needs the privilege to chown).
    #[arg(long, value_parser = parse_owner)]
    owner: Option<(u32, Option<u32>)>,
    /// Keep running and re-render when a secret changes.
    #[arg(long)]
    watch: bool,
    /// The longest `--watch` goes without checking, in seconds.
    #[arg(long, default_value_t = 10)]
    interval: u64,
    /// With `--watch`: a shell command run after each change is written.
    #[arg(long = "exec", value_name = "COMMAND")]
    on_change: Option<String>,
    #[command(flatten)]
    remote: RemoteArgs,
}

fn parse_mode(text: &str) -> Result<u32, String> {
    u32::from_str_radix(text.trim_start_matches("0o"), 8)
        .ok()
        .filter(|m| *m <= 0o777)
        .ok_or_else(|| format!("{text:?} is not an octal mode like 0640"))
}

fn parse_owner(text: &str) -> Result<(u32, Option<u32>), String> {
    let bad = || format!("{text:?} is not a numeric uid[:gid]");
    let (uid, gid) = match text.split_once(':') {
        Some((u, g)) => (u, Some(g.parse().map_err(|_| bad())?)),
        None => (text, None),
    };
    Ok((uid.parse().map_err(|_| bad())?, gid))
}

pub fn run(args: RenderArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.template)
        .with_context(|| format!("cannot read {}", args.template.display()))?;
    let parts = parse(&text).map_err(|e| anyhow!("{}: {e}", args.template.display()))?;
    let endpoint = args.remote.endpoint()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        // Follow first, then read: a change in between is not missed.
        let mut watcher = match args.watch {
            true => Some(
                Watcher::start(
                    &endpoint,
                    secret_ids(&parts)?,
                    Duration::from_secs(args.interval.max(1)),
                )
                .await,
            ),
            false => None,
        };
        let mut current = render(&endpoint, &parts).await?;
        crate::atomic_file::write(&args.output, current.as_bytes(), args.mode, args.owner)?;
        let Some(watcher) = watcher.as_mut() else {
            return Ok(());
        };
        loop {
            watcher.next(&endpoint).await;
            let next = match render(&endpoint, &parts).await {
                Ok(next) => next,
                Err(e) => {
                    // The server may be briefly away: keep the last file.
                    eprintln!("tresor render: {e:#}");
                    continue;
                }
            };
            if *next == *current {
                continue;
            }
            crate::atomic_file::write(&args.output, next.as_bytes(), args.mode, args.owner)?;
            current = next;
            eprintln!("tresor render: {} changed", args.output.display());
            if let Some(command) = &args.on_change {
                let status = tokio::process::Command::new("sh")
                    .arg("-c")
                    .arg(command)
                    .status()
                    .await?;
                if !status.success() {
                    eprintln!("tresor render: `{command}` failed ({status})");
                }
            }
        }
    })
}

/// The secrets a template reads, once each.
fn secret_ids(parts: &[Part]) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    for part in parts {
        if let Part::Secret { reference, .. } = part {
            ids.push(
                SecretRef::parse(reference)
                    .map_err(|e| anyhow!(e))?
                    .secret_id,
            );
        }
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// The template's text with every secret filled in.
async fn render(endpoint: &Endpoint, parts: &[Part]) -> anyhow::Result<Zeroizing<String>> {
    let mut fetched: HashMap<SecretRef, Zeroizing<String>> = HashMap::new();
    let mut out = Zeroizing::new(String::new());
    for part in parts {
        match part {
            Part::Text(text) | Part::Literal(text) => out.push_str(text),
            Part::Secret { reference, key } => {
                let parsed = SecretRef::parse(reference).map_err(|e| anyhow!(e))?;
                let key = match (&parsed.json_key, key) {
                    (Some(_), Some(_)) => {
                        bail!("{reference:?} names a key, and the template names another")
                    }
                    (a, b) => a.clone().or_else(|| b.clone()),
                };
                let whole = parsed.whole();
                if !fetched.contains_key(&whole) {
                    let value = get_secret_string(endpoint, &whole).await?;
                    fetched.insert(whole.clone(), value);
                }
                let text = &fetched[&whole];
                match key {
                    None => out.push_str(text),
                    Some(key) => out.push_str(&json_member(text, &key, &whole.secret_id)?),
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_and_owners_parse() {
        assert_eq!(parse_mode("0640"), Ok(0o640));
        assert_eq!(parse_mode("600"), Ok(0o600));
        assert!(parse_mode("0999").is_err());
        assert_eq!(parse_owner("1000"), Ok((1000, None)));
        assert_eq!(parse_owner("1000:50"), Ok((1000, Some(50))));
        assert!(parse_owner("app").is_err());
    }
}
