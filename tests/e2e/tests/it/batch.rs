//! BatchGetSecretValue: by ids (per-id errors), by filters (paging), and
//! its parameter rules (§4 BatchGetSecretValue).

use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, Tag};
use aws_smithy_types::Blob;

use crate::harness::*;

fn name_filter(prefix: &str) -> Filter {
    Filter::builder()
        .key(FilterNameStringType::Name)
        .values(prefix)
        .build()
}

#[tokio::test]
async fn by_ids_answers_values_and_per_id_errors() {
    let h = Harness::start().await;
    let c = h.client();
    let arn_a = create(&c, "b/a", "A").await;
    ok(c.create_secret()
        .name("b/bin")
        .secret_binary(Blob::new(vec![0, 1, 2]))
        .send()
        .await);
    let out = ok(c
        .batch_get_secret_value()
        .secret_id_list("b/a")
        .secret_id_list("missing")
        .secret_id_list("b/bin")
        .send()
        .await);
    assert_eq!(out.next_token, None);
    let values = out.secret_values();
    assert_eq!(values.len(), 2, "{values:?}");
    // Request order [inferred].
    assert_eq!(values[0].arn(), Some(arn_a.as_str()));
    assert_eq!(values[0].name(), Some("b/a"));
    assert_eq!(values[0].secret_string(), Some("A"));
    assert_eq!(values[0].version_id(), Some(tok(1).as_str()));
    assert_eq!(values[0].version_stages(), ["AWSCURRENT"]);
    assert!(values[0].created_date.is_some());
    assert_eq!(values[1].name(), Some("b/bin"));
    assert_eq!(
        values[1].secret_binary.clone().unwrap().into_inner(),
        vec![0, 1, 2]
    );
    assert_eq!(values[1].secret_string, None);

    let errors = out.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].secret_id(), Some("missing"));
    assert_eq!(errors[0].error_code(), Some("ResourceNotFoundException"));
    assert_eq!(errors[0].message(), Some(NOT_FOUND));
}

#[tokio::test]
async fn by_ids_resolves_arns_and_reports_scheduled_secrets() {
    let h = Harness::start().await;
    let c = h.client();
    let arn = create(&c, "byarn", "v").await;
    create(&c, "doomed", "v").await;
    ok(c.delete_secret().secret_id("doomed").send().await);
    let out = ok(c
        .batch_get_secret_value()
        .secret_id_list(&arn)
        .secret_id_list("doomed")
        .send()
        .await);
    assert_eq!(out.secret_values().len(), 1);
    assert_eq!(out.secret_values()[0].name(), Some("byarn"));
    let errors = out.errors();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].secret_id(), Some("doomed"));
    assert_eq!(errors[0].error_code(), Some("InvalidRequestException"));
    assert_eq!(errors[0].message(), Some(MARKED_FOR_DELETION));
}

#[tokio::test]
async fn by_filters_pages_through_current_values() {
    let h = Harness::start().await;
    let c = h.client();
    for i in 0..5 {
        create(&c, &format!("team/{i}"), &format!("value {i}")).await;
    }
    create(&c, "other", "not me").await;
    create(&c, "team/doomed", "gone").await;
    ok(c.delete_secret().secret_id("team/doomed").send().await);

    let mut got = Vec::new();
    let mut next: Option<String> = None;
    let mut calls = 0;
    loop {
        let out = ok(c
            .batch_get_secret_value()
            .filters(name_filter("team/"))
            .max_results(2)
            .set_next_token(next.clone())
            .send()
            .await);
        assert!(out.secret_values().len() <= 2);
        assert!(out.errors().is_empty(), "{:?}", out.errors());
        for v in out.secret_values() {
            got.push((
                v.name().unwrap().to_string(),
                v.secret_string().unwrap().to_string(),
            ));
        }
        calls += 1;
        next = out.next_token;
        if next.is_none() {
            break;
        }
        assert!(calls < 10, "paging does not end");
    }
    got.sort();
    let want: Vec<(String, String)> = (0..5)
        .map(|i| (format!("team/{i}"), format!("value {i}")))
        .collect();
    assert_eq!(got, want);
}

#[tokio::test]
async fn by_tag_filter() {
    let h = Harness::start().await;
    let c = h.client();
    ok(c.create_secret()
        .name("tagged")
        .secret_string("yes")
        .tags(Tag::builder().key("app").value("pay").build())
        .send()
        .await);
    create(&c, "untagged", "no").await;
    let out = ok(c
        .batch_get_secret_value()
        .filters(
            Filter::builder()
                .key(FilterNameStringType::TagKey)
                .values("app")
                .build(),
        )
        .send()
        .await);
    let names: Vec<&str> = out
        .secret_values()
        .iter()
        .filter_map(|v| v.name())
        .collect();
    assert_eq!(names, ["tagged"]);
}

#[tokio::test]
async fn ids_and_filters_are_exclusive_and_max_results_needs_filters() {
    // §4 BatchGetSecretValue [inferred + doc]: InvalidParameterException.
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "x", "v").await;
    fail(c.batch_get_secret_value().send().await).assert_code("InvalidParameterException");
    fail(
        c.batch_get_secret_value()
            .secret_id_list("x")
            .filters(name_filter("x"))
            .send()
            .await,
    )
    .assert_code("InvalidParameterException");
    fail(
        c.batch_get_secret_value()
            .secret_id_list("x")
            .max_results(5)
            .send()
            .await,
    )
    .assert_code("InvalidParameterException");
}

#[tokio::test]
async fn more_than_20_ids_or_10_filters_are_validation_errors() {
    let h = Harness::start().await;
    let c = h.client();
    let mut req = c.batch_get_secret_value();
    for i in 0..21 {
        req = req.secret_id_list(format!("s{i}"));
    }
    fail(req.send().await).assert_code("ValidationException");
    let mut req = c.batch_get_secret_value();
    for i in 0..11 {
        req = req.filters(name_filter(&format!("p{i}")));
    }
    fail(req.send().await).assert_code("ValidationException");
    fail(
        c.batch_get_secret_value()
            .filters(name_filter("x"))
            .max_results(21)
            .send()
            .await,
    )
    .assert_code("ValidationException");
}

#[tokio::test]
async fn invalid_next_token_is_rejected() {
    let h = Harness::start().await;
    let c = h.client();
    fail(
        c.batch_get_secret_value()
            .filters(name_filter("x"))
            .next_token("garbage")
            .send()
            .await,
    )
    .assert(
        "InvalidNextTokenException",
        "The NextToken value is invalid.",
    );
}

#[tokio::test]
async fn batch_reads_count_as_access() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "acc", "v").await;
    ok(c.batch_get_secret_value()
        .secret_id_list("acc")
        .send()
        .await);
    let d = ok(c.describe_secret().secret_id("acc").send().await);
    let day = secs(d.last_accessed_date.as_ref().unwrap());
    assert_eq!(day.rem_euclid(86_400), 0);
}
