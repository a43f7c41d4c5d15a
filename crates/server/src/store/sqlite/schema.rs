//! The SQLite schema and its forward-only, versioned migrations.
//!
//! Each migration runs in its own transaction and is recorded in
//! `schema_migrations`. A database written by a newer Tresor (a version we
//! do not know) is refused rather than guessed at.

use rusqlite::Connection;

use crate::store::{StoreError, StoreResult};

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "secrets, versions, stages, keys",
    sql: r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE secrets (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    region           TEXT NOT NULL,
    name             TEXT NOT NULL,
    arn              TEXT NOT NULL UNIQUE,
    description      TEXT,
    kms_key_id       TEXT,
    secret_type      TEXT,
    tags             TEXT,
    resource_policy  TEXT,
    rotation         TEXT,
    created_ms       INTEGER NOT NULL,
    last_changed_ms  INTEGER NOT NULL,
    last_accessed_ms INTEGER,
    deleted_ms       INTEGER,
    deletion_ms      INTEGER,
    primary_region   TEXT,
    replicas         TEXT NOT NULL DEFAULT '[]',
    owning_service   TEXT,
    UNIQUE (region, name)
);
CREATE INDEX secrets_purge ON secrets (deletion_ms) WHERE deletion_ms IS NOT NULL;

CREATE TABLE versions (
    secret_id        INTEGER NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
    version_id       TEXT NOT NULL,
    created_ms       INTEGER NOT NULL,
    last_accessed_ms INTEGER,
    value_kind       INTEGER,
    kms_key_id       TEXT,
    wrapped_key      BLOB,
    ciphertext       BLOB,
    PRIMARY KEY (secret_id, version_id),
    CHECK ((value_kind IS NULL) = (ciphertext IS NULL))
);

-- One row per staging label: the primary key makes "a label is on at most
-- one version of a secret" a property of the database, not only of the code.
CREATE TABLE stages (
    secret_id  INTEGER NOT NULL,
    stage      TEXT NOT NULL,
    version_id TEXT NOT NULL,
    PRIMARY KEY (secret_id, stage),
    FOREIGN KEY (secret_id, version_id) REFERENCES versions (secret_id, version_id) ON DELETE CASCADE
);

-- KMS keys: the AWS managed `aws/secretsmanager` key of each region and
-- customer managed keys.
CREATE TABLE kms_keys (
    key_id               TEXT PRIMARY KEY,
    region               TEXT NOT NULL,
    arn                  TEXT NOT NULL UNIQUE,
    description          TEXT NOT NULL,
    key_manager          TEXT NOT NULL,
    key_state            TEXT NOT NULL,
    created_ms           INTEGER NOT NULL,
    deletion_ms          INTEGER,
    pending_window_days  INTEGER,
    policy               TEXT NOT NULL,
    tags                 TEXT NOT NULL DEFAULT '[]',
    rotation_period_days INTEGER,
    next_rotation_ms     INTEGER
);
CREATE INDEX kms_keys_region ON kms_keys (region, created_ms);

CREATE TABLE kms_aliases (
    region        TEXT NOT NULL,
    name          TEXT NOT NULL,
    target_key_id TEXT NOT NULL REFERENCES kms_keys (key_id),
    created_ms    INTEGER NOT NULL,
    updated_ms    INTEGER NOT NULL,
    PRIMARY KEY (region, name)
);

-- Generations of a key's material, each wrapped under the root key. The
-- newest encrypts; every one decrypts what it encrypted.
CREATE TABLE kms_key_material (
    key_id        TEXT NOT NULL REFERENCES kms_keys (key_id),
    version       INTEGER NOT NULL,
    wrapped       BLOB NOT NULL,
    created_ms    INTEGER NOT NULL,
    rotation_type TEXT,
    PRIMARY KEY (key_id, version)
);

CREATE TABLE access_keys (
    access_key_id  TEXT PRIMARY KEY,
    principal_arn  TEXT NOT NULL,
    wrapped_secret BLOB NOT NULL,
    created_ms     INTEGER NOT NULL,
    active         INTEGER NOT NULL
);
"#,
}];

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Brings the database up to `latest_version`, one transaction per step.
pub fn migrate(conn: &mut Connection, now_ms: i64) -> StoreResult<()> {
    let err = |e: rusqlite::Error| StoreError(format!("migration: {e}"));
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_ms INTEGER NOT NULL
         )",
    )
    .map_err(err)?;
    let current: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(err)?;
    if current > latest_version() {
        return Err(StoreError(format!(
            "the database has schema version {current}, newer than this build of Tresor knows ({}); \
             run the Tresor release that wrote it, or a newer one",
            latest_version()
        )));
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch(m.sql).map_err(err)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?1, ?2, ?3)",
            rusqlite::params![m.version, m.name, now_ms],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
    }
    Ok(())
}
