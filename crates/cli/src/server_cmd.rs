//! `tresor server`: flags and the TOML config file → `Config`, then serve.
//!
//! Flags override the file. Unknown keys in the file are errors. `--dev`
//! serves from a throwaway data directory with fixed, printed credentials.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use serde::{Deserialize, Serialize};
use tresor_server::audit::MirrorTarget as AuditMirror;
use tresor_server::{
    Config, DEFAULT_PORT, DEFAULT_REGION, DevCredentials, MetricsEndpoint, OidcProviderConfig,
    Server, TlsFiles,
};
use tresor_wire::dto::SecretString;

use crate::seal_args::{Pkcs11File, SealArgs, SealFile};

/// The end of `tresor server --help` and of tresor-server(1).
const SERVER_NOTES: &str = "\
Signals: SIGTERM or SIGINT stops accepting connections, lets in-flight \
requests finish and exits. SIGHUP re-reads the TLS certificate and key; \
connections already open are not touched, and a failed reload keeps the \
previous certificate.

Under systemd (Type=notify) the server reports READY=1 once it accepts \
connections, sealed or not, and STOPPING=1 when it begins to stop. See \
packaging/README.md for a hardened unit.";

const DEFAULT_DEV_ACCESS_KEY_ID: &str = "AKIATRESORDEVEXAMPLE";
const DEFAULT_DEV_SECRET_ACCESS_KEY: &str = "tresor/dev/secret/access/key/NOT/SECRET";

#[derive(Args, Debug)]
#[command(after_long_help = SERVER_NOTES)]
pub struct ServerArgs {
    /// TOML configuration file (same settings as the flags).
    #[arg(long, env = "TRESOR_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8737].
    #[arg(long, env = "TRESOR_LISTEN")]
    listen: Option<SocketAddr>,
    /// Data directory [default: ./tresor-data].
    #[arg(long, env = "TRESOR_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Default region [default: us-east-1].
    #[arg(long)]
    region: Option<String>,
    /// Serve only these regions (comma-separated); default: any region.
    #[arg(long, value_delimiter = ',')]
    regions: Option<Vec<String>>,
    /// 12-digit account id, fixed when the data directory is created.
    #[arg(long)]
    account_id: Option<String>,
    /// TLS certificate chain (PEM).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Allowed clock skew of signed requests, in seconds [default: 300].
    #[arg(long)]
    clock_skew_seconds: Option<u64>,
    /// Development mode: throwaway data directory, fixed credentials.
    #[arg(long)]
    dev: bool,
    /// Access key id in development mode.
    #[arg(long, env = "TRESOR_DEV_ACCESS_KEY_ID", requires = "dev")]
    dev_access_key_id: Option<String>,
    /// Secret access key in development mode.
    #[arg(
        long,
        env = "TRESOR_DEV_SECRET_ACCESS_KEY",
        requires = "dev",
        hide_env_values = true
    )]
    dev_secret_access_key: Option<String>,
    /// Log level: error, warn, info, debug, trace, or levels per module
    /// such as `info,tresor_server::store=debug` [default: info].
    #[arg(long)]
    log_level: Option<String>,
    /// Log format.
    #[arg(long, value_parser = ["human", "json"])]
    log_format: Option<String>,
    /// Check the configuration, print the effective settings (secrets
    /// redacted) and exit: 0 if a start would accept it.
    #[arg(long)]
    check_config: bool,
    #[command(flatten)]
    seal: SealArgs,
}

/// The config file: the same settings as the flags.
#[derive(Deserialize, Serialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileConfig {
    pub(crate) listen: Option<SocketAddr>,
    pub(crate) data_dir: Option<PathBuf>,
    pub(crate) region: Option<String>,
    pub(crate) regions: Option<Vec<String>>,
    pub(crate) account_id: Option<String>,
    pub(crate) tls_cert: Option<PathBuf>,
    pub(crate) tls_key: Option<PathBuf>,
    pub(crate) clock_skew_seconds: Option<u64>,
    pub(crate) purge_interval_seconds: Option<u64>,
    pub(crate) log_level: Option<String>,
    pub(crate) log_format: Option<String>,
    pub(crate) seal: Option<String>,
    pub(crate) seal_key_env: Option<String>,
    pub(crate) seal_key_file: Option<PathBuf>,
    pub(crate) pkcs11: Option<Pkcs11File>,
    /// `[[oidc_providers]]`: the issuers `AssumeRoleWithWebIdentity` trusts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) oidc_providers: Vec<OidcProviderFile>,
    /// `[audit]`: how requests wait for their audit events.
    #[serde(default)]
    pub(crate) audit: AuditFile,
    /// `[backup]`: scheduled backups.
    pub(crate) backup: Option<BackupFile>,
    /// `[store]`: how the store is sized.
    #[serde(default)]
    pub(crate) store: StoreFile,
    /// `[metrics]`: where `/metrics` is served.
    #[serde(default)]
    pub(crate) metrics: MetricsFile,
}

/// The `[store]` table.
#[derive(Deserialize, Serialize, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoreFile {
    /// Reader threads (default: one per CPU, 2 to 8).
    pub(crate) readers: Option<usize>,
    /// Secrets kept in memory (default 10,000).
    pub(crate) cache_secrets: Option<usize>,
}

/// The `[backup]` table: a backup every `interval_hours` into `dir`,
/// keeping the newest `keep`.
#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct BackupFile {
    pub(crate) dir: PathBuf,
    /// Hours between backups (default 24; fractions allowed, at least a minute).
    pub(crate) interval_hours: Option<f64>,
    /// How many to keep (default 7).
    pub(crate) keep: Option<usize>,
}

impl BackupFile {
    fn schedule(&self) -> anyhow::Result<tresor_server::backup::BackupSchedule> {
        let hours = self.interval_hours.unwrap_or(24.0);
        if !hours.is_finite() || hours * 60.0 < 1.0 {
            bail!("[backup] interval_hours must be at least 1/60 (one minute)");
        }
        let keep = self.keep.unwrap_or(7);
        if keep == 0 {
            bail!("[backup] keep must be at least 1");
        }
        Ok(tresor_server::backup::BackupSchedule {
            dir: self.dir.clone(),
            every: Duration::from_secs_f64(hours * 3600.0),
            keep,
        })
    }
}

/// The `[metrics]` table (docs/metrics.md).
#[derive(Deserialize, Serialize, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct MetricsFile {
    /// `false`: no `/metrics` anywhere (default true).
    pub(crate) enabled: Option<bool>,
    /// Who may scrape `/metrics` on the main listener: `loopback`
    /// (default) or `any`.
    pub(crate) allow: Option<MetricsAllow>,
    /// Serve `/metrics` on this plain-HTTP address instead of the main
    /// listener.
    pub(crate) listen: Option<SocketAddr>,
}

#[derive(Deserialize, Serialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum MetricsAllow {
    Loopback,
    Any,
}

impl MetricsFile {
    fn endpoint(&self) -> anyhow::Result<MetricsEndpoint> {
        match (self.enabled, self.allow, self.listen) {
            (Some(false), None, None) => Ok(MetricsEndpoint::Off),
            (Some(false), _, _) => {
                bail!("[metrics] enabled = false serves no metrics: drop allow and listen")
            }
            (_, Some(_), Some(_)) => bail!(
                "[metrics] allow is for /metrics on the main listener; with listen, /metrics \
                 moves to its own listener (whoever can reach that address may scrape): \
                 drop one of them"
            ),
            (_, None, Some(addr)) => Ok(MetricsEndpoint::Listen(addr)),
            (_, allow, None) => Ok(MetricsEndpoint::Main {
                any_peer: allow == Some(MetricsAllow::Any),
            }),
        }
    }
}

/// The `[audit]` table.
#[derive(Deserialize, Serialize, Debug, Default, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuditFile {
    /// The longest a request waits for its event (default 5000).
    pub(crate) timeout_ms: Option<u64>,
    /// Answer reads only once their event is fsynced (default false).
    pub(crate) durable_reads: Option<bool>,
    /// Prune events older than this many days (default: keep forever).
    pub(crate) retention_days: Option<u32>,
    /// Mirror the trail (export lines) to this JSON-lines file.
    pub(crate) file: Option<PathBuf>,
    /// Rotate the file at this size (default 100 MB)…
    pub(crate) file_max_mb: Option<u64>,
    /// …keeping this many rotated files (default 10).
    pub(crate) file_keep: Option<u32>,
    /// Mirror the bare records to standard output (default false).
    pub(crate) stdout: Option<bool>,
}

/// One `[[oidc_providers]]` table. The server checks it at startup
/// (`OidcProviders::load`): an `https://` issuer, exactly one of
/// `jwks_file` and `jwks_url`.
#[derive(Deserialize, Serialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct OidcProviderFile {
    pub(crate) issuer: String,
    pub(crate) jwks_file: Option<PathBuf>,
    pub(crate) jwks_url: Option<String>,
    #[serde(default)]
    pub(crate) audiences: Vec<String>,
}

/// The providers, with a relative `jwks_file` taken from the directory of
/// the config file that names it (the key file usually sits beside it,
/// whatever directory the server is started from).
fn oidc_providers(
    file: &[OidcProviderFile],
    config_path: Option<&Path>,
) -> Vec<OidcProviderConfig> {
    let base = config_path.and_then(Path::parent);
    file.iter()
        .map(|p| OidcProviderConfig {
            issuer: p.issuer.clone(),
            jwks_file: p.jwks_file.as_ref().map(|f| match base {
                Some(base) if f.is_relative() => base.join(f),
                _ => f.clone(),
            }),
            jwks_url: p.jwks_url.clone(),
            audiences: p.audiences.clone(),
        })
        .collect()
}

fn load_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("invalid configuration file {}", path.display()))
}

pub fn run(args: ServerArgs) -> anyhow::Result<()> {
    let file = match &args.config {
        Some(path) => load_file(path)?,
        None => FileConfig::default(),
    };
    let log_level = args
        .log_level
        .clone()
        .or(file.log_level.clone())
        .unwrap_or_else(|| "info".into());
    let log_format = args
        .log_format
        .clone()
        .or(file.log_format.clone())
        .unwrap_or_else(|| "human".into());
    crate::logging::init(&log_level, &log_format)?;
    crate::harden::harden_process();
    let listen = args
        .listen
        .or(file.listen)
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)));

    // Kept alive until the server stops; removed on drop.
    let mut throwaway = None;
    let data_dir = if args.dev {
        if args.data_dir.is_some() || file.data_dir.is_some() {
            bail!("--dev serves from a throwaway data directory; drop --data-dir / data_dir");
        }
        let dir = tempfile::Builder::new().prefix("tresor-dev-").tempdir()?;
        let path = dir.path().to_path_buf();
        throwaway = Some(dir);
        path
    } else {
        args.data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("tresor-data"))
    };

    let mut config = Config::new(data_dir);
    config.account_id = args.account_id.or(file.account_id);
    if args.dev && config.account_id.is_none() {
        config.account_id = Some("000000000000".to_string());
    }
    config.default_region = args
        .region
        .or(file.region)
        .unwrap_or_else(|| DEFAULT_REGION.to_string());
    config.allowed_regions = args.regions.or(file.regions);
    if let Some(secs) = args.clock_skew_seconds.or(file.clock_skew_seconds) {
        config.clock_skew = Duration::from_secs(secs);
    }
    if let Some(secs) = file.purge_interval_seconds {
        config.purge_interval = Duration::from_secs(secs.max(1));
    }
    config.tls = match (
        args.tls_cert.or(file.tls_cert),
        args.tls_key.or(file.tls_key),
    ) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        (None, None) => None,
        _ => bail!("TLS needs both a certificate (tls_cert) and a key (tls_key)"),
    };
    config.oidc_providers = oidc_providers(&file.oidc_providers, args.config.as_deref());
    if let Some(ms) = file.audit.timeout_ms {
        config.audit.timeout = Duration::from_millis(ms.clamp(100, 600_000));
    }
    if let Some(durable) = file.audit.durable_reads {
        config.audit.durable_reads = durable;
    }
    if let Some(days) = file.audit.retention_days {
        if days == 0 {
            bail!(
                "[audit] retention_days must be at least 1 (leave it out to keep events forever)"
            );
        }
        config.audit.retention = Some(Duration::from_secs(u64::from(days) * 86_400));
    }
    if let Some(path) = &file.audit.file {
        config.audit.mirrors.push(AuditMirror::File {
            path: path.clone(),
            max_bytes: file.audit.file_max_mb.unwrap_or(100).max(1) * 1_000_000,
            keep: file.audit.file_keep.unwrap_or(10),
        });
    }
    config.backup = file.backup.as_ref().map(BackupFile::schedule).transpose()?;
    if let Some(readers) = file.store.readers {
        if !(1..=64).contains(&readers) {
            bail!("[store] readers must be between 1 and 64");
        }
        config.store.readers = readers;
    }
    if let Some(secrets) = file.store.cache_secrets {
        if secrets == 0 {
            bail!("[store] cache_secrets must be at least 1");
        }
        config.store.cache_secrets = secrets;
    }
    if file.audit.stdout == Some(true) {
        config.audit.mirrors.push(AuditMirror::Stdout);
    }
    config.metrics = file.metrics.endpoint()?;
    config.seal = args.seal.config(&SealFile {
        seal: file.seal.clone(),
        seal_key_env: file.seal_key_env.clone(),
        seal_key_file: file.seal_key_file.clone(),
        pkcs11: file.pkcs11.clone(),
    })?;
    if args.dev && config.seal.kind() != tresor_server::kms::root_seal::SealKind::File {
        bail!("--dev always uses a file seal in its throwaway data directory");
    }
    if args.dev {
        config.dev_credentials = Some(DevCredentials {
            access_key_id: args
                .dev_access_key_id
                .unwrap_or_else(|| DEFAULT_DEV_ACCESS_KEY_ID.to_string()),
            secret_access_key: SecretString::new(
                args.dev_secret_access_key
                    .unwrap_or_else(|| DEFAULT_DEV_SECRET_ACCESS_KEY.to_string()),
            ),
        });
    }

    if args.check_config {
        return crate::check_config::report(&config, listen, &log_level, &log_format);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(config, listen))?;
    drop(throwaway);
    Ok(())
}

async fn serve(config: Config, listen: SocketAddr) -> anyhow::Result<()> {
    // From here on a SIGHUP waits for the reload task instead of ending
    // the process (its default action) while the data directory opens.
    let hangups = crate::hangup::listen()?;
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let dev = config.dev_credentials.is_some();
    let data_dir = config.data_dir.clone();
    let region = config.default_region.clone();
    let server = Server::open(config).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let endpoint = format!("{scheme}://{}", listener.local_addr()?);
    if server.is_sealed() {
        println!(
            "Tresor is SEALED: unseal it with `tresor operator unseal --endpoint {endpoint}`."
        );
    }
    if let Some(key) = server.new_admin_key() {
        let head = if dev {
            "DEVELOPMENT MODE — INSECURE: throwaway data, fixed well-known credentials.".to_string()
        } else {
            format!(
                "Initialised {} (account {}). Administrator credentials, shown once and saved to {}:",
                data_dir.display(),
                server.account_id(),
                data_dir
                    .join(tresor_server::init::ADMIN_CREDENTIALS_FILE)
                    .display()
            )
        };
        // One write: log lines of other threads (standard error, often the
        // same file) never split the block, so log scanners can tell it.
        let banner = zeroize::Zeroizing::new(format!(
            "{head}\n\n  export AWS_ENDPOINT_URL={endpoint}\n  export AWS_ACCESS_KEY_ID={}\n  \
             export AWS_SECRET_ACCESS_KEY={}\n  export AWS_DEFAULT_REGION={region}\n\n",
            key.access_key_id,
            key.secret_access_key.as_str()
        ));
        let mut out = std::io::stdout().lock();
        out.write_all(banner.as_bytes())?;
        out.flush()?;
    }
    tracing::info!(endpoint = %endpoint, data_dir = %data_dir.display(), account = server.account_id(), "Tresor is serving");
    // The service manager hears "ready" once the port accepts connections,
    // sealed or not.
    let status = crate::service_status::status_line(endpoint, server.seal_probe());
    tokio::spawn(crate::hangup::reload_on_hangup(
        hangups,
        server.tls_reloader(),
        std::sync::Arc::clone(&status),
    ));
    let ready = status();
    crate::sd_notify::ready(&ready);
    tokio::spawn(crate::service_status::follow(status, ready));
    let shutdown = async {
        shutdown_signal().await;
        crate::sd_notify::stopping();
    };
    server.serve(listener, shutdown).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("a SIGTERM handler can be installed");
    let mut int = signal(SignalKind::interrupt()).expect("a SIGINT handler can be installed");
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oidc_providers_are_read_from_the_file() {
        let file: FileConfig = toml::from_str(
            r#"
            account_id = "123456789012"

            [[oidc_providers]]
            issuer = "https://oidc.eks.us-east-1.amazonaws.com/id/ABC"
            jwks_file = "keys/eks.json"
            audiences = ["sts.amazonaws.com", "tresor"]

            [[oidc_providers]]
            issuer = "https://token.actions.githubusercontent.com"
            jwks_url = "https://token.actions.githubusercontent.com/.well-known/jwks"

            [[oidc_providers]]
            issuer = "https://k8s.example"
            jwks_file = "/etc/tresor/k8s.json"
            "#,
        )
        .unwrap();
        let providers = oidc_providers(
            &file.oidc_providers,
            Some(Path::new("/etc/tresor/tresor.toml")),
        );
        assert_eq!(
            providers,
            vec![
                OidcProviderConfig {
                    issuer: "https://oidc.eks.us-east-1.amazonaws.com/id/ABC".into(),
                    jwks_file: Some("/etc/tresor/keys/eks.json".into()),
                    jwks_url: None,
                    audiences: vec!["sts.amazonaws.com".into(), "tresor".into()],
                },
                OidcProviderConfig {
                    issuer: "https://token.actions.githubusercontent.com".into(),
                    jwks_file: None,
                    jwks_url: Some(
                        "https://token.actions.githubusercontent.com/.well-known/jwks".into()
                    ),
                    audiences: vec![],
                },
                OidcProviderConfig {
                    issuer: "https://k8s.example".into(),
                    jwks_file: Some("/etc/tresor/k8s.json".into()),
                    jwks_url: None,
                    audiences: vec![],
                },
            ]
        );
        // A config file named without a directory: relative to where we run.
        let here = oidc_providers(&file.oidc_providers, Some(Path::new("tresor.toml")));
        assert_eq!(here[0].jwks_file, Some(PathBuf::from("keys/eks.json")));
    }

    #[test]
    fn the_metrics_table_says_where_metrics_are_served() {
        let endpoint = |text: &str| {
            toml::from_str::<FileConfig>(text)
                .unwrap()
                .metrics
                .endpoint()
        };
        let main = |any_peer| MetricsEndpoint::Main { any_peer };
        assert_eq!(endpoint("").unwrap(), main(false));
        assert_eq!(
            endpoint("[metrics]\nallow = \"loopback\"").unwrap(),
            main(false)
        );
        assert_eq!(endpoint("[metrics]\nallow = \"any\"").unwrap(), main(true));
        assert_eq!(
            endpoint("[metrics]\nenabled = true\nallow = \"any\"").unwrap(),
            main(true)
        );
        assert_eq!(
            endpoint("[metrics]\nenabled = false").unwrap(),
            MetricsEndpoint::Off
        );
        assert_eq!(
            endpoint("[metrics]\nlisten = \"0.0.0.0:9100\"").unwrap(),
            MetricsEndpoint::Listen("0.0.0.0:9100".parse().unwrap())
        );
        for contradictory in [
            "[metrics]\nenabled = false\nallow = \"any\"",
            "[metrics]\nenabled = false\nlisten = \"127.0.0.1:9100\"",
            "[metrics]\nallow = \"any\"\nlisten = \"127.0.0.1:9100\"",
        ] {
            assert!(endpoint(contradictory).is_err(), "{contradictory}");
        }
        for bad in [
            "[metrics]\nallow = \"everyone\"",
            "[metrics]\nlisten = \"localhost\"",
            "[metrics]\nport = 9100",
            "metrics = true",
        ] {
            assert!(toml::from_str::<FileConfig>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn oidc_provider_tables_refuse_unknown_keys() {
        for text in [
            "[[oidc_providers]]\nissuer = \"https://x\"\njwks_uri = \"https://x/k\"\n",
            "[[oidc_providers]]\njwks_file = \"k.json\"\n",
            "oidc_providers = \"https://x\"\n",
        ] {
            assert!(toml::from_str::<FileConfig>(text).is_err(), "{text}");
        }
        let empty: FileConfig = toml::from_str("").unwrap();
        assert!(empty.oidc_providers.is_empty());
    }
}
