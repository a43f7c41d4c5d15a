//! Bad input never makes the service fail with a server error or panic,
//! and never changes state.

use serde_json::{Value, json};
use tresor_wire::{ErrorCode, Operation};

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

/// The members any operation takes.
const MEMBERS: &[&str] = &[
    "SecretId",
    "Name",
    "SecretString",
    "SecretBinary",
    "ClientRequestToken",
    "VersionId",
    "VersionStage",
    "VersionStages",
    "Description",
    "KmsKeyId",
    "Tags",
    "TagKeys",
    "Filters",
    "MaxResults",
    "NextToken",
    "SortOrder",
    "SortBy",
    "RecoveryWindowInDays",
    "ForceDeleteWithoutRecovery",
    "ResourcePolicy",
    "BlockPublicPolicy",
    "RotationRules",
    "RotationLambdaARN",
    "AddReplicaRegions",
    "RemoveReplicaRegions",
    "MoveToVersionId",
    "RemoveFromVersionId",
    "SecretIdList",
    "PasswordLength",
    "ExcludeCharacters",
    "IncludeDeprecated",
    "IncludePlannedDeletion",
    "RotateImmediately",
];

async fn snapshot(h: &Harness) -> Value {
    let mut list = h
        .ok(
            Operation::ListSecrets,
            json!({"IncludePlannedDeletion": true}),
        )
        .await;
    // Access dates move when values are read; they are not state we assert on.
    for entry in list["SecretList"].as_array_mut().unwrap() {
        entry.as_object_mut().unwrap().remove("LastAccessedDate");
    }
    list
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

    let mut bodies: Vec<Value> = vec![json!(null), json!([]), json!("x"), json!(1), json!({})];
    for member in MEMBERS {
        for value in awkward_values() {
            bodies.push(json!({ *member: value.clone() }));
            // With a real secret named, so that deeper checks run too.
            if *member != "SecretId" {
                bodies.push(json!({"SecretId": "bad-input/x", *member: value}));
            }
        }
    }
    let mut state = snapshot(&h).await;
    let (mut calls, mut rejected) = (0, 0);
    for op in Operation::ALL {
        for body in &bodies {
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
                    assert_eq!(
                        snapshot(&h).await,
                        state,
                        "{} {body} was refused but changed state",
                        op.name()
                    );
                }
                // Some awkward-looking requests are valid (a description of
                // "x"); they may change state.
                Ok(_) => state = snapshot(&h).await,
            }
        }
    }
    assert!(calls > 10_000, "{calls}");
    assert!(
        rejected > calls / 2,
        "most of these requests are invalid: {rejected}/{calls}"
    );
}
