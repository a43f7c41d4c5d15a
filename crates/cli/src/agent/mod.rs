//! `tresor agent`: a local caching daemon that answers the AWS Secrets
//! Manager Agent's HTTP requests unchanged (`serve`), backed by a TTL and
//! size-bounded cache (`cache`) that the server's change feed keeps true
//! (`follow`), with Prometheus metrics (`metrics`) and an optional
//! encrypted copy on disk for when the server is away (`disk`).

mod cache;
mod config;
mod disk;
mod follow;
mod metrics;
mod request;
mod serve;
mod upstream;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;

use crate::client::RemoteArgs;
use config::{AgentConfig, Overrides};
use disk::DiskCache;
use serve::Agent;

#[derive(Args, Debug)]
pub struct AgentArgs {
    /// A config file in the AWS Secrets Manager Agent's TOML format
    /// (plus Tresor's `cache_file`, `cache_key_file`, `metrics`).
    #[arg(long)]
    config: Option<PathBuf>,
    /// The loopback port to listen on [default: 2773].
    #[arg(long)]
    port: Option<u16>,
    /// How long an answer is cached, in seconds (0–3600) [default: 300].
    #[arg(long)]
    ttl_seconds: Option<u64>,
    /// How many answers are cached (1–1000) [default: 1000].
    #[arg(long)]
    cache_size: Option<usize>,
    /// Keep an encrypted copy of the cache in this file, served (marked
    /// stale) when the server cannot be reached.
    #[arg(long)]
    cache_file: Option<PathBuf>,
    /// The 32-byte key of --cache-file, created if absent [default: <cache-file>.key].
    #[arg(long)]
    cache_key_file: Option<PathBuf>,
    /// Log level (error, warn, info, debug, trace, off) [default: info].
    #[arg(long)]
    log_level: Option<String>,
    #[command(flatten)]
    remote: RemoteArgs,
}

pub fn run(mut args: AgentArgs) -> anyhow::Result<()> {
    let config = AgentConfig::load(
        args.config.as_deref(),
        Overrides {
            port: args.port,
            ttl_seconds: args.ttl_seconds,
            cache_size: args.cache_size,
            cache_file: args.cache_file.take(),
            cache_key_file: args.cache_key_file.take(),
            log_level: args.log_level.take(),
        },
    )?;
    crate::logging::init(&config.log_level, "text")?;
    let token = config::load_token(&config.ssrf_env_variables, |name| std::env::var(name).ok())?;
    args.remote.default_region(config.region.clone());
    let endpoint = args.remote.endpoint()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        if config.validate_credentials {
            check_credentials(&endpoint, config.ignore_transient_errors).await?;
        }
        let disk = open_disk_cache(&config, &endpoint.url.to_string())?;
        let fallback = match &disk {
            Some(disk) => load_fallback(disk),
            None => HashMap::new(),
        };
        let listener = tokio::net::TcpListener::bind((config.address, config.port))
            .await
            .with_context(|| format!("cannot listen on {}:{}", config.address, config.port))?;
        tracing::info!(
            address = %listener.local_addr()?,
            server = %endpoint.url,
            ttl_seconds = config.ttl.as_secs(),
            cache_size = config.cache_size,
            "agent listening"
        );
        let agent = Arc::new(Agent::new(config, token, endpoint, fallback));
        tokio::spawn(Arc::clone(&agent.follower).run(
            Arc::clone(&agent.endpoint),
            Arc::clone(&agent.cache),
            Arc::clone(&agent.metrics),
        ));
        let disk = disk.map(Arc::new);
        if let Some(disk) = &disk {
            tokio::spawn(keep_saving(Arc::clone(&agent), Arc::clone(disk)));
        }
        Arc::clone(&agent)
            .serve(listener, crate::server_cmd::shutdown_signal())
            .await;
        if let Some(disk) = disk {
            save(&agent, &disk).await;
        }
        Ok(())
    })
}

/// AWS's agent checks its credentials with STS before serving; so do we.
/// An unreachable server is not fatal when stale answers are allowed.
async fn check_credentials(
    endpoint: &crate::client::Endpoint,
    tolerate_absence: bool,
) -> anyhow::Result<()> {
    let call = endpoint.query_call("sts", "2011-06-15", "GetCallerIdentity", &[]);
    match tokio::time::timeout(Duration::from_secs(10), call).await {
        Ok(Ok(answer)) => {
            let arn = crate::client::xml_values(&answer, "Arn")
                .pop()
                .unwrap_or_default();
            tracing::info!(caller = %arn, "credentials accepted");
            Ok(())
        }
        Ok(Err(e)) if format!("{e:#}").contains("(HTTP") => {
            bail!("the server refused the agent's credentials: {e:#}")
        }
        Ok(Err(e)) if tolerate_absence => {
            tracing::warn!(error = %format!("{e:#}"), "server unreachable; starting anyway");
            Ok(())
        }
        Err(_) if tolerate_absence => {
            tracing::warn!("server not answering; starting anyway");
            Ok(())
        }
        Ok(Err(e)) => Err(e.context("cannot reach the server")),
        Err(_) => bail!("the server did not answer within 10 s"),
    }
}

fn open_disk_cache(config: &AgentConfig, endpoint: &str) -> anyhow::Result<Option<DiskCache>> {
    let Some(file) = &config.cache_file else {
        return Ok(None);
    };
    let key = config.cache_key_file.clone().unwrap_or_else(|| {
        let mut name = file.as_os_str().to_owned();
        name.push(".key");
        PathBuf::from(name)
    });
    Ok(Some(DiskCache::open(file, &key, endpoint)?))
}

fn load_fallback(disk: &DiskCache) -> HashMap<cache::Key, Arc<cache::Entry>> {
    match disk.load() {
        Ok(entries) => {
            tracing::info!(answers = entries.len(), "disk cache loaded");
            entries.into_iter().map(|(k, e)| (k, Arc::new(e))).collect()
        }
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "disk cache refused; starting without it");
            HashMap::new()
        }
    }
}

/// Writes the disk cache at most once a second, when the cache changed
/// (a new answer, or answers dropped after a change).
async fn keep_saving(agent: Arc<Agent>, disk: Arc<DiskCache>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut saved = agent.cache.generation();
    loop {
        tick.tick().await;
        let now = agent.cache.generation();
        if now != saved {
            saved = now;
            save(&agent, &disk).await;
        }
    }
}

async fn save(agent: &Arc<Agent>, disk: &Arc<DiskCache>) {
    let entries = agent.saved_entries();
    let disk = Arc::clone(disk);
    let saved = tokio::task::spawn_blocking(move || disk.save(&entries)).await;
    match saved {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "cannot save the disk cache"),
        Err(e) => tracing::error!(error = %e, "cannot save the disk cache"),
    }
}
