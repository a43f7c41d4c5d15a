//! `tresor server --check-config`: checks a configuration the way a start
//! would — the flags and the file (unknown keys are errors), then what the
//! server checks before it serves (`tresor_server::config_check`) — and
//! prints the effective settings, defaults filled in, in the config file's
//! own format. Secrets are never printed: the file holds none (seal keys
//! and PINs come from the environment or files), and the development
//! secret key is shown redacted.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::bail;
use serde::Serialize;
use tresor_server::audit::MirrorTarget;
use tresor_server::config::MetricsEndpoint;
use tresor_server::{Config, SealConfig};

#[derive(Serialize)]
struct Effective {
    listen: SocketAddr,
    data_dir: PathBuf,
    region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    regions: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_cert: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_key: Option<PathBuf>,
    clock_skew_seconds: u64,
    purge_interval_seconds: u64,
    log_level: String,
    log_format: String,
    seal: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    seal_key_env: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seal_key_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pkcs11: Option<Pkcs11>,
    audit: Audit,
    #[serde(skip_serializing_if = "Option::is_none")]
    backup: Option<Backup>,
    store: Store,
    metrics: Metrics,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    oidc_providers: Vec<Oidc>,
}

#[derive(Serialize)]
struct Pkcs11 {
    module: PathBuf,
    token_label: String,
    key_label: String,
}

#[derive(Serialize)]
struct Audit {
    timeout_ms: u64,
    durable_reads: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    retention_days: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_max_mb: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_keep: Option<u32>,
    stdout: bool,
}

#[derive(Serialize)]
struct Metrics {
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    listen: Option<SocketAddr>,
}

#[derive(Serialize)]
struct Store {
    readers: usize,
    cache_secrets: usize,
}

#[derive(Serialize)]
struct Backup {
    dir: PathBuf,
    interval_hours: f64,
    keep: usize,
}

#[derive(Serialize)]
struct Oidc {
    issuer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    jwks_file: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    jwks_url: Option<String>,
    audiences: Vec<String>,
}

fn effective(config: &Config, listen: SocketAddr, log_level: &str, log_format: &str) -> Effective {
    let file_mirror = config.audit.mirrors.iter().find_map(|m| match m {
        MirrorTarget::File {
            path,
            max_bytes,
            keep,
        } => Some((path.clone(), max_bytes / 1_000_000, *keep)),
        MirrorTarget::Stdout => None,
    });
    Effective {
        listen,
        data_dir: config.data_dir.clone(),
        region: config.default_region.clone(),
        regions: config.allowed_regions.clone(),
        account_id: config.account_id.clone(),
        tls_cert: config.tls.as_ref().map(|t| t.cert.clone()),
        tls_key: config.tls.as_ref().map(|t| t.key.clone()),
        clock_skew_seconds: config.clock_skew.as_secs(),
        purge_interval_seconds: config.purge_interval.as_secs(),
        log_level: log_level.to_string(),
        log_format: log_format.to_string(),
        seal: config.seal.kind().as_str().to_string(),
        seal_key_env: match &config.seal {
            SealConfig::Env { var } => Some(var.clone()),
            _ => None,
        },
        seal_key_file: match &config.seal {
            SealConfig::Static { path } => Some(path.clone()),
            _ => None,
        },
        pkcs11: match &config.seal {
            SealConfig::Pkcs11(hsm) => Some(Pkcs11 {
                module: hsm.module.clone(),
                token_label: hsm.token_label.clone(),
                key_label: hsm.key_label.clone(),
            }),
            _ => None,
        },
        audit: Audit {
            timeout_ms: config.audit.timeout.as_millis() as u64,
            durable_reads: config.audit.durable_reads,
            retention_days: config.audit.retention.map(|r| r.as_secs() / 86_400),
            file_max_mb: file_mirror.as_ref().map(|m| m.1),
            file_keep: file_mirror.as_ref().map(|m| m.2),
            file: file_mirror.map(|m| m.0),
            stdout: config
                .audit
                .mirrors
                .iter()
                .any(|m| matches!(m, MirrorTarget::Stdout)),
        },
        backup: config.backup.as_ref().map(|b| Backup {
            dir: b.dir.clone(),
            interval_hours: b.every.as_secs_f64() / 3600.0,
            keep: b.keep,
        }),
        store: Store {
            readers: config.store.readers,
            cache_secrets: config.store.cache_secrets,
        },
        metrics: match config.metrics {
            MetricsEndpoint::Off => Metrics {
                enabled: false,
                allow: None,
                listen: None,
            },
            MetricsEndpoint::Main { any_peer } => Metrics {
                enabled: true,
                allow: Some(if any_peer { "any" } else { "loopback" }),
                listen: None,
            },
            MetricsEndpoint::Listen(addr) => Metrics {
                enabled: true,
                allow: None,
                listen: Some(addr),
            },
        },
        oidc_providers: config
            .oidc_providers
            .iter()
            .map(|p| Oidc {
                issuer: p.issuer.clone(),
                jwks_file: p.jwks_file.clone(),
                jwks_url: p.jwks_url.clone(),
                audiences: p.audiences.clone(),
            })
            .collect(),
    }
}

/// Prints the effective settings (stdout) and every problem (stderr);
/// fails if there is one.
pub fn report(
    config: &Config,
    listen: SocketAddr,
    log_level: &str,
    log_format: &str,
) -> anyhow::Result<()> {
    let settings = effective(config, listen, log_level, log_format);
    println!("# The effective configuration: the file and the flags, defaults filled in.");
    if let SealConfig::Pkcs11(_) = &config.seal {
        println!("# The token's PIN is read from the environment; it is not shown.");
    }
    if let Some(dev) = &config.dev_credentials {
        println!(
            "# Development mode (flags only): access key {}, secret access key (redacted).",
            dev.access_key_id
        );
    }
    print!("{}", toml::to_string(&settings)?);
    let problems = tresor_server::config_check::check(config);
    if problems.is_empty() {
        eprintln!("The configuration is valid.");
        return Ok(());
    }
    for problem in &problems {
        eprintln!("problem: {problem}");
    }
    bail!(
        "the configuration has {} problem{}",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    )
}
