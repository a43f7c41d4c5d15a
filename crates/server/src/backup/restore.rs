//! Checking a backup file, and restoring one into an empty data directory.

use std::fs::{self, File, OpenOptions};
use std::io::BufWriter;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

use super::format::{self, Manifest};
use crate::audit::page_from;
use crate::audit::verify::{Report, Verifier};
use crate::init::DATABASE_FILE;
use crate::store::sqlite::latest_schema_version;
use crate::store::sqlite::snapshot::{self, SnapshotFacts};

/// A backup that passed every check.
#[derive(Debug)]
pub struct Verified {
    pub manifest: Manifest,
    pub facts: SnapshotFacts,
    /// Its audit chain, checked against the manifest's public key.
    pub audit: Report,
}

/// Checks the backup at `path` without restoring it: its checksums, then
/// SQLite's integrity check of its database (in a private scratch copy),
/// and that the database holds what the manifest says.
pub fn verify(path: &Path) -> Result<Verified, String> {
    let scratch = tempfile::Builder::new()
        .prefix("tresor-verify-")
        .tempdir()
        .map_err(|e| format!("cannot make a scratch directory: {e}"))?;
    extract(path, &scratch.path().join(DATABASE_FILE))
}

/// Restores the backup at `path` into `data_dir`, which must be empty or
/// not exist yet. Everything is checked before the database takes its
/// place; on any failure nothing is left behind but the empty directory.
pub fn restore(path: &Path, data_dir: &Path) -> Result<Verified, String> {
    if data_dir.exists() {
        let mut entries = fs::read_dir(data_dir)
            .map_err(|e| format!("cannot read {}: {e}", data_dir.display()))?;
        if entries.next().is_some() {
            return Err(format!(
                "{} is not empty: restore only into an empty data directory (move the old one aside first)",
                data_dir.display()
            ));
        }
    } else {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(data_dir)
            .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    }
    let partial = data_dir.join(format!("{DATABASE_FILE}.restoring"));
    let verified = match extract(path, &partial) {
        Ok(v) => v,
        Err(e) => {
            let _ = fs::remove_file(&partial);
            return Err(e);
        }
    };
    fs::rename(&partial, data_dir.join(DATABASE_FILE))
        .map_err(|e| format!("cannot move the restored database into place: {e}"))?;
    File::open(data_dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| format!("cannot sync {}: {e}", data_dir.display()))?;
    Ok(verified)
}

/// Copies the backup's database to `dest` (new, mode 0600, synced) and
/// checks it.
fn extract(path: &Path, dest: &Path) -> Result<Verified, String> {
    let file = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(dest)
        .map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
    let mut writer = BufWriter::new(out);
    let manifest = format::read(file, &mut writer).map_err(|e| e.0)?;
    let out = writer
        .into_inner()
        .map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
    out.sync_all()
        .map_err(|e| format!("cannot sync {}: {e}", dest.display()))?;
    drop(out);
    if manifest.contents.schema_version > latest_schema_version() {
        return Err(format!(
            "the backup was made by a newer Tresor (schema version {}; this one knows {}): restore it with that release or a newer one",
            manifest.contents.schema_version,
            latest_schema_version()
        ));
    }
    let facts = snapshot::inspect(dest).map_err(|e| e.0)?;
    if facts != manifest.contents {
        return Err(format!(
            "the backup's database does not hold what its manifest says ({facts:?} vs {:?})",
            manifest.contents
        ));
    }
    let audit = audit_chain(dest, &manifest)?;
    Ok(Verified {
        manifest,
        facts,
        audit,
    })
}

/// Walks the backup's audit trail as `tresor audit verify` walks an
/// export: sequence, links, hashes and checkpoint signatures against the
/// manifest's public key (the events' MACs need the server's keys).
fn audit_chain(db: &Path, manifest: &Manifest) -> Result<Report, String> {
    let key = hex::decode(&manifest.audit_public_key)
        .map_err(|_| "the manifest's audit public key is not hex".to_string())?;
    let mut verifier = Verifier::new(&key, None);
    let mut problem = None;
    snapshot::read(db, |txn| {
        let mut line_no = 1; // an export's header line
        let mut after = 0;
        loop {
            let page = page_from(txn, after, 1000)?;
            for line in &page.lines {
                line_no += 1;
                if let Err(p) = verifier.line(line_no, line) {
                    problem = Some(p.to_string());
                    return Ok(());
                }
            }
            match page.next_after {
                Some(next) => after = next,
                None => return Ok(()),
            }
        }
    })
    .map_err(|e| e.0)?;
    if let Some(problem) = problem {
        return Err(format!(
            "the backup's audit trail does not verify: {problem}"
        ));
    }
    let report = verifier
        .finish()
        .map_err(|p| format!("the backup's audit trail does not verify: {p}"))?;
    if report.last_seq != manifest.contents.audit_head_seq {
        return Err("the backup's audit trail does not end where its manifest says".into());
    }
    Ok(report)
}
