//! Opening a data directory, and initialising a new one.
//!
//! Owns the layout of `<data-dir>`: `tresor.db` (+ WAL), `seal.key` (mode
//! 0600, `file` seal only), `admin-credentials` (0600, AWS credentials-file
//! format, written once). The account id, the seal record (the wrapped root
//! key) and the administrator's access key are created together, in one
//! transaction, when the directory is initialised — by the first start in
//! `file` mode, or by `tresor operator init` in every mode.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroizing;

use crate::ServerError;
use crate::auth::access_keys::{self, AccessKey};
use crate::config::{Config, SealConfig};
use crate::kms::root_seal::{SEAL_RECORD_KEY, SealKind, SealRecord, Sealer, ShamirParams};
use crate::kms::seal::{self, Pkcs11Seal, Share};
use crate::kms::{Keyring, RootKey};
use crate::store::sqlite::SqliteStore;
use crate::store::{self, Store, StoreError};

pub const DATABASE_FILE: &str = "tresor.db";
pub const SEAL_KEY_FILE: &str = "seal.key";
pub const ADMIN_CREDENTIALS_FILE: &str = "admin-credentials";
pub const META_ACCOUNT_ID: &str = "account_id";
const META_ADMIN_KEY: &str = "admin_access_key_id";

fn startup(e: impl std::fmt::Display) -> ServerError {
    ServerError::Startup(e.to_string())
}

/// The bootstrap administrator: the account root.
pub fn admin_arn(account_id: &str) -> String {
    crate::identity::principal::root_arn(account_id)
}

/// An opened data directory, sealed or not.
pub struct DataDir {
    pub path: PathBuf,
    pub store: Arc<dyn Store>,
    pub account_id: String,
    pub record: SealRecord,
}

/// What initialising a data directory produced, to show the operator once.
pub struct Initialized {
    pub admin_key: AccessKey,
    /// Shamir shares (shamir seal).
    pub shares: Vec<Share>,
    /// A seal key Tresor generated because none was supplied (env seal),
    /// base64.
    pub generated_seal_key: Option<Zeroizing<String>>,
}

/// How many Shamir shares to make, and how many unseal.
#[derive(Debug, Clone, Copy)]
pub struct ShamirOptions {
    pub shares: u8,
    pub threshold: u8,
}

fn open_store(config: &Config, now: i64) -> Result<Arc<dyn Store>, ServerError> {
    let dir = &config.data_dir;
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| startup(format!("cannot create {}: {e}", dir.display())))?;
    }
    let db = dir.join(DATABASE_FILE);
    create_private(&db)?;
    Ok(Arc::new(
        SqliteStore::open_with(&db, &config.store, now).map_err(startup)?,
    ))
}

async fn read_meta(store: &dyn Store, key: &'static str) -> Result<Option<String>, ServerError> {
    store::read(store, move |txn| txn.meta(key))
        .await
        .map_err(startup)
}

/// Refuses a data directory sealed otherwise than `config` says.
pub fn check_seal_kind(config: &Config, stored: SealKind) -> Result<(), String> {
    if stored == config.seal.kind() {
        return Ok(());
    }
    Err(format!(
        "{} is sealed with `{stored}`, but the server was started with `--seal {}`; start it with \
         `--seal {stored}`, or change the seal with `tresor operator migrate-seal`",
        config.data_dir.display(),
        config.seal.kind(),
    ))
}

/// Refuses a data directory of another account than `config` asks for.
pub fn check_account(config: &Config, stored: &str) -> Result<(), String> {
    match &config.account_id {
        Some(requested) if requested != stored => Err(format!(
            "this data directory belongs to account {stored}, not {requested}"
        )),
        _ => Ok(()),
    }
}

/// Opens `config.data_dir`. In `file` mode a directory that was never
/// initialised is initialised now (the zero-setup first start).
pub async fn open(
    config: &Config,
    now: i64,
) -> Result<(DataDir, Option<Initialized>), ServerError> {
    let store = open_store(config, now)?;
    let record = read_meta(&*store, SEAL_RECORD_KEY).await?;
    let Some(record) = record else {
        if !matches!(config.seal, SealConfig::File) {
            return Err(startup(format!(
                "{} is not initialised; run `tresor operator init --data-dir {} --seal {}` first",
                config.data_dir.display(),
                config.data_dir.display(),
                config.seal.kind()
            )));
        }
        let (dir, initialized) = initialize_store(config, store, None, now).await?;
        return Ok((dir, Some(initialized)));
    };
    let record = SealRecord::from_json(&record).map_err(startup)?;
    check_seal_kind(config, record.kind).map_err(startup)?;
    let account_id = read_meta(&*store, META_ACCOUNT_ID)
        .await?
        .ok_or_else(|| startup("the data directory has no account id"))?;
    check_account(config, &account_id).map_err(startup)?;
    Ok((
        DataDir {
            path: config.data_dir.clone(),
            store,
            account_id,
            record,
        },
        None,
    ))
}

/// The sealer the configuration supplies without an operator (every mode
/// but `shamir`), for a data directory that is already initialised.
pub fn configured_sealer(config: &Config) -> Result<Option<Sealer>, ServerError> {
    let key = |k| Ok(Some(Sealer::Key(config.seal.kind(), k)));
    match &config.seal {
        SealConfig::Shamir => Ok(None),
        SealConfig::File => {
            key(seal::key_from_file(&config.data_dir.join(SEAL_KEY_FILE)).map_err(startup)?)
        }
        SealConfig::Env { var } => key(seal::key_from_env(var).map_err(startup)?),
        SealConfig::Static { path } => key(seal::key_from_file(path).map_err(startup)?),
        SealConfig::Pkcs11(hsm) => Ok(Some(Sealer::Hsm(Pkcs11Seal::open(hsm).map_err(startup)?))),
    }
}

/// Initialises a new data directory (`tresor operator init`): account id,
/// root key sealed as configured, and the administrator's access key. A
/// directory that exists and is not empty is refused untouched.
pub async fn initialize(
    config: &Config,
    shamir: Option<ShamirOptions>,
    now: i64,
) -> Result<(DataDir, Initialized), ServerError> {
    let dir = &config.data_dir;
    if dir.exists()
        && fs::read_dir(dir)
            .map_err(|e| startup(format!("cannot read {}: {e}", dir.display())))?
            .next()
            .is_some()
    {
        return Err(startup(format!(
            "{} already exists and is not empty; `operator init` makes new data directories only",
            dir.display()
        )));
    }
    let store = open_store(config, now)?;
    initialize_store(config, store, shamir, now).await
}

/// Initialises an opened, empty store.
async fn initialize_store(
    config: &Config,
    store: Arc<dyn Store>,
    shamir: Option<ShamirOptions>,
    now: i64,
) -> Result<(DataDir, Initialized), ServerError> {
    let account_id = match &config.account_id {
        Some(id) if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) => id.clone(),
        Some(id) => {
            return Err(startup(format!(
                "the account id must be 12 digits, not {id:?}"
            )));
        }
        None => random_account_id(),
    };
    let root = RootKey::generate();
    let (sealer, shares, shamir_params, generated_seal_key) = new_sealer(config, shamir)?;
    let record = sealer.record(&root, shamir_params).map_err(startup)?;

    let keyring = Arc::new(Keyring::new(&root, &account_id));
    let admin_key = match &config.dev_credentials {
        Some(dev) => AccessKey {
            access_key_id: dev.access_key_id.clone(),
            secret_access_key: Zeroizing::new(dev.secret_access_key.expose().to_string()),
        },
        None => AccessKey::generate(),
    };
    let txn_record = record.to_json();
    let (txn_account, txn_key, txn_keyring) =
        (account_id.clone(), admin_key.clone(), Arc::clone(&keyring));
    store::write(&*store, move |txn| {
        txn.set_meta(SEAL_RECORD_KEY, &txn_record)?;
        txn.set_meta(META_ACCOUNT_ID, &txn_account)?;
        access_keys::insert(
            txn,
            &txn_keyring,
            &txn_key,
            &admin_arn(&txn_account),
            None,
            now,
        )?;
        txn.set_meta(META_ADMIN_KEY, &txn_key.access_key_id)?;
        Ok::<_, StoreError>(())
    })
    .await
    .map_err(startup)?;

    if config.dev_credentials.is_none() {
        write_credentials_file(
            &config.data_dir.join(ADMIN_CREDENTIALS_FILE),
            &admin_key,
            &config.default_region,
        )?;
    }
    Ok((
        DataDir {
            path: config.data_dir.clone(),
            store,
            account_id,
            record,
        },
        Initialized {
            admin_key,
            shares,
            generated_seal_key,
        },
    ))
}

type NewSealer = (
    Sealer,
    Vec<Share>,
    Option<ShamirParams>,
    Option<Zeroizing<String>>,
);

/// A sealer for a new data directory, making whatever it needs: a seal key
/// file, Shamir shares, an HSM key.
fn new_sealer(config: &Config, shamir: Option<ShamirOptions>) -> Result<NewSealer, ServerError> {
    let kind = config.seal.kind();
    Ok(match &config.seal {
        SealConfig::File => {
            // A key file left by an initialisation that did not finish is
            // reused rather than refused.
            let path = config.data_dir.join(SEAL_KEY_FILE);
            if !path.exists() {
                write_private_new(&path, &*seal::generate_key())?;
            }
            let key = seal::key_from_file(&path).map_err(startup)?;
            (Sealer::Key(kind, key), Vec::new(), None, None)
        }
        SealConfig::Shamir => {
            let options = shamir
                .ok_or_else(|| startup("a Shamir seal needs --key-shares and --key-threshold"))?;
            let key = seal::generate_key();
            let (set, shares) =
                seal::split(&key, options.shares, options.threshold).map_err(startup)?;
            let params = ShamirParams {
                shares: options.shares,
                threshold: options.threshold,
                set_id: set.to_string(),
            };
            (Sealer::Key(kind, key), shares, Some(params), None)
        }
        SealConfig::Env { var } => match std::env::var_os(var) {
            Some(_) => (
                Sealer::Key(kind, seal::key_from_env(var).map_err(startup)?),
                Vec::new(),
                None,
                None,
            ),
            None => {
                let key = seal::generate_key();
                let shown = seal::key_to_base64(&key);
                (Sealer::Key(kind, key), Vec::new(), None, Some(shown))
            }
        },
        SealConfig::Static { path } => {
            if !path.exists() {
                write_private_new(path, &*seal::generate_key())?;
            }
            (
                Sealer::Key(kind, seal::key_from_file(path).map_err(startup)?),
                Vec::new(),
                None,
                None,
            )
        }
        SealConfig::Pkcs11(hsm) => {
            let hsm = Pkcs11Seal::open(hsm).map_err(startup)?;
            hsm.ensure_key().map_err(startup)?;
            (Sealer::Hsm(hsm), Vec::new(), None, None)
        }
    })
}

/// Changes how the root key of a stopped data directory is sealed. The
/// root key itself (and so everything it protects) is unchanged. Returns
/// what the new seal produced for the operator.
pub async fn migrate_seal(
    from: &Config,
    to: &Config,
    shamir: Option<ShamirOptions>,
    now: i64,
) -> Result<Initialized, ServerError> {
    let (dir, _) = open(from, now).await?;
    let old = configured_sealer(from)?.ok_or_else(|| {
        startup("migrating away from a Shamir seal is not supported yet; unseal and export instead")
    })?;
    if to.seal.kind() == from.seal.kind() {
        return Err(startup("the data directory already uses that seal"));
    }
    let root = old
        .unwrap(&dir.record.wrapped().map_err(startup)?)
        .map_err(startup)?;
    let (sealer, shares, params, generated_seal_key) = new_sealer(to, shamir)?;
    let record = sealer.record(&root, params).map_err(startup)?.to_json();
    store::write(&*dir.store, move |txn| {
        txn.set_meta(SEAL_RECORD_KEY, &record)
    })
    .await
    .map_err(startup)?;
    if from.seal.kind() == SealKind::File {
        remove_seal_key_file(&from.data_dir.join(SEAL_KEY_FILE))?;
    }
    Ok(Initialized {
        admin_key: AccessKey {
            access_key_id: String::new(),
            secret_access_key: Zeroizing::new(String::new()),
        },
        shares,
        generated_seal_key,
    })
}

/// Overwrites and removes a seal key file that no longer seals anything.
fn remove_seal_key_file(path: &Path) -> Result<(), ServerError> {
    if let Ok(mut file) = OpenOptions::new().write(true).open(path) {
        let _ = file.write_all(&[0u8; 64]).and_then(|_| file.sync_all());
    }
    fs::remove_file(path).map_err(|e| startup(format!("cannot remove {}: {e}", path.display())))
}

/// Creates `path` empty with mode 0600 if it does not exist, so that SQLite
/// (and its WAL, which copies the mode) never creates it world-readable.
fn create_private(path: &Path) -> Result<(), ServerError> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let mode = fs::metadata(path).map_err(startup)?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(path = %path.display(), "the database is readable by other users; chmod 600 it");
            }
            Ok(())
        }
        Err(e) => Err(startup(format!("cannot create {}: {e}", path.display()))),
    }
}

/// Writes a new file, mode 0600, durably; refuses to overwrite one.
fn write_private_new(path: &Path, bytes: &[u8]) -> Result<(), ServerError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| startup(format!("cannot create {}: {e}", path.display())))?;
    file.write_all(bytes)
        .and_then(|_| file.sync_all())
        .map_err(|e| startup(format!("cannot write {}: {e}", path.display())))
}

fn random_account_id() -> String {
    let mut bytes = [0u8; 8];
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system RNG does not fail");
    // 12 digits, never starting with 0 (AWS account ids look like this).
    format!(
        "{}",
        100_000_000_000 + u64::from_le_bytes(bytes) % 900_000_000_000
    )
}

/// Makes sure the fixed development key exists (dev mode).
pub async fn ensure_dev_key(
    store: &dyn Store,
    keyring: &Arc<Keyring>,
    config: &Config,
    account_id: &str,
    now: i64,
) -> Result<(), ServerError> {
    let Some(dev) = &config.dev_credentials else {
        return Ok(());
    };
    let key = AccessKey {
        access_key_id: dev.access_key_id.clone(),
        secret_access_key: Zeroizing::new(dev.secret_access_key.expose().to_string()),
    };
    let (keyring, arn) = (Arc::clone(keyring), admin_arn(account_id));
    store::write(store, move |txn| {
        if txn.access_key(&key.access_key_id)?.is_none() {
            access_keys::insert(txn, &keyring, &key, &arn, None, now)?;
        }
        Ok::<_, StoreError>(())
    })
    .await
    .map_err(startup)
}

fn write_credentials_file(path: &Path, key: &AccessKey, region: &str) -> Result<(), ServerError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| startup(format!("cannot write {}: {e}", path.display())))?;
    let text = Zeroizing::new(format!(
        "# Tresor administrator credentials, created on first start.\n\
         # Keep this file private; anyone who reads it controls every secret.\n\
         [default]\n\
         aws_access_key_id = {}\n\
         aws_secret_access_key = {}\n\
         region = {region}\n",
        key.access_key_id,
        key.secret_access_key.as_str()
    ));
    file.write_all(text.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|e| startup(format!("cannot write {}: {e}", path.display())))
}
