//! Seal keys supplied from outside: by an orchestrator through an
//! environment variable, or as a file (a systemd credential, a Kubernetes
//! secret volume, a tmpfs an init container filled).
//!
//! Both take the 32-byte seal key S as standard base64 (with padding;
//! surrounding whitespace ignored); a file may also hold the 32 raw bytes.
//!
//! The environment variable stays in the process environment after it is
//! read: removing it (`std::env::remove_var`) is `unsafe` in edition 2024,
//! and Tresor forbids `unsafe`. It is therefore visible to the same user
//! and to root in `/proc/<pid>/environ` for the life of the process, and is
//! inherited by any child process. Prefer the key file where there is a
//! choice.
//!
//! # Who may read a key file
//!
//! The file is opened (following symlinks) and the permissions checked are
//! those of the file actually opened, so a symlink is fine exactly when its
//! target would be. The rule:
//!
//! * no permission bits at all for *other* users;
//! * no write or execute bit for the group;
//! * group *read* only when the file is owned by root. That is the shape of a
//!   deliberate grant — `root:tresor 0440`, or a systemd credential in
//!   `/run/credentials/<unit>/`, which is root-owned `0400` with a read ACL
//!   for the service user (the ACL mask shows as group read, `0440`), or,
//!   where ACLs are unavailable, owned by the service user with `0400` —
//!   whereas a group-readable file owned by the service user is nearly always
//!   an umask accident (`0640`), so it is refused as `root_key.rs` would.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroizing;

use super::{SEAL_KEY_LEN, SealError};
use crate::kms::aead::random_bytes;

/// Length of S in standard base64 with padding.
const BASE64_LEN: usize = SEAL_KEY_LEN.div_ceil(3) * 4;
/// Anything longer is not a key file.
const MAX_FILE_LEN: usize = 1024;

/// A fresh random seal key, for `operator init`.
pub fn generate_key() -> Zeroizing<[u8; SEAL_KEY_LEN]> {
    random_bytes::<SEAL_KEY_LEN>()
}

/// S as standard base64, the form [`key_from_env`] and [`key_from_file`]
/// read, for `operator init` to print or save.
pub fn key_to_base64(key: &[u8; SEAL_KEY_LEN]) -> Zeroizing<String> {
    let mut encoded = Zeroizing::new([0u8; BASE64_LEN]);
    let written = STANDARD
        .encode_slice(key, &mut *encoded)
        .expect("the buffer fits 32 bytes in base64");
    let mut out = Zeroizing::new(String::with_capacity(BASE64_LEN));
    out.extend(encoded[..written].iter().copied().map(char::from));
    out
}

/// Reads S from the environment variable `var` (standard base64 of 32
/// bytes). The variable is not removed; see the module doc.
pub fn key_from_env(var: &str) -> Result<Zeroizing<[u8; SEAL_KEY_LEN]>, SealError> {
    let fail = |reason| SealError::KeyEnv {
        var: var.to_string(),
        reason,
    };
    let value = std::env::var_os(var).ok_or(fail("is not set"))?;
    let value = Zeroizing::new(value.into_vec());
    decode_text(&value).map_err(fail)
}

/// Reads S from a file holding 32 raw bytes or their base64 (surrounding
/// whitespace ignored). Refuses files others may read; see the module doc.
pub fn key_from_file(path: &Path) -> Result<Zeroizing<[u8; SEAL_KEY_LEN]>, SealError> {
    let fail = |reason: String| SealError::KeyFile {
        path: path.to_path_buf(),
        reason,
    };
    let mut file = File::open(path).map_err(|e| fail(format!("cannot be opened: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| fail(format!("cannot be examined: {e}")))?;
    if !meta.is_file() {
        return Err(fail("is not a regular file".to_string()));
    }
    check_mode(meta.mode(), meta.uid()).map_err(|problem| {
        fail(format!(
            "{problem} (mode {:04o}); make it private: chmod 600 {}",
            meta.mode() & 0o7777,
            path.display()
        ))
    })?;

    let mut buf = Zeroizing::new([0u8; MAX_FILE_LEN]);
    let mut len = 0;
    loop {
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(fail(format!("cannot be read: {e}"))),
        }
        if len == MAX_FILE_LEN {
            return Err(fail(format!(
                "is {MAX_FILE_LEN} bytes or more; it is not a seal key"
            )));
        }
    }
    let contents = &buf[..len];
    if len == SEAL_KEY_LEN {
        let mut key = Zeroizing::new([0u8; SEAL_KEY_LEN]);
        key.copy_from_slice(contents);
        return Ok(key);
    }
    decode_text(contents).map_err(|reason| fail(reason.to_string()))
}

/// Whether a key file with this mode and owner may be used; the reason if not.
fn check_mode(mode: u32, owner: u32) -> Result<(), &'static str> {
    if mode & 0o007 != 0 {
        Err("is accessible to all users")
    } else if mode & 0o030 != 0 {
        Err("is writable or executable by its group")
    } else if mode & 0o040 != 0 && owner != 0 {
        Err("is readable by its group and not owned by root")
    } else {
        Ok(())
    }
}

fn decode_text(text: &[u8]) -> Result<Zeroizing<[u8; SEAL_KEY_LEN]>, &'static str> {
    let text = text.trim_ascii();
    if text.is_empty() {
        return Err("is empty");
    }
    let mut decoded = Zeroizing::new([0u8; 2 * SEAL_KEY_LEN]);
    match STANDARD.decode_slice(text, &mut *decoded) {
        Ok(SEAL_KEY_LEN) => {
            let mut key = Zeroizing::new([0u8; SEAL_KEY_LEN]);
            key.copy_from_slice(&decoded[..SEAL_KEY_LEN]);
            Ok(key)
        }
        Ok(_) | Err(base64::DecodeSliceError::OutputSliceTooSmall) => {
            Err("does not hold exactly 32 bytes (expected 44 characters of base64)")
        }
        Err(base64::DecodeSliceError::DecodeError(_)) => Err(
            "is not valid standard base64 (expected 44 characters, e.g. from `openssl rand -base64 32`)",
        ),
    }
}

#[cfg(test)]
#[path = "external_tests.rs"]
mod tests;
