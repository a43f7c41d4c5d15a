//! Staging labels: the five recorded AWS label sequences (§3.4) and the
//! label traps (§9 items 4–6), through PutSecretValue and
//! UpdateSecretVersionStage.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_secretsmanager::Client;

use crate::harness::*;

/// Puts `value` as version `token` with explicit `stages`.
async fn put_staged(c: &Client, secret: &str, token: &str, stages: &[&str]) {
    let mut req = c
        .put_secret_value()
        .secret_id(secret)
        .secret_string(format!("value of {token}"))
        .client_request_token(token);
    for s in stages {
        req = req.version_stages(*s);
    }
    ok(req.send().await);
}

/// UpdateSecretVersionStage(`stage`, move `to`, remove from `from`).
async fn move_stage(c: &Client, secret: &str, stage: &str, to: Option<&str>, from: Option<&str>) {
    let out = ok(c
        .update_secret_version_stage()
        .secret_id(secret)
        .version_stage(stage)
        .set_move_to_version_id(to.map(String::from))
        .set_remove_from_version_id(from.map(String::from))
        .send()
        .await);
    // §4 UpdateSecretVersionStage [AWS]: ARN and Name only.
    assert!(out.arn.is_some() && out.name() == Some(secret));
}

/// Checks every version's labels (deprecated ones as `[]`), through
/// ListSecretVersionIds with IncludeDeprecated, and that DescribeSecret
/// lists exactly the labelled ones.
#[track_caller]
fn expect(
    actual: &BTreeMap<String, BTreeSet<String>>,
    described: &BTreeMap<String, BTreeSet<String>>,
    want: &[(u32, &[&str])],
) {
    let want: BTreeMap<String, BTreeSet<String>> =
        want.iter().map(|(v, s)| (tok(*v), labels(s))).collect();
    assert_eq!(actual, &want, "ListSecretVersionIds(IncludeDeprecated)");
    let labelled: BTreeMap<String, BTreeSet<String>> =
        want.into_iter().filter(|(_, s)| !s.is_empty()).collect();
    assert_eq!(described, &labelled, "DescribeSecret VersionIdsToStages");
}

async fn check(c: &Client, secret: &str, want: &[(u32, &[&str])]) {
    let actual = all_versions(c, secret).await;
    let described = stage_map(c, secret).await;
    expect(&actual, &described, want);
}

#[tokio::test]
async fn golden_1_puts_rotate_current_and_previous() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "g1", "v1").await;
    check(&c, "g1", &[(1, &["AWSCURRENT"])]).await;
    put(&c, "g1", &tok(2), "v2").await;
    check(&c, "g1", &[(1, &["AWSPREVIOUS"]), (2, &["AWSCURRENT"])]).await;
    put(&c, "g1", &tok(3), "v3").await;
    check(
        &c,
        "g1",
        &[(1, &[]), (2, &["AWSPREVIOUS"]), (3, &["AWSCURRENT"])],
    )
    .await;
    assert_eq!(current(&c, "g1").await, "v3");
}

#[tokio::test]
async fn golden_2_pending_then_promote_twice() {
    let h = Harness::start().await;
    let c = h.client();
    let (v1, v2, v3) = (tok(1), tok(2), tok(3));
    create(&c, "g2", "v1").await;
    put_staged(&c, "g2", &v2, &["AWSPENDING"]).await;
    check(&c, "g2", &[(1, &["AWSCURRENT"]), (2, &["AWSPENDING"])]).await;
    move_stage(&c, "g2", "AWSCURRENT", Some(&v2), Some(&v1)).await;
    check(
        &c,
        "g2",
        &[(1, &["AWSPREVIOUS"]), (2, &["AWSCURRENT", "AWSPENDING"])],
    )
    .await;
    put_staged(&c, "g2", &v3, &["AWSPENDING"]).await;
    check(
        &c,
        "g2",
        &[
            (1, &["AWSPREVIOUS"]),
            (2, &["AWSCURRENT"]),
            (3, &["AWSPENDING"]),
        ],
    )
    .await;
    move_stage(&c, "g2", "AWSCURRENT", Some(&v3), Some(&v2)).await;
    check(
        &c,
        "g2",
        &[
            (1, &[]),
            (2, &["AWSPREVIOUS"]),
            (3, &["AWSCURRENT", "AWSPENDING"]),
        ],
    )
    .await;
    assert_eq!(current(&c, "g2").await, format!("value of {v3}"));
}

#[tokio::test]
async fn golden_3_custom_labels_move_only_when_named() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "g3", "v1").await;
    put_staged(&c, "g3", &tok(2), &["one", "two", "three"]).await;
    put_staged(&c, "g3", &tok(3), &["one", "two", "four"]).await;
    check(
        &c,
        "g3",
        &[
            (1, &["AWSCURRENT"]),
            (2, &["three"]),
            (3, &["four", "one", "two"]),
        ],
    )
    .await;
}

#[tokio::test]
async fn golden_3b_taking_every_label_deprecates_the_old_version() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "g3b", "v1").await;
    put_staged(&c, "g3b", &tok(2), &["one", "two", "three"]).await;
    put_staged(&c, "g3b", &tok(3), &["one", "two", "three", "four"]).await;
    check(
        &c,
        "g3b",
        &[
            (1, &["AWSCURRENT"]),
            (2, &[]),
            (3, &["four", "one", "three", "two"]),
        ],
    )
    .await;
}

#[tokio::test]
async fn golden_4_reserved_and_custom_labels_together() {
    let h = Harness::start().await;
    let c = h.client();
    let (v2, v3, v4) = (tok(2), tok(3), tok(4));
    create(&c, "g4", "v1").await;
    put_staged(&c, "g4", &v2, &["AWSCURRENT", "PUT0"]).await;
    check(
        &c,
        "g4",
        &[(1, &["AWSPREVIOUS"]), (2, &["AWSCURRENT", "PUT0"])],
    )
    .await;
    put_staged(&c, "g4", &v3, &["AWSPENDING", "PUT1"]).await;
    move_stage(&c, "g4", "AWSCURRENT", Some(&v3), Some(&v2)).await;
    check(
        &c,
        "g4",
        &[
            (1, &[]),
            (2, &["AWSPREVIOUS", "PUT0"]),
            (3, &["AWSCURRENT", "AWSPENDING", "PUT1"]),
        ],
    )
    .await;
    put_staged(&c, "g4", &v4, &["AWSPENDING", "PUT2"]).await;
    check(
        &c,
        "g4",
        &[
            (1, &[]),
            (2, &["AWSPREVIOUS", "PUT0"]),
            (3, &["AWSCURRENT", "PUT1"]),
            (4, &["AWSPENDING", "PUT2"]),
        ],
    )
    .await;
    move_stage(&c, "g4", "AWSCURRENT", Some(&v4), Some(&v3)).await;
    check(
        &c,
        "g4",
        &[
            (1, &[]),
            (2, &["PUT0"]),
            (3, &["AWSPREVIOUS", "PUT1"]),
            (4, &["AWSCURRENT", "AWSPENDING", "PUT2"]),
        ],
    )
    .await;
}

#[tokio::test]
async fn golden_5_custom_pending_label() {
    let h = Harness::start().await;
    let c = h.client();
    let (v1, v2) = (tok(1), tok(2));
    create(&c, "g5", "v1").await;
    put_staged(&c, "g5", &v2, &["PENDING"]).await;
    move_stage(&c, "g5", "AWSCURRENT", Some(&v2), Some(&v1)).await;
    check(
        &c,
        "g5",
        &[(1, &["AWSPREVIOUS"]), (2, &["AWSCURRENT", "PENDING"])],
    )
    .await;
    move_stage(&c, "g5", "PENDING", None, Some(&v2)).await;
    check(&c, "g5", &[(1, &["AWSPREVIOUS"]), (2, &["AWSCURRENT"])]).await;
}

#[tokio::test]
async fn deprecated_versions_are_hidden_by_default_and_listed_without_stages() {
    // Trap 4 [AWS]: IncludeDeprecated lists them without a VersionStages member.
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "hid", "v1").await;
    put(&c, "hid", &tok(2), "v2").await;
    put(&c, "hid", &tok(3), "v3").await;
    let default = ok(c.list_secret_version_ids().secret_id("hid").send().await);
    let ids: BTreeSet<&str> = default
        .versions()
        .iter()
        .filter_map(|v| v.version_id())
        .collect();
    assert_eq!(ids, [tok(2).as_str(), tok(3).as_str()].into());

    let r = h
        .raw()
        .request(
            "ListSecretVersionIds",
            serde_json::json!({"SecretId": "hid", "IncludeDeprecated": true}),
        )
        .send()
        .await;
    let versions = r.json()["Versions"].as_array().unwrap().clone();
    assert_eq!(versions.len(), 3);
    let deprecated = versions
        .iter()
        .find(|v| v["VersionId"] == tok(1).as_str())
        .unwrap();
    assert!(deprecated.get("VersionStages").is_none(), "{deprecated}");
}

#[tokio::test]
async fn put_over_a_finished_rotation_clears_pending() {
    // Trap 5 [AWS snapshot test_update_secret_version_stages_current_pending].
    let h = Harness::start().await;
    let c = h.client();
    let (v1, v2, v3) = (tok(1), tok(2), tok(3));
    create(&c, "fin", "v1").await;
    put_staged(&c, "fin", &v2, &["AWSPENDING"]).await;
    move_stage(&c, "fin", "AWSCURRENT", Some(&v2), Some(&v1)).await;
    put(&c, "fin", &v3, "v3").await;
    check(
        &c,
        "fin",
        &[(1, &[]), (2, &["AWSPREVIOUS"]), (3, &["AWSCURRENT"])],
    )
    .await;
}

#[tokio::test]
async fn update_secret_over_a_finished_rotation_clears_pending_too() {
    let h = Harness::start().await;
    let c = h.client();
    let (v1, v2, v3) = (tok(1), tok(2), tok(3));
    create(&c, "finu", "v1").await;
    put_staged(&c, "finu", &v2, &["AWSPENDING"]).await;
    move_stage(&c, "finu", "AWSCURRENT", Some(&v2), Some(&v1)).await;
    ok(c.update_secret()
        .secret_id("finu")
        .secret_string("v3")
        .client_request_token(&v3)
        .send()
        .await);
    check(
        &c,
        "finu",
        &[(1, &[]), (2, &["AWSPREVIOUS"]), (3, &["AWSCURRENT"])],
    )
    .await;
}

#[tokio::test]
async fn moving_current_requires_naming_its_holder() {
    // Trap 6 [AWS message].
    let h = Harness::start().await;
    let c = h.client();
    let (v1, v2) = (tok(1), tok(2));
    create(&c, "mv", "one").await;
    put_staged(&c, "mv", &v2, &["AWSPENDING"]).await;
    fail(
        c.update_secret_version_stage()
            .secret_id("mv")
            .version_stage("AWSCURRENT")
            .move_to_version_id(&v2)
            .send()
            .await,
    )
    .assert(
        "InvalidParameterException",
        &format!(
            "The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version {v1}, so you must explicitly reference that version in RemoveFromVersionId."
        ),
    );
    assert_eq!(current(&c, "mv").await, "one");
    move_stage(&c, "mv", "AWSCURRENT", Some(&v2), Some(&v1)).await;
    // GetSecretValue's default follows AWSCURRENT (moto gets this wrong).
    assert_eq!(current(&c, "mv").await, format!("value of {v2}"));
}

#[tokio::test]
async fn moving_current_back_takes_previous_from_the_new_current() {
    // §3.4: AWSPREVIOUS goes to the old holder, leaving the new current.
    let h = Harness::start().await;
    let c = h.client();
    let (v1, v2) = (tok(1), tok(2));
    create(&c, "back", "one").await;
    put(&c, "back", &v2, "two").await;
    move_stage(&c, "back", "AWSCURRENT", Some(&v1), Some(&v2)).await;
    check(&c, "back", &[(1, &["AWSCURRENT"]), (2, &["AWSPREVIOUS"])]).await;
    assert_eq!(current(&c, "back").await, "one");
}

#[tokio::test]
async fn custom_labels_attach_move_and_detach() {
    let h = Harness::start().await;
    let c = h.client();
    let (v1, v2) = (tok(1), tok(2));
    create(&c, "cust", "one").await;
    put(&c, "cust", &v2, "two").await;
    // Attach an unattached label with only MoveToVersionId.
    move_stage(&c, "cust", "AWSSOMETHING", Some(&v1), None).await;
    check(
        &c,
        "cust",
        &[(1, &["AWSPREVIOUS", "AWSSOMETHING"]), (2, &["AWSCURRENT"])],
    )
    .await;
    // Moving it needs RemoveFromVersionId.
    let e = fail(
        c.update_secret_version_stage()
            .secret_id("cust")
            .version_stage("AWSSOMETHING")
            .move_to_version_id(&v2)
            .send()
            .await,
    );
    e.assert_code("InvalidParameterException");
    move_stage(&c, "cust", "AWSSOMETHING", Some(&v2), Some(&v1)).await;
    check(
        &c,
        "cust",
        &[(1, &["AWSPREVIOUS"]), (2, &["AWSCURRENT", "AWSSOMETHING"])],
    )
    .await;
    // Detach with only RemoveFromVersionId.
    move_stage(&c, "cust", "AWSSOMETHING", None, Some(&v2)).await;
    check(&c, "cust", &[(1, &["AWSPREVIOUS"]), (2, &["AWSCURRENT"])]).await;
}

#[tokio::test]
async fn update_secret_version_stage_errors() {
    let h = Harness::start().await;
    let c = h.client();
    let (v1, v2) = (tok(1), tok(2));
    create(&c, "use", "one").await;
    put_staged(&c, "use", &v2, &["custom"]).await;
    // §4 [inferred]: versions must exist.
    fail(
        c.update_secret_version_stage()
            .secret_id("use")
            .version_stage("custom")
            .move_to_version_id(tok(99))
            .remove_from_version_id(&v2)
            .send()
            .await,
    )
    .assert_code("InvalidParameterException");
    // RemoveFromVersionId that does not carry the label [inferred].
    fail(
        c.update_secret_version_stage()
            .secret_id("use")
            .version_stage("custom")
            .remove_from_version_id(&v1)
            .send()
            .await,
    )
    .assert_code("InvalidParameterException");
    fail(
        c.update_secret_version_stage()
            .secret_id("nope")
            .version_stage("custom")
            .move_to_version_id(&v1)
            .send()
            .await,
    )
    .assert("ResourceNotFoundException", NOT_FOUND);
    check(&c, "use", &[(1, &["AWSCURRENT"]), (2, &["custom"])]).await;
}

#[tokio::test]
async fn more_than_20_labels_per_secret_is_limit_exceeded() {
    // §3.4 [doc quotas]: at most 20 labels across all versions.
    let h = Harness::start().await;
    let c = h.client_without_retries();
    create(&c, "many", "one").await;
    let nineteen: Vec<String> = (0..19).map(|i| format!("L{i}")).collect();
    let refs: Vec<&str> = nineteen.iter().map(String::as_str).collect();
    put_staged(&c, "many", &tok(2), &refs).await; // 1 + 19 = 20 labels
    let e = fail(
        c.put_secret_value()
            .secret_id("many")
            .secret_string("x")
            .client_request_token(tok(3))
            .version_stages("L19")
            .send()
            .await,
    );
    e.assert_code("LimitExceededException");
    let e = fail(
        c.update_secret_version_stage()
            .secret_id("many")
            .version_stage("L20")
            .move_to_version_id(tok(1))
            .send()
            .await,
    );
    e.assert_code("LimitExceededException");
    // Nothing changed.
    let versions = all_versions(&c, "many").await;
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[&tok(2)].len(), 19);
}

#[tokio::test]
async fn version_stages_must_hold_1_to_20_labels() {
    // Model: VersionStages 1–20 items, each 1–256 characters.
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "vs", "one").await;
    fail(
        c.put_secret_value()
            .secret_id("vs")
            .secret_string("two")
            .set_version_stages(Some(vec![]))
            .send()
            .await,
    )
    .assert_code("ValidationException");
    let many: Vec<String> = (0..21).map(|i| format!("S{i}")).collect();
    fail(
        c.put_secret_value()
            .secret_id("vs")
            .secret_string("two")
            .set_version_stages(Some(many))
            .send()
            .await,
    )
    .assert_code("ValidationException");
    fail(
        c.put_secret_value()
            .secret_id("vs")
            .secret_string("two")
            .version_stages("x".repeat(257))
            .send()
            .await,
    )
    .assert_code("ValidationException");
    assert_eq!(all_versions(&c, "vs").await.len(), 1);
}

#[tokio::test]
async fn moving_current_with_the_wrong_remove_from_version_is_refused() {
    let h = Harness::start().await;
    let c = h.client();
    let (v2, v3) = (tok(2), tok(3));
    create(&c, "wrong", "one").await;
    put_staged(&c, "wrong", &v2, &["x"]).await;
    put_staged(&c, "wrong", &v3, &["y"]).await;
    fail(
        c.update_secret_version_stage()
            .secret_id("wrong")
            .version_stage("AWSCURRENT")
            .move_to_version_id(&v3)
            .remove_from_version_id(&v2)
            .send()
            .await,
    )
    .assert_code("InvalidParameterException");
    check(
        &c,
        "wrong",
        &[(1, &["AWSCURRENT"]), (2, &["x"]), (3, &["y"])],
    )
    .await;
}

#[tokio::test]
async fn moving_current_onto_its_holder_changes_nothing() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "same", "one").await;
    put(&c, "same", &tok(2), "two").await;
    move_stage(&c, "same", "AWSCURRENT", Some(&tok(2)), None).await;
    check(&c, "same", &[(1, &["AWSPREVIOUS"]), (2, &["AWSCURRENT"])]).await;
}
