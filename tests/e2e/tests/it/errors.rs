//! The protocol and SigV4 around every operation (§1, §2, traps 1 and 18):
//! first through the SDK's own signer, then differentially with requests
//! signed by `aws-sigv4` directly and broken on purpose.

use aws_credential_types::Credentials;
use aws_sdk_secretsmanager::operation::RequestId;
use serde_json::json;

use crate::harness::*;
use crate::raw::RawResponse;

const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const UNRECOGNIZED: &str = "The security token included in the request is invalid.";

/// An auth error: 400, its type, and the lowercase `message` member (§1).
#[track_caller]
fn assert_auth_error(r: &RawResponse, error_type: &str) -> String {
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.error_type(), error_type, "{r:?}");
    let body = r.json();
    assert!(body.get("Message").is_none(), "{r:?}");
    assert!(r.header("x-amzn-RequestId").is_some(), "{r:?}");
    body.get("message")
        .and_then(|m| m.as_str())
        .unwrap_or_else(|| panic!("no lowercase message: {r:?}"))
        .to_string()
}

#[tokio::test]
async fn sdk_with_a_wrong_secret_key_gets_invalid_signature() {
    let h = Harness::start().await;
    let c = h.client_with(
        REGION,
        Credentials::new(ACCESS_KEY, "not-the-secret", None, None, "e2e"),
    );
    fail(c.list_secrets().send().await).assert("InvalidSignatureException", SIGNATURE_MISMATCH);
    fail(c.create_secret().name("x").secret_string("v").send().await)
        .assert("InvalidSignatureException", SIGNATURE_MISMATCH);
    // Nothing was created.
    fail(h.client().describe_secret().secret_id("x").send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
}

#[tokio::test]
async fn sdk_with_an_unknown_access_key_gets_unrecognized_client() {
    let h = Harness::start().await;
    let c = h.client_with(
        REGION,
        Credentials::new("AKIAUNKNOWNKEY000000", SECRET_KEY, None, None, "e2e"),
    );
    fail(c.list_secrets().send().await).assert("UnrecognizedClientException", UNRECOGNIZED);
}

#[tokio::test]
async fn sdk_with_an_unknown_session_token_gets_unrecognized_client() {
    // §2 step 4 [AWS]: an invalid security token.
    let h = Harness::start().await;
    let c = h.client_with(
        REGION,
        Credentials::new(
            ACCESS_KEY,
            SECRET_KEY,
            Some("FwoGZXIvYXdzEBogus".into()),
            None,
            "e2e",
        ),
    );
    fail(c.list_secrets().send().await).assert("UnrecognizedClientException", UNRECOGNIZED);
}

#[tokio::test]
async fn successes_carry_a_request_id() {
    let h = Harness::start().await;
    let c = h.client();
    let out = ok(c.list_secrets().send().await);
    assert!(out.request_id().is_some_and(|id| !id.is_empty()));
}

#[tokio::test]
async fn a_correctly_signed_raw_request_is_accepted() {
    // The baseline for the differential tests below: same signer, no
    // tampering → 200.
    let h = Harness::start().await;
    let r = h
        .raw()
        .request(
            "CreateSecret",
            json!({"Name": "raw", "SecretString": "v", "ClientRequestToken": tok(1)}),
        )
        .send()
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header("content-type"), Some(crate::raw::CONTENT_TYPE));
    assert!(r.header("x-amzn-RequestId").is_some());
    assert_eq!(current(&h.client(), "raw").await, "v");
}

#[tokio::test]
async fn a_tampered_body_fails_the_signature() {
    let h = Harness::start().await;
    create(&h.client(), "t", "original").await;
    let r = h
        .raw()
        .request(
            "PutSecretValue",
            json!({"SecretId": "t", "SecretString": "signed", "ClientRequestToken": tok(2)}),
        )
        .tamper_body(
            json!({"SecretId": "t", "SecretString": "tampered", "ClientRequestToken": tok(2)}),
        )
        .send()
        .await;
    assert_eq!(
        assert_auth_error(&r, "InvalidSignatureException"),
        SIGNATURE_MISMATCH
    );
    assert_eq!(current(&h.client(), "t").await, "original");
}

#[tokio::test]
async fn a_swapped_target_fails_the_signature() {
    // X-Amz-Target is signed: changing GetSecretValue into DeleteSecret
    // after signing must not delete anything.
    let h = Harness::start().await;
    create(&h.client(), "swap", "v").await;
    let r = h
        .raw()
        .request(
            "DescribeSecret",
            json!({"SecretId": "swap", "ForceDeleteWithoutRecovery": true}),
        )
        .tamper_target("DeleteSecret")
        .send()
        .await;
    assert_eq!(
        assert_auth_error(&r, "InvalidSignatureException"),
        SIGNATURE_MISMATCH
    );
    assert_eq!(current(&h.client(), "swap").await, "v");
}

#[tokio::test]
async fn a_date_six_minutes_in_the_past_is_expired() {
    // §2 step 3 [AWS]: ±5 minutes.
    let h = Harness::start().await;
    let r = h
        .raw()
        .request("ListSecrets", json!({}))
        .skew(-360)
        .send()
        .await;
    let message = assert_auth_error(&r, "InvalidSignatureException");
    assert!(
        message.starts_with("Signature expired: ")
            && message.contains(" is now earlier than ")
            && message.ends_with(" - 5 min.)"),
        "{message}"
    );
}

#[tokio::test]
async fn a_date_six_minutes_in_the_future_is_not_yet_current() {
    let h = Harness::start().await;
    let r = h
        .raw()
        .request("ListSecrets", json!({}))
        .skew(360)
        .send()
        .await;
    let message = assert_auth_error(&r, "InvalidSignatureException");
    assert!(
        message.starts_with("Signature not yet current: ")
            && message.contains(" is still later than ")
            && message.ends_with(" + 5 min.)"),
        "{message}"
    );
}

#[tokio::test]
async fn dates_four_minutes_off_are_within_the_window() {
    let h = Harness::start().await;
    for skew in [-240, 240] {
        let r = h
            .raw()
            .request("ListSecrets", json!({}))
            .skew(skew)
            .send()
            .await;
        assert_eq!(r.status, 200, "skew {skew}: {r:?}");
    }
}

#[tokio::test]
async fn an_unsigned_target_is_refused() {
    // The reference does not record AWS's answer; botocore always signs
    // X-Amz-Target. Refusing it as a signature error is what matters: an
    // unsigned target could be swapped for another operation.
    let h = Harness::start().await;
    create(&h.client(), "victim", "v").await;
    let r = h
        .raw()
        .request(
            "DeleteSecret",
            json!({"SecretId": "victim", "ForceDeleteWithoutRecovery": true}),
        )
        .unsigned_target()
        .send()
        .await;
    assert_eq!(r.status, 400, "{r:?}");
    let t = r.error_type();
    assert!(
        t == "IncompleteSignatureException" || t == "InvalidSignatureException",
        "{r:?}"
    );
    assert!(r.json().get("message").is_some(), "{r:?}");
    assert_eq!(current(&h.client(), "victim").await, "v");
}

#[tokio::test]
async fn an_authorization_header_without_signature_is_incomplete() {
    // §2 step 1.
    let h = Harness::start().await;
    let r = h
        .raw()
        .request("ListSecrets", json!({}))
        .without_signature_parameter()
        .send()
        .await;
    let message = assert_auth_error(&r, "IncompleteSignatureException");
    assert!(
        message.starts_with("Authorization header requires 'Signature' parameter."),
        "{message}"
    );
}

#[tokio::test]
async fn an_unsigned_request_is_missing_authentication() {
    let h = Harness::start().await;
    let r = h
        .raw()
        .request("ListSecrets", json!({}))
        .unsigned()
        .send()
        .await;
    assert_eq!(
        assert_auth_error(&r, "MissingAuthenticationTokenException"),
        "Missing Authentication Token"
    );
}

#[tokio::test]
async fn a_scope_for_another_service_is_refused() {
    // §2 step 2.
    let h = Harness::start().await;
    let r = h
        .raw()
        .request("ListSecrets", json!({}))
        .signing_service("ssm")
        .send()
        .await;
    assert_eq!(
        assert_auth_error(&r, "InvalidSignatureException"),
        "Credential should be scoped to correct service: 'secretsmanager'. "
    );
}

#[tokio::test]
async fn a_raw_session_token_of_no_known_key_is_unrecognized() {
    let h = Harness::start().await;
    let r = h
        .raw()
        .request("ListSecrets", json!({}))
        .session_token("not-a-token-we-issued")
        .send()
        .await;
    assert_eq!(
        assert_auth_error(&r, "UnrecognizedClientException"),
        UNRECOGNIZED
    );
}

#[tokio::test]
async fn service_errors_use_capital_message_and_http_400() {
    // §1 [AWS raw snapshot], trap 1 (moto wrongly uses 404).
    let h = Harness::start().await;
    let r = h
        .raw()
        .request("GetSecretValue", json!({"SecretId": "missing"}))
        .send()
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.error_type(), "ResourceNotFoundException");
    assert_eq!(r.json()["Message"], NOT_FOUND);
    assert!(r.json().get("message").is_none());
    assert_eq!(r.header("content-type"), Some(crate::raw::CONTENT_TYPE));
    assert!(r.header("x-amzn-RequestId").is_some());
}

#[tokio::test]
async fn unknown_target_and_malformed_json() {
    // §1 [inferred]: UnknownOperationException, SerializationException.
    let h = Harness::start().await;
    let r = h.raw().request("NoSuchOperation", json!({})).send().await;
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.error_type(), "UnknownOperationException");
    let r = h
        .raw()
        .request("ListSecrets", json!({}))
        .raw_body(b"{not json")
        .send()
        .await;
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.error_type(), "SerializationException");
    // Wrong JSON types are serialization errors too.
    let r = h
        .raw()
        .request("DescribeSecret", json!({"SecretId": 42}))
        .send()
        .await;
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.error_type(), "SerializationException");
}

#[tokio::test]
async fn several_violations_are_reported_together() {
    // §1 [AWS]: "N validation errors detected: ...; ...".
    let h = Harness::start().await;
    let c = h.client();
    let e = fail(
        c.list_secrets()
            .max_results(101)
            .sort_order(aws_sdk_secretsmanager::types::SortOrderType::from(
                "sideways",
            ))
            .send()
            .await,
    );
    e.assert_code("ValidationException");
    assert!(
        e.message.starts_with("2 validation errors detected: ")
            && e.message.contains("'maxResults'")
            && e.message.contains("'sortOrder'")
            && e.message.contains("; "),
        "{e:?}"
    );
}

#[tokio::test]
async fn an_empty_body_counts_as_an_empty_object() {
    let h = Harness::start().await;
    let r = h
        .raw()
        .request("ListSecrets", json!({}))
        .raw_body(b"")
        .send()
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["SecretList"], json!([]));
}

#[tokio::test]
async fn a_missing_required_member_is_a_validation_error() {
    let h = Harness::start().await;
    let r = h.raw().request("DescribeSecret", json!({})).send().await;
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.error_type(), "ValidationException");
    let message = r.json()["Message"].as_str().unwrap().to_string();
    assert!(
        message.starts_with("1 validation error detected: ") && message.contains("'secretId'"),
        "{message}"
    );
}

#[tokio::test]
async fn every_region_is_served_and_isolated() {
    // The region comes from the SigV4 scope (§2 step 2).
    let h = Harness::start().await;
    let a = h.client_in("ap-southeast-2");
    let b = h.client_in("sa-east-1");
    let arn = create(&a, "same-name", "in a").await;
    assert_secret_arn(&arn, "ap-southeast-2", "same-name");
    create(&b, "same-name", "in b").await;
    assert_eq!(current(&a, "same-name").await, "in a");
    assert_eq!(current(&b, "same-name").await, "in b");
}
