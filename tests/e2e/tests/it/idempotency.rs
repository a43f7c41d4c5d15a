//! ClientRequestToken idempotency (§3.5, trap 7) and the token requirement
//! for raw requests (§1, trap 19).

use aws_smithy_types::Blob;
use serde_json::json;

use crate::harness::*;

fn token_in_use(token: &str, arn: &str) -> String {
    format!(
        "You can't use ClientRequestToken {token} because that value is already in use for a version of secret {arn}."
    )
}

#[tokio::test]
async fn create_retried_with_same_token_and_value_is_a_no_op() {
    let h = Harness::start().await;
    let c = h.client();
    let first = ok(c
        .create_secret()
        .name("idem")
        .secret_string("v")
        .client_request_token(tok(1))
        .send()
        .await);
    let again = ok(c
        .create_secret()
        .name("idem")
        .secret_string("v")
        .client_request_token(tok(1))
        .send()
        .await);
    assert_eq!(
        (again.arn(), again.name(), again.version_id()),
        (first.arn(), first.name(), first.version_id())
    );
    assert_eq!(all_versions(&c, "idem").await.len(), 1);
}

#[tokio::test]
async fn create_retried_with_same_token_and_other_value_is_resource_exists() {
    // §3.5: the code is ResourceExistsException; which of the two texts
    // applies to CreateSecret is not recorded, so only the code is checked.
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "idem2", "v").await;
    fail(
        c.create_secret()
            .name("idem2")
            .secret_string("other")
            .client_request_token(tok(1))
            .send()
            .await,
    )
    .assert_code("ResourceExistsException");
    assert_eq!(current(&c, "idem2").await, "v");
}

#[tokio::test]
async fn put_retried_with_same_token_and_value_is_a_no_op() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "pidem", "one").await;
    let first = ok(c
        .put_secret_value()
        .secret_id("pidem")
        .secret_string("two")
        .client_request_token(tok(2))
        .send()
        .await);
    let again = ok(c
        .put_secret_value()
        .secret_id("pidem")
        .secret_string("two")
        .client_request_token(tok(2))
        .send()
        .await);
    assert_eq!(again.version_id(), Some(tok(2).as_str()));
    assert_eq!(again.version_stages(), first.version_stages());
    assert_eq!(again.version_stages(), ["AWSCURRENT"]);
    assert_eq!(all_versions(&c, "pidem").await.len(), 2);
}

#[tokio::test]
async fn a_late_retry_does_not_move_labels_back() {
    // §3.5: the retry answers with the version's *current* labels and
    // changes nothing.
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "late", "one").await;
    put(&c, "late", &tok(2), "two").await;
    put(&c, "late", &tok(3), "three").await;
    let retry = ok(c
        .put_secret_value()
        .secret_id("late")
        .secret_string("two")
        .client_request_token(tok(2))
        .send()
        .await);
    assert_eq!(retry.version_stages(), ["AWSPREVIOUS"]);
    assert_eq!(current(&c, "late").await, "three");
    let map = stage_map(&c, "late").await;
    assert_eq!(map[&tok(3)], labels(&["AWSCURRENT"]));
    assert_eq!(map[&tok(2)], labels(&["AWSPREVIOUS"]));
}

#[tokio::test]
async fn put_with_same_token_and_other_value_names_the_arn() {
    let h = Harness::start().await;
    let c = h.client();
    let arn = create(&c, "pclash", "one").await;
    fail(
        c.put_secret_value()
            .secret_id("pclash")
            .secret_string("different")
            .client_request_token(tok(1))
            .send()
            .await,
    )
    .assert("ResourceExistsException", &token_in_use(&tok(1), &arn));
    assert_eq!(current(&c, "pclash").await, "one");
}

#[tokio::test]
async fn string_and_binary_of_the_same_bytes_are_different_values() {
    let h = Harness::start().await;
    let c = h.client();
    let arn = create(&c, "kind", "abc").await;
    fail(
        c.put_secret_value()
            .secret_id("kind")
            .secret_binary(Blob::new(b"abc".to_vec()))
            .client_request_token(tok(1))
            .send()
            .await,
    )
    .assert("ResourceExistsException", &token_in_use(&tok(1), &arn));
}

#[tokio::test]
async fn binary_retry_with_same_bytes_is_a_no_op() {
    let h = Harness::start().await;
    let c = h.client();
    for _ in 0..2 {
        ok(c.create_secret()
            .name("binidem")
            .secret_binary(Blob::new(vec![1, 2, 3]))
            .client_request_token(tok(1))
            .send()
            .await);
    }
    let arn = ok(c.describe_secret().secret_id("binidem").send().await)
        .arn
        .unwrap();
    fail(
        c.put_secret_value()
            .secret_id("binidem")
            .secret_binary(Blob::new(vec![1, 2, 4]))
            .client_request_token(tok(1))
            .send()
            .await,
    )
    .assert("ResourceExistsException", &token_in_use(&tok(1), &arn));
}

#[tokio::test]
async fn update_secret_retries_follow_the_same_rules() {
    // §4 UpdateSecret [AWS verified]: same token + value → VersionId=token.
    let h = Harness::start().await;
    let c = h.client();
    let arn = create(&c, "uidem", "one").await;
    for _ in 0..2 {
        let out = ok(c
            .update_secret()
            .secret_id("uidem")
            .secret_string("two")
            .client_request_token(tok(2))
            .send()
            .await);
        assert_eq!(out.version_id(), Some(tok(2).as_str()));
    }
    assert_eq!(all_versions(&c, "uidem").await.len(), 2);
    fail(
        c.update_secret()
            .secret_id("uidem")
            .secret_string("three")
            .client_request_token(tok(2))
            .send()
            .await,
    )
    .assert("ResourceExistsException", &token_in_use(&tok(2), &arn));
    assert_eq!(current(&c, "uidem").await, "two");
}

#[tokio::test]
async fn raw_writes_without_a_token_are_rejected_first() {
    // §1 [AWS, recorded for all four operations; the token check runs
    // before the existence check].
    let h = Harness::start().await;
    let raw = h.raw();
    create(&h.client(), "exists", "v").await;
    let cases = [
        (
            "CreateSecret",
            json!({"Name": "new-one", "SecretString": "v"}),
        ),
        (
            "PutSecretValue",
            json!({"SecretId": "exists", "SecretString": "v"}),
        ),
        (
            "PutSecretValue",
            json!({"SecretId": "missing", "SecretString": "v"}),
        ),
        (
            "UpdateSecret",
            json!({"SecretId": "missing", "SecretString": "v"}),
        ),
        (
            "UpdateSecret",
            json!({"SecretId": "exists", "SecretString": "v"}),
        ),
    ];
    for (op, body) in cases {
        let r = raw.request(op, body.clone()).send().await;
        assert_eq!(r.status, 400, "{op} {body}: {r:?}");
        assert_eq!(r.error_type(), "InvalidRequestException", "{op} {body}");
        assert_eq!(r.json()["Message"], TOKEN_REQUIRED, "{op} {body}");
    }
    // RotateSecret: the same text, but InvalidParameterException. The API
    // reference says InvalidRequestException for all four, but the AWS
    // recording it cites (LocalStack snapshot
    // test_no_client_request_token[RotateSecret], 2023-05-12) has
    // InvalidParameterException; the recording wins.
    for id in ["exists", "missing"] {
        let body = json!({"SecretId": id, "RotationLambdaARN": crate::rotation::LAMBDA});
        let r = raw.request("RotateSecret", body).send().await;
        assert_eq!(r.status, 400, "{r:?}");
        assert_eq!(r.error_type(), "InvalidParameterException", "{id}: {r:?}");
        assert_eq!(r.json()["Message"], TOKEN_REQUIRED, "{id}");
    }
    let c = h.client();
    fail(c.describe_secret().secret_id("new-one").send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
    assert_eq!(all_versions(&c, "exists").await.len(), 1);
}

#[tokio::test]
async fn the_sdk_fills_in_a_token_by_itself() {
    let h = Harness::start().await;
    let c = h.client();
    let out = ok(c
        .create_secret()
        .name("auto")
        .secret_string("v")
        .send()
        .await);
    let version = out.version_id().unwrap();
    assert!((32..=64).contains(&version.len()), "{version}");
    let out = ok(c
        .put_secret_value()
        .secret_id("auto")
        .secret_string("w")
        .send()
        .await);
    assert_ne!(out.version_id(), Some(version));
}
