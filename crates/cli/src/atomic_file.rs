//! Replacing a file so that a reader sees the old one or the new one,
//! never a mix, and a crash leaves one of them: a temporary file beside
//! it, created with its final mode (and owner), synced, renamed over it,
//! and the directory synced. Used by `render`, `export` and the agent's
//! disk cache.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::Context;

/// Writes `content` to `path` with mode 0600, owned by this process.
pub fn write_private(path: &Path, content: &[u8]) -> anyhow::Result<()> {
    write(path, content, 0o600, None)
}

/// Writes `content` to `path` with `mode` and, if given, numeric owner
/// `uid[:gid]` (which needs the privilege to chown).
pub fn write(
    path: &Path,
    content: &[u8],
    mode: u32,
    owner: Option<(u32, Option<u32>)>,
) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let temp = dir.join(format!(
        ".{}.tresor-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> anyhow::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&temp)
            .with_context(|| format!("cannot create {}", temp.display()))?;
        // The umask may have narrowed `mode`; set it exactly.
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
        if let Some((uid, gid)) = owner {
            rustix::fs::fchown(
                &file,
                Some(rustix::fs::Uid::from_raw(uid)),
                gid.map(rustix::fs::Gid::from_raw),
            )
            .with_context(|| format!("cannot give {} to {uid}", temp.display()))?;
        }
        file.write_all(content)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
            .with_context(|| format!("cannot replace {}", path.display()))?;
        std::fs::File::open(dir)?.sync_all()?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_replaced_whole_with_their_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.conf");
        write(&path, b"one", 0o640, None).unwrap();
        write(&path, b"two", 0o600, None).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left behind");
    }
}
