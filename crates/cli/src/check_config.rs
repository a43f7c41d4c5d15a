//! `tresor server --check-config`: checks a configuration the way a start
//! would — the flags and the file (unknown keys are errors), then what the
//! server checks before it serves (`tresor_server::config_check`) — and
//! prints the effective settings, defaults filled in, in the config file's
//! own format. Secrets are never printed: the file holds none (seal keys
//! and PINs come from the environment or files), and the development
//! secret key is shown redacted.

use std::net::SocketAddr;

use anyhow::bail;
use tresor_server::audit::MirrorTarget;
use tresor_server::config::MetricsEndpoint;
use tresor_server::{Config, SealConfig};

use crate::seal_args::Pkcs11File;
use crate::server_cmd::{
    AuditFile, BackupFile, FileConfig, MetricsAllow, MetricsFile, OidcProviderFile, StoreFile,
};

/// The effective settings as the config file that states them: every
/// key the file accepts (`FileConfig`, so none can be forgotten here
/// without the compiler noticing), with what the server will use.
fn effective(config: &Config, listen: SocketAddr, log_level: &str, log_format: &str) -> FileConfig {
    let file_mirror = config.audit.mirrors.iter().find_map(|m| match m {
        MirrorTarget::File {
            path,
            max_bytes,
            keep,
        } => Some((path.clone(), max_bytes / 1_000_000, *keep)),
        MirrorTarget::Stdout => None,
    });
    FileConfig {
        listen: Some(listen),
        data_dir: Some(config.data_dir.clone()),
        region: Some(config.default_region.clone()),
        regions: config.allowed_regions.clone(),
        account_id: config.account_id.clone(),
        tls_cert: config.tls.as_ref().map(|t| t.cert.clone()),
        tls_key: config.tls.as_ref().map(|t| t.key.clone()),
        clock_skew_seconds: Some(config.clock_skew.as_secs()),
        purge_interval_seconds: Some(config.purge_interval.as_secs()),
        log_level: Some(log_level.to_string()),
        log_format: Some(log_format.to_string()),
        seal: Some(config.seal.kind().as_str().to_string()),
        seal_key_env: match &config.seal {
            SealConfig::Env { var } => Some(var.clone()),
            _ => None,
        },
        seal_key_file: match &config.seal {
            SealConfig::Static { path } => Some(path.clone()),
            _ => None,
        },
        pkcs11: match &config.seal {
            SealConfig::Pkcs11(hsm) => Some(Pkcs11File {
                module: Some(hsm.module.clone()),
                token_label: Some(hsm.token_label.clone()),
                key_label: Some(hsm.key_label.clone()),
                // The variable's name is not kept past start-up.
                pin_env: None,
            }),
            _ => None,
        },
        oidc_providers: config
            .oidc_providers
            .iter()
            .map(|p| OidcProviderFile {
                issuer: p.issuer.clone(),
                jwks_file: p.jwks_file.clone(),
                jwks_url: p.jwks_url.clone(),
                audiences: p.audiences.clone(),
            })
            .collect(),
        audit: AuditFile {
            timeout_ms: Some(config.audit.timeout.as_millis() as u64),
            durable_reads: Some(config.audit.durable_reads),
            retention_days: config
                .audit
                .retention
                .map(|r| (r.as_secs() / 86_400) as u32),
            file_max_mb: file_mirror.as_ref().map(|m| m.1),
            file_keep: file_mirror.as_ref().map(|m| m.2),
            file: file_mirror.map(|m| m.0),
            stdout: Some(
                config
                    .audit
                    .mirrors
                    .iter()
                    .any(|m| matches!(m, MirrorTarget::Stdout)),
            ),
        },
        backup: config.backup.as_ref().map(|b| BackupFile {
            dir: b.dir.clone(),
            interval_hours: Some(b.every.as_secs_f64() / 3600.0),
            keep: Some(b.keep),
        }),
        store: StoreFile {
            readers: Some(config.store.readers),
            cache_secrets: Some(config.store.cache_secrets),
        },
        metrics: match config.metrics {
            MetricsEndpoint::Off => MetricsFile {
                enabled: Some(false),
                allow: None,
                listen: None,
            },
            MetricsEndpoint::Main { any_peer } => MetricsFile {
                enabled: Some(true),
                allow: Some(if any_peer {
                    MetricsAllow::Any
                } else {
                    MetricsAllow::Loopback
                }),
                listen: None,
            },
            MetricsEndpoint::Listen(addr) => MetricsFile {
                enabled: Some(true),
                allow: None,
                listen: Some(addr),
            },
        },
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
        println!("# The token's PIN is read from the environment (pin_env); it is not shown.");
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
