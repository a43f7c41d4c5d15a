//! ListSecretVersionIds (paging, IncludeDeprecated, KmsKeyIds — trap 16)
//! and the ~100-version quota (§3.4 garbage collection, §7).

use std::collections::BTreeSet;

use crate::harness::*;

#[tokio::test]
async fn answers_full_arn_name_and_default_key_marker() {
    let h = Harness::start().await;
    let c = h.client();
    let arn = create(&c, "lv", "one").await;
    put(&c, "lv", &tok(2), "two").await;
    let out = ok(c.list_secret_version_ids().secret_id("lv").send().await);
    // Top-level ARN is the full ARN (moto wrongly returns the name).
    assert_eq!(out.arn(), Some(arn.as_str()));
    assert_eq!(out.name(), Some("lv"));
    assert_eq!(out.next_token, None);
    assert_eq!(out.versions().len(), 2);
    for v in out.versions() {
        assert_eq!(v.kms_key_ids(), ["DefaultEncryptionKey"], "{v:?}");
        assert!(v.created_date.is_some());
        assert_eq!(v.last_accessed_date, None);
    }
    // Oldest first (recorded AWS output).
    let ids: Vec<&str> = out
        .versions()
        .iter()
        .filter_map(|v| v.version_id())
        .collect();
    assert_eq!(ids, [tok(1).as_str(), tok(2).as_str()]);
}

#[tokio::test]
async fn pages_with_max_results() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "pg", "v1").await;
    for i in 2..=5 {
        put(&c, "pg", &tok(i), &format!("v{i}")).await;
    }
    // Only 2 labelled versions without IncludeDeprecated; 5 with it.
    let mut seen = BTreeSet::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = ok(c
            .list_secret_version_ids()
            .secret_id("pg")
            .include_deprecated(true)
            .max_results(2)
            .set_next_token(next.clone())
            .send()
            .await);
        assert!(out.versions().len() <= 2);
        for v in out.versions() {
            assert!(
                seen.insert(v.version_id().unwrap().to_string()),
                "repeated {v:?}"
            );
        }
        pages += 1;
        next = out.next_token;
        if next.is_none() {
            break;
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(seen, (1..=5).map(tok).collect::<BTreeSet<_>>());
    assert_eq!(pages, 3);

    let labelled = ok(c.list_secret_version_ids().secret_id("pg").send().await);
    assert_eq!(labelled.versions().len(), 2);
}

#[tokio::test]
async fn errors() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "err", "v").await;
    fail(
        c.list_secret_version_ids()
            .secret_id("err")
            .next_token("not-a-token")
            .send()
            .await,
    )
    .assert(
        "InvalidNextTokenException",
        "The NextToken value is invalid.",
    );
    fail(c.list_secret_version_ids().secret_id("nope").send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
    fail(
        c.list_secret_version_ids()
            .secret_id("err")
            .max_results(101)
            .send()
            .await,
    )
    .assert_code("ValidationException");
}

#[tokio::test]
async fn version_quota_without_old_deprecated_versions() {
    // §3.4 / §7 [doc]: beyond 100 versions deprecated ones are pruned, but
    // never those younger than 24 h; creating more than 100 within a day
    // runs into the version quota. Observed: the 101st version is refused
    // with LimitExceededException and nothing changes. (Pruning of old
    // versions cannot be observed here: it needs a clock 24 h ahead.)
    let h = Harness::start().await;
    // LimitExceededException is retryable for SDKs: look at the first answer.
    let c = h.client_without_retries();
    create(&c, "quota", "v1").await;
    for i in 2..=100 {
        put(&c, "quota", &tok(i), &format!("v{i}")).await;
    }
    assert_eq!(all_versions(&c, "quota").await.len(), 100);
    let e = fail(
        c.put_secret_value()
            .secret_id("quota")
            .secret_string("v101")
            .client_request_token(tok(101))
            .send()
            .await,
    );
    e.assert_code("LimitExceededException");
    assert_eq!(all_versions(&c, "quota").await.len(), 100);
    assert_eq!(current(&c, "quota").await, "v100");
    let map = stage_map(&c, "quota").await;
    assert_eq!(map[&tok(100)], labels(&["AWSCURRENT"]));
    assert_eq!(map[&tok(99)], labels(&["AWSPREVIOUS"]));
    // A retry of an existing version is still a no-op, not a new version.
    ok(c.put_secret_value()
        .secret_id("quota")
        .secret_string("v100")
        .client_request_token(tok(100))
        .send()
        .await);
}
