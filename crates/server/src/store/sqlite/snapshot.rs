//! Consistent copies of a live database, and what a copy holds — the
//! storage half of backups (`crate::backup` owns the backup file).

use std::path::Path;
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use crate::store::{StoreError, StoreResult};

/// What a snapshot holds, read back from the copy itself (and written in
/// a backup's manifest).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotFacts {
    pub schema_version: i64,
    pub secrets: u64,
    pub versions: u64,
    pub kms_keys: u64,
    pub audit_events: u64,
    /// The last audit event's sequence number (none in an empty trail).
    pub audit_head_seq: Option<i64>,
}

fn failed(what: &str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| StoreError(format!("{what}: {e}"))
}

/// Copies the database at `db` into the new file `dest` as one consistent
/// snapshot, while the server goes on serving.
///
/// All pages are copied in one step, inside one read transaction: in WAL
/// mode a reader does not hold up the writer, and a step-by-step copy
/// would start over whenever a commit landed between two steps — forever,
/// on a server that records every request. The copy is then switched out
/// of WAL mode, so that it is one self-contained file.
pub fn snapshot(db: &Path, dest: &Path) -> StoreResult<()> {
    let source = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(failed("opening the database to copy"))?;
    source
        .busy_timeout(Duration::from_secs(10))
        .map_err(failed("opening the database to copy"))?;
    let mut copy = Connection::open(dest).map_err(failed("creating the snapshot"))?;
    {
        let backup = Backup::new(&source, &mut copy).map_err(failed("starting the snapshot"))?;
        let mut attempts = 0;
        loop {
            match backup.step(-1).map_err(failed("copying the database"))? {
                StepResult::Done => break,
                // Locked or busy: a checkpoint held the file for a moment.
                _ if attempts < 100 => {
                    attempts += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                _ => return Err(StoreError("the database stayed locked; try again".into())),
            }
        }
    }
    copy.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))
        .map_err(failed("finishing the snapshot"))?;
    Ok(())
}

/// Checks a snapshot's integrity (SQLite's own check of every page and
/// index) and reads what it holds. Opens it read-only.
pub fn inspect(path: &Path) -> StoreResult<SnapshotFacts> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(failed("opening the snapshot"))?;
    let problems: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(failed("checking the snapshot"))?;
    if problems != ["ok"] {
        return Err(StoreError(format!(
            "the database in the snapshot is damaged: {}",
            problems.join("; ")
        )));
    }
    let count = |sql: &str| -> StoreResult<u64> {
        conn.query_row(sql, [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(failed("reading the snapshot"))
    };
    Ok(SnapshotFacts {
        schema_version: conn
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            )
            .map_err(failed("reading the snapshot's schema version"))?,
        secrets: count("SELECT COUNT(*) FROM secrets")?,
        versions: count("SELECT COUNT(*) FROM versions")?,
        kms_keys: count("SELECT COUNT(*) FROM kms_keys")?,
        audit_events: count("SELECT COUNT(*) FROM audit_events")?,
        audit_head_seq: conn
            .query_row("SELECT MAX(seq) FROM audit_events", [], |r| r.get(0))
            .map_err(failed("reading the snapshot"))?,
    })
}

/// Runs `read` in a read transaction of the snapshot at `path` (opened
/// read-only, with no cache to speak of).
pub fn read<T>(
    path: &Path,
    read: impl FnOnce(&dyn crate::store::ReadTxn) -> StoreResult<T>,
) -> StoreResult<T> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(failed("opening the snapshot"))?;
    let cache = super::row_cache::RowCache::with_capacity(1);
    conn.execute_batch("BEGIN")
        .map_err(failed("reading the snapshot"))?;
    let result = read(&super::txn::SqliteTxn::reading(&conn, cache.view()));
    let _ = conn.execute_batch("COMMIT");
    result
}
