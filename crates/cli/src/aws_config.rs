//! Where a client command sends its requests and as whom, found the way the
//! AWS CLI and SDKs find it.
//!
//! * profile: `--profile`, else `AWS_PROFILE`, else `default`;
//! * credentials: with `--profile`, that profile's; otherwise
//!   `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`),
//!   else the profile's — from the credentials file
//!   (`AWS_SHARED_CREDENTIALS_FILE`, `~/.aws/credentials`), then the config
//!   file (`AWS_CONFIG_FILE`, `~/.aws/config`; `[profile name]`);
//! * region: `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's
//!   `region`, else `us-east-1`;
//! * endpoint: `--endpoint-url`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`,
//!   `AWS_ENDPOINT_URL`, the profile's `endpoint_url`.
//!
//! The files are INI as AWS writes them; nested service sections are
//! skipped. Secrets read here live in zeroizing strings and never show in
//! `Debug`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use zeroize::Zeroizing;

/// What the command line says about the connection.
#[derive(Debug, Default, Clone)]
pub struct ConnectionFlags {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
}

/// Where to send requests, and the credentials to sign them with.
#[derive(Debug)]
pub struct ClientConfig {
    pub endpoint_url: String,
    pub region: String,
    /// Why there are none, if there are none (unsigned commands such as
    /// `operator unseal` need none).
    pub credentials: Result<Credentials, String>,
}

/// An access key (and session token).
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: Zeroizing<String>,
    pub session_token: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// Reads the process environment.
pub trait Env {
    fn var(&self, name: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl ClientConfig {
    pub fn resolve(flags: &ConnectionFlags, env: &dyn Env) -> anyhow::Result<ClientConfig> {
        let explicit_profile = flags.profile.is_some();
        let profile_name = flags
            .profile
            .clone()
            .or_else(|| env.var("AWS_PROFILE"))
            .unwrap_or_else(|| "default".to_string());
        let home = env.var("HOME").map(PathBuf::from);
        let path = |var: &str, default: &str| {
            env.var(var)
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
        };
        let credentials_file = read_ini(path("AWS_SHARED_CREDENTIALS_FILE", "credentials"))?;
        let config_file = read_ini(path("AWS_CONFIG_FILE", "config"))?;
        let config_section = if profile_name == "default" {
            "default".to_string()
        } else {
            format!("profile {profile_name}")
        };
        let profile = Profile {
            credentials: credentials_file.get(&profile_name),
            config: config_file.get(&config_section),
        };
        if explicit_profile && !profile.exists() {
            bail!(
                "the profile {profile_name:?} is in neither the AWS config nor the credentials file"
            );
        }

        let env_keys = match (
            env.var("AWS_ACCESS_KEY_ID"),
            env.var("AWS_SECRET_ACCESS_KEY"),
        ) {
            (Some(id), Some(secret)) if !explicit_profile => Some(Credentials {
                access_key_id: id,
                secret_access_key: Zeroizing::new(secret),
                session_token: env.var("AWS_SESSION_TOKEN").map(Zeroizing::new),
            }),
            _ => None,
        };
        let credentials = match env_keys {
            Some(keys) => Ok(keys),
            None => match (
                profile.get("aws_access_key_id"),
                profile.get("aws_secret_access_key"),
            ) {
                (Some(id), Some(secret)) => Ok(Credentials {
                    access_key_id: id.to_string(),
                    secret_access_key: Zeroizing::new(secret.to_string()),
                    session_token: profile
                        .get("aws_session_token")
                        .map(|t| Zeroizing::new(t.to_string())),
                }),
                _ => Err(format!(
                    "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give \
                     profile {profile_name:?} aws_access_key_id and aws_secret_access_key"
                )),
            },
        };
        let region = flags
            .region
            .clone()
            .or_else(|| env.var("AWS_REGION"))
            .or_else(|| env.var("AWS_DEFAULT_REGION"))
            .or_else(|| profile.get("region").map(str::to_string))
            .unwrap_or_else(|| tresor_server::DEFAULT_REGION.to_string());
        let endpoint_url = flags
            .endpoint_url
            .clone()
            .or_else(|| env.var("AWS_ENDPOINT_URL_SECRETS_MANAGER"))
            .or_else(|| env.var("AWS_ENDPOINT_URL"))
            .or_else(|| profile.get("endpoint_url").map(str::to_string))
            .context(
                "no endpoint: pass --endpoint-url, set AWS_ENDPOINT_URL, or give the profile \
                 an endpoint_url",
            )?;
        Ok(ClientConfig {
            endpoint_url,
            region,
            credentials,
        })
    }
}

/// A profile's two sections (either may be missing).
struct Profile<'a> {
    credentials: Option<&'a HashMap<String, String>>,
    config: Option<&'a HashMap<String, String>>,
}

impl Profile<'_> {
    fn exists(&self) -> bool {
        self.credentials.is_some() || self.config.is_some()
    }

    /// The credentials file wins over the config file, as in the AWS CLI.
    fn get(&self, key: &str) -> Option<&str> {
        self.credentials
            .and_then(|s| s.get(key))
            .or_else(|| self.config.and_then(|s| s.get(key)))
            .map(String::as_str)
    }
}

type Ini = HashMap<String, HashMap<String, String>>;

fn read_ini(path: Option<PathBuf>) -> anyhow::Result<Ini> {
    let Some(path) = path else {
        return Ok(Ini::new());
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(parse_ini(&text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Ini::new()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", Path::new(&path).display())),
    }
}

/// `[section]` headers and `key = value` lines; `#`/`;` comments; indented
/// lines (nested service settings) are skipped.
fn parse_ini(text: &str) -> Ini {
    let mut ini = Ini::new();
    let mut section: Option<String> = None;
    for raw in text.lines() {
        if raw.starts_with([' ', '\t']) {
            continue;
        }
        let line = raw.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
            ini.entry(name.clone()).or_default();
            section = Some(name);
            continue;
        }
        if let (Some(section), Some((key, value))) = (&section, line.split_once('=')) {
            ini.entry(section.clone())
                .or_default()
                .insert(key.trim().to_string(), value.trim().to_string());
        }
    }
    ini
}

#[cfg(test)]
#[path = "aws_config_tests.rs"]
mod tests;
