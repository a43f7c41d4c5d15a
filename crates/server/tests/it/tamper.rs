//! A flipped byte anywhere in a wrapped key or a ciphertext is an error,
//! never a wrong plaintext: secret values (data key and value ciphertext),
//! KMS ciphertexts, wrapped key material, and the sealed root key.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use tresor_wire::{ErrorCode, KmsOperation, Operation};

use crate::harness::{Harness, token};

fn db(dir: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("tresor.db")).unwrap()
}

#[tokio::test]
async fn every_byte_of_a_stored_value_is_authenticated() {
    // One secret per (column, byte): each is tampered with on disk while
    // the server is down, then read by a fresh one (a running server may
    // hold a value it already read in its row cache).
    let dir = tempfile::tempdir().unwrap();
    let (wrapped_len, ciphertext_len) = {
        let h = Harness::open(dir.path()).await;
        h.create("tamper/probe", "the original value").await;
        db(dir.path())
            .query_row(
                "SELECT length(wrapped_key), length(ciphertext) FROM versions",
                [],
                |r| Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? as usize)),
            )
            .unwrap()
    };
    let cases: Vec<(&str, usize)> = (0..wrapped_len)
        .map(|i| ("wrapped_key", i))
        .chain((0..ciphertext_len).map(|i| ("ciphertext", i)))
        .collect();
    {
        let h = Harness::open(dir.path()).await;
        for (column, i) in &cases {
            h.create(&format!("tamper/{column}/{i}"), "the original value")
                .await;
        }
    }
    let conn = db(dir.path());
    for (column, i) in &cases {
        let name = format!("tamper/{column}/{i}");
        let original: Vec<u8> = conn
            .query_row(
                &format!(
                    "SELECT v.{column} FROM versions v JOIN secrets s ON s.id = v.secret_id
                     WHERE s.name = ?1"
                ),
                [&name],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(
            original.len(),
            if *column == "wrapped_key" {
                wrapped_len
            } else {
                ciphertext_len
            }
        );
        let mut flipped = original;
        flipped[*i] ^= 0x20;
        conn.execute(
            &format!(
                "UPDATE versions SET {column} = ?1
                 WHERE secret_id = (SELECT id FROM secrets WHERE name = ?2)"
            ),
            rusqlite::params![flipped, name],
        )
        .unwrap();
    }
    drop(conn);
    let h = Harness::open(dir.path()).await;
    for (column, i) in &cases {
        let err = h
            .call(
                Operation::GetSecretValue,
                json!({"SecretId": format!("tamper/{column}/{i}")}),
            )
            .await
            .expect_err("a tampered value must not decrypt");
        assert_eq!(err.code, ErrorCode::DecryptionFailure, "{column}[{i}]");
    }
    let ok = h
        .ok(
            Operation::GetSecretValue,
            json!({"SecretId": "tamper/probe"}),
        )
        .await;
    assert_eq!(ok["SecretString"], "the original value");
}

#[tokio::test]
async fn every_byte_of_a_kms_ciphertext_is_authenticated() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::open(dir.path()).await;
    let key = h.ok_kms(KmsOperation::CreateKey, json!({})).await["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_string();
    let plaintext = STANDARD.encode(b"kms plaintext");
    let blob = h
        .ok_kms(
            KmsOperation::Encrypt,
            json!({"KeyId": key, "Plaintext": plaintext, "EncryptionContext": {"app": "x"}}),
        )
        .await["CiphertextBlob"]
        .as_str()
        .unwrap()
        .to_string();
    let blob = STANDARD.decode(blob).unwrap();
    for i in 0..blob.len() {
        let mut flipped = blob.clone();
        flipped[i] ^= 0x01;
        let err = h
            .call(
                KmsOperation::Decrypt,
                json!({"CiphertextBlob": STANDARD.encode(&flipped), "EncryptionContext": {"app": "x"}}),
            )
            .await
            .expect_err("a tampered ciphertext must not decrypt");
        assert!(
            matches!(
                err.code,
                ErrorCode::InvalidCiphertextException | ErrorCode::IncorrectKeyException
            ),
            "byte {i}: {err:?}"
        );
    }
    // The context is bound too.
    let err = h
        .call(
            KmsOperation::Decrypt,
            json!({"CiphertextBlob": STANDARD.encode(&blob), "EncryptionContext": {"app": "y"}}),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidCiphertextException);
    let ok = h
        .ok_kms(
            KmsOperation::Decrypt,
            json!({"CiphertextBlob": STANDARD.encode(&blob), "EncryptionContext": {"app": "x"}}),
        )
        .await;
    assert_eq!(ok["Plaintext"], plaintext);
}

#[tokio::test]
async fn tampered_key_material_or_root_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let h = Harness::open(dir.path()).await;
        h.create("tamper/material", "value").await;
    }
    let material: Vec<u8> = db(dir.path())
        .query_row("SELECT wrapped FROM kms_key_material", [], |r| r.get(0))
        .unwrap();
    for i in [0, material.len() / 2, material.len() - 1] {
        let mut flipped = material.clone();
        flipped[i] ^= 0x01;
        db(dir.path())
            .execute("UPDATE kms_key_material SET wrapped = ?1", [&flipped])
            .unwrap();
        // A fresh process: no cached material.
        let h = Harness::open(dir.path()).await;
        let err = h
            .call(
                Operation::GetSecretValue,
                json!({"SecretId": "tamper/material"}),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::DecryptionFailure, "byte {i}");
    }
    db(dir.path())
        .execute("UPDATE kms_key_material SET wrapped = ?1", [&material])
        .unwrap();

    // The sealed root key: a flipped byte and the data directory does not unseal.
    let record: String = db(dir.path())
        .query_row("SELECT value FROM meta WHERE key = 'root_seal'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut parsed: serde_json::Value = serde_json::from_str(&record).unwrap();
    let mut wrapped = STANDARD
        .decode(parsed["wrapped_root"].as_str().unwrap())
        .unwrap();
    wrapped[5] ^= 0x01;
    parsed["wrapped_root"] = json!(STANDARD.encode(&wrapped));
    db(dir.path())
        .execute(
            "UPDATE meta SET value = ?1 WHERE key = 'root_seal'",
            [parsed.to_string()],
        )
        .unwrap();
    assert!(Harness::try_open(dir.path()).await.is_err());
    let _ = token();
}
