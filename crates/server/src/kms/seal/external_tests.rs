//! Tests of seal keys from the environment and from files.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::PathBuf;

use super::*;
use crate::kms::seal::test_child;

/// The key appears in `message` neither raw nor in an encoding a leaky
/// message might use.
fn assert_no_key(message: &str, key: &[u8; SEAL_KEY_LEN]) {
    let encodings = [
        key_to_base64(key).to_string(),
        hex::encode(key),
        hex::encode_upper(key),
        format!("{:?}", &key[..4]),
    ];
    for encoded in encodings {
        assert!(
            !message.contains(&encoded[..12]),
            "message leaks the key: {message}"
        );
    }
    let raw = key
        .windows(8)
        .any(|w| message.as_bytes().windows(8).any(|m| m == w));
    assert!(!raw, "message leaks raw key bytes: {message}");
}

#[test]
fn generated_keys_are_fresh_and_round_trip_through_base64() {
    let (a, b) = (generate_key(), generate_key());
    assert_ne!(*a, *b);
    let text = key_to_base64(&a);
    assert_eq!(text.len(), 44);
    assert_eq!(*decode_text(text.as_bytes()).unwrap(), *a);
    assert_eq!(
        *decode_text(format!("  {}\n", *text).as_bytes()).unwrap(),
        *a
    );
}

#[test]
fn an_unset_variable_is_reported_by_name() {
    let err = key_from_env("TRESOR_TEST_SEAL_KEY_NEVER_SET_7F3A").unwrap_err();
    assert_eq!(
        err.to_string(),
        "seal key variable TRESOR_TEST_SEAL_KEY_NEVER_SET_7F3A: is not set"
    );
}

const GOOD: &str = "TRESOR_TEST_SEAL_KEY_GOOD";
const EXPECT: &str = "TRESOR_TEST_SEAL_KEY_EXPECT";
const BAD: [&str; 5] = [
    "TRESOR_TEST_SEAL_KEY_SHORT",
    "TRESOR_TEST_SEAL_KEY_LONG",
    "TRESOR_TEST_SEAL_KEY_JUNK",
    "TRESOR_TEST_SEAL_KEY_BINARY",
    "TRESOR_TEST_SEAL_KEY_EMPTY",
];

#[test]
fn keys_from_the_environment() {
    let key = generate_key();
    let good = format!("{}\n", *key_to_base64(&key));
    let expect = hex::encode(*key);
    let short = key_to_base64(&key)[..40].to_string() + "==";
    let long = base64::engine::general_purpose::STANDARD.encode([7u8; 33]);
    // Base64 of the key with its padding turned into junk.
    let junk = key_to_base64(&key).replace('=', "!");
    let binary = [0xffu8, 0xfe, 0x41];
    let envs: [(&str, &OsStr); 7] = [
        (GOOD, good.as_ref()),
        (EXPECT, expect.as_ref()),
        (BAD[0], short.as_ref()),
        (BAD[1], long.as_ref()),
        (BAD[2], junk.as_ref()),
        (BAD[3], OsStr::from_bytes(&binary)),
        (BAD[4], "".as_ref()),
    ];
    test_child::run("kms::seal::external::tests::env_child", &envs);
}

#[test]
#[ignore = "run by keys_from_the_environment in a child process"]
fn env_child() {
    if !test_child::is_child() {
        return;
    }
    let key = key_from_env(GOOD).unwrap();
    assert_eq!(hex::encode(*key), std::env::var(EXPECT).unwrap());
    for var in BAD {
        let err = key_from_env(var).unwrap_err();
        assert!(matches!(err, SealError::KeyEnv { .. }), "{err}");
        let message = err.to_string();
        assert!(message.contains(var), "{message}");
        assert_no_key(&message, &key);
        eprintln!("{message}");
    }
}

struct KeyDir {
    dir: tempfile::TempDir,
    key: Zeroizing<[u8; SEAL_KEY_LEN]>,
}

impl KeyDir {
    fn new() -> Self {
        KeyDir {
            dir: tempfile::tempdir().unwrap(),
            key: generate_key(),
        }
    }

    fn write(&self, name: &str, contents: &[u8], mode: u32) -> PathBuf {
        let path = self.dir.path().join(name);
        fs::write(&path, contents).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    fn rejects(&self, path: &std::path::Path, reason: &str) {
        let err = key_from_file(path).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, SealError::KeyFile { .. }), "{message}");
        assert!(message.contains(reason), "{message}");
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert_no_key(&message, &self.key);
    }
}

#[test]
fn key_files_raw_or_base64() {
    let d = KeyDir::new();
    let raw = d.write("raw", &*d.key, 0o600);
    assert_eq!(*key_from_file(&raw).unwrap(), *d.key);
    let text = format!("{}\n", *key_to_base64(&d.key));
    let b64 = d.write("b64", text.as_bytes(), 0o400);
    assert_eq!(*key_from_file(&b64).unwrap(), *d.key);

    d.rejects(&d.write("short", &d.key[..31], 0o600), "base64");
    d.rejects(&d.write("empty", b"", 0o600), "is empty");
    d.rejects(&d.write("newline", b"\n", 0o600), "is empty");
    d.rejects(&d.write("big", &[b'A'; 4096], 0o600), "bytes or more");
    d.rejects(&d.write("raw33", &[1u8; 33], 0o600), "base64");
    d.rejects(&d.dir.path().join("missing"), "cannot be opened");
    d.rejects(d.dir.path(), "not a regular file");
}

#[test]
fn key_files_others_may_read_are_refused() {
    let d = KeyDir::new();
    for mode in [0o644, 0o604, 0o606, 0o660, 0o620, 0o610] {
        let path = d.write(&format!("m{mode:o}"), &*d.key, mode);
        d.rejects(&path, "chmod 600");
    }
    // Group read: accepted for a root-owned file only.
    let path = d.write("m640", &*d.key, 0o640);
    let owner = fs::metadata(&path).unwrap().uid();
    if owner == 0 {
        assert_eq!(*key_from_file(&path).unwrap(), *d.key);
        // As root, hand the file to `nobody` to see the other side.
        std::os::unix::fs::chown(&path, Some(65534), None).unwrap();
    }
    d.rejects(&path, "not owned by root");
}

#[test]
fn symlinks_are_judged_by_their_target() {
    let d = KeyDir::new();
    let private = d.write("private", &*d.key, 0o600);
    let public = d.write("public", &*d.key, 0o644);
    let to_private = d.dir.path().join("to-private");
    let to_public = d.dir.path().join("to-public");
    symlink(&private, &to_private).unwrap();
    symlink(&public, &to_public).unwrap();
    assert_eq!(*key_from_file(&to_private).unwrap(), *d.key);
    d.rejects(&to_public, "accessible to all users");
}

#[test]
fn the_permission_rule() {
    let ok = [
        (0o600, 1000),
        (0o400, 1000),
        (0o700, 1000),
        (0o640, 0),
        (0o440, 0),
        (0o400, 0),
    ];
    for (mode, owner) in ok {
        assert_eq!(check_mode(mode, owner), Ok(()), "{mode:o} uid {owner}");
    }
    let refused = [
        (0o640, 1000),
        (0o440, 1000),
        (0o660, 0),
        (0o610, 0),
        (0o604, 0),
        (0o644, 0),
        (0o601, 1000),
    ];
    for (mode, owner) in refused {
        assert!(check_mode(mode, owner).is_err(), "{mode:o} uid {owner}");
    }
    // A regular file's full st_mode is judged by its permission bits.
    assert_eq!(check_mode(0o100600, 1000), Ok(()));
}
