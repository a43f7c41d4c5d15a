//! Taking a backup of a serving store: a snapshot, checked, wrapped in the
//! backup format.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use super::format::{self, FORMAT_VERSION, Manifest};
use crate::store::Store;
use crate::store::sqlite::snapshot;

/// Whose backup it is: what the manifest says besides the snapshot's own
/// facts.
#[derive(Clone)]
pub struct BackupSource {
    pub store: Arc<dyn Store>,
    /// Where the snapshot is staged: the data directory, whose file system
    /// is as private as the database itself.
    pub work_dir: PathBuf,
    pub account_id: String,
    pub seal: String,
    pub audit_public_key: Vec<u8>,
}

/// Where snapshots are staged in the data directory (`tempfile`'s prefix).
const SCRATCH_PREFIX: &str = ".backup-";

/// Removes the scratch directories a backup left behind when the server
/// was killed while taking it (each holds a copy of the database).
pub fn remove_leftovers(data_dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(data_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let is_scratch = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(SCRATCH_PREFIX));
        if is_scratch && entry.path().is_dir() {
            match std::fs::remove_dir_all(entry.path()) {
                Ok(()) => tracing::info!(
                    dir = %entry.path().display(),
                    "removed the scratch directory of an interrupted backup"
                ),
                Err(e) => tracing::warn!(
                    dir = %entry.path().display(),
                    error = %e,
                    "cannot remove the scratch directory of an interrupted backup"
                ),
            }
        }
    }
}

/// Writes a backup of `source` to `out` (blocking: run it off the async
/// threads). The snapshot is checked (SQLite's integrity check) before it
/// is written, so a backup never carries damage it could have seen.
pub fn create(source: &BackupSource, out: impl Write, now_ms: i64) -> Result<Manifest, String> {
    let scratch = tempfile::Builder::new()
        .prefix(SCRATCH_PREFIX)
        .tempdir_in(&source.work_dir)
        .map_err(|e| {
            format!(
                "cannot stage the snapshot in {}: {e}",
                source.work_dir.display()
            )
        })?;
    let db = scratch.path().join("snapshot.db");
    source.store.snapshot_to(&db).map_err(|e| e.0)?;
    let facts = snapshot::inspect(&db).map_err(|e| e.0)?;
    let open = || File::open(&db).map_err(|e| format!("cannot read the snapshot: {e}"));
    let (database_sha256, database_bytes) =
        format::sha256_of(open()?).map_err(|e| format!("cannot read the snapshot: {e}"))?;
    let manifest = Manifest {
        format: FORMAT_VERSION,
        created: crate::audit::record::iso_time(now_ms),
        tresor_version: env!("CARGO_PKG_VERSION").to_string(),
        account_id: source.account_id.clone(),
        seal: source.seal.clone(),
        contents: facts,
        audit_public_key: hex::encode(&source.audit_public_key),
        database_bytes,
        database_sha256,
    };
    format::write(out, &manifest, open()?).map_err(|e| format!("cannot write the backup: {e}"))?;
    Ok(manifest)
}
