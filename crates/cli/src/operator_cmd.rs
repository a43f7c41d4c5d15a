//! `tresor operator`: initialise, unseal, seal, and maintain the keys.
//!
//! `init` and `migrate-seal` work on a stopped server's data directory;
//! the others talk to a running server (`--endpoint` or
//! `AWS_ENDPOINT_URL`). `unseal` and `status` need no credentials; `seal`,
//! `rotate-root` and `rewrap` are signed with the caller's AWS credentials.

use std::io::BufRead;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use tresor_server::init::{self, ShamirOptions};
use tresor_server::{Config, DEFAULT_REGION, SealConfig};

use crate::client::{RemoteArgs, describe_error};
use crate::seal_args::{SealArgs, SealFile};

#[derive(Subcommand, Debug)]
pub enum OperatorCommand {
    /// Initialise a new data directory and seal its root key.
    Init(InitArgs),
    /// Enter one Shamir unseal share (as an argument, or on standard input).
    Unseal(UnsealArgs),
    /// Show whether the server is sealed, and the unseal progress.
    Status(RemoteArgs),
    /// Seal a running server (signed).
    Seal(RemoteArgs),
    /// Replace the root key; re-wraps KMS key material and access keys (signed).
    RotateRoot(RemoteArgs),
    /// Re-wrap every secret's data key under its KMS key's newest material (signed).
    Rewrap(RemoteArgs),
    /// Change how a stopped data directory's root key is sealed.
    MigrateSeal(MigrateArgs),
}

#[derive(Args, Debug)]
pub struct UnsealArgs {
    /// The share; read from standard input when omitted (keeps it out of
    /// the shell history and the process list).
    share: Option<String>,
    /// Forget the shares entered so far instead.
    #[arg(long)]
    reset: bool,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The data directory to create.
    #[arg(long)]
    data_dir: PathBuf,
    /// TOML configuration file (its seal settings are used).
    #[arg(long)]
    config: Option<PathBuf>,
    #[command(flatten)]
    seal: SealArgs,
    /// `--seal shamir`: how many shares to make.
    #[arg(long)]
    key_shares: Option<u8>,
    /// `--seal shamir`: how many shares unseal.
    #[arg(long)]
    key_threshold: Option<u8>,
    /// 12-digit account id [default: random].
    #[arg(long)]
    account_id: Option<String>,
    /// Region written with the administrator credentials [default: us-east-1].
    #[arg(long)]
    region: Option<String>,
}

#[derive(Args, Debug)]
pub struct MigrateArgs {
    /// The (stopped) server's data directory.
    #[arg(long)]
    data_dir: PathBuf,
    /// The seal it uses now [default: file].
    #[arg(long, default_value = "file")]
    from: String,
    /// The seal to move to.
    #[arg(long)]
    to: String,
    #[command(flatten)]
    seal: SealArgs,
    /// `--to shamir`: how many shares to make.
    #[arg(long)]
    key_shares: Option<u8>,
    /// `--to shamir`: how many shares unseal.
    #[arg(long)]
    key_threshold: Option<u8>,
}

pub fn run(command: OperatorCommand) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match command {
            OperatorCommand::Init(args) => init_cmd(args).await,
            OperatorCommand::Unseal(args) => unseal_cmd(args).await,
            OperatorCommand::Status(args) => status_cmd(args).await,
            OperatorCommand::Seal(args) => {
                args.endpoint()?.operator_call("Seal").await?;
                println!("Sealed.");
                Ok(())
            }
            OperatorCommand::RotateRoot(args) => {
                let out = args.endpoint()?.operator_call("RotateRoot").await?;
                println!(
                    "Root key rotated: {} key material generations and {} access keys re-wrapped.",
                    out["KeyMaterials"], out["AccessKeys"]
                );
                Ok(())
            }
            OperatorCommand::Rewrap(args) => {
                let out = args.endpoint()?.operator_call("RewrapDataKeys").await?;
                println!(
                    "Re-wrapped {} of {} data keys under their key's newest material.",
                    out["Rewrapped"], out["Checked"]
                );
                Ok(())
            }
            OperatorCommand::MigrateSeal(args) => migrate_cmd(args).await,
        }
    })
}

fn shamir_options(
    seal: &SealConfig,
    shares: Option<u8>,
    threshold: Option<u8>,
) -> anyhow::Result<Option<ShamirOptions>> {
    match (seal, shares, threshold) {
        (SealConfig::Shamir, Some(shares), Some(threshold)) => {
            Ok(Some(ShamirOptions { shares, threshold }))
        }
        (SealConfig::Shamir, _, _) => bail!("a Shamir seal needs --key-shares and --key-threshold"),
        (_, None, None) => Ok(None),
        _ => bail!("--key-shares and --key-threshold go with --seal shamir"),
    }
}

fn load_seal_file(path: Option<&PathBuf>) -> anyhow::Result<SealFile> {
    let Some(path) = path else {
        return Ok(SealFile::default());
    };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("invalid {}", path.display()))?;
    let keep = ["seal", "seal_key_env", "seal_key_file", "pkcs11"];
    let seal_only: toml::Table = table
        .into_iter()
        .filter(|(k, _)| keep.contains(&k.as_str()))
        .collect();
    Ok(seal_only.try_into()?)
}

async fn init_cmd(args: InitArgs) -> anyhow::Result<()> {
    let file = load_seal_file(args.config.as_ref())?;
    let mut config = Config::new(&args.data_dir);
    config.seal = args.seal.config(&file)?;
    config.account_id = args.account_id;
    config.default_region = args.region.unwrap_or_else(|| DEFAULT_REGION.to_string());
    let shamir = shamir_options(&config.seal, args.key_shares, args.key_threshold)?;
    let (dir, initialized) = init::initialize(&config, shamir, now_ms()).await?;
    println!(
        "Initialised {} (account {}), sealed with `{}`.",
        dir.path.display(),
        dir.account_id,
        dir.record.kind
    );
    print_seal_outputs(&initialized, shamir);
    println!();
    println!(
        "Administrator credentials, shown once and saved to {}:",
        dir.path.join(init::ADMIN_CREDENTIALS_FILE).display()
    );
    println!();
    println!(
        "  export AWS_ACCESS_KEY_ID={}",
        initialized.admin_key.access_key_id
    );
    println!(
        "  export AWS_SECRET_ACCESS_KEY={}",
        initialized.admin_key.secret_access_key.as_str()
    );
    println!("  export AWS_DEFAULT_REGION={}", config.default_region);
    Ok(())
}

fn print_seal_outputs(initialized: &init::Initialized, shamir: Option<ShamirOptions>) {
    if let Some(options) = shamir {
        println!();
        println!(
            "{} of these {} unseal shares unseal the server. They are shown only now: give each to a \
             different person, and keep them apart.",
            options.threshold, options.shares
        );
        println!();
        for (i, share) in initialized.shares.iter().enumerate() {
            println!("Unseal share {}: {}", i + 1, share.as_str());
        }
    }
    if let Some(key) = &initialized.generated_seal_key {
        println!();
        println!(
            "Seal key, shown only now; the server needs it in its environment at every start:"
        );
        println!();
        println!("  {}", key.as_str());
    }
}

async fn migrate_cmd(args: MigrateArgs) -> anyhow::Result<()> {
    let file = SealFile::default();
    let mut from_args = args.seal.clone();
    from_args.seal = Some(args.from.clone());
    let mut to_args = args.seal.clone();
    to_args.seal = Some(args.to.clone());
    let mut from = Config::new(&args.data_dir);
    from.seal = from_args.config(&file)?;
    let mut to = Config::new(&args.data_dir);
    to.seal = to_args.config(&file)?;
    let shamir = shamir_options(&to.seal, args.key_shares, args.key_threshold)?;
    let migrated = init::migrate_seal(&from, &to, shamir, now_ms()).await?;
    println!(
        "{} is now sealed with `{}` (was `{}`).",
        args.data_dir.display(),
        to.seal.kind(),
        from.seal.kind()
    );
    print_seal_outputs(&migrated, shamir);
    Ok(())
}

async fn unseal_cmd(args: UnsealArgs) -> anyhow::Result<()> {
    let endpoint = args.remote.endpoint()?;
    let body = if args.reset {
        serde_json::json!({"reset": true})
    } else {
        let share = match args.share {
            Some(share) => zeroize::Zeroizing::new(share),
            None => {
                eprint!("Unseal share: ");
                let mut line = zeroize::Zeroizing::new(String::new());
                std::io::stdin().lock().read_line(&mut line)?;
                zeroize::Zeroizing::new(line.trim().to_string())
            }
        };
        serde_json::json!({"share": share.as_str()})
    };
    let request = endpoint.request(
        http::Method::POST,
        "/tresor/v1/unseal",
        serde_json::to_vec(&body)?,
    );
    let (status, reply) = endpoint.send(request).await?;
    let reply: serde_json::Value =
        serde_json::from_slice(&reply).unwrap_or(serde_json::Value::Null);
    if status != 200 {
        bail!("{}", describe_error(status, &reply));
    }
    print_status(&reply);
    Ok(())
}

async fn status_cmd(args: RemoteArgs) -> anyhow::Result<()> {
    let endpoint = args.endpoint()?;
    let (status, reply) = endpoint
        .send(endpoint.request(http::Method::GET, "/tresor/v1/seal-status", Vec::new()))
        .await?;
    let reply: serde_json::Value =
        serde_json::from_slice(&reply).unwrap_or(serde_json::Value::Null);
    if status != 200 {
        bail!("{}", describe_error(status, &reply));
    }
    println!("{}", serde_json::to_string_pretty(&reply)?);
    Ok(())
}

fn print_status(status: &serde_json::Value) {
    if status["sealed"] == serde_json::Value::Bool(false) {
        println!("Unsealed.");
    } else {
        println!(
            "Unseal progress: {}/{}",
            status["progress"].as_u64().unwrap_or(0),
            status["threshold"].as_u64().unwrap_or(0)
        );
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
