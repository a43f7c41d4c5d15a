//! Opening a data directory, initialising it on first start.
//!
//! Owns the layout of `<data-dir>`: `root.key` (0600), `tresor.db` (+ WAL),
//! `admin-credentials` (0600, AWS credentials-file format, written once).
//! The account id is fixed at initialisation and recorded in the store.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;

use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::ServerError;
use crate::auth::access_keys::{self, AccessKey};
use crate::config::Config;
use crate::kms::{Keyring, RootKey};
use crate::store::sqlite::SqliteStore;
use crate::store::{self, Store, StoreError};

pub const ROOT_KEY_FILE: &str = "root.key";
pub const DATABASE_FILE: &str = "tresor.db";
pub const ADMIN_CREDENTIALS_FILE: &str = "admin-credentials";
const META_ACCOUNT_ID: &str = "account_id";
const META_ADMIN_KEY: &str = "admin_access_key_id";

/// The opened data directory.
pub struct Opened {
    pub store: Arc<dyn Store>,
    pub keyring: Arc<Keyring>,
    pub account_id: String,
    /// The administrator key created by this start (first start only).
    pub new_admin_key: Option<AccessKey>,
}

fn startup(e: impl std::fmt::Display) -> ServerError {
    ServerError::Startup(e.to_string())
}

pub fn admin_arn(account_id: &str) -> String {
    format!("arn:aws:iam::{account_id}:user/admin")
}

pub async fn open(config: &Config, now: i64) -> Result<Opened, ServerError> {
    let dir = &config.data_dir;
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| startup(format!("cannot create {}: {e}", dir.display())))?;
    }
    let (root, _) = RootKey::load_or_create(&dir.join(ROOT_KEY_FILE)).map_err(startup)?;

    let db = dir.join(DATABASE_FILE);
    create_private(&db)?;
    let readers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db, readers, now).map_err(startup)?);

    let account_id = account_id(&*store, config.account_id.clone()).await?;
    let keyring = Arc::new(Keyring::new(&root, &account_id));
    let new_admin_key = admin_key(&*store, &keyring, config, &account_id, now).await?;
    if let Some(key) = &new_admin_key
        && config.dev_credentials.is_none()
    {
        write_credentials_file(
            &dir.join(ADMIN_CREDENTIALS_FILE),
            key,
            &config.default_region,
        )?;
    }
    Ok(Opened {
        store,
        keyring,
        account_id,
        new_admin_key,
    })
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

async fn account_id(store: &dyn Store, requested: Option<String>) -> Result<String, ServerError> {
    if let Some(id) = &requested
        && !(id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(startup(format!(
            "the account id must be 12 digits, not {id:?}"
        )));
    }
    store::write(store, move |txn| {
        match (txn.meta(META_ACCOUNT_ID)?, requested) {
            (Some(stored), Some(requested)) if stored != requested => Err(StoreError(format!(
                "this data directory belongs to account {stored}, not {requested}"
            ))),
            (Some(stored), _) => Ok::<_, StoreError>(stored),
            (None, requested) => {
                let id = requested.unwrap_or_else(random_account_id);
                txn.set_meta(META_ACCOUNT_ID, &id)?;
                Ok(id)
            }
        }
    })
    .await
    .map_err(startup)
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

/// Installs the administrator's access key: the fixed dev key, or a new
/// random one on first start. Returns the key if it was created now.
async fn admin_key(
    store: &dyn Store,
    keyring: &Arc<Keyring>,
    config: &Config,
    account_id: &str,
    now: i64,
) -> Result<Option<AccessKey>, ServerError> {
    let arn = admin_arn(account_id);
    let keyring = Arc::clone(keyring);
    let dev = config.dev_credentials.as_ref().map(|d| AccessKey {
        access_key_id: d.access_key_id.clone(),
        secret_access_key: zeroize::Zeroizing::new(d.secret_access_key.expose().to_string()),
    });
    store::write(store, move |txn| {
        if let Some(dev) = dev {
            if txn.access_key(&dev.access_key_id)?.is_none() {
                access_keys::insert(txn, &keyring, &dev, &arn, now)?;
            }
            return Ok::<_, StoreError>(Some(dev));
        }
        if txn.meta(META_ADMIN_KEY)?.is_some() {
            return Ok(None);
        }
        let key = AccessKey::generate();
        access_keys::insert(txn, &keyring, &key, &arn, now)?;
        txn.set_meta(META_ADMIN_KEY, &key.access_key_id)?;
        Ok(Some(key))
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
    let text = zeroize::Zeroizing::new(format!(
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
