//! Multi-Region replication across two regions of one server: the region
//! comes from the SigV4 scope, so a client per region is all it takes
//! (§4 ReplicateSecretToRegions, RemoveRegionsFromReplication,
//! StopReplicationToReplica).

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::{ReplicaRegionType, StatusType, Tag};

use crate::harness::*;

fn replica(region: &str) -> ReplicaRegionType {
    ReplicaRegionType::builder().region(region).build()
}

/// Creates `name` in REGION replicated to REGION2; returns the primary ARN.
async fn replicated(primary: &Client, name: &str, value: &str) -> String {
    let out = ok(primary
        .create_secret()
        .name(name)
        .secret_string(value)
        .client_request_token(tok(1))
        .add_replica_regions(replica(REGION2))
        .send()
        .await);
    let statuses = out.replication_status();
    assert_eq!(statuses.len(), 1, "{statuses:?}");
    assert_eq!(statuses[0].region(), Some(REGION2));
    assert!(
        matches!(
            statuses[0].status(),
            Some(StatusType::InSync | StatusType::InProgress)
        ),
        "{statuses:?}"
    );
    out.arn.unwrap()
}

#[tokio::test]
async fn create_with_a_replica_region() {
    let h = Harness::start().await;
    let (p, r) = (h.client(), h.client_in(REGION2));
    let arn = replicated(&p, "multi", "v1").await;

    // The replica: same name, the primary's ARN with its region, readable.
    let rd = ok(r.describe_secret().secret_id("multi").send().await);
    assert_eq!(
        rd.arn(),
        Some(
            arn.replace(&format!(":{REGION}:"), &format!(":{REGION2}:"))
                .as_str()
        )
    );
    assert_eq!(rd.primary_region(), Some(REGION));
    assert_eq!(current(&r, "multi").await, "v1");
    let rv = ok(r.get_secret_value().secret_id("multi").send().await);
    assert_eq!(rv.version_id(), Some(tok(1).as_str()));
    assert_eq!(rv.version_stages(), ["AWSCURRENT"]);

    // The primary reports PrimaryRegion and ReplicationStatus.
    let pd = ok(p.describe_secret().secret_id("multi").send().await);
    assert_eq!(pd.primary_region(), Some(REGION));
    let statuses = pd.replication_status();
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].region(), Some(REGION2));
    assert_eq!(statuses[0].status(), Some(&StatusType::InSync));
    // The default key is reported by alias in ReplicationStatus (AWS CLI
    // example output), but not in the replica's own DescribeSecret.
    assert_eq!(statuses[0].kms_key_id(), Some("alias/aws/secretsmanager"));
    assert_eq!(rd.kms_key_id, None);
    assert_eq!(rd.replication_status, None);
}

#[tokio::test]
async fn replica_follows_values_labels_tags_and_description() {
    let h = Harness::start().await;
    let (p, r) = (h.client(), h.client_in(REGION2));
    replicated(&p, "follow", "v1").await;
    put(&p, "follow", &tok(2), "v2").await;
    ok(p.put_secret_value()
        .secret_id("follow")
        .secret_string("v3")
        .client_request_token(tok(3))
        .version_stages("custom")
        .send()
        .await);
    ok(p.update_secret()
        .secret_id("follow")
        .description("now described")
        .send()
        .await);
    ok(p.tag_resource()
        .secret_id("follow")
        .tags(Tag::builder().key("team").value("core").build())
        .tags(Tag::builder().key("gone").value("soon").build())
        .send()
        .await);
    ok(p.untag_resource()
        .secret_id("follow")
        .tag_keys("gone")
        .send()
        .await);
    ok(p.update_secret_version_stage()
        .secret_id("follow")
        .version_stage("AWSCURRENT")
        .move_to_version_id(tok(3))
        .remove_from_version_id(tok(2))
        .send()
        .await);

    assert_eq!(current(&r, "follow").await, "v3");
    assert_eq!(stage_map(&r, "follow").await, stage_map(&p, "follow").await);
    let prev = ok(r
        .get_secret_value()
        .secret_id("follow")
        .version_stage("AWSPREVIOUS")
        .send()
        .await);
    assert_eq!(prev.secret_string(), Some("v2"));
    let rd = ok(r.describe_secret().secret_id("follow").send().await);
    assert_eq!(rd.description(), Some("now described"));
    let tags: Vec<(&str, &str)> = rd
        .tags()
        .iter()
        .map(|t| (t.key().unwrap(), t.value().unwrap()))
        .collect();
    assert_eq!(tags, [("team", "core")]);

    // Resource policies follow too.
    ok(p.put_resource_policy()
        .secret_id("follow")
        .resource_policy(crate::policy::PRIVATE_POLICY)
        .send()
        .await);
    let rp = ok(r.get_resource_policy().secret_id("follow").send().await);
    assert_eq!(rp.resource_policy(), Some(crate::policy::PRIVATE_POLICY));
    ok(p.delete_resource_policy().secret_id("follow").send().await);
    let rp = ok(r.get_resource_policy().secret_id("follow").send().await);
    assert_eq!(rp.resource_policy, None);
}

#[tokio::test]
async fn replica_refuses_writes() {
    // §4 ReplicateSecretToRegions [inferred; LocalStack's class and text].
    let h = Harness::start().await;
    let (p, r) = (h.client(), h.client_in(REGION2));
    replicated(&p, "ro", "v1").await;
    let read_only = "Operation not permitted on a replica secret. Call must be made in primary secret's region.";
    fail(
        r.put_secret_value()
            .secret_id("ro")
            .secret_string("x")
            .send()
            .await,
    )
    .assert("InvalidRequestException", read_only);
    fail(
        r.update_secret()
            .secret_id("ro")
            .description("x")
            .send()
            .await,
    )
    .assert("InvalidRequestException", read_only);
    fail(
        r.tag_resource()
            .secret_id("ro")
            .tags(Tag::builder().key("k").value("v").build())
            .send()
            .await,
    )
    .assert("InvalidRequestException", read_only);
    fail(
        r.update_secret_version_stage()
            .secret_id("ro")
            .version_stage("x")
            .move_to_version_id(tok(1))
            .send()
            .await,
    )
    .assert("InvalidRequestException", read_only);
    fail(
        r.put_resource_policy()
            .secret_id("ro")
            .resource_policy(crate::policy::PRIVATE_POLICY)
            .send()
            .await,
    )
    .assert("InvalidRequestException", read_only);
    fail(r.delete_secret().secret_id("ro").send().await)
        .assert("InvalidRequestException", read_only);
    fail(
        r.rotate_secret()
            .secret_id("ro")
            .rotation_lambda_arn(crate::rotation::LAMBDA)
            .send()
            .await,
    )
    .assert("InvalidRequestException", read_only);
    // Nothing changed on either side.
    assert_eq!(current(&r, "ro").await, "v1");
    assert_eq!(current(&p, "ro").await, "v1");
    let rd = ok(r.describe_secret().secret_id("ro").send().await);
    assert_eq!(rd.description, None);
    assert_eq!(rd.deleted_date, None);
}

#[tokio::test]
async fn replicate_an_existing_secret_later() {
    let h = Harness::start().await;
    let (p, r) = (h.client(), h.client_in(REGION2));
    let arn = create(&p, "later", "v1").await;
    put(&p, "later", &tok(2), "v2").await;
    let out = ok(p
        .replicate_secret_to_regions()
        .secret_id("later")
        .add_replica_regions(replica(REGION2))
        .send()
        .await);
    assert_eq!(out.arn(), Some(arn.as_str()));
    assert_eq!(out.replication_status().len(), 1);
    assert_eq!(out.replication_status()[0].region(), Some(REGION2));
    // All versions and labels came along.
    assert_eq!(current(&r, "later").await, "v2");
    assert_eq!(stage_map(&r, "later").await, stage_map(&p, "later").await);
    let v1 = ok(r
        .get_secret_value()
        .secret_id("later")
        .version_id(tok(1))
        .send()
        .await);
    assert_eq!(v1.secret_string(), Some("v1"));
}

#[tokio::test]
async fn replicating_to_the_primary_region_is_invalid() {
    // §4 ReplicateSecretToRegions [inferred].
    let h = Harness::start().await;
    let p = h.client();
    create(&p, "self", "v").await;
    fail(
        p.replicate_secret_to_regions()
            .secret_id("self")
            .add_replica_regions(replica(REGION))
            .send()
            .await,
    )
    .assert_code("InvalidParameterException");
    let d = ok(p.describe_secret().secret_id("self").send().await);
    assert_eq!(d.replication_status, None);
}

#[tokio::test]
async fn a_name_taken_in_the_target_region_fails_unless_overwritten() {
    // §4 ReplicateSecretToRegions [doc]: status Failed with this message,
    // unless ForceOverwriteReplicaSecret.
    let h = Harness::start().await;
    let (p, r) = (h.client(), h.client_in(REGION2));
    create(&p, "clash", "primary value").await;
    create(&r, "clash", "local value").await;
    let out = ok(p
        .replicate_secret_to_regions()
        .secret_id("clash")
        .add_replica_regions(replica(REGION2))
        .send()
        .await);
    let s = &out.replication_status()[0];
    assert_eq!(s.status(), Some(&StatusType::Failed));
    assert_eq!(
        s.status_message(),
        Some("Secret with this name already exists in this region")
    );
    assert_eq!(current(&r, "clash").await, "local value");

    let out = ok(p
        .replicate_secret_to_regions()
        .secret_id("clash")
        .add_replica_regions(replica(REGION2))
        .force_overwrite_replica_secret(true)
        .send()
        .await);
    let s = &out.replication_status()[0];
    assert!(
        matches!(
            s.status(),
            Some(StatusType::InSync | StatusType::InProgress)
        ),
        "{s:?}"
    );
    assert_eq!(current(&r, "clash").await, "primary value");
    let rd = ok(r.describe_secret().secret_id("clash").send().await);
    assert_eq!(rd.primary_region(), Some(REGION));
}

#[tokio::test]
async fn remove_regions_deletes_the_replica() {
    let h = Harness::start().await;
    let (p, r) = (h.client(), h.client_in(REGION2));
    let arn = replicated(&p, "rm", "v").await;
    let out = ok(p
        .remove_regions_from_replication()
        .secret_id("rm")
        .remove_replica_regions(REGION2)
        .send()
        .await);
    assert_eq!(out.arn(), Some(arn.as_str()));
    assert!(out.replication_status().is_empty());
    fail(r.describe_secret().secret_id("rm").send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
    let pd = ok(p.describe_secret().secret_id("rm").send().await);
    assert!(pd.replication_status().is_empty(), "{pd:?}");
    // Now the primary can be deleted.
    ok(p.delete_secret().secret_id("rm").send().await);
}

#[tokio::test]
async fn a_primary_with_replicas_cannot_be_deleted() {
    // §3.6 [doc]; the code is inferred (moto: InvalidParameterException).
    let h = Harness::start().await;
    let (p, r) = (h.client(), h.client_in(REGION2));
    replicated(&p, "keep", "v").await;
    let e = fail(p.delete_secret().secret_id("keep").send().await);
    assert!(
        ["InvalidRequestException", "InvalidParameterException"].contains(&e.code.as_str()),
        "{e:?}"
    );
    fail(
        p.delete_secret()
            .secret_id("keep")
            .force_delete_without_recovery(true)
            .send()
            .await,
    );
    let pd = ok(p.describe_secret().secret_id("keep").send().await);
    assert_eq!(pd.deleted_date, None);
    assert_eq!(current(&p, "keep").await, "v");
    assert_eq!(current(&r, "keep").await, "v");
}

#[tokio::test]
async fn stop_replication_promotes_the_replica() {
    let h = Harness::start().await;
    let (p, r) = (h.client(), h.client_in(REGION2));
    replicated(&p, "promo", "v1").await;
    let replica_arn = ok(r.describe_secret().secret_id("promo").send().await)
        .arn
        .unwrap();
    let out = ok(r
        .stop_replication_to_replica()
        .secret_id("promo")
        .send()
        .await);
    assert_eq!(out.arn(), Some(replica_arn.as_str()));

    // The old primary no longer lists it.
    let pd = ok(p.describe_secret().secret_id("promo").send().await);
    assert!(pd.replication_status().is_empty(), "{pd:?}");
    // The promoted secret is writable, its own primary, and independent.
    let rd = ok(r.describe_secret().secret_id("promo").send().await);
    assert_eq!(rd.primary_region(), Some(REGION2), "{rd:?}");
    put(&r, "promo", &tok(2), "replica's own").await;
    put(&p, "promo", &tok(3), "primary's own").await;
    assert_eq!(current(&r, "promo").await, "replica's own");
    assert_eq!(current(&p, "promo").await, "primary's own");
    // And both can be deleted now.
    ok(r.delete_secret().secret_id("promo").send().await);
    ok(p.delete_secret().secret_id("promo").send().await);
}

#[tokio::test]
async fn stop_replication_on_a_non_replica_is_invalid_request() {
    let h = Harness::start().await;
    let (p, r) = (h.client(), h.client_in(REGION2));
    replicated(&p, "prim", "v").await;
    fail(
        p.stop_replication_to_replica()
            .secret_id("prim")
            .send()
            .await,
    )
    .assert_code("InvalidRequestException");
    create(&r, "plain", "v").await;
    fail(
        r.stop_replication_to_replica()
            .secret_id("plain")
            .send()
            .await,
    )
    .assert_code("InvalidRequestException");
    fail(
        r.stop_replication_to_replica()
            .secret_id("nope")
            .send()
            .await,
    )
    .assert("ResourceNotFoundException", NOT_FOUND);
}

#[tokio::test]
async fn replication_operations_on_unknown_secrets_are_not_found() {
    let h = Harness::start().await;
    let p = h.client();
    fail(
        p.replicate_secret_to_regions()
            .secret_id("nope")
            .add_replica_regions(replica(REGION2))
            .send()
            .await,
    )
    .assert("ResourceNotFoundException", NOT_FOUND);
    fail(
        p.remove_regions_from_replication()
            .secret_id("nope")
            .remove_replica_regions(REGION2)
            .send()
            .await,
    )
    .assert("ResourceNotFoundException", NOT_FOUND);
}

#[tokio::test]
async fn replica_region_must_look_like_a_region() {
    // §5 ReplicaRegionType: pattern ^([a-z]+-)+\d+$ → ValidationException.
    let h = Harness::start().await;
    let p = h.client();
    create(&p, "badregion", "v").await;
    fail(
        p.replicate_secret_to_regions()
            .secret_id("badregion")
            .add_replica_regions(replica("Not_A_Region"))
            .send()
            .await,
    )
    .assert_code("ValidationException");
}

#[tokio::test]
async fn replicas_are_listed_in_their_region_with_primary_region() {
    let h = Harness::start().await;
    let (p, r) = (h.client(), h.client_in(REGION2));
    replicated(&p, "listed", "v").await;
    create(&p, "local-only", "v").await;
    let list = ok(r.list_secrets().send().await);
    let names: Vec<&str> = list.secret_list().iter().filter_map(|e| e.name()).collect();
    assert_eq!(names, ["listed"]);
    assert_eq!(list.secret_list()[0].primary_region(), Some(REGION));
    // primary-region filter: only replicated secrets have a PrimaryRegion.
    let filtered = ok(p
        .list_secrets()
        .filters(
            aws_sdk_secretsmanager::types::Filter::builder()
                .key(aws_sdk_secretsmanager::types::FilterNameStringType::PrimaryRegion)
                .values(REGION)
                .build(),
        )
        .send()
        .await);
    let names: Vec<&str> = filtered
        .secret_list()
        .iter()
        .filter_map(|e| e.name())
        .collect();
    assert_eq!(names, ["listed"]);
}

#[tokio::test]
async fn reading_a_replica_records_access_there() {
    let h = Harness::start().await;
    let (p, r) = (h.client(), h.client_in(REGION2));
    replicated(&p, "readrep", "v").await;
    current(&r, "readrep").await;
    let rd = ok(r.describe_secret().secret_id("readrep").send().await);
    let day = secs(rd.last_accessed_date.as_ref().unwrap());
    assert_eq!(day.rem_euclid(86_400), 0);
    let pd = ok(p.describe_secret().secret_id("readrep").send().await);
    assert_eq!(pd.last_accessed_date, None);
}
