//! The optional on-disk copy of the cache, so that an agent restarted
//! while the server is unreachable still answers with the last good
//! values (marked stale).
//!
//! The file is AES-256-GCM under a 32-byte key kept in its own file
//! (created 0600 on first use; keep it on another medium than the cache —
//! a tmpfs, a systemd credential, a Kubernetes secret volume). The
//! endpoint URL is authenticated with it, so a copy taken from another
//! server, a flipped byte or another key is refused, never served. Written
//! atomically (temporary file, fsync, rename), mode 0600.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use anyhow::{Context, bail};
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::cache::{Entry, Key, SecretBody};

const MAGIC: &[u8] = b"TRESOR-AGENT-CACHE/1\n";

pub struct DiskCache {
    path: PathBuf,
    key: LessSafeKey,
    /// Authenticated with every write: the server the answers came from.
    binding: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct Record {
    key: Key,
    arn: String,
    fetched_at_ms: u64,
    /// The answer's body (the secret), as served.
    body: Zeroizing<String>,
}

impl DiskCache {
    /// Opens `path` with the key in `key_path`, creating the key if absent.
    pub fn open(path: &Path, key_path: &Path, endpoint: &str) -> anyhow::Result<DiskCache> {
        let key = Zeroizing::new(read_or_create_key(key_path)?);
        let unbound = UnboundKey::new(&AES_256_GCM, key.as_slice())
            .map_err(|_| anyhow::anyhow!("{} does not hold a 32-byte key", key_path.display()))?;
        let mut binding = MAGIC.to_vec();
        binding.extend_from_slice(endpoint.as_bytes());
        Ok(DiskCache {
            path: path.to_path_buf(),
            key: LessSafeKey::new(unbound),
            binding,
        })
    }

    /// The saved answers (none if there is no file yet).
    pub fn load(&self) -> anyhow::Result<Vec<(Key, Entry)>> {
        let sealed = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}", self.path.display()));
            }
        };
        let rest = sealed
            .strip_prefix(MAGIC)
            .with_context(|| format!("{} is not a Tresor agent cache", self.path.display()))?;
        if rest.len() < NONCE_LEN {
            bail!("{} is truncated", self.path.display());
        }
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).expect("NONCE_LEN bytes");
        let mut plain = Zeroizing::new(ciphertext.to_vec());
        let opened = self
            .key
            .open_in_place(nonce, Aad::from(&self.binding), &mut plain)
            .map_err(|_| {
                anyhow::anyhow!(
                    "{} cannot be opened: altered, truncated, written for another endpoint, or under another key",
                    self.path.display()
                )
            })?;
        let records: Vec<Record> =
            serde_json::from_slice(opened).context("the cache file's contents are invalid")?;
        Ok(records
            .into_iter()
            .map(|r| {
                let fetched_at = UNIX_EPOCH + Duration::from_millis(r.fetched_at_ms);
                let body = SecretBody::new(Zeroizing::new(r.body.as_bytes().to_vec()));
                (r.key, Entry::new(r.arn, body, fetched_at))
            })
            .collect())
    }

    /// Replaces the file with these answers.
    pub fn save(&self, entries: &[(Key, std::sync::Arc<Entry>)]) -> anyhow::Result<()> {
        let records: Vec<Record> = entries
            .iter()
            .filter_map(|(key, e)| {
                Some(Record {
                    key: key.clone(),
                    arn: e.arn.clone(),
                    fetched_at_ms: e.fetched_at.duration_since(UNIX_EPOCH).ok()?.as_millis() as u64,
                    body: Zeroizing::new(String::from_utf8(e.body.as_slice().to_vec()).ok()?),
                })
            })
            .collect();
        let mut sealed = Zeroizing::new(serde_json::to_vec(&records).expect("records serialise"));
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).map_err(|_| anyhow::anyhow!("no randomness"))?;
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(&self.binding),
                &mut *sealed,
            )
            .map_err(|_| anyhow::anyhow!("cannot encrypt the cache"))?;
        let mut file = Zeroizing::new(Vec::with_capacity(MAGIC.len() + NONCE_LEN + sealed.len()));
        file.extend_from_slice(MAGIC);
        file.extend_from_slice(&nonce);
        file.extend_from_slice(&sealed);
        crate::atomic_file::write_private(&self.path, &file)?;
        Ok(())
    }
}

fn read_or_create_key(path: &Path) -> anyhow::Result<Vec<u8>> {
    match std::fs::read(path) {
        Ok(key) if key.len() == 32 => return Ok(key),
        Ok(_) => bail!("{} must hold exactly 32 bytes", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    let mut key = Zeroizing::new(vec![0u8; 32]);
    aws_lc_rs::rand::fill(&mut key).map_err(|_| anyhow::anyhow!("no randomness"))?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create the cache key {}", path.display()))?;
    file.write_all(&key)?;
    file.sync_all()?;
    Ok(key.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    fn sample() -> Vec<(Key, std::sync::Arc<Entry>)> {
        let key = Key {
            secret_id: "prod/db".into(),
            version_id: None,
            version_stage: None,
        };
        let body = SecretBody::new(Zeroizing::new(br#"{"SecretString":"canary-7"}"#.to_vec()));
        vec![(
            key,
            std::sync::Arc::new(Entry::new("arn:a".into(), body, SystemTime::now())),
        )]
    }

    #[test]
    fn answers_round_trip_encrypted() {
        let dir = tempfile::tempdir().unwrap();
        let (file, key) = (dir.path().join("cache"), dir.path().join("cache.key"));
        let disk = DiskCache::open(&file, &key, "http://127.0.0.1:8737").unwrap();
        assert!(disk.load().unwrap().is_empty());
        disk.save(&sample()).unwrap();
        let raw = std::fs::read(&file).unwrap();
        assert!(
            !raw.windows(8).any(|w| w == b"canary-7"),
            "the value is not in clear"
        );
        let loaded = disk.load().unwrap();
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].0.secret_id, "prod/db");
        assert_eq!(
            loaded[0].1.body.as_slice(),
            br#"{"SecretString":"canary-7"}"#
        );
        use std::os::unix::fs::PermissionsExt;
        for path in [&file, &key] {
            let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", path.display());
        }
    }

    #[test]
    fn an_altered_or_foreign_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (file, key) = (dir.path().join("cache"), dir.path().join("cache.key"));
        DiskCache::open(&file, &key, "http://a")
            .unwrap()
            .save(&sample())
            .unwrap();
        assert!(
            DiskCache::open(&file, &key, "http://b")
                .unwrap()
                .load()
                .is_err()
        );
        let mut raw = std::fs::read(&file).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        std::fs::write(&file, &raw).unwrap();
        assert!(
            DiskCache::open(&file, &key, "http://a")
                .unwrap()
                .load()
                .is_err()
        );
        std::fs::write(&file, &raw[..MAGIC.len() + 4]).unwrap();
        assert!(
            DiskCache::open(&file, &key, "http://a")
                .unwrap()
                .load()
                .is_err()
        );
    }
}
