//! Secret values: GetSecretValue's shape and error precedence, binary
//! secrets, PutSecretValue's checks, the 65,536-byte limit, and
//! `LastAccessedDate` (§3.7, §4 GetSecretValue, §4 PutSecretValue).

use aws_smithy_types::Blob;

use crate::harness::*;

const DAY: i64 = 86_400;

#[tokio::test]
async fn get_secret_value_answers_the_current_version() {
    let h = Harness::start().await;
    let c = h.client();
    let arn = create(&c, "gv", "hello").await;
    let out = ok(c.get_secret_value().secret_id("gv").send().await);
    assert_eq!(out.arn(), Some(arn.as_str()));
    assert_eq!(out.name(), Some("gv"));
    assert_eq!(out.version_id(), Some(tok(1).as_str()));
    assert_eq!(out.secret_string(), Some("hello"));
    assert_eq!(out.secret_binary, None);
    assert_eq!(out.version_stages(), ["AWSCURRENT"]);
    assert!(out.created_date.is_some());
}

#[tokio::test]
async fn get_secret_value_on_the_wire_has_exactly_the_aws_members() {
    let h = Harness::start().await;
    create(&h.client(), "gvw", "hello").await;
    let r = h
        .raw()
        .request("GetSecretValue", serde_json::json!({"SecretId": "gvw"}))
        .send()
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.keys(),
        [
            "ARN",
            "CreatedDate",
            "Name",
            "SecretString",
            "VersionId",
            "VersionStages"
        ]
    );
}

#[tokio::test]
async fn binary_secrets_round_trip_every_byte() {
    let h = Harness::start().await;
    let c = h.client();
    let bytes: Vec<u8> = (0..=255u8).collect();
    ok(c.create_secret()
        .name("bin")
        .secret_binary(Blob::new(bytes.clone()))
        .send()
        .await);
    let out = ok(c.get_secret_value().secret_id("bin").send().await);
    assert_eq!(out.secret_binary.unwrap().into_inner(), bytes);
    assert_eq!(out.secret_string, None);

    // Through PutSecretValue and UpdateSecret as well.
    let reversed: Vec<u8> = bytes.iter().rev().copied().collect();
    ok(c.put_secret_value()
        .secret_id("bin")
        .secret_binary(Blob::new(reversed.clone()))
        .send()
        .await);
    let out = ok(c.get_secret_value().secret_id("bin").send().await);
    assert_eq!(out.secret_binary.unwrap().into_inner(), reversed);

    ok(c.update_secret()
        .secret_id("bin")
        .secret_binary(Blob::new(vec![0u8; 3]))
        .send()
        .await);
    let out = ok(c.get_secret_value().secret_id("bin").send().await);
    assert_eq!(out.secret_binary.unwrap().into_inner(), vec![0u8; 3]);
}

#[tokio::test]
async fn binary_is_base64_on_the_wire() {
    // §1 [AWS]: raw GetSecretValue returned "Zm9vdGVzdA==" for b"footest".
    let h = Harness::start().await;
    ok(h.client()
        .create_secret()
        .name("b64")
        .secret_binary(Blob::new(b"footest".to_vec()))
        .send()
        .await);
    let r = h
        .raw()
        .request("GetSecretValue", serde_json::json!({"SecretId": "b64"}))
        .send()
        .await;
    assert_eq!(r.json()["SecretBinary"], "Zm9vdGVzdA==");
    assert!(r.json().get("SecretString").is_none());
}

#[tokio::test]
async fn a_string_secret_can_become_binary_and_back() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "flip", "text").await;
    ok(c.put_secret_value()
        .secret_id("flip")
        .secret_binary(Blob::new(b"raw".to_vec()))
        .client_request_token(tok(2))
        .send()
        .await);
    let out = ok(c.get_secret_value().secret_id("flip").send().await);
    assert_eq!(out.secret_binary.unwrap().into_inner(), b"raw");
    assert_eq!(out.secret_string, None);
    let prev = ok(c
        .get_secret_value()
        .secret_id("flip")
        .version_stage("AWSPREVIOUS")
        .send()
        .await);
    assert_eq!(prev.secret_string(), Some("text"));
    assert_eq!(prev.secret_binary, None);
}

#[tokio::test]
async fn values_of_65536_bytes_are_accepted() {
    let h = Harness::start().await;
    let c = h.client();
    let s = "s".repeat(65_536);
    create(&c, "big", &s).await;
    assert_eq!(current(&c, "big").await, s);
    let b = vec![7u8; 65_536];
    ok(c.create_secret()
        .name("bigbin")
        .secret_binary(Blob::new(b.clone()))
        .send()
        .await);
    let out = ok(c.get_secret_value().secret_id("bigbin").send().await);
    assert_eq!(out.secret_binary.unwrap().into_inner(), b);
}

#[tokio::test]
async fn values_over_65536_bytes_are_validation_errors_without_the_value() {
    // §1 [AWS]: sensitive members omit the value from the message.
    let h = Harness::start().await;
    let c = h.client();
    let binary_msg = "1 validation error detected: Value at 'secretBinary' failed to satisfy constraint: Member must have length less than or equal to 65536";
    let string_msg = "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536";
    fail(
        c.create_secret()
            .name("toobig")
            .secret_binary(Blob::new(vec![1u8; 65_537]))
            .send()
            .await,
    )
    .assert("ValidationException", binary_msg);
    fail(
        c.create_secret()
            .name("toobig")
            .secret_string("s".repeat(65_537))
            .send()
            .await,
    )
    .assert("ValidationException", string_msg);
    fail(c.describe_secret().secret_id("toobig").send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);

    create(&c, "grow", "small").await;
    fail(
        c.put_secret_value()
            .secret_id("grow")
            .secret_string("s".repeat(65_537))
            .send()
            .await,
    )
    .assert("ValidationException", string_msg);
    fail(
        c.update_secret()
            .secret_id("grow")
            .secret_binary(Blob::new(vec![1u8; 65_537]))
            .send()
            .await,
    )
    .assert("ValidationException", binary_msg);
    assert_eq!(current(&c, "grow").await, "small");
}

#[tokio::test]
async fn get_by_version_id_and_by_stage() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "sel", "one").await;
    put(&c, "sel", &tok(2), "two").await;
    let v1 = ok(c
        .get_secret_value()
        .secret_id("sel")
        .version_id(tok(1))
        .send()
        .await);
    assert_eq!(v1.secret_string(), Some("one"));
    assert_eq!(v1.version_stages(), ["AWSPREVIOUS"]);
    let prev = ok(c
        .get_secret_value()
        .secret_id("sel")
        .version_stage("AWSPREVIOUS")
        .send()
        .await);
    assert_eq!(prev.version_id(), Some(tok(1).as_str()));
    let both = ok(c
        .get_secret_value()
        .secret_id("sel")
        .version_id(tok(2))
        .version_stage("AWSCURRENT")
        .send()
        .await);
    assert_eq!(both.secret_string(), Some("two"));
}

#[tokio::test]
async fn get_secret_value_error_texts_differ_for_version_and_stage() {
    // §4 GetSecretValue steps 4–6 [AWS], trap 12.
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "errs", "one").await;
    put(&c, "errs", &tok(2), "two").await;
    let unknown = tok(99);
    fail(
        c.get_secret_value()
            .secret_id("errs")
            .version_id(&unknown)
            .send()
            .await,
    )
    .assert(
        "ResourceNotFoundException",
        &format!("Secrets Manager can't find the specified secret value for VersionId: {unknown}"),
    );
    fail(
        c.get_secret_value()
            .secret_id("errs")
            .version_stage("NOPE")
            .send()
            .await,
    )
    .assert(
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret value for staging label: NOPE",
    );
    fail(
        c.get_secret_value()
            .secret_id("errs")
            .version_id(tok(1))
            .version_stage("AWSCURRENT")
            .send()
            .await,
    )
    .assert(
        "InvalidRequestException",
        "You provided a VersionStage that is not associated to the provided VersionId.",
    );
}

#[tokio::test]
async fn deprecated_versions_stay_readable_by_version_id() {
    // §3.4 [inferred]: readable until pruned; VersionStages omitted.
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "dep", "one").await;
    put(&c, "dep", &tok(2), "two").await;
    put(&c, "dep", &tok(3), "three").await;
    let old = ok(c
        .get_secret_value()
        .secret_id("dep")
        .version_id(tok(1))
        .send()
        .await);
    assert_eq!(old.secret_string(), Some("one"));
    assert!(old.version_stages().is_empty(), "{old:?}");
}

#[tokio::test]
async fn put_secret_value_answers_arn_name_version_and_stages() {
    let h = Harness::start().await;
    let c = h.client();
    let arn = create(&c, "pv", "one").await;
    let out = ok(c
        .put_secret_value()
        .secret_id("pv")
        .secret_string("two")
        .client_request_token(tok(2))
        .send()
        .await);
    assert_eq!(out.arn(), Some(arn.as_str()));
    assert_eq!(out.name(), Some("pv"));
    assert_eq!(out.version_id(), Some(tok(2).as_str()));
    assert_eq!(out.version_stages(), ["AWSCURRENT"]);
}

#[tokio::test]
async fn put_secret_value_needs_exactly_one_value() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "pv1", "one").await;
    // §4 PutSecretValue step 2 [inferred message, moto + LocalStack].
    fail(c.put_secret_value().secret_id("pv1").send().await).assert(
        "InvalidRequestException",
        "You must provide either SecretString or SecretBinary.",
    );
    fail(
        c.put_secret_value()
            .secret_id("pv1")
            .secret_string("s")
            .secret_binary(Blob::new(b"b".to_vec()))
            .send()
            .await,
    )
    .assert_code("InvalidParameterException");
    assert_eq!(all_versions(&c, "pv1").await.len(), 1);
}

#[tokio::test]
async fn short_client_request_token_is_a_validation_error() {
    // The model says 32–64; the Rust SDK does not check lengths itself.
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "shorttok", "one").await;
    let e = fail(
        c.put_secret_value()
            .secret_id("shorttok")
            .secret_string("two")
            .client_request_token("short")
            .send()
            .await,
    );
    e.assert_code("ValidationException");
    assert!(
        e.message.contains("'clientRequestToken'")
            && e.message
                .contains("Member must have length greater than or equal to 32"),
        "{e:?}"
    );
    let e = fail(
        c.put_secret_value()
            .secret_id("shorttok")
            .secret_string("two")
            .client_request_token("x".repeat(65))
            .send()
            .await,
    );
    e.assert_code("ValidationException");
    assert_eq!(current(&c, "shorttok").await, "one");
}

fn midnight_today() -> i64 {
    let now = now_secs();
    now - now.rem_euclid(DAY)
}

/// A day AWS would report for an access made around now: midnight UTC of
/// today (or of yesterday, should the test straddle midnight).
#[track_caller]
fn assert_access_day(t: &aws_smithy_types::DateTime) {
    let s = secs(t);
    assert_eq!(t.subsec_nanos(), 0, "{t:?}");
    assert_eq!(s.rem_euclid(DAY), 0, "not midnight UTC: {t:?}");
    let today = midnight_today();
    assert!(s == today || s == today - DAY, "{s} is not today ({today})");
}

#[tokio::test]
async fn last_accessed_date_is_a_midnight_utc_day() {
    // §3.7 [doc + AWS], trap 13.
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "acc", "one").await;
    put(&c, "acc", &tok(2), "two").await;
    let d = ok(c.describe_secret().secret_id("acc").send().await);
    assert_eq!(d.last_accessed_date, None);

    ok(c.get_secret_value().secret_id("acc").send().await);
    let d = ok(c.describe_secret().secret_id("acc").send().await);
    assert_access_day(d.last_accessed_date.as_ref().unwrap());

    // Per version in ListSecretVersionIds: the read one only.
    let versions = ok(c.list_secret_version_ids().secret_id("acc").send().await);
    for v in versions.versions() {
        if v.version_id() == Some(tok(2).as_str()) {
            assert_access_day(v.last_accessed_date.as_ref().unwrap());
        } else {
            assert_eq!(v.last_accessed_date, None, "{v:?}");
        }
    }

    // And in ListSecrets.
    let list = ok(c.list_secrets().send().await);
    assert_access_day(list.secret_list()[0].last_accessed_date.as_ref().unwrap());

    // On the wire: a whole number of seconds.
    let r = h
        .raw()
        .request("DescribeSecret", serde_json::json!({"SecretId": "acc"}))
        .send()
        .await;
    let wire = r.json()["LastAccessedDate"].as_f64().unwrap();
    assert_eq!(wire.fract(), 0.0);
    assert_eq!((wire as i64).rem_euclid(DAY), 0);
}

#[tokio::test]
async fn describe_does_not_count_as_access() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "noacc", "v").await;
    ok(c.describe_secret().secret_id("noacc").send().await);
    ok(c.list_secret_version_ids().secret_id("noacc").send().await);
    ok(c.list_secrets().send().await);
    let d = ok(c.describe_secret().secret_id("noacc").send().await);
    assert_eq!(d.last_accessed_date, None);
}

#[tokio::test]
async fn the_string_limit_counts_bytes_not_characters() {
    // §7: "Secret value size 65,536 bytes". Two-byte characters: 32,768 of
    // them fill the limit, one more is over it.
    let h = Harness::start().await;
    let c = h.client();
    let fits = "é".repeat(32_768);
    create(&c, "utf8", &fits).await;
    assert_eq!(current(&c, "utf8").await, fits);
    fail(
        c.put_secret_value()
            .secret_id("utf8")
            .secret_string("é".repeat(32_769))
            .send()
            .await,
    )
    .assert(
        "ValidationException",
        "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536",
    );
}

#[tokio::test]
async fn previous_of_a_fresh_secret_is_not_found() {
    // [AWS snapshot test_get_secret_value_errors].
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "fresh", "v").await;
    fail(
        c.get_secret_value()
            .secret_id("fresh")
            .version_stage("AWSPREVIOUS")
            .send()
            .await,
    )
    .assert(
        "ResourceNotFoundException",
        "Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS",
    );
    fail(
        c.get_secret_value()
            .secret_id("fresh")
            .version_id(tok(1))
            .version_stage("AWSPREVIOUS")
            .send()
            .await,
    )
    .assert(
        "InvalidRequestException",
        "You provided a VersionStage that is not associated to the provided VersionId.",
    );
}

#[tokio::test]
async fn reading_does_not_change_last_changed_date() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "ro", "v").await;
    let before = ok(c.describe_secret().secret_id("ro").send().await);
    current(&c, "ro").await;
    ok(c.batch_get_secret_value().secret_id_list("ro").send().await);
    let after = ok(c.describe_secret().secret_id("ro").send().await);
    assert_eq!(after.last_changed_date, before.last_changed_date);
    assert!(after.last_accessed_date.is_some());
}
