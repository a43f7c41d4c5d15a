//! Bad input never makes the service fail with a server error or panic,
//! and never changes state.

use serde_json::{Value, json};
use tresor_wire::model::{Model, ShapeKind};
use tresor_wire::{ErrorCode, KmsOperation, Operation, Target};

use crate::harness::{Harness, token};

/// Values of every JSON type and some awkward strings and numbers.
fn awkward_values() -> Vec<Value> {
    vec![
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(1e300),
        json!(i64::MAX),
        json!(""),
        json!(" "),
        json!("x"),
        json!("arn:aws:secretsmanager:us-east-1:111122223333:secret:"),
        json!("arn:aws:secretsmanager:us-east-1:111122223333:secret:x-AbCdEf"),
        json!("arn:::::"),
        json!("../../etc/passwd"),
        json!("%2e%2e%2f"),
        json!("名前"),
        json!("a".repeat(5000)),
        json!("\u{0000}"),
        json!("AWSCURRENT"),
        json!([]),
        json!(["a", 1, null]),
        json!([{"Key": "name", "Values": []}]),
        json!({}),
        json!({"Key": 1}),
    ]
}

/// The members of an operation's input, from the service model.
fn input_members(op: Target) -> Vec<String> {
    let Some(model) = Model::of(op.service()) else {
        return Vec::new();
    };
    match model.input_shape(op).map(|s| &s.kind) {
        Some(ShapeKind::Structure { members, .. }) => {
            members.iter().map(|(m, _)| m.clone()).collect()
        }
        _ => Vec::new(),
    }
}

/// Bodies that are wrong in one member each, for one operation: every
/// awkward value in every member the operation takes, alone and next to a
/// real secret or key (so that checks past the first run too).
fn bodies_for(op: Target) -> Vec<Value> {
    let mut bodies = vec![json!(null), json!([]), json!("x"), json!(1), json!({})];
    for member in input_members(op) {
        for value in awkward_values() {
            bodies.push(json!({ member.clone(): value.clone() }));
            let anchor = match op {
                Target::Kms(_) => ("KeyId", json!("alias/bad-input")),
                _ => ("SecretId", json!("bad-input/x")),
            };
            if member != anchor.0 {
                bodies.push(json!({ anchor.0: anchor.1, member.clone(): value }));
            }
        }
    }
    bodies
}

/// Everything in the database except access dates (reads move them), as
/// text: a rejected request must leave it byte for byte the same.
fn fingerprint(db: &rusqlite::Connection) -> String {
    let queries = [
        "SELECT id, region, name, arn, description, kms_key_id, secret_type, tags, resource_policy, \
         rotation, created_ms, last_changed_ms, deleted_ms, deletion_ms, primary_region, replicas \
         FROM secrets ORDER BY id",
        "SELECT secret_id, version_id, created_ms, value_kind, kms_key_id, hex(wrapped_key), \
         hex(ciphertext) FROM versions ORDER BY secret_id, version_id",
        "SELECT * FROM stages ORDER BY secret_id, stage",
        "SELECT * FROM kms_keys ORDER BY key_id",
        "SELECT * FROM kms_aliases ORDER BY region, name",
        "SELECT key_id, version, hex(wrapped) FROM kms_key_material ORDER BY key_id, version",
        "SELECT access_key_id, hex(wrapped_secret), active FROM access_keys ORDER BY access_key_id",
        "SELECT * FROM meta ORDER BY key",
    ];
    let mut out = String::new();
    for sql in queries {
        let mut stmt = db.prepare_cached(sql).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                let value: rusqlite::types::Value = row.get(i).unwrap();
                out.push_str(&format!("{value:?}|"));
            }
            out.push('\n');
        }
    }
    out
}

#[tokio::test]
async fn no_bad_input_is_a_server_error_or_a_change() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::open(dir.path()).await;
    h.create("bad-input/x", "value").await;
    h.ok(
        Operation::CreateSecret,
        json!({"Name": "bad-input/deleted", "ClientRequestToken": token(), "SecretString": "v"}),
    )
    .await;
    h.ok(
        Operation::DeleteSecret,
        json!({"SecretId": "bad-input/deleted"}),
    )
    .await;

    let db = rusqlite::Connection::open(dir.path().join("tresor.db")).unwrap();
    let mut state = fingerprint(&db);
    let (mut calls, mut rejected) = (0, 0);
    let targets: Vec<Target> = Operation::ALL
        .iter()
        .map(|op| Target::from(*op))
        .chain(KmsOperation::ALL.iter().map(|op| Target::from(*op)))
        .collect();
    for op in &targets {
        for body in &bodies_for(*op) {
            let result = h.call(*op, body.clone()).await;
            calls += 1;
            match result {
                Err(e) => {
                    rejected += 1;
                    assert_ne!(
                        e.code,
                        ErrorCode::InternalServiceError,
                        "{} {body} answered a server error: {}",
                        op.name(),
                        e.message
                    );
                    // A rejected request changes nothing.
                    assert!(
                        fingerprint(&db) == state,
                        "{} {body} was refused but changed state",
                        op.name()
                    );
                }
                // Some awkward-looking requests are valid (a description of
                // "x"); they may change state.
                Ok(_) => state = fingerprint(&db),
            }
        }
    }
    assert!(calls > 10_000, "{calls}");
    assert!(
        rejected > calls / 2,
        "most of these requests are invalid: {rejected}/{calls}"
    );
}
