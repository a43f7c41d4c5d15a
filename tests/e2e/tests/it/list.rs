//! ListSecrets: entry shape, filters (trap 15), sorting, paging and
//! IncludePlannedDeletion (§4 ListSecrets).

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, SortByType, SortOrderType, Tag};

use crate::harness::*;

fn filter(key: FilterNameStringType, values: &[&str]) -> Filter {
    let mut f = Filter::builder().key(key);
    for v in values {
        f = f.values(*v);
    }
    f.build()
}

/// Names returned for `filters` (all pages), sorted.
async fn names_for(c: &Client, filters: Vec<Filter>) -> Vec<String> {
    let mut names = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let out = ok(c
            .list_secrets()
            .set_filters(Some(filters.clone()))
            .set_next_token(next.clone())
            .send()
            .await);
        names.extend(out.secret_list().iter().filter_map(|e| e.name.clone()));
        next = out.next_token;
        if next.is_none() {
            break;
        }
    }
    names.sort();
    names
}

async fn make(c: &Client, name: &str, description: Option<&str>, tags: &[(&str, &str)]) {
    let mut req = c
        .create_secret()
        .name(name)
        .secret_string("v")
        .set_description(description.map(String::from));
    for (k, v) in tags {
        req = req.tags(Tag::builder().key(*k).value(*v).build());
    }
    ok(req.send().await);
}

#[tokio::test]
async fn entries_use_secret_versions_to_stages_and_omit_empty_members() {
    // Trap 2: ListSecrets says SecretVersionsToStages.
    let h = Harness::start().await;
    let c = h.client();
    let arn = create(&c, "entry", "v").await;
    let out = ok(c.list_secrets().send().await);
    assert_eq!(out.next_token, None);
    let e = &out.secret_list()[0];
    assert_eq!(e.arn(), Some(arn.as_str()));
    assert_eq!(
        e.secret_versions_to_stages.clone().unwrap(),
        [(tok(1), vec!["AWSCURRENT".to_string()])].into()
    );
    assert_eq!(e.description, None);
    assert_eq!(e.kms_key_id, None);
    assert_eq!(e.rotation_enabled, None);
    assert_eq!(e.tags, None);
    assert_eq!(e.deleted_date, None);
    assert_eq!(e.last_accessed_date, None);
    assert_eq!(e.primary_region, None);
    assert!(e.created_date.is_some() && e.last_changed_date.is_some());

    let r = h
        .raw()
        .request("ListSecrets", serde_json::json!({}))
        .send()
        .await;
    let entry = r.json()["SecretList"][0].as_object().unwrap().clone();
    let mut keys: Vec<&str> = entry.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "ARN",
            "CreatedDate",
            "LastChangedDate",
            "Name",
            "SecretVersionsToStages"
        ]
    );
    assert!(r.json().get("NextToken").is_none());
}

#[tokio::test]
async fn an_empty_region_lists_nothing() {
    let h = Harness::start().await;
    let out = ok(h.client().list_secrets().send().await);
    assert!(out.secret_list().is_empty());
    assert_eq!(out.next_token, None);
}

#[tokio::test]
async fn name_filter_is_a_case_sensitive_prefix() {
    // §4 ListSecrets [doc + AWS]: `Data` matches DatabaseSecret only.
    let h = Harness::start().await;
    let c = h.client();
    for n in ["DatabaseSecret", "databaseSecret", "MyData", "/slash"] {
        make(&c, n, None, &[]).await;
    }
    assert_eq!(
        names_for(&c, vec![filter(FilterNameStringType::Name, &["Data"])]).await,
        ["DatabaseSecret"]
    );
    assert_eq!(
        names_for(&c, vec![filter(FilterNameStringType::Name, &["/"])]).await,
        ["/slash"]
    );
    // Negation [AWS]: `!/` is every name not starting with `/`.
    assert_eq!(
        names_for(&c, vec![filter(FilterNameStringType::Name, &["!/"])]).await,
        ["DatabaseSecret", "MyData", "databaseSecret"]
    );
    // A multi-word value matches nothing [AWS].
    assert!(
        names_for(
            &c,
            vec![filter(FilterNameStringType::Name, &["Database Secret"])]
        )
        .await
        .is_empty()
    );
}

#[tokio::test]
async fn description_filter_is_word_based_and_case_insensitive() {
    // §4 ListSecrets [doc + AWS] examples.
    let h = Harness::start().await;
    let c = h.client();
    make(&c, "d1", Some("My Description"), &[]).await;
    make(&c, "d2", Some("my description"), &[]).await;
    make(&c, "d3", Some("My basic description"), &[]).await;
    make(&c, "d4", Some("Description of my secret"), &[]).await;
    make(&c, "d5", Some("something else"), &[]).await;
    make(&c, "d6", None, &[]).await;
    assert_eq!(
        names_for(
            &c,
            vec![filter(
                FilterNameStringType::Description,
                &["My Description"]
            )]
        )
        .await,
        ["d1", "d2", "d3", "d4"]
    );

    make(&c, "a1", Some("a secret"), &[]).await;
    make(&c, "a2", Some("an secret"), &[]).await;
    make(&c, "a3", Some("asecret"), &[]).await;
    make(&c, "a4", Some("thesecret"), &[]).await;
    let only_a = |mut v: Vec<String>| {
        v.retain(|n| n.starts_with('a'));
        v
    };
    assert_eq!(
        only_a(names_for(&c, vec![filter(FilterNameStringType::Description, &["a"])]).await),
        ["a1", "a2", "a3"]
    );
    assert_eq!(
        only_a(
            names_for(
                &c,
                vec![filter(FilterNameStringType::Description, &["a secret"])]
            )
            .await
        ),
        ["a1", "a2"]
    );
}

#[tokio::test]
async fn description_negation() {
    let h = Harness::start().await;
    let c = h.client();
    make(&c, "x1", Some("alpha"), &[]).await;
    make(&c, "x2", Some("charlie"), &[]).await;
    assert_eq!(
        names_for(&c, vec![filter(FilterNameStringType::Description, &["!a"])]).await,
        ["x2"]
    );
    assert_eq!(
        names_for(&c, vec![filter(FilterNameStringType::Description, &["!c"])]).await,
        ["x1"]
    );
}

#[tokio::test]
async fn tag_filters_are_case_sensitive_prefixes() {
    // §4 ListSecrets [doc]: `Prod` matches Production, Prod1; not prod, 1 Prod.
    let h = Harness::start().await;
    let c = h.client();
    make(&c, "t1", None, &[("Production", "x")]).await;
    make(&c, "t2", None, &[("Prod1", "x")]).await;
    make(&c, "t3", None, &[("prod", "x")]).await;
    make(&c, "t4", None, &[("1 Prod", "x")]).await;
    make(&c, "v1", None, &[("k", "Production")]).await;
    make(&c, "v2", None, &[("k", "prod")]).await;
    assert_eq!(
        names_for(&c, vec![filter(FilterNameStringType::TagKey, &["Prod"])]).await,
        ["t1", "t2"]
    );
    assert_eq!(
        names_for(&c, vec![filter(FilterNameStringType::TagValue, &["Prod"])]).await,
        ["v1"]
    );
}

#[tokio::test]
async fn filters_and_values_combine_as_and_of_ors() {
    let h = Harness::start().await;
    let c = h.client();
    make(&c, "app/a", None, &[("env", "prod")]).await;
    make(&c, "app/b", None, &[("env", "dev")]).await;
    make(&c, "db/a", None, &[("env", "prod")]).await;
    make(&c, "web/a", None, &[("env", "prod")]).await;
    // Values OR.
    assert_eq!(
        names_for(
            &c,
            vec![filter(FilterNameStringType::Name, &["app/", "db/"])]
        )
        .await,
        ["app/a", "app/b", "db/a"]
    );
    // Filters AND.
    assert_eq!(
        names_for(
            &c,
            vec![
                filter(FilterNameStringType::Name, &["app/", "db/"]),
                filter(FilterNameStringType::TagValue, &["prod"]),
            ]
        )
        .await,
        ["app/a", "db/a"]
    );
    // The same key twice is ANDed too [AWS verified by moto].
    assert_eq!(
        names_for(
            &c,
            vec![
                filter(FilterNameStringType::Name, &["app/"]),
                filter(FilterNameStringType::Name, &["app/a"]),
            ]
        )
        .await,
        ["app/a"]
    );
}

#[tokio::test]
async fn all_filter_matches_words_of_any_attribute() {
    // §4 ListSecrets: words split on / _ + = . @ - and case changes; prefix
    // matches, case-insensitive.
    let h = Harness::start().await;
    let c = h.client();
    make(&c, "AppBeta", None, &[]).await;
    make(&c, "plain", Some("holds the SecretKey"), &[]).await;
    make(&c, "tagged", None, &[("owner", "payments-team")]).await;
    make(&c, "other", None, &[]).await;
    assert_eq!(
        names_for(&c, vec![filter(FilterNameStringType::All, &["beta"])]).await,
        ["AppBeta"]
    );
    assert_eq!(
        names_for(&c, vec![filter(FilterNameStringType::All, &["sec"])]).await,
        ["plain"]
    );
    assert!(
        names_for(&c, vec![filter(FilterNameStringType::All, &["ret"])])
            .await
            .is_empty()
    );
    assert_eq!(
        names_for(&c, vec![filter(FilterNameStringType::All, &["team"])]).await,
        ["tagged"]
    );
}

#[tokio::test]
async fn all_filter_splits_an_acronym_before_its_last_capital() {
    // §4 ListSecrets [AWS via moto's verified tests]: `COMPANYthings` is the
    // words `COMPAN` and `Ythings`.
    let h = Harness::start().await;
    let c = h.client();
    make(&c, "COMPANYthings", None, &[]).await;
    let all = |v: &'static str| vec![filter(FilterNameStringType::All, &[v])];
    assert_eq!(names_for(&c, all("compan")).await, ["COMPANYthings"]);
    assert_eq!(names_for(&c, all("ythings")).await, ["COMPANYthings"]);
    assert!(names_for(&c, all("company")).await.is_empty());
    assert!(names_for(&c, all("things")).await.is_empty());
}

#[tokio::test]
async fn owning_service_filter_never_matches_user_secrets() {
    let h = Harness::start().await;
    let c = h.client();
    make(&c, "mine", None, &[]).await;
    assert!(
        names_for(
            &c,
            vec![filter(FilterNameStringType::OwningService, &["rds"])]
        )
        .await
        .is_empty()
    );
}

#[tokio::test]
async fn unknown_filter_key_and_bad_values_are_validation_errors() {
    // §1 [AWS]: the Coral enum message.
    let h = Harness::start().await;
    let c = h.client();
    let e = fail(
        c.list_secrets()
            .filters(filter(FilterNameStringType::from("invalid"), &["x"]))
            .send()
            .await,
    );
    e.assert_code("ValidationException");
    assert!(
        e.message.starts_with(
            "1 validation error detected: Value 'invalid' at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set: ["
        ),
        "{e:?}"
    );
    // Values must match ^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$ .
    let e = fail(
        c.list_secrets()
            .filters(filter(FilterNameStringType::Name, &["bad*value"]))
            .send()
            .await,
    );
    e.assert_code("ValidationException");
    assert!(e.message.contains("filters.1.member.values"), "{e:?}");
    // 1–10 values.
    let eleven: Vec<String> = (0..11).map(|i| format!("v{i}")).collect();
    let refs: Vec<&str> = eleven.iter().map(String::as_str).collect();
    fail(
        c.list_secrets()
            .filters(filter(FilterNameStringType::Name, &refs))
            .send()
            .await,
    )
    .assert_code("ValidationException");
}

#[tokio::test]
async fn sort_by_name_both_ways_and_default_by_creation() {
    let h = Harness::start().await;
    let c = h.client();
    for n in ["charlie", "alpha", "bravo"] {
        make(&c, n, None, &[]).await;
    }
    let names = |out: aws_sdk_secretsmanager::operation::list_secrets::ListSecretsOutput| {
        out.secret_list
            .unwrap_or_default()
            .into_iter()
            .filter_map(|e| e.name)
            .collect::<Vec<String>>()
    };
    let asc = ok(c
        .list_secrets()
        .sort_by(SortByType::Name)
        .sort_order(SortOrderType::Asc)
        .send()
        .await);
    assert_eq!(names(asc), ["alpha", "bravo", "charlie"]);
    let desc = ok(c
        .list_secrets()
        .sort_by(SortByType::Name)
        .sort_order(SortOrderType::Desc)
        .send()
        .await);
    assert_eq!(names(desc), ["charlie", "bravo", "alpha"]);
    // Default order is by CreatedDate (creation order here).
    let default = ok(c.list_secrets().send().await);
    let dates: Vec<aws_smithy_types::DateTime> = default
        .secret_list()
        .iter()
        .map(|e| e.created_date.unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    assert_eq!(dates.len(), 3);
    let by_created_desc = ok(c
        .list_secrets()
        .sort_by(SortByType::CreatedDate)
        .sort_order(SortOrderType::Desc)
        .send()
        .await);
    let dates: Vec<aws_smithy_types::DateTime> = by_created_desc
        .secret_list()
        .iter()
        .map(|e| e.created_date.unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
}

#[tokio::test]
async fn pages_cover_every_secret_exactly_once() {
    let h = Harness::start().await;
    let c = h.client();
    for i in 0..7 {
        make(&c, &format!("page-{i}"), None, &[]).await;
    }
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        let out = ok(c
            .list_secrets()
            .max_results(3)
            .set_next_token(next.clone())
            .send()
            .await);
        assert!(out.secret_list().len() <= 3);
        seen.extend(out.secret_list().iter().filter_map(|e| e.name.clone()));
        pages += 1;
        next = out.next_token;
        if next.is_none() {
            break;
        }
        assert!(pages < 10, "paging does not end");
    }
    seen.sort();
    let want: Vec<String> = (0..7).map(|i| format!("page-{i}")).collect();
    assert_eq!(seen, want);
    assert_eq!(pages, 3);

    // The SDK's paginator agrees.
    let pages: Vec<_> = c
        .list_secrets()
        .max_results(2)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("paginate");
    assert_eq!(pages.len(), 4);
    let total: usize = pages.iter().map(|p| p.secret_list().len()).sum();
    assert_eq!(total, 7);
}

#[tokio::test]
async fn invalid_next_token_and_max_results_out_of_range() {
    let h = Harness::start().await;
    let c = h.client();
    make(&c, "one", None, &[]).await;
    fail(c.list_secrets().next_token("garbage").send().await).assert(
        "InvalidNextTokenException",
        "The NextToken value is invalid.",
    );
    fail(c.list_secrets().max_results(101).send().await).assert_code("ValidationException");
    fail(c.list_secrets().max_results(0).send().await).assert_code("ValidationException");
}

#[tokio::test]
async fn list_secrets_is_per_region() {
    let h = Harness::start().await;
    create(&h.client(), "east", "v").await;
    let west = h.client_in("us-west-2");
    assert!(
        ok(west.list_secrets().send().await)
            .secret_list()
            .is_empty()
    );
    fail(west.describe_secret().secret_id("east").send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
}
