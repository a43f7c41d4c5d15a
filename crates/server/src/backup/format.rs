//! The backup file: a manifest, the database, and a checksum of both.
//!
//! ```text
//! TRESOR-BACKUP 1\n
//! {"format":1,…,"database_bytes":N,"database_sha256":"…"}\n
//! <N bytes: the SQLite database>
//! sha256:<hex SHA-256 of every byte before this line>\n
//! ```
//!
//! Reading checks the length and checksum of the database and of the whole
//! file, so a flipped byte anywhere, a truncated or an extended file is
//! refused before anything is restored from it.

use std::io::{BufRead, BufReader, Read, Write};

use aws_lc_rs::digest::{Context, SHA256};
use serde::{Deserialize, Serialize};

use crate::store::sqlite::snapshot::SnapshotFacts;

const MAGIC: &[u8] = b"TRESOR-BACKUP 1\n";
const TRAILER_PREFIX: &[u8] = b"sha256:";
/// A manifest is a few hundred bytes; anything far longer is not one.
const MAX_MANIFEST: u64 = 64 * 1024;
pub const FORMAT_VERSION: u32 = 1;

/// What a backup holds, written before the database so that `verify` can
/// say what it checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    /// RFC 3339, UTC.
    pub created: String,
    pub tresor_version: String,
    pub account_id: String,
    /// How the root key is sealed: a restored server needs the same seal
    /// (the seal key or the unseal shares are never in a backup).
    pub seal: String,
    /// What the database holds (checked against the database itself).
    pub contents: SnapshotFacts,
    /// The audit trail's checkpoint-signing key (hex), to compare with the
    /// one the operator pinned.
    pub audit_public_key: String,
    pub database_bytes: u64,
    pub database_sha256: String,
}

/// Why a file is not a sound backup.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FormatError(pub String);

fn bad(message: impl Into<String>) -> FormatError {
    FormatError(message.into())
}

/// Hashes everything that passes through it.
struct Hashing<W> {
    inner: W,
    hash: Context,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// SHA-256 of a whole reader, and its length.
pub fn sha256_of(mut reader: impl Read) -> std::io::Result<(String, u64)> {
    let mut hash = Context::new(&SHA256);
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            return Ok((hex::encode(hash.finish().as_ref()), total));
        }
        hash.update(&buf[..n]);
        total += n as u64;
    }
}

/// Writes a backup: `manifest` (whose `database_*` fields must describe
/// `database`), then the database, then the checksum. Returns the file's
/// checksum.
pub fn write(
    out: impl Write,
    manifest: &Manifest,
    mut database: impl Read,
) -> std::io::Result<String> {
    let mut out = Hashing {
        inner: out,
        hash: Context::new(&SHA256),
    };
    out.write_all(MAGIC)?;
    serde_json::to_writer(&mut out, manifest)?;
    out.write_all(b"\n")?;
    let copied = std::io::copy(&mut database, &mut out)?;
    if copied != manifest.database_bytes {
        return Err(std::io::Error::other(format!(
            "the database changed while it was copied ({copied} bytes, expected {})",
            manifest.database_bytes
        )));
    }
    let Hashing { mut inner, hash } = out;
    let checksum = hex::encode(hash.finish().as_ref());
    inner.write_all(TRAILER_PREFIX)?;
    inner.write_all(checksum.as_bytes())?;
    inner.write_all(b"\n")?;
    inner.flush()?;
    Ok(checksum)
}

/// Hashes everything read (or consumed) through it.
struct HashingReader<R> {
    inner: R,
    hash: Context,
}

impl<R: BufRead> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for HashingReader<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        // The buffered bytes are still there: fill_buf does not read again
        // while its buffer is not empty.
        if let Ok(buffered) = self.inner.fill_buf() {
            self.hash.update(&buffered[..amt.min(buffered.len())]);
        }
        self.inner.consume(amt);
    }
}

/// Reads and checks a backup, copying its database into `database`.
/// Nothing written to `database` may be used unless this returns `Ok`.
pub fn read(file: impl Read, database: impl Write) -> Result<Manifest, FormatError> {
    let io = |e: std::io::Error| bad(format!("cannot read the backup: {e}"));
    let mut file = HashingReader {
        inner: BufReader::with_capacity(256 * 1024, file),
        hash: Context::new(&SHA256),
    };

    let mut magic = vec![0u8; MAGIC.len()];
    file.read_exact(&mut magic)
        .map_err(|_| bad("not a Tresor backup (the file is too short)"))?;
    if magic != MAGIC {
        return Err(bad(
            "not a Tresor backup (it does not start with TRESOR-BACKUP 1)",
        ));
    }

    let mut line = Vec::new();
    (&mut file)
        .take(MAX_MANIFEST)
        .read_until(b'\n', &mut line)
        .map_err(io)?;
    if line.last() != Some(&b'\n') {
        return Err(bad("the backup's manifest is damaged or cut short"));
    }
    let manifest: Manifest = serde_json::from_slice(&line)
        .map_err(|e| bad(format!("the backup's manifest is damaged: {e}")))?;
    if manifest.format != FORMAT_VERSION {
        return Err(bad(format!(
            "backup format {} is not one this Tresor reads ({FORMAT_VERSION})",
            manifest.format
        )));
    }

    let mut copy = Hashing {
        inner: database,
        hash: Context::new(&SHA256),
    };
    let copied =
        std::io::copy(&mut (&mut file).take(manifest.database_bytes), &mut copy).map_err(io)?;
    if copied != manifest.database_bytes {
        return Err(bad(format!(
            "the backup is truncated: {copied} of {} database bytes",
            manifest.database_bytes
        )));
    }
    copy.flush().map_err(io)?;
    if hex::encode(copy.hash.finish().as_ref()) != manifest.database_sha256 {
        return Err(bad(
            "the backup's database does not match its checksum: the file is damaged or was altered",
        ));
    }

    let HashingReader { inner: rest, hash } = file;
    let expected = hex::encode(hash.finish().as_ref());
    let mut trailer = Vec::new();
    rest.take((TRAILER_PREFIX.len() + 64 + 2) as u64)
        .read_to_end(&mut trailer)
        .map_err(io)?;
    let mut want = TRAILER_PREFIX.to_vec();
    want.extend_from_slice(expected.as_bytes());
    want.push(b'\n');
    if trailer.len() < want.len() || !trailer.starts_with(TRAILER_PREFIX) {
        return Err(bad("the backup is truncated: its checksum line is missing"));
    }
    if trailer != want {
        return Err(bad(
            "the backup does not match its checksum: the file is damaged or was altered",
        ));
    }
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Manifest, Vec<u8>) {
        let database: Vec<u8> = (0..700u32).map(|i| (i * 7 % 251) as u8).collect();
        let (database_sha256, database_bytes) = sha256_of(&database[..]).unwrap();
        let manifest = Manifest {
            format: FORMAT_VERSION,
            created: "2026-11-26T10:00:00Z".into(),
            tresor_version: "0.1.0".into(),
            account_id: "123456789012".into(),
            seal: "file".into(),
            contents: SnapshotFacts {
                schema_version: 3,
                secrets: 1,
                versions: 2,
                kms_keys: 1,
                audit_events: 5,
                audit_head_seq: Some(5),
            },
            audit_public_key: "00".into(),
            database_bytes,
            database_sha256,
        };
        (manifest, database)
    }

    #[test]
    fn a_backup_reads_back_as_written() {
        let (manifest, database) = sample();
        let mut file = Vec::new();
        let checksum = write(&mut file, &manifest, &database[..]).unwrap();
        assert!(file.ends_with(format!("sha256:{checksum}\n").as_bytes()));
        let mut copy = Vec::new();
        assert_eq!(read(&file[..], &mut copy).unwrap(), manifest);
        assert_eq!(copy, database);
    }

    #[test]
    fn every_flipped_bit_and_every_cut_is_refused() {
        let (manifest, database) = sample();
        let mut file = Vec::new();
        write(&mut file, &manifest, &database[..]).unwrap();
        for at in 0..file.len() {
            for bit in [0x01, 0x80] {
                let mut damaged = file.clone();
                damaged[at] ^= bit;
                assert!(
                    read(&damaged[..], std::io::sink()).is_err(),
                    "bit {bit:#x} of byte {at} flipped"
                );
            }
            assert!(read(&file[..at], std::io::sink()).is_err(), "cut at {at}");
        }
        let mut longer = file.clone();
        longer.push(b'\n');
        assert!(read(&longer[..], std::io::sink()).is_err());
    }

    #[test]
    fn a_database_that_changes_while_written_is_refused() {
        let (manifest, database) = sample();
        let shorter = &database[..database.len() - 1];
        assert!(write(Vec::new(), &manifest, shorter).is_err());
    }
}
