//! Persistence: stop the server, start a new one on the same data
//! directory, and find everything as it was.

use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_sdk_secretsmanager::types::{ReplicaRegionType, Tag};
use aws_smithy_types::Blob;

use crate::harness::*;

/// DescribeSecret without its request id (which differs per call).
fn metadata(d: DescribeSecretOutput) -> DescribeSecretOutput {
    DescribeSecretOutput::builder()
        .set_arn(d.arn)
        .set_name(d.name)
        .set_type(d.r#type)
        .set_description(d.description)
        .set_kms_key_id(d.kms_key_id)
        .set_rotation_enabled(d.rotation_enabled)
        .set_rotation_lambda_arn(d.rotation_lambda_arn)
        .set_rotation_rules(d.rotation_rules)
        .set_external_secret_rotation_metadata(d.external_secret_rotation_metadata)
        .set_external_secret_rotation_role_arn(d.external_secret_rotation_role_arn)
        .set_last_rotated_date(d.last_rotated_date)
        .set_last_changed_date(d.last_changed_date)
        .set_last_accessed_date(d.last_accessed_date)
        .set_deleted_date(d.deleted_date)
        .set_next_rotation_date(d.next_rotation_date)
        .set_tags(d.tags)
        .set_version_ids_to_stages(d.version_ids_to_stages)
        .set_owning_service(d.owning_service)
        .set_created_date(d.created_date)
        .set_primary_region(d.primary_region)
        .set_replication_status(d.replication_status)
        .build()
}

async fn describe(c: &aws_sdk_secretsmanager::Client, id: &str) -> DescribeSecretOutput {
    metadata(ok(c.describe_secret().secret_id(id).send().await))
}

#[tokio::test]
async fn everything_survives_a_restart() {
    let mut h = Harness::start().await;
    let c = h.client();
    let string_arn = create(&c, "s/string", "one").await;
    put(&c, "s/string", &tok(2), "two").await;
    ok(c.put_secret_value()
        .secret_id("s/string")
        .secret_string("three")
        .client_request_token(tok(3))
        .version_stages("custom")
        .send()
        .await);
    ok(c.create_secret()
        .name("s/binary")
        .secret_binary(Blob::new(vec![0, 255, 1]))
        .description("bytes")
        .tags(Tag::builder().key("team").value("core").build())
        .send()
        .await);
    ok(c.put_resource_policy()
        .secret_id("s/binary")
        .resource_policy(crate::policy::PRIVATE_POLICY)
        .send()
        .await);
    create(&c, "s/doomed", "v").await;
    ok(c.delete_secret().secret_id("s/doomed").send().await);
    ok(c.create_secret()
        .name("s/replicated")
        .secret_string("everywhere")
        .add_replica_regions(ReplicaRegionType::builder().region(REGION2).build())
        .send()
        .await);
    current(&c, "s/string").await;

    let before_string = describe(&c, "s/string").await;
    let before_binary = describe(&c, "s/binary").await;
    let before_doomed = describe(&c, "s/doomed").await;
    let before_replicated = describe(&c, "s/replicated").await;
    let before_versions = all_versions(&c, "s/string").await;
    let old_addr = h.addr();

    h.restart().await;
    assert_ne!(h.addr(), old_addr);
    let c = h.client();

    // Same secrets, same ARNs (and so the same account id), same metadata.
    assert_eq!(describe(&c, &string_arn).await, before_string);
    assert_eq!(describe(&c, "s/binary").await, before_binary);
    assert_eq!(describe(&c, "s/doomed").await, before_doomed);
    assert_eq!(describe(&c, "s/replicated").await, before_replicated);
    assert_eq!(all_versions(&c, "s/string").await, before_versions);

    // Values decrypt after the restart.
    assert_eq!(current(&c, "s/string").await, "two");
    let custom = ok(c
        .get_secret_value()
        .secret_id("s/string")
        .version_stage("custom")
        .send()
        .await);
    assert_eq!(custom.secret_string(), Some("three"));
    let bin = ok(c.get_secret_value().secret_id("s/binary").send().await);
    assert_eq!(bin.secret_binary.unwrap().into_inner(), vec![0, 255, 1]);
    let policy = ok(c.get_resource_policy().secret_id("s/binary").send().await);
    assert_eq!(
        policy.resource_policy(),
        Some(crate::policy::PRIVATE_POLICY)
    );

    // Still scheduled; still restorable.
    fail(c.get_secret_value().secret_id("s/doomed").send().await)
        .assert("InvalidRequestException", MARKED_FOR_DELETION);
    ok(c.restore_secret().secret_id("s/doomed").send().await);
    assert_eq!(current(&c, "s/doomed").await, "v");

    // The replica and its link to the primary.
    let r = h.client_in(REGION2);
    assert_eq!(current(&r, "s/replicated").await, "everywhere");
    put(&c, "s/replicated", &tok(9), "updated").await;
    assert_eq!(current(&r, "s/replicated").await, "updated");

    // Idempotency still knows the old tokens.
    let retry = ok(c
        .put_secret_value()
        .secret_id("s/string")
        .secret_string("two")
        .client_request_token(tok(2))
        .send()
        .await);
    assert_eq!(retry.version_stages(), ["AWSCURRENT"]);
    assert_eq!(all_versions(&c, "s/string").await, before_versions);
}

#[tokio::test]
async fn credentials_keep_working_and_new_writes_persist_across_two_restarts() {
    let mut h = Harness::start().await;
    create(&h.client(), "first", "1").await;
    h.restart().await;
    create(&h.client(), "second", "2").await;
    h.restart().await;
    let c = h.client();
    assert_eq!(current(&c, "first").await, "1");
    assert_eq!(current(&c, "second").await, "2");
    // A wrong key is still refused after restarts.
    let bad = h.client_with(
        REGION,
        aws_credential_types::Credentials::new(ACCESS_KEY, "wrong", None, None, "e2e"),
    );
    fail(bad.list_secrets().send().await).assert_code("InvalidSignatureException");
}
