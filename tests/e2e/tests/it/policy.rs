//! Resource policies: Put, Get, Delete and ValidateResourcePolicy (§4).

use crate::harness::*;

/// Grants one named account read access: not public.
pub const PRIVATE_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;

/// Grants everyone read access, without a restricting condition.
pub const PUBLIC_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;

const PUBLIC_AWS_STAR: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"secretsmanager:*","Resource":"*"}]}"#;

#[tokio::test]
async fn put_get_delete_round_trip_the_policy_as_stored() {
    let h = Harness::start().await;
    let c = h.client();
    let arn = create(&c, "pol", "v").await;

    // No policy: the member is omitted, not an error [AWS per moto #6049].
    let none = ok(c.get_resource_policy().secret_id("pol").send().await);
    assert_eq!(none.arn(), Some(arn.as_str()));
    assert_eq!(none.name(), Some("pol"));
    assert_eq!(none.resource_policy, None);

    // Stored as sent, whitespace included.
    let pretty = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Principal\": {\"AWS\": \"arn:aws:iam::123456789012:root\"}, \"Action\": \"secretsmanager:GetSecretValue\", \"Resource\": \"*\"}]\n}";
    let put = ok(c
        .put_resource_policy()
        .secret_id("pol")
        .resource_policy(pretty)
        .send()
        .await);
    assert_eq!(put.arn(), Some(arn.as_str()));
    assert_eq!(put.name(), Some("pol"));
    let got = ok(c.get_resource_policy().secret_id(&arn).send().await);
    assert_eq!(got.resource_policy(), Some(pretty));

    // Put replaces.
    ok(c.put_resource_policy()
        .secret_id("pol")
        .resource_policy(PRIVATE_POLICY)
        .send()
        .await);
    let got = ok(c.get_resource_policy().secret_id("pol").send().await);
    assert_eq!(got.resource_policy(), Some(PRIVATE_POLICY));

    let del = ok(c.delete_resource_policy().secret_id("pol").send().await);
    assert_eq!(del.arn(), Some(arn.as_str()));
    assert_eq!(del.name(), Some("pol"));
    let got = ok(c.get_resource_policy().secret_id("pol").send().await);
    assert_eq!(got.resource_policy, None);
    // Deleting when none is attached succeeds [inferred].
    ok(c.delete_resource_policy().secret_id("pol").send().await);
}

#[tokio::test]
async fn get_resource_policy_on_the_wire_omits_the_member() {
    let h = Harness::start().await;
    create(&h.client(), "polw", "v").await;
    let r = h
        .raw()
        .request("GetResourcePolicy", serde_json::json!({"SecretId": "polw"}))
        .send()
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.keys(), ["ARN", "Name"]);
}

#[tokio::test]
async fn malformed_policies_are_refused() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "bad", "v").await;
    for doc in [
        "not json",
        "{",
        r#"{"foo": 1}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Principal":"*","Action":"*","Resource":"*"}]}"#,
    ] {
        let e = fail(
            c.put_resource_policy()
                .secret_id("bad")
                .resource_policy(doc)
                .send()
                .await,
        );
        e.assert_code("MalformedPolicyDocumentException");
        let e = fail(
            c.validate_resource_policy()
                .resource_policy(doc)
                .send()
                .await,
        );
        e.assert_code("MalformedPolicyDocumentException");
    }
    let got = ok(c.get_resource_policy().secret_id("bad").send().await);
    assert_eq!(got.resource_policy, None);
}

#[tokio::test]
async fn block_public_policy_refuses_broad_access() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "pub", "v").await;
    for doc in [PUBLIC_POLICY, PUBLIC_AWS_STAR] {
        let e = fail(
            c.put_resource_policy()
                .secret_id("pub")
                .resource_policy(doc)
                .block_public_policy(true)
                .send()
                .await,
        );
        e.assert(
            "PublicPolicyException",
            "The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.",
        );
    }
    let got = ok(c.get_resource_policy().secret_id("pub").send().await);
    assert_eq!(got.resource_policy, None);
    // A private policy passes the block.
    ok(c.put_resource_policy()
        .secret_id("pub")
        .resource_policy(PRIVATE_POLICY)
        .block_public_policy(true)
        .send()
        .await);
    // Without the block, public policies are accepted [doc].
    ok(c.put_resource_policy()
        .secret_id("pub")
        .resource_policy(PUBLIC_POLICY)
        .send()
        .await);
    let got = ok(c.get_resource_policy().secret_id("pub").send().await);
    assert_eq!(got.resource_policy(), Some(PUBLIC_POLICY));
}

#[tokio::test]
async fn validate_resource_policy() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "val", "v").await;
    // Valid: passed, with an empty list (AWS CLI example output).
    let out = ok(c
        .validate_resource_policy()
        .resource_policy(PRIVATE_POLICY)
        .send()
        .await);
    assert!(out.policy_validation_passed);
    assert_eq!(out.validation_errors, Some(vec![]));
    let out = ok(c
        .validate_resource_policy()
        .secret_id("val")
        .resource_policy(PRIVATE_POLICY)
        .send()
        .await);
    assert!(out.policy_validation_passed);
    // Public: not passed, with entries {CheckName, ErrorMessage} [inferred].
    let out = ok(c
        .validate_resource_policy()
        .resource_policy(PUBLIC_POLICY)
        .send()
        .await);
    assert!(!out.policy_validation_passed);
    assert!(!out.validation_errors().is_empty());
    for e in out.validation_errors() {
        assert!(e.check_name().is_some_and(|n| !n.is_empty()), "{e:?}");
        assert!(e.error_message().is_some(), "{e:?}");
    }
    // Validating does not attach anything.
    let got = ok(c.get_resource_policy().secret_id("val").send().await);
    assert_eq!(got.resource_policy, None);
    // An unknown secret is not found.
    fail(
        c.validate_resource_policy()
            .secret_id("nope")
            .resource_policy(PRIVATE_POLICY)
            .send()
            .await,
    )
    .assert("ResourceNotFoundException", NOT_FOUND);
}

#[tokio::test]
async fn policy_operations_on_unknown_secrets_are_not_found() {
    let h = Harness::start().await;
    let c = h.client();
    fail(c.get_resource_policy().secret_id("nope").send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
    fail(c.delete_resource_policy().secret_id("nope").send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
    fail(
        c.put_resource_policy()
            .secret_id("nope")
            .resource_policy(PRIVATE_POLICY)
            .send()
            .await,
    )
    .assert("ResourceNotFoundException", NOT_FOUND);
}

#[tokio::test]
async fn policy_longer_than_20480_characters_is_a_validation_error() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "long", "v").await;
    // A valid policy padded with whitespace past the limit.
    let long = format!(
        "{PRIVATE_POLICY}{}",
        " ".repeat(20_481 - PRIVATE_POLICY.len())
    );
    assert_eq!(long.len(), 20_481);
    fail(
        c.put_resource_policy()
            .secret_id("long")
            .resource_policy(long)
            .send()
            .await,
    )
    .assert_code("ValidationException");
}

#[tokio::test]
async fn putting_a_policy_changes_last_changed_date() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "lcp", "v").await;
    let before = ok(c.describe_secret().secret_id("lcp").send().await);
    ok(c.put_resource_policy()
        .secret_id("lcp")
        .resource_policy(PRIVATE_POLICY)
        .send()
        .await);
    let after = ok(c.describe_secret().secret_id("lcp").send().await);
    assert!(after.last_changed_date.unwrap() >= before.last_changed_date.unwrap());
    // The policy is not part of DescribeSecret.
    assert_eq!(all_versions(&c, "lcp").await.len(), 1);
}
