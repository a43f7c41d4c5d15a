//! The agent's settings: the AWS Secrets Manager Agent's config file
//! (same keys, same defaults, same limits, so an existing file works
//! unchanged), Tresor's additions, and command-line overrides.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;
use zeroize::Zeroizing;

/// The settings the agent runs with.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    pub log_level: String,
    pub address: Ipv4Addr,
    pub port: u16,
    pub ttl: Duration,
    pub cache_size: usize,
    pub ssrf_headers: Vec<http::HeaderName>,
    pub ssrf_env_variables: Vec<String>,
    pub path_prefix: String,
    pub max_conn: usize,
    pub region: Option<String>,
    pub ignore_transient_errors: bool,
    pub validate_credentials: bool,
    /// Tresor: keep an encrypted copy of the cache here.
    pub cache_file: Option<PathBuf>,
    /// Tresor: the key of `cache_file` [default: `<cache_file>.key`].
    pub cache_key_file: Option<PathBuf>,
    /// Tresor: serve `/metrics` (Prometheus text) without the token.
    pub metrics: bool,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            log_level: "info".into(),
            address: Ipv4Addr::LOCALHOST,
            port: 2773,
            ttl: Duration::from_secs(300),
            cache_size: 1000,
            ssrf_headers: vec![
                http::HeaderName::from_static("x-aws-parameters-secrets-token"),
                http::HeaderName::from_static("x-vault-token"),
            ],
            ssrf_env_variables: vec![
                "AWS_TOKEN".into(),
                "AWS_SESSION_TOKEN".into(),
                "AWS_CONTAINER_AUTHORIZATION_TOKEN".into(),
            ],
            path_prefix: "/v1/".into(),
            max_conn: 800,
            region: None,
            ignore_transient_errors: true,
            validate_credentials: true,
            cache_file: None,
            cache_key_file: None,
            metrics: true,
        }
    }
}

/// The config file. The AWS agent writes its numbers as strings
/// (`http_port = "2773"`) and accepts bare numbers too; so do we.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    log_level: Option<String>,
    http_address: Option<String>,
    /// Accepted for compatibility; Tresor logs to stderr (the journal).
    log_to_file: Option<bool>,
    http_port: Option<Number>,
    ttl_seconds: Option<Number>,
    cache_size: Option<Number>,
    ssrf_headers: Option<Vec<String>>,
    ssrf_env_variables: Option<Vec<String>>,
    path_prefix: Option<String>,
    max_conn: Option<Number>,
    region: Option<String>,
    ignore_transient_errors: Option<bool>,
    validate_credentials: Option<bool>,
    cache_file: Option<PathBuf>,
    cache_key_file: Option<PathBuf>,
    metrics: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Number {
    Int(u64),
    Text(String),
}

impl Number {
    fn value(&self, key: &str) -> anyhow::Result<u64> {
        match self {
            Number::Int(n) => Ok(*n),
            Number::Text(t) => t
                .trim()
                .parse()
                .with_context(|| format!("{key} must be a number, not {t:?}")),
        }
    }
}

/// Command-line overrides (they win over the file).
#[derive(Debug, Default)]
pub struct Overrides {
    pub port: Option<u16>,
    pub ttl_seconds: Option<u64>,
    pub cache_size: Option<usize>,
    pub cache_file: Option<PathBuf>,
    pub cache_key_file: Option<PathBuf>,
    pub log_level: Option<String>,
}

impl AgentConfig {
    pub fn load(file: Option<&Path>, overrides: Overrides) -> anyhow::Result<AgentConfig> {
        let parsed = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("{} is invalid", path.display()))?
            }
            None => FileConfig::default(),
        };
        let mut config = AgentConfig::default().merge(parsed)?;
        if let Some(port) = overrides.port {
            config.port = port;
        }
        if let Some(ttl) = overrides.ttl_seconds {
            config.ttl = Duration::from_secs(ttl);
        }
        if let Some(size) = overrides.cache_size {
            config.cache_size = size;
        }
        if overrides.cache_file.is_some() {
            config.cache_file = overrides.cache_file;
        }
        if overrides.cache_key_file.is_some() {
            config.cache_key_file = overrides.cache_key_file;
        }
        if let Some(level) = overrides.log_level {
            config.log_level = level;
        }
        config.validate()?;
        Ok(config)
    }

    fn merge(mut self, file: FileConfig) -> anyhow::Result<AgentConfig> {
        let _ = file.log_to_file;
        if let Some(level) = file.log_level {
            // The AWS agent's `none` silences it; `off` is tracing's word.
            self.log_level = match level.to_lowercase().as_str() {
                "none" => "off".into(),
                other => other.into(),
            };
        }
        if let Some(address) = file.http_address {
            self.address = address
                .parse()
                .with_context(|| format!("http_address {address:?} is not an IPv4 address"))?;
        }
        if let Some(port) = file.http_port {
            self.port = u16::try_from(port.value("http_port")?)
                .context("http_port must be at most 65535")?;
        }
        if let Some(ttl) = file.ttl_seconds {
            self.ttl = Duration::from_secs(ttl.value("ttl_seconds")?);
        }
        if let Some(size) = file.cache_size {
            self.cache_size = size.value("cache_size")? as usize;
        }
        if let Some(headers) = file.ssrf_headers {
            self.ssrf_headers = headers
                .iter()
                .map(|h| {
                    http::HeaderName::try_from(h.as_str())
                        .with_context(|| format!("ssrf_headers: {h:?} is not a header name"))
                })
                .collect::<anyhow::Result<_>>()?;
        }
        if let Some(vars) = file.ssrf_env_variables {
            self.ssrf_env_variables = vars;
        }
        if let Some(prefix) = file.path_prefix {
            self.path_prefix = prefix;
        }
        if let Some(max) = file.max_conn {
            self.max_conn = max.value("max_conn")? as usize;
        }
        self.region = file.region.or(self.region);
        if let Some(b) = file.ignore_transient_errors {
            self.ignore_transient_errors = b;
        }
        if let Some(b) = file.validate_credentials {
            self.validate_credentials = b;
        }
        self.cache_file = file.cache_file.or(self.cache_file);
        self.cache_key_file = file.cache_key_file.or(self.cache_key_file);
        if let Some(b) = file.metrics {
            self.metrics = b;
        }
        Ok(self)
    }

    /// The AWS agent's limits, with its messages' sense.
    fn validate(&self) -> anyhow::Result<()> {
        if !self.address.is_loopback() {
            bail!(
                "http_address must be a loopback address (127.0.0.0/8): the agent serves only its own host"
            );
        }
        if self.port < 1024 {
            bail!("http_port must be 1024 or more");
        }
        if self.ttl > Duration::from_secs(3600) {
            bail!("ttl_seconds must be between 0 and 3600");
        }
        if !(1..=1000).contains(&self.cache_size) {
            bail!("cache_size must be between 1 and 1000");
        }
        if !(1..=1000).contains(&self.max_conn) {
            bail!("max_conn must be between 1 and 1000");
        }
        if self.ssrf_headers.is_empty() {
            bail!("ssrf_headers must name at least one header");
        }
        if self.ssrf_env_variables.is_empty() {
            bail!("ssrf_env_variables must name at least one variable");
        }
        if !self.path_prefix.starts_with('/') {
            bail!("path_prefix must start with /");
        }
        if self.cache_key_file.is_some() && self.cache_file.is_none() {
            bail!("cache_key_file needs cache_file");
        }
        Ok(())
    }
}

/// The SSRF token: the first of `vars` that is set; a value
/// `file://<path>` means the (trimmed) contents of that file.
pub fn load_token(
    vars: &[String],
    get: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Zeroizing<String>> {
    let Some(value) = vars.iter().find_map(|name| get(name)) else {
        bail!(
            "no SSRF token: set one of {} (a value, or file://<path>)",
            vars.join(", ")
        );
    };
    let value = Zeroizing::new(value);
    let token = match value.strip_prefix("file://") {
        Some(path) => Zeroizing::new(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the token file {path}"))?
                .trim()
                .to_string(),
        ),
        None => value,
    };
    if token.is_empty() {
        bail!("the SSRF token is empty");
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> anyhow::Result<AgentConfig> {
        let file: FileConfig = toml::from_str(text)?;
        let config = AgentConfig::default().merge(file)?;
        config.validate()?;
        Ok(config)
    }

    #[test]
    fn the_aws_agents_file_is_read_as_it_writes_it() {
        let config = parse(
            r#"
            log_level = "DEBUG"
            http_port = "2775"
            ttl_seconds = "60"
            cache_size = "20"
            ssrf_headers = ["X-My-Token"]
            ssrf_env_variables = ["MY_TOKEN"]
            path_prefix = "/secret/"
            max_conn = "5"
            region = "eu-west-1"
            log_to_file = false
            validate_credentials = false
            "#,
        )
        .unwrap();
        assert_eq!(config.port, 2775);
        assert_eq!(config.ttl, Duration::from_secs(60));
        assert_eq!(config.cache_size, 20);
        assert_eq!(config.ssrf_headers, vec!["x-my-token"]);
        assert_eq!(config.path_prefix, "/secret/");
        assert_eq!(config.max_conn, 5);
        assert_eq!(config.region.as_deref(), Some("eu-west-1"));
        assert!(!config.validate_credentials);
        assert_eq!(parse("http_port = 3000").unwrap().port, 3000);
    }

    #[test]
    fn defaults_are_the_aws_agents() {
        let config = parse("").unwrap();
        assert_eq!(config.port, 2773);
        assert_eq!(config.ttl, Duration::from_secs(300));
        assert_eq!(config.cache_size, 1000);
        assert_eq!(config.max_conn, 800);
        assert_eq!(config.path_prefix, "/v1/");
        assert!(config.ignore_transient_errors);
    }

    #[test]
    fn out_of_range_and_unknown_settings_are_refused() {
        for bad in [
            "http_port = \"80\"",
            "ttl_seconds = \"3601\"",
            "cache_size = \"0\"",
            "cache_size = \"1001\"",
            "max_conn = \"0\"",
            "path_prefix = \"v1\"",
            "ssrf_headers = []",
            "http_address = \"0.0.0.0\"",
            "http_port = \"many\"",
            "tll_seconds = \"5\"",
            "cache_key_file = \"k\"",
        ] {
            assert!(parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn the_documented_config_file_is_valid() {
        let page = include_str!("../../../../docs/delivery.md");
        let start = page
            .find("```toml\n# The AWS Secrets Manager Agent's keys")
            .expect("docs/delivery.md shows the agent's config file");
        let block = &page[start + "```toml\n".len()..];
        let block = &block[..block.find("```").expect("the block ends")];
        let config = parse(block).unwrap();
        assert_eq!(config.port, 2773);
        assert!(config.cache_file.is_some() && config.metrics);
    }

    #[test]
    fn the_token_comes_from_the_first_variable_set_or_its_file() {
        let vars = vec!["AWS_TOKEN".to_string(), "AWS_SESSION_TOKEN".to_string()];
        let token = load_token(&vars, |n| (n == "AWS_SESSION_TOKEN").then(|| "t2".into())).unwrap();
        assert_eq!(token.as_str(), "t2");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "from-file\n").unwrap();
        let token = load_token(&vars, |n| {
            (n == "AWS_TOKEN").then(|| format!("file://{}", path.display()))
        })
        .unwrap();
        assert_eq!(token.as_str(), "from-file");
        assert!(load_token(&vars, |_| None).is_err());
        assert!(load_token(&vars, |_| Some("file:///no/such/file".into())).is_err());
    }
}
