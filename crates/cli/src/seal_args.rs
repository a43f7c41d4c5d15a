//! The seal settings shared by `server`, `operator init` and
//! `operator migrate-seal`: flags, their config-file keys, and the
//! `SealConfig` they make.
//!
//! Secrets never come from flags or the config file: a seal key comes from
//! an environment variable or a file, an HSM PIN from an environment
//! variable or a file.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use serde::{Deserialize, Serialize};
use tresor_server::{DEFAULT_SEAL_KEY_ENV, SealConfig};

#[derive(Args, Debug, Default, Clone)]
pub struct SealArgs {
    /// How the root key is sealed: file, shamir, env, static or pkcs11
    /// [default: file].
    #[arg(long, value_parser = ["file", "shamir", "env", "static", "pkcs11"])]
    pub seal: Option<String>,
    /// `--seal env`: the variable holding the base64 seal key
    /// [default: TRESOR_SEAL_KEY].
    #[arg(long)]
    pub seal_key_env: Option<String>,
    /// `--seal static`: the file holding the seal key (raw or base64).
    #[arg(long)]
    pub seal_key_file: Option<PathBuf>,
    /// `--seal pkcs11`: the PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so).
    #[arg(long)]
    pub pkcs11_module: Option<PathBuf>,
    /// `--seal pkcs11`: the label of the token.
    #[arg(long)]
    pub pkcs11_token_label: Option<String>,
    /// `--seal pkcs11`: the label of the wrapping key in the token
    /// [default: tresor-root-seal].
    #[arg(long)]
    pub pkcs11_key_label: Option<String>,
    /// `--seal pkcs11`: the variable holding the token's user PIN
    /// [default: TRESOR_PKCS11_PIN].
    #[arg(long)]
    pub pkcs11_pin_env: Option<String>,
}

/// The same settings in the config file (`seal = "…"`, `[pkcs11]`).
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct SealFile {
    pub seal: Option<String>,
    pub seal_key_env: Option<String>,
    pub seal_key_file: Option<PathBuf>,
    pub pkcs11: Option<Pkcs11File>,
}

#[derive(Deserialize, Serialize, Default, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Pkcs11File {
    pub module: Option<PathBuf>,
    pub token_label: Option<String>,
    pub key_label: Option<String>,
    pub pin_env: Option<String>,
}

const DEFAULT_PIN_ENV: &str = "TRESOR_PKCS11_PIN";
const DEFAULT_KEY_LABEL: &str = "tresor-root-seal";

impl SealArgs {
    /// The seal: flags first, then the file, then `file`.
    pub fn config(&self, file: &SealFile) -> anyhow::Result<SealConfig> {
        let pkcs11 = file.pkcs11.clone().unwrap_or_default();
        Ok(
            match self
                .seal
                .as_deref()
                .or(file.seal.as_deref())
                .unwrap_or("file")
            {
                "file" => SealConfig::File,
                "shamir" => SealConfig::Shamir,
                "env" => SealConfig::Env {
                    var: self
                        .seal_key_env
                        .clone()
                        .or(file.seal_key_env.clone())
                        .unwrap_or_else(|| DEFAULT_SEAL_KEY_ENV.to_string()),
                },
                "static" => SealConfig::Static {
                    path: self
                        .seal_key_file
                        .clone()
                        .or(file.seal_key_file.clone())
                        .context("`--seal static` needs --seal-key-file (or seal_key_file)")?,
                },
                "pkcs11" => {
                    let pin_env = self
                        .pkcs11_pin_env
                        .clone()
                        .or(pkcs11.pin_env)
                        .unwrap_or_else(|| DEFAULT_PIN_ENV.to_string());
                    let pin = std::env::var(&pin_env).with_context(|| {
                        format!(
                            "`--seal pkcs11` reads the token PIN from ${pin_env}, which is not set"
                        )
                    })?;
                    SealConfig::Pkcs11(tresor_server::kms::seal::Pkcs11Config {
                    module: self
                        .pkcs11_module
                        .clone()
                        .or(pkcs11.module)
                        .context("`--seal pkcs11` needs --pkcs11-module (or [pkcs11] module)")?,
                    token_label: self
                        .pkcs11_token_label
                        .clone()
                        .or(pkcs11.token_label)
                        .context("`--seal pkcs11` needs --pkcs11-token-label (or [pkcs11] token_label)")?,
                    pin: zeroize::Zeroizing::new(pin),
                    key_label: self
                        .pkcs11_key_label
                        .clone()
                        .or(pkcs11.key_label)
                        .unwrap_or_else(|| DEFAULT_KEY_LABEL.to_string()),
                })
                }
                other => bail!("unknown seal {other:?}"),
            },
        )
    }
}
