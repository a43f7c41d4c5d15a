//! The root of the key hierarchy, for now a key file.
//!
//! `<data-dir>/root.key` holds 32 random bytes, mode 0600. Everything else
//! Tresor encrypts hangs below it: KMS key material and access-key secrets
//! are wrapped under keys derived from it with HKDF-SHA256, one per purpose.
//! A file readable by anyone but its owner is refused. (The seal/unseal
//! issue replaces this with Shamir shares, env/static and HSM roots.)

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use aws_lc_rs::hkdf::{HKDF_SHA256, KeyType, Salt};
use zeroize::Zeroizing;

use super::aead::{KEY_LEN, random_bytes};

pub struct RootKey(Zeroizing<[u8; KEY_LEN]>);

impl std::fmt::Debug for RootKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RootKey(<redacted>)")
    }
}

/// What a key derived from the root is for. Each purpose gets its own key.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    KeyMaterialWrap,
    AccessKeyWrap,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::KeyMaterialWrap => b"tresor/v1/kms-key-material-wrap",
            Purpose::AccessKeyWrap => b"tresor/v1/access-key-wrap",
        }
    }
}

struct Len32;

impl KeyType for Len32 {
    fn len(&self) -> usize {
        KEY_LEN
    }
}

impl RootKey {
    /// Loads the key file, creating it (mode 0600) if it does not exist.
    /// Returns the key and whether it was just created.
    pub fn load_or_create(path: &Path) -> Result<(RootKey, bool), String> {
        match fs::metadata(path) {
            Ok(_) => Ok((RootKey::load(path)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = random_bytes::<KEY_LEN>();
                let mut file = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path)
                    .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
                file.write_all(&*key)
                    .and_then(|_| file.sync_all())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                Ok((RootKey(key), true))
            }
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    pub fn load(path: &Path) -> Result<RootKey, String> {
        let meta =
            fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(format!(
                "{} is readable by other users (mode {mode:o}); it must be 0600: chmod 600 {}",
                path.display(),
                path.display()
            ));
        }
        let bytes = Zeroizing::new(
            fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        );
        let key: [u8; KEY_LEN] = bytes.as_slice().try_into().map_err(|_| {
            format!(
                "{} is not a Tresor root key ({} bytes, expected {KEY_LEN})",
                path.display(),
                bytes.len()
            )
        })?;
        Ok(RootKey(Zeroizing::new(key)))
    }

    /// A key for one purpose: HKDF-SHA256(root, info = purpose label).
    pub fn derive(&self, purpose: Purpose) -> Zeroizing<[u8; KEY_LEN]> {
        let prk = Salt::new(HKDF_SHA256, b"tresor-root-key").extract(&*self.0);
        let info = [purpose.label()];
        let okm = prk
            .expand(&info, Len32)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        let mut out = Zeroizing::new([0u8; KEY_LEN]);
        okm.fill(&mut *out).expect("the output length matches");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_a_private_key_file_and_loads_it_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        let (key, created) = RootKey::load_or_create(&path).unwrap();
        assert!(created);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (again, created) = RootKey::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(
            *key.derive(Purpose::AccessKeyWrap),
            *again.derive(Purpose::AccessKeyWrap)
        );
    }

    #[test]
    fn refuses_a_key_others_can_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        RootKey::load_or_create(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let err = RootKey::load(&path).unwrap_err();
        assert!(err.contains("0600"), "{err}");
    }

    #[test]
    fn refuses_a_file_of_the_wrong_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("root.key");
        fs::write(&path, b"short").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert!(RootKey::load(&path).is_err());
    }

    #[test]
    fn purposes_get_different_keys() {
        let dir = tempfile::tempdir().unwrap();
        let (key, _) = RootKey::load_or_create(&dir.path().join("root.key")).unwrap();
        assert_ne!(
            *key.derive(Purpose::AccessKeyWrap),
            *key.derive(Purpose::KeyMaterialWrap)
        );
    }
}
