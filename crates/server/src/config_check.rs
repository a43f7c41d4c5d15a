//! Checking a configuration without serving (`tresor server
//! --check-config`): what a start would stumble on — unreadable or
//! mismatched TLS files, a bad OIDC issuer or key set, a missing seal key,
//! an unusable data or backup directory, a database from a newer Tresor —
//! found before the start. Reads files; writes nothing.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::config::{Config, SealConfig};
use crate::init::{DATABASE_FILE, META_ACCOUNT_ID, SEAL_KEY_FILE, check_account, check_seal_kind};
use crate::kms::root_seal::{SEAL_RECORD_KEY, SealRecord};
use crate::kms::seal;
use crate::store::sqlite::check_schema_version;

/// Every problem found (none: the server would start with this).
pub fn check(config: &Config) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(tls) = &config.tls
        && let Err(e) = crate::http::tls::load(tls)
    {
        problems.push(format!("TLS: {e}"));
    }
    let account = config.account_id.as_deref().unwrap_or("000000000000");
    if let Err(e) = crate::identity::oidc::OidcProviders::load(&config.oidc_providers, account) {
        problems.push(format!("OIDC providers: {e}"));
    }
    problems.extend(check_seal(config));
    problems.extend(check_data_dir(config));
    if let Some(backup) = &config.backup {
        problems.extend(check_writable_dir("[backup] dir", &backup.dir));
    }
    problems
}

fn check_seal(config: &Config) -> Option<String> {
    let found = match &config.seal {
        // Made by the first start when the directory is new.
        SealConfig::File => {
            let path = config.data_dir.join(SEAL_KEY_FILE);
            if !config.data_dir.join(DATABASE_FILE).exists() {
                return None;
            }
            seal::key_from_file(&path)
                .map(drop)
                .map_err(|e| e.to_string())
        }
        SealConfig::Shamir => Ok(()),
        SealConfig::Env { var } => seal::key_from_env(var).map(drop).map_err(|e| e.to_string()),
        SealConfig::Static { path } => seal::key_from_file(path)
            .map(drop)
            .map_err(|e| e.to_string()),
        // Loading the module and logging in to the token is what a start
        // does; a check does not hold the token.
        SealConfig::Pkcs11(hsm) => {
            if hsm.module.is_file() {
                Ok(())
            } else {
                Err(format!("{} is not a file", hsm.module.display()))
            }
        }
    };
    found
        .err()
        .map(|e| format!("seal ({}): {e}", config.seal.kind()))
}

fn check_data_dir(config: &Config) -> Vec<String> {
    let dir = &config.data_dir;
    let db = dir.join(DATABASE_FILE);
    let mut problems = check_writable_dir("data_dir", dir);
    if db.exists() {
        if let Err(e) = check_database(config, &db) {
            problems.push(format!("{}: {e}", db.display()));
        }
    } else if !matches!(config.seal, SealConfig::File) {
        problems.push(format!(
            "{} is not initialised; run `tresor operator init --data-dir {} --seal {}` first",
            dir.display(),
            dir.display(),
            config.seal.kind()
        ));
    }
    problems
}

/// What a start checks of an existing database: its schema version, its
/// seal and its account.
fn check_database(config: &Config, db: &Path) -> Result<(), String> {
    let conn = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| e.to_string())?;
    let version: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(|e| e.to_string())?;
    check_schema_version(version).map_err(|e| e.0)?;
    let meta = |key: &str| -> Result<Option<String>, String> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| e.to_string())
    };
    if let Some(record) = meta(SEAL_RECORD_KEY)? {
        check_seal_kind(config, SealRecord::from_json(&record)?.kind)?;
    }
    if let Some(stored) = meta(META_ACCOUNT_ID)? {
        check_account(config, &stored)?;
    }
    Ok(())
}

/// A directory the server writes into, or creates if it is missing (then
/// its parent must take it).
fn check_writable_dir(what: &str, dir: &Path) -> Vec<String> {
    let (target, parent) = if dir.exists() {
        (dir, false)
    } else {
        match dir.parent() {
            Some(p) if p.as_os_str().is_empty() => (Path::new("."), true),
            Some(p) if p.is_dir() => (p, true),
            _ => {
                return vec![format!(
                    "{what} {}: neither it nor its parent exists",
                    dir.display()
                )];
            }
        }
    };
    let whose = if parent { "the parent of " } else { "" };
    match std::fs::metadata(target) {
        Err(e) => vec![format!("{what} {}: {e}", dir.display())],
        Ok(m) if !m.is_dir() => vec![format!("{what} {} is not a directory", dir.display())],
        Ok(_) => match tempfile::tempfile_in(target) {
            Ok(_) => Vec::new(),
            Err(e) => vec![format!(
                "{what} {}: {whose}it is not writable: {e}",
                dir.display()
            )],
        },
    }
}
