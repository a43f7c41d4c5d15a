//! The server's validated configuration.
//!
//! Owns the settings `run` trusts. The CLI parses flags and the TOML file
//! into this; nothing here reads the environment or the command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tresor_wire::dto::SecretString;

use crate::audit::AuditSettings;
use crate::backup::BackupSchedule;
use crate::kms::root_seal::SealKind;
use crate::kms::seal::Pkcs11Config;
use crate::store::sqlite::StoreOptions;

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the store, the root key and the admin credentials live.
    pub data_dir: PathBuf,
    /// The 12-digit account id ARNs carry. Fixed when the data directory is
    /// initialised; a different value on a later start is refused.
    pub account_id: Option<String>,
    /// The region printed in credentials and used when none is implied.
    pub default_region: String,
    /// If set, only these regions are served; otherwise any valid region in
    /// a request's SigV4 scope is.
    pub allowed_regions: Option<Vec<String>>,
    /// How far a request's `X-Amz-Date` may be from our clock (AWS: 5 min).
    pub clock_skew: Duration,
    /// TLS certificate and key (PEM). Plain HTTP when absent.
    pub tls: Option<TlsFiles>,
    /// Development mode: this fixed key is the administrator's, and is
    /// reported as insecure.
    pub dev_credentials: Option<DevCredentials>,
    /// How often the background job purges secrets past their deletion date
    /// (and deletes and rotates KMS keys that are due).
    pub purge_interval: Duration,
    /// How the root key is protected.
    pub seal: SealConfig,
    /// The OpenID Connect issuers whose identity tokens
    /// `AssumeRoleWithWebIdentity` accepts (see `identity::oidc`).
    pub oidc_providers: Vec<OidcProviderConfig>,
    /// How requests wait for their audit events.
    pub audit: AuditSettings,
    /// Scheduled backups (`[backup]`); none unless configured.
    pub backup: Option<BackupSchedule>,
    /// How the store is sized (`[store]`).
    pub store: StoreOptions,
    /// Where `GET /metrics` is served (docs/metrics.md).
    pub metrics: MetricsEndpoint,
}

/// Where the Prometheus metrics are served. Scrapes are unauthenticated
/// (the Prometheus norm); the metrics carry nothing secret, but who may
/// read them is still the operator's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsEndpoint {
    /// Nowhere.
    Off,
    /// On the main listener, to loopback peers only (`any_peer: false`)
    /// or to every peer.
    Main { any_peer: bool },
    /// On a plain-HTTP listener of its own, which serves nothing else; the
    /// main listener then has no `/metrics`.
    Listen(SocketAddr),
}

impl Default for MetricsEndpoint {
    fn default() -> Self {
        MetricsEndpoint::Main { any_peer: false }
    }
}

/// One trusted OpenID Connect issuer: the IAM OIDC provider of AWS, set in
/// the configuration instead of through `CreateOpenIDConnectProvider`.
/// `identity::oidc::OidcProviders::load` validates it at startup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcProviderConfig {
    /// The `iss` of its tokens, `https://…` (a trailing slash is ignored).
    pub issuer: String,
    /// Its signing keys as a JWKS document on disk, read at startup.
    /// Exactly one of `jwks_file` and `jwks_url` is set.
    pub jwks_file: Option<PathBuf>,
    /// Where to fetch its JWKS (`https://…`, or `http://…` for a local
    /// issuer), fetched on first use and refreshed.
    pub jwks_url: Option<String>,
    /// Accepted `aud` values (AWS's "client IDs"). Empty means
    /// `sts.amazonaws.com` only.
    pub audiences: Vec<String>,
}

/// Where the seal key comes from (see `kms::root_seal`).
#[derive(Debug, Default)]
pub enum SealConfig {
    /// `<data-dir>/seal.key` (mode 0600): zero setup, one machine.
    #[default]
    File,
    /// Shamir shares entered with `tresor operator unseal`.
    Shamir,
    /// Base64 of the seal key in this environment variable.
    Env { var: String },
    /// The seal key in this file (raw 32 bytes or base64), e.g. a systemd
    /// credential or a mounted Kubernetes secret.
    Static { path: PathBuf },
    /// A key inside an HSM, through PKCS#11.
    Pkcs11(Pkcs11Config),
}

impl SealConfig {
    pub fn kind(&self) -> SealKind {
        match self {
            SealConfig::File => SealKind::File,
            SealConfig::Shamir => SealKind::Shamir,
            SealConfig::Env { .. } => SealKind::Env,
            SealConfig::Static { .. } => SealKind::Static,
            SealConfig::Pkcs11(_) => SealKind::Pkcs11,
        }
    }
}

impl Clone for SealConfig {
    fn clone(&self) -> Self {
        match self {
            SealConfig::File => SealConfig::File,
            SealConfig::Shamir => SealConfig::Shamir,
            SealConfig::Env { var } => SealConfig::Env { var: var.clone() },
            SealConfig::Static { path } => SealConfig::Static { path: path.clone() },
            SealConfig::Pkcs11(c) => SealConfig::Pkcs11(Pkcs11Config {
                module: c.module.clone(),
                token_label: c.token_label.clone(),
                pin: c.pin.clone(),
                key_label: c.key_label.clone(),
            }),
        }
    }
}

/// The environment variable `seal = "env"` reads by default.
pub const DEFAULT_SEAL_KEY_ENV: &str = "TRESOR_SEAL_KEY";

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

#[derive(Debug, Clone)]
pub struct DevCredentials {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
}

impl Config {
    /// Defaults for a data directory: us-east-1, ±5 minutes, hourly purge.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Config {
            data_dir: data_dir.into(),
            account_id: None,
            default_region: DEFAULT_REGION.to_string(),
            allowed_regions: None,
            clock_skew: Duration::from_secs(300),
            tls: None,
            dev_credentials: None,
            purge_interval: Duration::from_secs(60),
            seal: SealConfig::File,
            oidc_providers: Vec::new(),
            audit: AuditSettings::default(),
            backup: None,
            store: StoreOptions::default(),
            metrics: MetricsEndpoint::default(),
        }
    }
}

pub const DEFAULT_REGION: &str = "us-east-1";

/// The port Tresor listens on by default ("TRES" on a phone keypad).
pub const DEFAULT_PORT: u16 = 8737;
