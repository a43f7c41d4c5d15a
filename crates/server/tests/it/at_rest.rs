//! What is on disk: values are encrypted and bound to their place.

use std::path::Path;

use serde_json::json;
use tresor_wire::{ErrorCode, Operation};

use crate::harness::{Harness, token};

/// The contents of every file under `dir`, recursively. SQLite removes its
/// WAL and shared-memory files when the last connection closes, which may
/// happen while we look: a file that vanished is skipped.
fn contents(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    files(dir)
        .into_iter()
        .filter_map(|path| match std::fs::read(&path) {
            Ok(bytes) => Some((path, bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => panic!("{}: {e}", path.display()),
        })
        .collect()
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn a_canary_value_appears_in_no_file_of_the_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let canary = "CANARY-7f3a9c1e-do-not-store-in-clear";
    let canary_binary = b"BINARY-CANARY-5d2e8b70-never-in-clear".to_vec();
    {
        let h = Harness::open(dir.path()).await;
        h.create("canary/string", canary).await;
        h.ok(
            Operation::CreateSecret,
            json!({"Name": "canary/binary", "ClientRequestToken": token(),
                   "SecretBinary": base64_of(&canary_binary)}),
        )
        .await;
        h.ok(
            Operation::PutSecretValue,
            json!({"SecretId": "canary/string", "ClientRequestToken": token(),
                   "SecretString": format!("{canary}-v2")}),
        )
        .await;
        // Read it back so that any read path that might cache or log runs.
        let got = h
            .ok(
                Operation::GetSecretValue,
                json!({"SecretId": "canary/string"}),
            )
            .await;
        assert_eq!(got["SecretString"], format!("{canary}-v2"));
        // While the store is open the WAL holds the newest pages.
        assert!(dir.path().join("tresor.db-wal").exists());
        assert_no_canary(dir.path(), canary, &canary_binary);
    }
    // And once it is closed (SQLite may have folded the WAL in by now).
    assert_no_canary(dir.path(), canary, &canary_binary);
}

fn assert_no_canary(dir: &Path, canary: &str, canary_binary: &[u8]) {
    let mut scanned = 0;
    for (file, bytes) in contents(dir) {
        scanned += 1;
        for needle in [
            canary.as_bytes(),
            canary_binary,
            base64_of(canary_binary).as_bytes(),
        ] {
            assert!(
                !contains(&bytes, needle),
                "{} contains a secret value in clear",
                file.display()
            );
        }
    }
    assert!(
        scanned >= 2,
        "expected at least the database and the key file"
    );
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Copies the encrypted value (ciphertext and wrapped data key) of
/// `from` onto `to` directly in the database.
fn transplant(db: &Path, from: (&str, &str), to: (&str, &str)) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let (kind, key, wrapped, ciphertext): (i64, String, Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT v.value_kind, v.kms_key_id, v.wrapped_key, v.ciphertext FROM versions v
             JOIN secrets s ON s.id = v.secret_id WHERE s.name = ?1 AND v.version_id = ?2",
            [from.0, from.1],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    let changed = conn
        .execute(
            "UPDATE versions SET value_kind = ?1, kms_key_id = ?2, wrapped_key = ?3, ciphertext = ?4
             WHERE version_id = ?6 AND secret_id = (SELECT id FROM secrets WHERE name = ?5)",
            rusqlite::params![kind, key, wrapped, ciphertext, to.0, to.1],
        )
        .unwrap();
    assert_eq!(changed, 1);
}

#[tokio::test]
async fn a_value_moved_to_another_version_or_secret_does_not_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    let (a1, a2, b1) = (token(), token(), token());
    {
        let h = Harness::open(dir.path()).await;
        for (name, tok, value) in [("aad/a", &a1, "a-one"), ("aad/b", &b1, "b-one")] {
            h.ok(
                Operation::CreateSecret,
                json!({"Name": name, "ClientRequestToken": tok, "SecretString": value}),
            )
            .await;
        }
        h.ok(
            Operation::PutSecretValue,
            json!({"SecretId": "aad/a", "ClientRequestToken": a2, "SecretString": "a-two"}),
        )
        .await;
    }
    let db = dir.path().join("tresor.db");
    // Same secret, other version: a-two's row now holds a-one's ciphertext.
    transplant(&db, ("aad/a", &a1), ("aad/a", &a2));
    // Other secret: b's row now holds a-one's ciphertext.
    transplant(&db, ("aad/a", &a1), ("aad/b", &b1));

    let h = Harness::open(dir.path()).await;
    for (secret, version) in [("aad/a", &a2), ("aad/b", &b1)] {
        let err = h
            .call(
                Operation::GetSecretValue,
                json!({"SecretId": secret, "VersionId": version}),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::DecryptionFailure, "{secret}");
        assert!(!err.message.contains("a-one"));
    }
    // The untouched original still decrypts.
    let ok = h
        .ok(
            Operation::GetSecretValue,
            json!({"SecretId": "aad/a", "VersionId": a1}),
        )
        .await;
    assert_eq!(ok["SecretString"], "a-one");
}

#[tokio::test]
async fn a_tampered_ciphertext_does_not_decrypt() {
    let dir = tempfile::tempdir().unwrap();
    {
        let h = Harness::open(dir.path()).await;
        h.create("tamper/me", "original").await;
    }
    let conn = rusqlite::Connection::open(dir.path().join("tresor.db")).unwrap();
    let mut ciphertext: Vec<u8> = conn
        .query_row("SELECT ciphertext FROM versions", [], |r| r.get(0))
        .unwrap();
    let last = ciphertext.len() - 1;
    ciphertext[last] ^= 0x01;
    conn.execute("UPDATE versions SET ciphertext = ?1", [ciphertext])
        .unwrap();
    drop(conn);
    let h = Harness::open(dir.path()).await;
    let err = h
        .call(Operation::GetSecretValue, json!({"SecretId": "tamper/me"}))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::DecryptionFailure);
}

#[tokio::test]
async fn access_key_secrets_are_stored_encrypted() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::open(dir.path()).await;
    drop(h);
    let creds = std::fs::read_to_string(dir.path().join("admin-credentials")).unwrap();
    let secret = creds
        .lines()
        .find_map(|l| l.strip_prefix("aws_secret_access_key = "))
        .expect("the credentials file names the secret key");
    for (file, bytes) in contents(dir.path()) {
        if file.ends_with("admin-credentials") {
            continue;
        }
        assert!(
            !contains(&bytes, secret.as_bytes()),
            "{} holds the secret key",
            file.display()
        );
    }
}
