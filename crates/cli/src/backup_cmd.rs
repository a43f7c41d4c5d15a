//! `tresor backup`: take a backup of a running server (`create`, signed,
//! `tresor:CreateBackup`), check a backup file (`verify`), and restore one
//! into an empty data directory (`restore`, with no server running on it).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use http_body_util::BodyExt;
use tresor_server::backup::{self, Manifest};

use crate::client::{RemoteArgs, describe_error};

#[derive(Subcommand, Debug)]
pub enum BackupCommand {
    /// Take a consistent backup of a running server into FILE (it keeps serving).
    Create(CreateArgs),
    /// Check a backup file without restoring it: checksums, database integrity, contents.
    Verify {
        /// The backup file.
        file: PathBuf,
    },
    /// Restore a backup into an empty data directory (no server running on it).
    Restore(RestoreArgs),
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// Where to write the backup (refused if it exists).
    file: PathBuf,
    /// Do not show a progress bar.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(Args, Debug)]
pub struct RestoreArgs {
    /// The backup file.
    file: PathBuf,
    /// The data directory to restore into: new or empty.
    #[arg(long, env = "TRESOR_DATA_DIR")]
    data_dir: PathBuf,
    /// The original server's seal key file (`file` seal), copied in as
    /// `seal.key`; backups never hold it.
    #[arg(long)]
    seal_key_file: Option<PathBuf>,
}

pub fn run(command: BackupCommand) -> anyhow::Result<()> {
    match command {
        BackupCommand::Create(args) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(create(args)),
        BackupCommand::Verify { file } => {
            let verified = backup::verify(&file).map_err(anyhow::Error::msg)?;
            println!("{} is a sound backup.", file.display());
            describe(&verified.manifest);
            describe_audit(&verified);
            Ok(())
        }
        BackupCommand::Restore(args) => restore(args),
    }
}

async fn create(args: CreateArgs) -> anyhow::Result<()> {
    if args.file.exists() {
        bail!(
            "{} exists; choose a new file name (backups are never overwritten)",
            args.file.display()
        );
    }
    let endpoint = args.remote.endpoint()?;
    let response = endpoint.operator_download("CreateBackup").await?;
    let status = response.status().as_u16();
    if status != 200 {
        let body = response.into_body().collect().await?.to_bytes();
        let body = serde_json::from_slice(&body).unwrap_or_default();
        bail!("{}", describe_error(status, &body));
    }
    let len = response
        .headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let partial = partial_name(&args.file);
    let mut out = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    let bar = progress_bar(len, args.quiet);
    let mut body = response.into_body();
    let received = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.context("the connection broke while the backup was sent")?;
            if let Ok(data) = frame.into_data() {
                out.write_all(&data)
                    .with_context(|| format!("cannot write {}", partial.display()))?;
                bar.inc(data.len() as u64);
            }
        }
        out.sync_all()
            .with_context(|| format!("cannot sync {}", partial.display()))?;
        anyhow::Ok(())
    }
    .await;
    bar.finish_and_clear();
    let checked = received.and_then(|()| {
        let file = File::open(&partial)?;
        backup::format::read(file, std::io::sink()).map_err(anyhow::Error::from)
    });
    let manifest = match checked {
        Ok(manifest) => manifest,
        Err(e) => {
            let _ = fs::remove_file(&partial);
            return Err(e.context("the backup did not arrive whole; nothing was written"));
        }
    };
    fs::rename(&partial, &args.file)
        .with_context(|| format!("cannot name the backup {}", args.file.display()))?;
    sync_parent(&args.file)?;
    println!("Backup written to {}.", args.file.display());
    describe(&manifest);
    if manifest.seal == "file" {
        println!(
            "The seal key is not in the backup: keep a copy of the server's seal.key apart from it."
        );
    }
    Ok(())
}

fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    if let Some(key) = &args.seal_key_file
        && !key.is_file()
    {
        bail!("{} is not a file", key.display());
    }
    let verified = backup::restore(&args.file, &args.data_dir).map_err(anyhow::Error::msg)?;
    let manifest = &verified.manifest;
    if let Some(key) = &args.seal_key_file {
        if manifest.seal != "file" {
            bail!(
                "the backup's server used the {} seal, not a seal key file; start the server with that seal instead",
                manifest.seal
            );
        }
        let dest = args.data_dir.join(tresor_server::init::SEAL_KEY_FILE);
        let key = fs::read(key).with_context(|| format!("cannot read {}", key.display()))?;
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&dest)
            .with_context(|| format!("cannot create {}", dest.display()))?;
        out.write_all(&key)?;
        out.sync_all()?;
    }
    println!(
        "Restored {} into {}.",
        args.file.display(),
        args.data_dir.display()
    );
    describe(manifest);
    describe_audit(&verified);
    let next = match manifest.seal.as_str() {
        "file" if args.seal_key_file.is_none() => {
            "Copy the original seal.key into the data directory (or pass --seal-key-file), then start the server on it."
        }
        "shamir" => "Start the server on it, then unseal it with the original shares.",
        "file" => "Start the server on it.",
        _ => "Start the server on it with the original seal settings.",
    };
    println!("{next}");
    Ok(())
}

fn describe(m: &Manifest) {
    let c = &m.contents;
    println!(
        "  created {} by Tresor {} (schema version {}), account {}, {} seal",
        m.created, m.tresor_version, c.schema_version, m.account_id, m.seal
    );
    println!(
        "  {} secrets, {} versions, {} KMS keys, {} audit events{}",
        c.secrets,
        c.versions,
        c.kms_keys,
        c.audit_events,
        c.audit_head_seq
            .map(|s| format!(" (through #{s})"))
            .unwrap_or_default()
    );
    println!(
        "  database {} bytes, sha256 {}",
        m.database_bytes, m.database_sha256
    );
    println!("  audit public key {}", m.audit_public_key);
}

fn describe_audit(verified: &backup::Verified) {
    let a = &verified.audit;
    println!(
        "  audit chain verified against that key: {} events, {} signed checkpoints{}",
        a.events,
        a.checkpoints,
        match a.unsigned_tail {
            0 => String::new(),
            n => format!(", {n} events after the last checkpoint"),
        }
    );
}

fn partial_name(file: &Path) -> PathBuf {
    let mut name = file.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    file.with_file_name(name)
}

fn sync_parent(file: &Path) -> anyhow::Result<()> {
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(parent)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync {}", parent.display()))
}

fn progress_bar(len: Option<u64>, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len.unwrap_or(0));
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bytes}/{total_bytes} [{bar:30}] {bytes_per_sec}, {eta} left",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar
}
