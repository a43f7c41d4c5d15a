//! Encrypting exports and opening imports with age (age-encryption.org):
//! to a passphrase (scrypt) or to X25519 public keys (`age1…`), so the
//! `age` command can open a Tresor export too.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::str::FromStr;

use age::secrecy::SecretString;
use anyhow::{Context, bail};
use clap::Args;
use zeroize::Zeroizing;

/// How an export is protected.
#[derive(Args, Debug, Default)]
pub struct SealArgs {
    /// Encrypt to this age public key (`age1…`; repeatable).
    #[arg(long = "recipient", value_name = "AGE_PUBLIC_KEY")]
    recipients: Vec<String>,
    /// Encrypt with the passphrase on this file's first line.
    #[arg(long, conflicts_with = "recipients")]
    passphrase_file: Option<PathBuf>,
    /// Encrypt with the passphrase in this environment variable.
    #[arg(long, value_name = "VARIABLE", conflicts_with_all = ["recipients", "passphrase_file"])]
    passphrase_env: Option<String>,
    /// Ask for a passphrase on the terminal.
    #[arg(long, conflicts_with_all = ["recipients", "passphrase_file", "passphrase_env"])]
    passphrase: bool,
    /// Write ASCII-armored age (text) instead of binary.
    #[arg(long)]
    armor: bool,
    /// Write the secrets in clear (the file is still mode 0600).
    #[arg(long, conflicts_with_all = ["recipients", "passphrase_file", "passphrase_env", "passphrase"])]
    plaintext: bool,
}

/// How an import is opened when it is encrypted.
#[derive(Args, Debug, Default)]
pub struct OpenArgs {
    /// An age identity file (`AGE-SECRET-KEY-1…` lines) for files encrypted to a public key.
    #[arg(long)]
    identity: Option<PathBuf>,
    /// The passphrase is this file's first line.
    #[arg(long, conflicts_with = "identity")]
    passphrase_file: Option<PathBuf>,
    /// The passphrase is in this environment variable.
    #[arg(long, value_name = "VARIABLE", conflicts_with_all = ["identity", "passphrase_file"])]
    passphrase_env: Option<String>,
}

fn passphrase_from(
    file: &Option<PathBuf>,
    env: &Option<String>,
) -> anyhow::Result<Option<SecretString>> {
    if let Some(path) = file {
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        );
        let line = text.lines().next().unwrap_or("");
        if line.is_empty() {
            bail!("{} holds no passphrase", path.display());
        }
        return Ok(Some(SecretString::from(line.to_string())));
    }
    if let Some(name) = env {
        let value = std::env::var(name).with_context(|| format!("${name} is not set"))?;
        if value.is_empty() {
            bail!("${name} is empty");
        }
        return Ok(Some(SecretString::from(value)));
    }
    Ok(None)
}

impl SealArgs {
    /// Refuses an unprotected export unless asked for, before any work.
    pub fn check(&self) -> anyhow::Result<()> {
        let protected = !self.recipients.is_empty()
            || self.passphrase_file.is_some()
            || self.passphrase_env.is_some()
            || self.passphrase;
        if !protected && !self.plaintext {
            bail!(
                "say how to protect the export: --recipient age1…, --passphrase(-file|-env), or --plaintext"
            );
        }
        for r in &self.recipients {
            age::x25519::Recipient::from_str(r)
                .map_err(|e| anyhow::anyhow!("--recipient {r:?}: {e}"))?;
        }
        Ok(())
    }

    /// `plain`, encrypted as asked.
    pub fn seal(&self, plain: &[u8]) -> anyhow::Result<Zeroizing<Vec<u8>>> {
        if self.plaintext {
            return Ok(Zeroizing::new(plain.to_vec()));
        }
        let encryptor = if self.recipients.is_empty() {
            let passphrase = match passphrase_from(&self.passphrase_file, &self.passphrase_env)? {
                Some(p) => p,
                None => prompt_new_passphrase()?,
            };
            age::Encryptor::with_user_passphrase(passphrase)
        } else {
            let recipients: Vec<age::x25519::Recipient> = self
                .recipients
                .iter()
                .map(|r| age::x25519::Recipient::from_str(r).map_err(|e| anyhow::anyhow!("{e}")))
                .collect::<anyhow::Result<_>>()?;
            age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .context("cannot encrypt to these recipients")?
        };
        let mut out = Vec::new();
        let format = if self.armor {
            age::armor::Format::AsciiArmor
        } else {
            age::armor::Format::Binary
        };
        let armored = age::armor::ArmoredWriter::wrap_output(&mut out, format)?;
        let mut writer = encryptor.wrap_output(armored)?;
        writer.write_all(plain)?;
        writer.finish()?.finish()?;
        Ok(Zeroizing::new(out))
    }
}

fn prompt_new_passphrase() -> anyhow::Result<SecretString> {
    let first = Zeroizing::new(
        rpassword::prompt_password("Passphrase for the export: ").context(
            "no terminal to ask for a passphrase (use --passphrase-file or --passphrase-env)",
        )?,
    );
    let again = Zeroizing::new(rpassword::prompt_password("Again: ")?);
    if first.is_empty() || *first != *again {
        bail!("the passphrases are empty or differ");
    }
    Ok(SecretString::from(first.to_string()))
}

/// Whether `bytes` is an age file (binary or armored).
pub fn is_sealed(bytes: &[u8]) -> bool {
    bytes.starts_with(b"age-encryption.org/")
        || bytes.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----")
}

impl OpenArgs {
    /// The plaintext of an age file.
    pub fn open(&self, sealed: &[u8]) -> anyhow::Result<Zeroizing<Vec<u8>>> {
        let decryptor = age::Decryptor::new_buffered(age::armor::ArmoredReader::new(sealed))
            .context("not a valid age file")?;
        let mut reader = if decryptor.is_scrypt() {
            let passphrase = match passphrase_from(&self.passphrase_file, &self.passphrase_env)? {
                Some(p) => p,
                None => SecretString::from(
                    rpassword::prompt_password("Passphrase of the import: ").context(
                        "the file is passphrase-encrypted: use --passphrase-file or --passphrase-env",
                    )?,
                ),
            };
            let identity = age::scrypt::Identity::new(passphrase);
            decryptor
                .decrypt(std::iter::once(&identity as &dyn age::Identity))
                .map_err(|e| anyhow::anyhow!("cannot decrypt: {e}"))?
        } else {
            let Some(path) = &self.identity else {
                bail!("the file is encrypted to a public key: pass --identity <age identity file>");
            };
            let identities = age::IdentityFile::from_file(path.display().to_string())
                .with_context(|| format!("cannot read {}", path.display()))?
                .into_identities()
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            decryptor
                .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
                .map_err(|e| anyhow::anyhow!("cannot decrypt: {e}"))?
        };
        let mut plain = Zeroizing::new(Vec::new());
        reader
            .read_to_end(&mut plain)
            .context("the encrypted file is damaged or truncated")?;
        Ok(plain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use age::secrecy::ExposeSecret;

    #[test]
    fn a_public_key_export_opens_with_its_identity_only() {
        let identity = age::x25519::Identity::generate();
        let seal = SealArgs {
            recipients: vec![identity.to_public().to_string()],
            armor: true,
            ..SealArgs::default()
        };
        seal.check().unwrap();
        let sealed = seal.seal(b"canary-42").unwrap();
        assert!(is_sealed(&sealed));
        assert!(!sealed.windows(9).any(|w| w == b"canary-42"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("id.txt");
        std::fs::write(&path, format!("{}\n", identity.to_string().expose_secret())).unwrap();
        let open = OpenArgs {
            identity: Some(path.clone()),
            ..OpenArgs::default()
        };
        assert_eq!(open.open(&sealed).unwrap().as_slice(), b"canary-42");
        let other = age::x25519::Identity::generate();
        std::fs::write(&path, format!("{}\n", other.to_string().expose_secret())).unwrap();
        assert!(open.open(&sealed).is_err());
        let mut damaged = sealed.to_vec();
        damaged.truncate(damaged.len() - 40);
        assert!(
            OpenArgs {
                identity: Some(path),
                ..OpenArgs::default()
            }
            .open(&damaged)
            .is_err()
        );
    }

    #[test]
    fn an_unprotected_export_must_be_asked_for() {
        assert!(SealArgs::default().check().is_err());
        let plain = SealArgs {
            plaintext: true,
            ..SealArgs::default()
        };
        plain.check().unwrap();
        assert_eq!(plain.seal(b"x").unwrap().as_slice(), b"x");
        let bad = SealArgs {
            recipients: vec!["age1nope".into()],
            ..SealArgs::default()
        };
        assert!(bad.check().is_err());
    }
}
