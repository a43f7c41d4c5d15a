//! The server's validated configuration.
//!
//! Owns the settings `run` trusts. The CLI parses flags and the TOML file
//! into this; nothing here reads the environment or the command line.

use std::path::PathBuf;
use std::time::Duration;

use tresor_wire::dto::SecretString;

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
    /// How often the background job purges secrets past their deletion date.
    pub purge_interval: Duration,
}

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
        }
    }
}

pub const DEFAULT_REGION: &str = "us-east-1";

/// The port Tresor listens on by default ("TRES" on a phone keypad).
pub const DEFAULT_PORT: u16 = 8737;
