//! TagResource and UntagResource (§4 TagResource, UntagResource).

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::Tag;

use crate::harness::*;

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build()
}

async fn tags_of(c: &Client, secret: &str) -> Option<Vec<(String, String)>> {
    let d = ok(c.describe_secret().secret_id(secret).send().await);
    d.tags.map(|tags| {
        let mut pairs: Vec<(String, String)> = tags
            .into_iter()
            .map(|t| (t.key.unwrap(), t.value.unwrap_or_default()))
            .collect();
        pairs.sort();
        pairs
    })
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn tags_merge_by_case_sensitive_key() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "t", "v").await;
    let out = ok(c
        .tag_resource()
        .secret_id("t")
        .tags(tag("env", "dev"))
        .tags(tag("ABC", "upper"))
        .send()
        .await);
    let _ = out; // no output members
    ok(c.tag_resource()
        .secret_id("t")
        .tags(tag("env", "prod"))
        .tags(tag("abc", "lower"))
        .tags(tag("empty", ""))
        .send()
        .await);
    assert_eq!(
        tags_of(&c, "t").await.unwrap(),
        pairs(&[
            ("ABC", "upper"),
            ("abc", "lower"),
            ("empty", ""),
            ("env", "prod")
        ])
    );
}

#[tokio::test]
async fn tag_resource_answers_an_empty_object() {
    let h = Harness::start().await;
    create(&h.client(), "te", "v").await;
    let r = h
        .raw()
        .request(
            "TagResource",
            serde_json::json!({"SecretId": "te", "Tags": [{"Key": "a", "Value": "b"}]}),
        )
        .send()
        .await;
    assert_eq!(r.status, 200);
    assert!(r.json().is_empty(), "{r:?}");
    let r = h
        .raw()
        .request(
            "UntagResource",
            serde_json::json!({"SecretId": "te", "TagKeys": ["a"]}),
        )
        .send()
        .await;
    assert_eq!(r.status, 200);
    assert!(r.json().is_empty(), "{r:?}");
}

#[tokio::test]
async fn untag_removes_keys_ignores_unknown_ones_and_leaves_an_empty_list() {
    // §4 UntagResource [AWS]: after removing the last tag, "Tags": [].
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "u", "v").await;
    ok(c.tag_resource()
        .secret_id("u")
        .tags(tag("a", "1"))
        .tags(tag("b", "2"))
        .send()
        .await);
    ok(c.untag_resource()
        .secret_id("u")
        .tag_keys("a")
        .tag_keys("not-there")
        .send()
        .await);
    assert_eq!(tags_of(&c, "u").await.unwrap(), pairs(&[("b", "2")]));
    ok(c.untag_resource().secret_id("u").tag_keys("b").send().await);
    assert_eq!(tags_of(&c, "u").await, Some(vec![]));
    let r = h
        .raw()
        .request("DescribeSecret", serde_json::json!({"SecretId": "u"}))
        .send()
        .await;
    assert_eq!(r.json()["Tags"], serde_json::json!([]));
}

#[tokio::test]
async fn tagging_changes_last_changed_date_but_makes_no_version() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "tv", "v").await;
    let before = ok(c.describe_secret().secret_id("tv").send().await);
    ok(c.tag_resource()
        .secret_id("tv")
        .tags(tag("k", "v"))
        .send()
        .await);
    let after = ok(c.describe_secret().secret_id("tv").send().await);
    assert!(after.last_changed_date.unwrap() >= before.last_changed_date.unwrap());
    assert_eq!(all_versions(&c, "tv").await.len(), 1);
}

#[tokio::test]
async fn tags_of_an_unknown_secret_are_not_found() {
    let h = Harness::start().await;
    let c = h.client();
    fail(
        c.tag_resource()
            .secret_id("nope")
            .tags(tag("k", "v"))
            .send()
            .await,
    )
    .assert("ResourceNotFoundException", NOT_FOUND);
    fail(
        c.untag_resource()
            .secret_id("nope")
            .tag_keys("k")
            .send()
            .await,
    )
    .assert("ResourceNotFoundException", NOT_FOUND);
}

#[tokio::test]
async fn reserved_aws_prefix_is_rejected() {
    // §4 TagResource [inferred code InvalidParameterException/ValidationException].
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "aws", "v").await;
    let e = fail(
        c.tag_resource()
            .secret_id("aws")
            .tags(tag("aws:owner", "me"))
            .send()
            .await,
    );
    assert!(
        ["InvalidParameterException", "ValidationException"].contains(&e.code.as_str()),
        "{e:?}"
    );
    assert_eq!(tags_of(&c, "aws").await, None);
}

#[tokio::test]
async fn at_most_50_tags() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "fifty", "v").await;
    let mut req = c.tag_resource().secret_id("fifty");
    for i in 0..50 {
        req = req.tags(tag(&format!("k{i}"), "v"));
    }
    ok(req.send().await);
    let e = fail(
        c.tag_resource()
            .secret_id("fifty")
            .tags(tag("one-more", "v"))
            .send()
            .await,
    );
    assert!(
        ["InvalidParameterException", "ValidationException"].contains(&e.code.as_str()),
        "{e:?}"
    );
    assert_eq!(tags_of(&c, "fifty").await.unwrap().len(), 50);
}

#[tokio::test]
async fn tag_key_and_value_lengths_follow_the_model() {
    // Key 1–128, value 0–256: model constraints → ValidationException.
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "len", "v").await;
    ok(c.tag_resource()
        .secret_id("len")
        .tags(tag(&"k".repeat(128), &"v".repeat(256)))
        .send()
        .await);
    fail(
        c.tag_resource()
            .secret_id("len")
            .tags(tag(&"k".repeat(129), "v"))
            .send()
            .await,
    )
    .assert_code("ValidationException");
    fail(
        c.tag_resource()
            .secret_id("len")
            .tags(tag("k", &"v".repeat(257)))
            .send()
            .await,
    )
    .assert_code("ValidationException");
    assert_eq!(tags_of(&c, "len").await.unwrap().len(), 1);
}

#[tokio::test]
async fn tags_show_in_list_secrets() {
    let h = Harness::start().await;
    let c = h.client();
    ok(c.create_secret()
        .name("lt")
        .secret_string("v")
        .tags(tag("team", "core"))
        .send()
        .await);
    let list = ok(c.list_secrets().send().await);
    let entry = &list.secret_list()[0];
    assert_eq!(entry.tags().len(), 1);
    assert_eq!(entry.tags()[0].key(), Some("team"));
    assert_eq!(entry.tags()[0].value(), Some("core"));
}
