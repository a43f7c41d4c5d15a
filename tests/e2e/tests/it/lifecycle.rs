//! CreateSecret, DescribeSecret and UpdateSecret: response shapes (which
//! members are present, exactly), names, and SecretId resolution (§3.1–3.3).

use crate::harness::*;

#[tokio::test]
async fn create_with_value_answers_arn_name_and_version() {
    let h = Harness::start().await;
    let c = h.client();
    let out = ok(c
        .create_secret()
        .name("prod/db")
        .secret_string("s3cret")
        .client_request_token(tok(1))
        .send()
        .await);
    assert_secret_arn(out.arn().unwrap(), REGION, "prod/db");
    assert_eq!(out.name(), Some("prod/db"));
    assert_eq!(out.version_id(), Some(tok(1).as_str()));
    assert!(out.replication_status.is_none());
}

#[tokio::test]
async fn fresh_secret_describes_with_exactly_the_aws_members() {
    // §4 DescribeSecret [AWS]: exactly ARN, Name, CreatedDate,
    // LastChangedDate, VersionIdsToStages.
    let h = Harness::start().await;
    let c = h.client();
    let arn = create(&c, "fresh", "v").await;
    let d = ok(c.describe_secret().secret_id("fresh").send().await);
    assert_eq!(d.arn.as_deref(), Some(arn.as_str()));
    assert_eq!(d.name.as_deref(), Some("fresh"));
    assert!(d.created_date.is_some());
    assert!(d.last_changed_date.is_some());
    assert_eq!(
        d.version_ids_to_stages.clone().unwrap(),
        [(tok(1), vec!["AWSCURRENT".to_string()])].into()
    );
    assert_eq!(d.r#type, None);
    assert_eq!(d.description, None);
    assert_eq!(d.kms_key_id, None);
    assert_eq!(d.rotation_enabled, None);
    assert_eq!(d.rotation_lambda_arn, None);
    assert_eq!(d.rotation_rules, None);
    assert_eq!(d.last_rotated_date, None);
    assert_eq!(d.last_accessed_date, None);
    assert_eq!(d.deleted_date, None);
    assert_eq!(d.next_rotation_date, None);
    assert_eq!(d.tags, None);
    assert_eq!(d.owning_service, None);
    assert_eq!(d.primary_region, None);
    assert_eq!(d.replication_status, None);
    assert_eq!(d.external_secret_rotation_metadata, None);
    assert_eq!(d.external_secret_rotation_role_arn, None);
}

#[tokio::test]
async fn fresh_secret_on_the_wire_has_no_null_and_no_extra_member() {
    // §1 and trap 3: members without a value are omitted, never null.
    let h = Harness::start().await;
    create(&h.client(), "wire", "v").await;
    let r = h
        .raw()
        .request("DescribeSecret", serde_json::json!({"SecretId": "wire"}))
        .send()
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some(crate::raw::CONTENT_TYPE));
    assert!(r.header("x-amzn-RequestId").is_some());
    assert_eq!(
        r.keys(),
        [
            "ARN",
            "CreatedDate",
            "LastChangedDate",
            "Name",
            "VersionIdsToStages"
        ]
    );
    assert!(r.json().values().all(|v| !v.is_null()));
    // Timestamps are epoch seconds (numbers), not strings.
    assert!(r.json()["CreatedDate"].is_number());
}

#[tokio::test]
async fn create_without_value_has_no_version() {
    // §4 CreateSecret [AWS]: only ARN and Name; no VersionIdsToStages;
    // GetSecretValue names the missing AWSCURRENT.
    let h = Harness::start().await;
    let c = h.client();
    let out = ok(c.create_secret().name("empty").send().await);
    assert!(out.arn.is_some());
    assert_eq!(out.name(), Some("empty"));
    assert_eq!(out.version_id, None);
    let d = ok(c.describe_secret().secret_id("empty").send().await);
    assert_eq!(d.version_ids_to_stages, None);
    fail(c.get_secret_value().secret_id("empty").send().await).assert(
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
    );
    let versions = ok(c.list_secret_version_ids().secret_id("empty").send().await);
    assert!(versions.versions().is_empty());
}

#[tokio::test]
async fn wire_response_of_create_without_value_is_arn_and_name_only() {
    let h = Harness::start().await;
    let r = h
        .raw()
        .request(
            "CreateSecret",
            serde_json::json!({"Name": "bare", "ClientRequestToken": tok(1)}),
        )
        .send()
        .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.keys(), ["ARN", "Name"]);
}

#[tokio::test]
async fn first_value_put_into_an_empty_secret_becomes_current() {
    let h = Harness::start().await;
    let c = h.client();
    ok(c.create_secret().name("later").send().await);
    let out = ok(c
        .put_secret_value()
        .secret_id("later")
        .secret_string("first")
        .client_request_token(tok(7))
        .version_stages("custom")
        .send()
        .await);
    // §4 PutSecretValue step 5 [doc]: AWSCURRENT is added to the first value.
    let stages: std::collections::BTreeSet<String> =
        out.version_stages.unwrap().into_iter().collect();
    assert_eq!(stages, labels(&["AWSCURRENT", "custom"]));
    assert_eq!(current(&c, "later").await, "first");
}

#[tokio::test]
async fn description_tags_and_empty_description() {
    let h = Harness::start().await;
    let c = h.client();
    ok(c.create_secret()
        .name("described")
        .description("the database")
        .tags(
            aws_sdk_secretsmanager::types::Tag::builder()
                .key("env")
                .value("prod")
                .build(),
        )
        .secret_string("v")
        .send()
        .await);
    let d = ok(c.describe_secret().secret_id("described").send().await);
    assert_eq!(d.description(), Some("the database"));
    assert_eq!(d.tags().len(), 1);
    assert_eq!(d.tags()[0].key(), Some("env"));
    assert_eq!(d.tags()[0].value(), Some("prod"));

    // §4 CreateSecret [AWS]: "" is stored as no description.
    ok(c.create_secret()
        .name("undescribed")
        .description("")
        .secret_string("v")
        .send()
        .await);
    let d = ok(c.describe_secret().secret_id("undescribed").send().await);
    assert_eq!(d.description, None);
}

#[tokio::test]
async fn existing_name_is_resource_exists() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "taken", "v").await;
    // A fresh token (what every SDK retry without an explicit token sends).
    fail(
        c.create_secret()
            .name("taken")
            .secret_string("v")
            .send()
            .await,
    )
    .assert(
        "ResourceExistsException",
        "The operation failed because the secret taken already exists.",
    );
    // Also without a value.
    fail(c.create_secret().name("taken").send().await).assert(
        "ResourceExistsException",
        "The operation failed because the secret taken already exists.",
    );
}

#[tokio::test]
async fn create_with_both_string_and_binary_is_invalid_parameter() {
    let h = Harness::start().await;
    let c = h.client();
    let e = fail(
        c.create_secret()
            .name("both")
            .secret_string("s")
            .secret_binary(aws_smithy_types::Blob::new(b"b".to_vec()))
            .send()
            .await,
    );
    e.assert_code("InvalidParameterException");
    fail(c.describe_secret().secret_id("both").send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
}

#[tokio::test]
async fn invalid_names_are_validation_errors_with_aws_text() {
    // §3.2 [AWS]: the odd message that lists `!`.
    let h = Harness::start().await;
    let c = h.client();
    for name in ["Inv Name", " Inv*Name? ", "a!b", "tab\there", "é"] {
        let e = fail(c.create_secret().name(name).secret_string("v").send().await);
        e.assert("ValidationException", INVALID_NAME);
    }
}

#[tokio::test]
async fn invalid_secret_ids_are_validation_errors_for_every_operation() {
    // §3.2 [AWS]: recorded for CreateSecret, DeleteSecret, DescribeSecret,
    // GetSecretValue, ListSecretVersionIds, PutSecretValue, TagResource,
    // UntagResource, UpdateSecret, ValidateResourcePolicy.
    let h = Harness::start().await;
    let c = h.client();
    let id = "Inv Name";
    let tag = aws_sdk_secretsmanager::types::Tag::builder()
        .key("k")
        .value("v")
        .build();
    fail(c.delete_secret().secret_id(id).send().await).assert("ValidationException", INVALID_NAME);
    fail(c.describe_secret().secret_id(id).send().await)
        .assert("ValidationException", INVALID_NAME);
    fail(c.get_secret_value().secret_id(id).send().await)
        .assert("ValidationException", INVALID_NAME);
    fail(c.list_secret_version_ids().secret_id(id).send().await)
        .assert("ValidationException", INVALID_NAME);
    fail(
        c.put_secret_value()
            .secret_id(id)
            .secret_string("v")
            .send()
            .await,
    )
    .assert("ValidationException", INVALID_NAME);
    fail(c.tag_resource().secret_id(id).tags(tag).send().await)
        .assert("ValidationException", INVALID_NAME);
    fail(c.untag_resource().secret_id(id).tag_keys("k").send().await)
        .assert("ValidationException", INVALID_NAME);
    fail(
        c.update_secret()
            .secret_id(id)
            .description("d")
            .send()
            .await,
    )
    .assert("ValidationException", INVALID_NAME);
    fail(
        c.validate_resource_policy()
            .secret_id(id)
            .resource_policy(crate::policy::PRIVATE_POLICY)
            .send()
            .await,
    )
    .assert("ValidationException", INVALID_NAME);
}

#[tokio::test]
async fn names_may_hold_slashes_anywhere_and_are_case_sensitive() {
    let h = Harness::start().await;
    let c = h.client();
    for name in ["a/", "//x//", "/lead", "all-chars_+=.@/-9"] {
        let arn = create(&c, name, name).await;
        assert_secret_arn(&arn, REGION, name);
        assert_eq!(current(&c, name).await, name);
    }
    create(&c, "Case", "upper").await;
    create(&c, "case", "lower").await;
    assert_eq!(current(&c, "Case").await, "upper");
    assert_eq!(current(&c, "case").await, "lower");
    fail(c.describe_secret().secret_id("CASE").send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
}

#[tokio::test]
async fn name_length_limit_is_512() {
    let h = Harness::start().await;
    let c = h.client();
    let long = "n".repeat(512);
    create(&c, &long, "v").await;
    assert_eq!(current(&c, &long).await, "v");
    let e = fail(
        c.create_secret()
            .name("n".repeat(513))
            .secret_string("v")
            .send()
            .await,
    );
    e.assert_code("ValidationException");
    assert!(
        e.message.starts_with("1 validation error detected: ")
            && e.message.contains("'name'")
            && e.message
                .ends_with("Member must have length less than or equal to 512"),
        "{e:?}"
    );
}

#[tokio::test]
async fn description_longer_than_2048_is_a_validation_error() {
    let h = Harness::start().await;
    let c = h.client();
    ok(c.create_secret()
        .name("d")
        .description("x".repeat(2048))
        .send()
        .await);
    let e = fail(
        c.create_secret()
            .name("d2")
            .description("x".repeat(2049))
            .send()
            .await,
    );
    e.assert_code("ValidationException");
    assert!(e.message.contains("'description'"), "{e:?}");
}

#[tokio::test]
async fn secret_id_resolves_by_name_full_arn_and_partial_arn() {
    // §3.3 [AWS snapshot test_create_and_update_secret].
    let h = Harness::start().await;
    let c = h.client();
    let arn = create(&c, "app/key", "v").await;
    let partial = &arn[..arn.len() - 7];
    for id in ["app/key", arn.as_str(), partial] {
        let d = ok(c.describe_secret().secret_id(id).send().await);
        assert_eq!(d.arn(), Some(arn.as_str()), "{id}");
        assert_eq!(current(&c, id).await, "v", "{id}");
    }
}

#[tokio::test]
async fn full_arn_with_a_wrong_suffix_is_not_found() {
    let h = Harness::start().await;
    let c = h.client();
    let arn = create(&c, "suffixed", "v").await;
    let suffix = &arn[arn.len() - 6..];
    let other = if suffix == "AAAAAA" {
        "BBBBBB"
    } else {
        "AAAAAA"
    };
    let wrong = format!("{}{other}", &arn[..arn.len() - 6]);
    fail(c.get_secret_value().secret_id(&wrong).send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
}

#[tokio::test]
async fn name_that_looks_like_a_suffix_is_not_found_by_partial_arn() {
    // §3.3 trap [AWS snapshot]: `Invalid/_+=.@-Name-a1b2c3`, arn[:-7] → not found.
    let h = Harness::start().await;
    let c = h.client();
    let name = "Invalid/_+=.@-Name-a1b2c3";
    let arn = create(&c, name, "v").await;
    assert_eq!(current(&c, name).await, "v");
    assert_eq!(current(&c, &arn).await, "v");
    fail(
        c.get_secret_value()
            .secret_id(&arn[..arn.len() - 7])
            .send()
            .await,
    )
    .assert("ResourceNotFoundException", NOT_FOUND);
}

#[tokio::test]
async fn arn_of_another_region_or_account_is_not_found() {
    let h = Harness::start().await;
    let c = h.client();
    let arn = create(&c, "local", "v").await;
    let other_region = arn.replace(REGION, "ap-south-1");
    fail(c.describe_secret().secret_id(&other_region).send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
    let account = arn.split(':').nth(4).unwrap();
    let other = if account == "111111111111" {
        "222222222222"
    } else {
        "111111111111"
    };
    let other_account = arn.replace(account, other);
    fail(c.describe_secret().secret_id(&other_account).send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
}

#[tokio::test]
async fn unknown_secret_is_not_found() {
    let h = Harness::start().await;
    let c = h.client();
    let e = c
        .describe_secret()
        .secret_id("nope")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(e.is_resource_not_found_exception(), "{e:?}");
    fail(c.get_secret_value().secret_id("nope").send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
    fail(
        c.update_secret()
            .secret_id("nope")
            .description("d")
            .send()
            .await,
    )
    .assert("ResourceNotFoundException", NOT_FOUND);
    fail(
        c.put_secret_value()
            .secret_id("nope")
            .secret_string("v")
            .send()
            .await,
    )
    .assert("ResourceNotFoundException", NOT_FOUND);
}

#[tokio::test]
async fn update_metadata_only_creates_no_version() {
    // §4 UpdateSecret [AWS]: response ARN and Name only.
    let h = Harness::start().await;
    let c = h.client();
    let arn = create(&c, "meta", "v").await;
    let out = ok(c
        .update_secret()
        .secret_id("meta")
        .description("first")
        .send()
        .await);
    assert_eq!(out.arn(), Some(arn.as_str()));
    assert_eq!(out.name(), Some("meta"));
    assert_eq!(out.version_id, None);
    assert_eq!(all_versions(&c, "meta").await.len(), 1);
    let d = ok(c.describe_secret().secret_id("meta").send().await);
    assert_eq!(d.description(), Some("first"));

    // Omitting Description keeps it.
    ok(c.update_secret()
        .secret_id("meta")
        .secret_string("v2")
        .send()
        .await);
    let d = ok(c.describe_secret().secret_id("meta").send().await);
    assert_eq!(d.description(), Some("first"));

    // "" clears it.
    ok(c.update_secret()
        .secret_id("meta")
        .description("")
        .send()
        .await);
    let d = ok(c.describe_secret().secret_id("meta").send().await);
    assert_eq!(d.description, None);
}

#[tokio::test]
async fn update_with_value_moves_current_and_previous() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "upd", "one").await;
    let out = ok(c
        .update_secret()
        .secret_id("upd")
        .secret_string("two")
        .client_request_token(tok(2))
        .send()
        .await);
    assert_eq!(out.version_id(), Some(tok(2).as_str()));
    assert_eq!(current(&c, "upd").await, "two");
    let map = stage_map(&c, "upd").await;
    assert_eq!(map[&tok(1)], labels(&["AWSPREVIOUS"]));
    assert_eq!(map[&tok(2)], labels(&["AWSCURRENT"]));
}

#[tokio::test]
async fn update_with_both_values_is_invalid_parameter() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "ub", "v").await;
    fail(
        c.update_secret()
            .secret_id("ub")
            .secret_string("s")
            .secret_binary(aws_smithy_types::Blob::new(b"b".to_vec()))
            .send()
            .await,
    )
    .assert_code("InvalidParameterException");
    assert_eq!(current(&c, "ub").await, "v");
}

#[tokio::test]
async fn last_changed_date_moves_forward_on_change() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "lc", "v").await;
    let before = ok(c.describe_secret().secret_id("lc").send().await);
    ok(c.update_secret()
        .secret_id("lc")
        .description("changed")
        .send()
        .await);
    let after = ok(c.describe_secret().secret_id("lc").send().await);
    assert!(after.last_changed_date.unwrap() >= before.last_changed_date.unwrap());
    assert_eq!(after.created_date, before.created_date);
}

#[tokio::test]
async fn empty_kms_key_id_means_the_default_key() {
    // §4 UpdateSecret: KmsKeyId "" reverts to aws/secretsmanager, which
    // DescribeSecret does not report.
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "kms", "v").await;
    ok(c.update_secret()
        .secret_id("kms")
        .kms_key_id("")
        .secret_string("w")
        .send()
        .await);
    let d = ok(c.describe_secret().secret_id("kms").send().await);
    assert_eq!(d.kms_key_id, None);
    assert_eq!(current(&c, "kms").await, "w");
    let versions = ok(c.list_secret_version_ids().secret_id("kms").send().await);
    for v in versions.versions() {
        assert_eq!(v.kms_key_ids(), ["DefaultEncryptionKey"], "{v:?}");
    }
}

#[tokio::test]
async fn an_unknown_kms_key_is_an_invalid_parameter() {
    // The reference only infers ResourceNotFoundException/EncryptionFailure
    // (§8). Users report AWS answering InvalidParameterException "The
    // operation failed because of an invalid KMS key" (boto/boto3#1533,
    // hashicorp/terraform-provider-aws#13303), so that is what Tresor does.
    let h = Harness::start().await;
    let c = h.client();
    let e = fail(
        c.create_secret()
            .name("badkey")
            .kms_key_id("alias/does-not-exist")
            .secret_string("v")
            .send()
            .await,
    );
    assert_eq!(e.code, "InvalidParameterException", "{e:?}");
    assert!(
        e.message
            .starts_with("The operation failed because of an invalid KMS key"),
        "{e:?}"
    );
    fail(c.describe_secret().secret_id("badkey").send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
    create(&c, "goodkey", "v").await;
    let e = fail(
        c.update_secret()
            .secret_id("goodkey")
            .kms_key_id("alias/does-not-exist")
            .send()
            .await,
    );
    assert_eq!(e.code, "InvalidParameterException", "{e:?}");
    assert!(
        e.message
            .starts_with("The operation failed because of an invalid KMS key"),
        "{e:?}"
    );
    let d = ok(c.describe_secret().secret_id("goodkey").send().await);
    assert_eq!(d.kms_key_id, None);
}
