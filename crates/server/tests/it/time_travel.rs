//! Behaviour that depends on time passing: the deletion purge and version
//! pruning. The service's clock is moved; nothing else is faked.

use serde_json::json;
use tresor_server::service::purge_due;
use tresor_wire::{ErrorCode, Operation};

use crate::harness::{Harness, token};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

#[tokio::test]
async fn a_large_purge_removes_every_due_secret_in_steps() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::open(dir.path()).await;
    // More than two of the purge's transactions' worth.
    let names: Vec<String> = (0..230).map(|i| format!("many/{i:03}")).collect();
    for name in &names {
        h.create(name, "v").await;
        h.ok(
            Operation::DeleteSecret,
            json!({"SecretId": name, "RecoveryWindowInDays": 7}),
        )
        .await;
    }
    h.create("many/kept", "v").await;
    h.clock.advance_ms(7 * DAY_MS);
    assert_eq!(purge_due(&h.service).await.unwrap(), names.len());
    assert_eq!(purge_due(&h.service).await.unwrap(), 0);
    let listed = h
        .ok(
            Operation::ListSecrets,
            json!({"IncludePlannedDeletion": true, "Filters": [{"Key": "name", "Values": ["many/"]}]}),
        )
        .await;
    let left: Vec<&str> = listed["SecretList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Name"].as_str().unwrap())
        .collect();
    assert_eq!(left, ["many/kept"]);
}

#[tokio::test]
async fn secrets_are_purged_when_their_recovery_window_ends() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::open(dir.path()).await;
    h.create("purge/seven", "v").await;
    h.create("purge/thirty", "v").await;
    h.ok(
        Operation::DeleteSecret,
        json!({"SecretId": "purge/seven", "RecoveryWindowInDays": 7}),
    )
    .await;
    h.ok(Operation::DeleteSecret, json!({"SecretId": "purge/thirty"}))
        .await;

    h.clock.advance_ms(7 * DAY_MS - 1);
    assert_eq!(purge_due(&h.service).await.unwrap(), 0);
    h.ok(
        Operation::DescribeSecret,
        json!({"SecretId": "purge/seven"}),
    )
    .await;

    h.clock.advance_ms(1);
    assert_eq!(purge_due(&h.service).await.unwrap(), 1);
    let err = h
        .call(
            Operation::DescribeSecret,
            json!({"SecretId": "purge/seven"}),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::ResourceNotFoundException);
    // The name is free again, and the new secret is a new incarnation.
    let again = h.create("purge/seven", "new").await;
    assert!(again["ARN"].as_str().unwrap().contains("purge/seven-"));

    h.clock.advance_ms(23 * DAY_MS);
    assert_eq!(purge_due(&h.service).await.unwrap(), 1);
    assert!(
        h.call(
            Operation::DescribeSecret,
            json!({"SecretId": "purge/thirty"})
        )
        .await
        .is_err()
    );
}

#[tokio::test]
async fn a_restored_secret_is_not_purged() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::open(dir.path()).await;
    h.create("purge/restored", "v").await;
    h.ok(
        Operation::DeleteSecret,
        json!({"SecretId": "purge/restored", "RecoveryWindowInDays": 7}),
    )
    .await;
    h.ok(
        Operation::RestoreSecret,
        json!({"SecretId": "purge/restored"}),
    )
    .await;
    h.clock.advance_ms(8 * DAY_MS);
    assert_eq!(purge_due(&h.service).await.unwrap(), 0);
    let v = h
        .ok(
            Operation::GetSecretValue,
            json!({"SecretId": "purge/restored"}),
        )
        .await;
    assert_eq!(v["SecretString"], "v");
}

async fn put(h: &Harness, name: &str, value: String) -> Result<String, tresor_wire::AwsError> {
    let t = token();
    h.call(
        Operation::PutSecretValue,
        json!({"SecretId": name, "ClientRequestToken": t, "SecretString": value}),
    )
    .await
    .map(|_| t)
}

async fn version_count(h: &Harness, name: &str) -> usize {
    let v = h
        .ok(
            Operation::ListSecretVersionIds,
            json!({"SecretId": name, "IncludeDeprecated": true, "MaxResults": 100}),
        )
        .await;
    let mut n = v["Versions"].as_array().unwrap().len();
    let mut next = v.get("NextToken").cloned();
    while let Some(token) = next {
        let v = h
            .ok(
                Operation::ListSecretVersionIds,
                json!({"SecretId": name, "IncludeDeprecated": true, "NextToken": token}),
            )
            .await;
        n += v["Versions"].as_array().unwrap().len();
        next = v.get("NextToken").cloned();
    }
    n
}

#[tokio::test]
async fn deprecated_versions_are_pruned_only_once_a_day_old() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::open(dir.path()).await;
    h.create("prune/me", "v0").await;
    let first_put = put(&h, "prune/me", "v1".into()).await.unwrap();
    for i in 2..100 {
        put(&h, "prune/me", format!("v{i}")).await.unwrap();
    }
    assert_eq!(version_count(&h, "prune/me").await, 100);

    // Within a day, nothing may be pruned: the 101st version is refused.
    let err = put(&h, "prune/me", "v100".into()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::LimitExceededException);
    assert_eq!(version_count(&h, "prune/me").await, 100);

    // A day later the oldest deprecated version makes room.
    h.clock.advance_ms(DAY_MS + 1);
    put(&h, "prune/me", "v100".into()).await.unwrap();
    assert_eq!(version_count(&h, "prune/me").await, 100);
    // Still readable: every labelled version, and the newest deprecated ones.
    let err = h
        .call(
            Operation::GetSecretValue,
            json!({"SecretId": "prune/me", "VersionId": first_put}),
        )
        .await;
    assert!(
        err.is_ok(),
        "only the single oldest deprecated version goes"
    );
    let current = h
        .ok(Operation::GetSecretValue, json!({"SecretId": "prune/me"}))
        .await;
    assert_eq!(current["SecretString"], "v100");
}
