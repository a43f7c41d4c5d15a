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

const MIGRATIONS: &[Migration] = &[
    Migration {
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
    },
    Migration {
        version: 2,
        name: "IAM identities, policies and STS sessions",
        sql: r#"
-- IAM is global: no region column. Users, groups, roles and managed
-- policies are entities; their attributes are a JSON body the service owns.
-- Names are unique per kind without regard to case, as in IAM.
CREATE TABLE iam_entities (
    id       TEXT PRIMARY KEY,
    kind     TEXT NOT NULL,
    name_key TEXT NOT NULL,
    arn      TEXT NOT NULL UNIQUE,
    body     TEXT NOT NULL,
    UNIQUE (kind, name_key)
);

-- Policy documents owned by an entity: inline policies (by name) and the
-- versions of a managed policy (by version id).
CREATE TABLE iam_documents (
    owner      TEXT NOT NULL REFERENCES iam_entities (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    document   TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (owner, name)
);

-- Relations: `member` (group -> user) and `attached` (user, group or
-- role -> managed policy).
CREATE TABLE iam_links (
    kind    TEXT NOT NULL,
    from_id TEXT NOT NULL REFERENCES iam_entities (id) ON DELETE CASCADE,
    to_id   TEXT NOT NULL REFERENCES iam_entities (id) ON DELETE CASCADE,
    PRIMARY KEY (kind, from_id, to_id)
);
CREATE INDEX iam_links_to ON iam_links (kind, to_id);

-- Temporary credentials issued by STS. The session token is kept only as
-- a hash; the secret key is wrapped under the root key like any other.
-- `principal` is the session as JSON (role, session name, policy, tags).
CREATE TABLE sts_sessions (
    access_key_id  TEXT PRIMARY KEY,
    wrapped_secret BLOB NOT NULL,
    token_hash     BLOB NOT NULL,
    principal      TEXT NOT NULL,
    expires_ms     INTEGER NOT NULL,
    created_ms     INTEGER NOT NULL
);
CREATE INDEX sts_sessions_expiry ON sts_sessions (expires_ms);

-- Which IAM user owns an access key (NULL: the account root).
ALTER TABLE access_keys ADD COLUMN user_id TEXT;
"#,
    },
    Migration {
        version: 3,
        name: "audit trail",
        sql: r#"
-- One row per audited event, hash-chained: `hash` is
-- SHA-256(domain, seq, previous hash, record) and `mac` an HMAC of it under
-- a key only the unsealed server holds. `record` is the CloudTrail-shaped
-- event exactly as hashed; the other columns are copies for lookups.
CREATE TABLE audit_events (
    seq           INTEGER PRIMARY KEY,
    event_id      TEXT NOT NULL UNIQUE,
    event_time_ms INTEGER NOT NULL,
    event_name    TEXT NOT NULL,
    event_source  TEXT NOT NULL,
    username      TEXT,
    access_key_id TEXT,
    read_only     INTEGER NOT NULL,
    resources     TEXT NOT NULL,
    record        TEXT NOT NULL,
    prev_hash     BLOB NOT NULL,
    hash          BLOB NOT NULL,
    mac           BLOB NOT NULL
);
CREATE INDEX audit_events_time ON audit_events (event_time_ms);

-- Signed checkpoints: an Ed25519 signature over (seq, hash, time) of the
-- event at `seq`, verifiable with only the public key.
CREATE TABLE audit_checkpoints (
    seq       INTEGER PRIMARY KEY,
    hash      BLOB NOT NULL,
    time_ms   INTEGER NOT NULL,
    signature BLOB NOT NULL
);
"#,
    },
];

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// Refuses a database written by a newer Tresor (schema `current`).
pub fn check_version(current: i64) -> StoreResult<()> {
    if current > latest_version() {
        return Err(StoreError(format!(
            "the database has schema version {current}, newer than this build of Tresor knows ({}): \
             a newer release wrote it. Run that release (or a newer one), or restore the backup \
             made before the upgrade (docs/upgrades.md)",
            latest_version()
        )));
    }
    Ok(())
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
    check_version(current)?;
    for m in MIGRATIONS.iter().filter(|m| m.version > current) {
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch(m.sql).map_err(err)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_ms) VALUES (?1, ?2, ?3)",
            rusqlite::params![m.version, m.name, now_ms],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        // An upgrade is the operator's business (docs/upgrades.md quotes
        // these lines); creating a new database is not.
        if current > 0 {
            tracing::info!("applied schema migration {} ({})", m.version, m.name);
        } else {
            tracing::debug!("applied schema migration {} ({})", m.version, m.name);
        }
    }
    if current > 0 && current < latest_version() {
        tracing::info!(
            "upgraded the database schema from version {current} to {}",
            latest_version()
        );
    }
    Ok(())
}
