//! `tresor exec`: run a program with secrets in its environment.
//!
//! `--env NAME=<ref>` sets one variable from a secret reference (ECS's
//! `valueFrom` syntax, see `secret_ref`); `--secret <ref>` sets one
//! variable per key of a JSON secret (named `--prefix` + the key, upper
//! case). Every value is fetched with GetSecretValue, signed as the AWS
//! tools would sign it, before the program starts: a missing secret or key
//! is an error and nothing is started.
//!
//! Without `--watch` the program replaces `tresor` (exec): its signals,
//! stdio and exit code are its own. With `--watch`, `tresor` stays as its
//! parent, forwards signals to it, follows the referenced secrets through
//! the server's change feed (every `--interval` without one), and on a
//! change restarts it with the new values (SIGTERM,
//! then SIGKILL after `--grace`) — or, with `--signal`, sends it that
//! signal instead. The program's exit code is `tresor`'s.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::ExitStatus;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use clap::Args;
use tokio::signal::unix::{SignalKind, signal};
use zeroize::Zeroizing;

use crate::client::{Endpoint, RemoteArgs};
use crate::fetch::{Watcher, get_secret_string, json_member, json_object};
use crate::secret_ref::{SecretRef, env_name};

#[derive(Args, Debug)]
pub struct ExecArgs {
    /// NAME=<secret>[:json-key[:version-stage[:version-id]]] (repeatable).
    #[arg(long = "env", value_name = "NAME=REF")]
    envs: Vec<String>,
    /// A JSON secret whose every key becomes a variable (repeatable).
    #[arg(long = "secret", value_name = "REF")]
    secrets: Vec<String>,
    /// Prefix for the variables `--secret` makes (e.g. `DB_`).
    #[arg(long, default_value = "")]
    prefix: String,
    /// Stay and restart the program when a referenced secret changes.
    #[arg(long)]
    watch: bool,
    /// The longest `--watch` goes without checking the secrets, in seconds
    /// (changes arrive at once through the server's change feed).
    #[arg(long, default_value_t = 10)]
    interval: u64,
    /// With `--watch`: send this signal on a change instead of restarting
    /// (HUP, USR1, USR2, TERM, INT).
    #[arg(long)]
    signal: Option<String>,
    /// With `--watch`: seconds the program has to stop before SIGKILL.
    #[arg(long, default_value_t = 10)]
    grace: u64,
    #[command(flatten)]
    remote: RemoteArgs,
    /// The program and its arguments.
    #[arg(last = true, required = true, value_name = "PROGRAM")]
    command: Vec<String>,
}

/// What to put in the environment, from where.
struct Plan {
    singles: Vec<(String, SecretRef)>,
    expanded: Vec<SecretRef>,
    prefix: String,
}

type Values = BTreeMap<String, Zeroizing<String>>;

pub fn run(args: ExecArgs) -> anyhow::Result<()> {
    let plan = plan(&args)?;
    let endpoint = args.remote.endpoint()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    if !args.watch {
        let values = runtime.block_on(resolve(&endpoint, &plan))?;
        let err = command(&args.command, &values).exec();
        bail!("cannot run {}: {err}", args.command[0]);
    }
    let code = runtime.block_on(async {
        // Follow first, then read: a change in between is not missed.
        let watcher = Watcher::start(&endpoint, plan.secret_ids(), interval(&args)).await;
        let values = resolve(&endpoint, &plan).await?;
        watch(&args, &endpoint, &plan, values, watcher).await
    })?;
    std::process::exit(code);
}

fn plan(args: &ExecArgs) -> anyhow::Result<Plan> {
    let mut singles = Vec::new();
    for spec in &args.envs {
        let (name, reference) = spec
            .split_once('=')
            .with_context(|| format!("--env {spec:?}: expected NAME=<secret reference>"))?;
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            bail!("--env {spec:?}: {name:?} is not a variable name");
        }
        let reference = SecretRef::parse(reference).map_err(|e| anyhow!("--env {name}: {e}"))?;
        singles.push((name.to_string(), reference));
    }
    let expanded = args
        .secrets
        .iter()
        .map(|s| SecretRef::parse(s).map_err(|e| anyhow!("--secret: {e}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if singles.is_empty() && expanded.is_empty() {
        bail!("name at least one secret with --env or --secret");
    }
    if let Some(sig) = &args.signal {
        signal_number(sig)?;
    }
    Ok(Plan {
        singles,
        expanded,
        prefix: args.prefix.clone(),
    })
}

impl Plan {
    /// The secrets the plan reads, once each.
    fn secret_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .singles
            .iter()
            .map(|(_, r)| r.secret_id.clone())
            .chain(self.expanded.iter().map(|r| r.secret_id.clone()))
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

fn interval(args: &ExecArgs) -> Duration {
    Duration::from_secs(args.interval.max(1))
}

/// Fetches every value the plan names (each secret version once).
async fn resolve(endpoint: &Endpoint, plan: &Plan) -> anyhow::Result<Values> {
    let mut fetched: HashMap<SecretRef, Zeroizing<String>> = HashMap::new();
    let mut values = Values::new();
    let wanted = plan
        .singles
        .iter()
        .map(|(_, r)| r.whole())
        .chain(plan.expanded.iter().map(SecretRef::whole));
    for whole in wanted {
        if let Entry::Vacant(slot) = fetched.entry(whole) {
            let text = get_secret_string(endpoint, slot.key()).await?;
            slot.insert(text);
        }
    }
    for (name, reference) in &plan.singles {
        let text = &fetched[&reference.whole()];
        let value = match &reference.json_key {
            None => text.clone(),
            Some(key) => json_member(text, key, &reference.secret_id)?,
        };
        values.insert(name.clone(), value);
    }
    for reference in &plan.expanded {
        let text = &fetched[&reference.whole()];
        let object = json_object(text, &reference.secret_id)?;
        for key in object.keys() {
            let value = json_member(text, key, &reference.secret_id)?;
            values.insert(env_name(&plan.prefix, key), value);
        }
    }
    Ok(values)
}

fn command(argv: &[String], values: &Values) -> std::process::Command {
    let mut command = std::process::Command::new(&argv[0]);
    command.args(&argv[1..]);
    for (name, value) in values {
        command.env(name, value.as_str());
    }
    command
}

fn signal_number(name: &str) -> anyhow::Result<rustix::process::Signal> {
    use rustix::process::Signal;
    Ok(
        match name.trim_start_matches("SIG").to_ascii_uppercase().as_str() {
            "HUP" => Signal::HUP,
            "USR1" => Signal::USR1,
            "USR2" => Signal::USR2,
            "TERM" => Signal::TERM,
            "INT" => Signal::INT,
            _ => bail!("--signal {name:?}: use HUP, USR1, USR2, TERM or INT"),
        },
    )
}

fn send(child: &tokio::process::Child, sig: rustix::process::Signal) {
    if let Some(pid) = child
        .id()
        .and_then(|id| rustix::process::Pid::from_raw(id as i32))
    {
        let _ = rustix::process::kill_process(pid, sig);
    }
}

fn exit_code(status: ExitStatus) -> i32 {
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1)
}

/// Runs the program as a child until it exits on its own; restarts or
/// signals it when the secrets change. Returns its exit code.
async fn watch(
    args: &ExecArgs,
    endpoint: &Endpoint,
    plan: &Plan,
    mut values: Values,
    mut watcher: Watcher,
) -> anyhow::Result<i32> {
    use rustix::process::Signal;
    let on_change = args.signal.as_deref().map(signal_number).transpose()?;
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut quit = signal(SignalKind::quit())?;
    let mut usr1 = signal(SignalKind::user_defined1())?;
    let mut usr2 = signal(SignalKind::user_defined2())?;
    loop {
        let mut child = tokio::process::Command::from(command(&args.command, &values))
            .spawn()
            .with_context(|| format!("cannot run {}", args.command[0]))?;
        let restart = loop {
            tokio::select! {
                status = child.wait() => return Ok(exit_code(status?)),
                _ = term.recv() => send(&child, Signal::TERM),
                _ = int.recv() => send(&child, Signal::INT),
                _ = hup.recv() => send(&child, Signal::HUP),
                _ = quit.recv() => send(&child, Signal::QUIT),
                _ = usr1.recv() => send(&child, Signal::USR1),
                _ = usr2.recv() => send(&child, Signal::USR2),
                () = watcher.next(endpoint) => {
                    match resolve(endpoint, plan).await {
                        Ok(new) if new != values => {
                            values = new;
                            match on_change {
                                Some(sig) => send(&child, sig),
                                None => break true,
                            }
                        }
                        Ok(_) => {}
                        // The server may be briefly away: keep running.
                        Err(e) => eprintln!("tresor exec: checking the secrets failed: {e:#}"),
                    }
                }
            }
        };
        if restart {
            send(&child, Signal::TERM);
            let grace = Duration::from_secs(args.grace);
            if tokio::time::timeout(grace, child.wait()).await.is_err() {
                let _ = child.kill().await;
            }
            eprintln!(
                "tresor exec: a secret changed; restarted {}",
                args.command[0]
            );
        }
    }
}
