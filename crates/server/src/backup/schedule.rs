//! Scheduled backups: one every `every` into a directory, keeping the
//! newest `keep`. Each is written beside its final name, synced, read back
//! and checked before it takes that name, so a file named like a backup is
//! always a complete one.

use std::fs::{self, File, OpenOptions};
use std::io::BufWriter;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tresor_wire::Service;

use super::create::{BackupSource, create};
use super::format::{self, Manifest};
use crate::audit::{Draft, Outcome};
use crate::barrier::Barrier;
use crate::metrics::BackupTrigger;

const PREFIX: &str = "tresor-backup-";
const SUFFIX: &str = ".tbk";
/// Sorts like the time it names.
const STAMP: &str = "%Y%m%dT%H%M%SZ";

/// The `[backup]` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSchedule {
    pub dir: PathBuf,
    pub every: Duration,
    /// How many scheduled backups to keep (at least 1).
    pub keep: usize,
}

/// The scheduled backups in `dir` with their times, oldest first.
fn existing(dir: &Path) -> Vec<(i64, PathBuf)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(i64, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
            let time = chrono::NaiveDateTime::parse_from_str(stamp, STAMP).ok()?;
            Some((time.and_utc().timestamp_millis(), e.path()))
        })
        .collect();
    found.sort();
    found
}

/// Removes the `.partial` files of scheduled backups a killed server
/// never finished.
fn remove_partials(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if name.starts_with(&format!(".{PREFIX}")) && name.ends_with(".partial") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// When the next scheduled backup is due (epoch ms): `every` after the
/// newest one, so a restart neither skips nor repeats one.
pub fn next_due(schedule: &BackupSchedule, now_ms: i64) -> i64 {
    existing(&schedule.dir)
        .last()
        .map_or(now_ms, |(time, _)| time + schedule.every.as_millis() as i64)
}

/// Takes one scheduled backup and prunes the oldest beyond `keep`
/// (blocking). Returns the new file and its manifest.
pub fn take(
    source: &BackupSource,
    schedule: &BackupSchedule,
    now_ms: i64,
) -> Result<(PathBuf, Manifest), String> {
    fs::create_dir_all(&schedule.dir)
        .map_err(|e| format!("cannot create {}: {e}", schedule.dir.display()))?;
    let stamp = chrono::DateTime::from_timestamp_millis(now_ms)
        .unwrap_or_default()
        .format(STAMP);
    let path = schedule.dir.join(format!("{PREFIX}{stamp}{SUFFIX}"));
    let partial = schedule
        .dir
        .join(format!(".{PREFIX}{stamp}{SUFFIX}.partial"));
    let written = write_checked(source, &partial, now_ms);
    let manifest = match written {
        Ok(m) => m,
        Err(e) => {
            let _ = fs::remove_file(&partial);
            return Err(e);
        }
    };
    fs::rename(&partial, &path).map_err(|e| format!("cannot name {}: {e}", path.display()))?;
    File::open(&schedule.dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| format!("cannot sync {}: {e}", schedule.dir.display()))?;
    let backups = existing(&schedule.dir);
    let excess = backups.len().saturating_sub(schedule.keep.max(1));
    for (_, old) in &backups[..excess] {
        if let Err(e) = fs::remove_file(old) {
            tracing::warn!(file = %old.display(), error = %e, "cannot remove an old backup");
        }
    }
    Ok((path, manifest))
}

fn write_checked(source: &BackupSource, partial: &Path, now_ms: i64) -> Result<Manifest, String> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(partial)
        .map_err(|e| format!("cannot create {}: {e}", partial.display()))?;
    let mut out = BufWriter::new(file);
    let manifest = create(source, &mut out, now_ms)?;
    let file = out
        .into_inner()
        .map_err(|e| format!("cannot write {}: {e}", partial.display()))?;
    file.sync_all()
        .map_err(|e| format!("cannot sync {}: {e}", partial.display()))?;
    let reread = File::open(partial).map_err(|e| format!("cannot reread the backup: {e}"))?;
    format::read(reread, std::io::sink())
        .map_err(|e| format!("the backup just written does not read back: {e}"))?;
    Ok(manifest)
}

/// While unsealed: takes the scheduled backups as they fall due, each
/// recorded in the audit trail as a `CreateBackup` event. A failure is
/// logged and retried at the next check.
pub async fn backup_loop(barrier: Arc<Barrier>, schedule: BackupSchedule) {
    remove_partials(&schedule.dir);
    if let Some((time, _)) = existing(&schedule.dir).last() {
        barrier.metrics().backups.found(*time);
    }
    let mut ticker = tokio::time::interval(Duration::from_secs(30).min(schedule.every));
    loop {
        ticker.tick().await;
        let Some(active) = barrier.active() else {
            continue;
        };
        let now = active.audit.now_ms();
        if now < next_due(&schedule, now) {
            continue;
        }
        // Sign the head first, so that the backup's whole trail is signed.
        if let Err(e) = active.audit.checkpoint_head().await {
            tracing::warn!(error = %e, "signing the audit trail before a backup failed");
        }
        let source = barrier.backup_source(&active);
        let plan = schedule.clone();
        let taken = tokio::task::spawn_blocking(move || take(&source, &plan, now))
            .await
            .unwrap_or_else(|_| Err("the backup task panicked".into()));
        barrier
            .metrics()
            .backups
            .taken(BackupTrigger::Schedule, taken.is_ok(), now);
        let mut draft = Draft::service_event(
            Service::Operator,
            "CreateBackup",
            barrier.default_region(),
            barrier.account_id(),
            now,
        );
        let outcome = match &taken {
            Ok((path, manifest)) => {
                tracing::info!(
                    file = %path.display(),
                    bytes = manifest.database_bytes,
                    secrets = manifest.contents.secrets,
                    "took a scheduled backup"
                );
                draft.request_parameters = json!({
                    "scheduled": true,
                    "file": path.display().to_string(),
                    "databaseSha256": manifest.database_sha256,
                });
                Outcome::Success {
                    response: serde_json::Value::Null,
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "a scheduled backup failed; will retry");
                draft.request_parameters = json!({"scheduled": true});
                Outcome::Failure {
                    code: "BackupFailed".into(),
                    message: e.clone(),
                    decided: true,
                }
            }
        };
        if active
            .audit
            .record(draft.finish(&outcome, &[]), true)
            .await
            .is_err()
        {
            tracing::error!("a scheduled backup could not be recorded in the audit trail");
        }
        if taken.is_err() {
            // Not again at once: wait a whole interval of the ticker.
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    }
}
