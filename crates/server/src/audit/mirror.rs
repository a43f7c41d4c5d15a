//! Mirrors of the trail for log shippers: a JSON-lines file (rotated by
//! size) and standard output.
//!
//! The store is the record; mirrors follow it from a durable outbox: each
//! keeps the last sequence number it delivered in the store's `meta`
//! table, reads what came after, writes it, syncs it, and only then moves
//! its cursor. A crash can repeat lines, never lose them; a slow or broken
//! destination delays its mirror, never a request. Paths come only from
//! the local configuration (no API can point the trail elsewhere), files
//! are created 0600, and a symlink in their place is refused.
//!
//! The file holds export lines (events and checkpoints, as `tresor audit
//! export` writes them), so it verifies with `tresor audit verify` — the
//! rotated files concatenated oldest first. Standard output gets the bare
//! CloudTrail records, one per line.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::export::export_page;
use super::verify::ExportLine;
use crate::store::{self, Store, StoreError};

/// Events delivered per step at most.
const STEP: usize = 1000;

/// Where a mirror writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MirrorTarget {
    /// Export lines to this file, rotated at `max_bytes` into `<file>.1`
    /// … `<file>.<keep>`.
    File {
        path: PathBuf,
        max_bytes: u64,
        keep: u32,
    },
    /// Bare records to standard output.
    Stdout,
}

impl MirrorTarget {
    fn cursor_key(&self) -> String {
        match self {
            MirrorTarget::File { path, .. } => format!("audit_mirror:file:{}", path.display()),
            MirrorTarget::Stdout => "audit_mirror:stdout".to_string(),
        }
    }
}

/// Delivers what the mirror has not delivered yet, up to `STEP` events.
/// Returns how many events it delivered.
pub async fn mirror_step(store: &dyn Store, target: &MirrorTarget) -> Result<usize, StoreError> {
    let key = target.cursor_key();
    let read_key = key.clone();
    let after: i64 = store::read(store, move |txn| txn.meta(&read_key))
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let page = export_page(store, after, STEP).await?;
    let Some(last) = page
        .lines
        .iter()
        .rev()
        .find_map(|l| match ExportLine::parse(l) {
            Some(ExportLine::Event(e)) => Some(e.seq),
            _ => None,
        })
    else {
        return Ok(0);
    };
    let events = write_lines(target, &page.lines)
        .map_err(|e| StoreError(format!("audit mirror {target:?}: {e}")))?;
    store::write(store, move |txn| txn.set_meta(&key, &last.to_string())).await?;
    Ok(events)
}

fn write_lines(target: &MirrorTarget, lines: &[String]) -> std::io::Result<usize> {
    let mut events = 0;
    match target {
        MirrorTarget::Stdout => {
            let mut out = std::io::stdout().lock();
            for line in lines {
                if let Some(ExportLine::Event(e)) = ExportLine::parse(line) {
                    writeln!(out, "{}", e.event.get())?;
                    events += 1;
                }
            }
            out.flush()?;
        }
        MirrorTarget::File {
            path,
            max_bytes,
            keep,
        } => {
            let mut text = String::new();
            for line in lines {
                events += usize::from(matches!(
                    ExportLine::parse(line),
                    Some(ExportLine::Event(_))
                ));
                text.push_str(line);
                text.push('\n');
            }
            let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            if size > 0 && size + text.len() as u64 > *max_bytes {
                rotate(path, *keep)?;
            }
            let mut file = open_append(path)?;
            file.write_all(text.as_bytes())?;
            file.sync_data()?;
        }
    }
    Ok(events)
}

/// Opens the mirror file for appending: created 0600, never through a
/// symlink.
fn open_append(path: &Path) -> std::io::Result<File> {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(std::io::Error::other(format!(
            "{} is a symlink; the audit mirror refuses to follow it",
            path.display()
        )));
    }
    OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
}

/// `<file>` → `<file>.1` → … → `<file>.<keep>` (the oldest is dropped).
fn rotate(path: &Path, keep: u32) -> std::io::Result<()> {
    let numbered = |n: u32| PathBuf::from(format!("{}.{n}", path.display()));
    if keep == 0 {
        return std::fs::remove_file(path);
    }
    let _ = std::fs::remove_file(numbered(keep));
    for n in (1..keep).rev() {
        if numbered(n).exists() {
            std::fs::rename(numbered(n), numbered(n + 1))?;
        }
    }
    std::fs::rename(path, numbered(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_shifts_and_drops_the_oldest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        for round in 0..4 {
            std::fs::write(&path, format!("{round}\n")).unwrap();
            rotate(&path, 2).unwrap();
        }
        assert!(!path.exists());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("audit.jsonl.1")).unwrap(),
            "3\n"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("audit.jsonl.2")).unwrap(),
            "2\n"
        );
        assert!(!dir.path().join("audit.jsonl.3").exists());
    }

    #[test]
    fn files_are_private_and_symlinks_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        drop(open_append(&path).unwrap());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let link = dir.path().join("link.jsonl");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(open_append(&link).is_err());
    }
}
