//! Pitfalls I17–I20: nothing half-understood is evaluated, the resolved
//! resource is what counts, reserved principals compare after
//! canonicalisation, and a decision depends only on inputs a cache can key
//! on.

use tresor_policy::{CompiledPolicy, PolicySet, RequestContext, parse};

use crate::eval_support::*;

/// I17: a document the evaluator could misread never gets to it — `parse`
/// refuses it — and inside an accepted document a malformed variable
/// matches nothing rather than being ignored.
#[test]
fn i17_nothing_unknown_is_evaluated() {
    let base = r#""Effect":"Allow","Action":"*","Resource":"*""#;
    let refused = [
        policy(&[&format!(r#"{base},"Condtion":{{}}"#)]),
        policy(&[&format!(
            r#"{base},"Condition":{{"StringEqual":{{"aws:username":"a"}}}}"#
        )]),
        policy(&[&format!(
            r#"{base},"Condition":{{"StringEquals":{{"aws:username":"a","AWS:USERNAME":"b"}}}}"#
        )]),
        policy(&[r#""Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*""#]),
        policy(&[r#""Effect":"allow","Action":"*","Resource":"*""#]),
        policy(&[r#""Effect":"Allow","Action":"*","Resource":"arn:aws:*:*:*:*""#]),
        policy(&[r#""Effect":"Allow","Action":"*","Resource":"arn:aws:secretsmanager""#]),
        policy(&[r#""Effect":"Allow","Action":"secretsmanager","Resource":"*""#]),
        policy(&[
            r#""Effect":"Allow","Principal":"*","NotPrincipal":"*","Action":"*","Resource":"*""#,
        ]),
        policy(&[
            r#""Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Action":"*","Resource":"*""#,
        ]),
        policy(&[&format!(
            r#"{base},"Condition":{{"NullIfExists":{{"aws:username":"true"}}}}"#
        )]),
        policy(&[&format!(
            r#"{base},"Condition":{{"ForAnyValue:Null":{{"aws:username":"true"}}}}"#
        )]),
        format!(r#"{{"Version":"2012-10-17","Statement":[{{{base}}}],"Extra":1}}"#),
        format!(r#"{{"Version":"2012-10-18","Statement":[{{{base}}}]}}"#),
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{{base},"Sid":"{}"}}]}}"#,
            "x".repeat(21_000)
        ),
    ];
    for text in &refused {
        assert!(
            parse(text).is_err(),
            "accepted: {}",
            &text[..text.len().min(200)]
        );
    }
    // Malformed variables: the value matches nothing, never "everything".
    let malformed = [
        "${aws:username",
        "${}",
        "${aws:username, nobody}",
        "${ aws:username }",
    ];
    for value in malformed {
        let cond = format!(r#"{{"StringLike":{{"aws:PrincipalTag/x":"{value}"}}}}"#);
        for v in [value, "", "alice", "*"] {
            let req = get()
                .key("aws:PrincipalTag/x", v)
                .key("aws:username", "alice");
            assert!(!condition_allows(&cond, &req), "{cond} vs {v}");
        }
    }
}

/// I18: decisions are made against the canonical ARN of the secret actually
/// resolved; grants written for an old ARN do not reach a re-created secret
/// with the same name.
#[test]
fn i18_resolved_resource() {
    let old = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
    let recreated = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-XyZ987";
    let grant = |pattern: &str| policy(&[&stmt("Allow", GET, pattern)]);
    let deny = |pattern: &str| policy(&[&stmt("Allow", "*", "*"), &stmt("Deny", GET, pattern)]);
    let rows: Vec<(String, &str, tresor_policy::PolicyResult)> = vec![
        (grant(old), old, ALLOW),
        (grant(old), recreated, NA),
        (
            grant("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????"),
            recreated,
            ALLOW,
        ),
        (
            grant("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db"),
            old,
            NA,
        ),
        (
            grant("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db*"),
            old,
            ALLOW,
        ),
        (grant(old), "prod/db", NA),
        (grant(old), "prod/db-AbCdEf", NA),
        (grant(old), "*", NA),
        (deny(old), old, DENY),
        (deny(old), recreated, ALLOW),
        (
            deny("arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/*"),
            recreated,
            DENY,
        ),
    ];
    for (text, res, want) in rows {
        assert_eq!(identity(&text, &Req::new(GET, res)), want, "{res}\n{text}");
    }
    // Conditions read the resolved secret's own keys (B20), not the
    // caller's input.
    let by_tag = r#"{"StringEquals":{"secretsmanager:ResourceTag/env":"dev"}}"#;
    assert!(condition_allows(
        by_tag,
        &get().key("secretsmanager:ResourceTag/env", "dev")
    ));
    assert!(!condition_allows(
        by_tag,
        &get().key("secretsmanager:ResourceTag/env", "prod")
    ));
    assert!(!condition_allows(
        by_tag,
        &get().key("secretsmanager:SecretId", "dev")
    ));
}

/// I19: the account root in either spelling is one principal; look-alikes
/// are not.
#[test]
fn i19_reserved_principals_canonicalised() {
    let grant = |id: &str| {
        policy(&[&format!(
            r#""Effect":"Allow","Principal":{{"AWS":"{id}"}},"Action":"*","Resource":"*""#
        )])
    };
    let callers = [
        Some(user(ACCT, "alice")),
        Some(session(ACCT, "app", "s1")),
        Some(root(ACCT)),
        Some(user(OTHER, "alice")),
        Some(root(OTHER)),
        None,
    ];
    for caller in &callers {
        let mut req = get();
        req.0.principal = caller.clone();
        let by_id = resource(&grant(ACCT), &req);
        let by_root = resource(&grant("arn:aws:iam::111122223333:root"), &req);
        assert_eq!(by_id, by_root, "{caller:?}");
        let same_account = caller.as_ref().is_some_and(|c| c.account == ACCT);
        assert_eq!(by_id, if same_account { BY_ACCOUNT } else { NA });
    }
    let rows: Vec<(
        &str,
        Option<tresor_policy::CallerPrincipal>,
        tresor_policy::PolicyResult,
    )> = vec![
        ("arn:aws:iam::111122223333:ROOT", Some(root(ACCT)), NA),
        (
            "arn:aws:iam::111122223333:ROOT",
            Some(user(ACCT, "alice")),
            NA,
        ),
        (
            "arn:aws:iam::111122223333:user/root",
            Some(user(ACCT, "alice")),
            NA,
        ),
        (
            "arn:aws:iam::111122223333:user/root",
            Some(user(ACCT, "root")),
            ALLOW,
        ),
        (
            "arn:aws:sts::111122223333:root",
            Some(user(ACCT, "alice")),
            NA,
        ),
        (
            "arn:aws-cn:iam::111122223333:root",
            Some(user(ACCT, "alice")),
            BY_ACCOUNT,
        ),
        ("*", None, ALLOW),
    ];
    for (id, caller, want) in rows {
        let mut req = get();
        req.0.principal = caller.clone();
        assert_eq!(resource(&grant(id), &req), want, "{id} / {caller:?}");
    }
    // The two spellings also agree in NotPrincipal.
    for np in [r#""111122223333""#, r#""arn:aws:iam::111122223333:root""#] {
        let text = policy(&[
            r#""Effect":"Allow","Principal":"*","Action":"*","Resource":"*""#,
            &format!(
                r#""Effect":"Deny","NotPrincipal":{{"AWS":{np}}},"Action":"*","Resource":"*""#
            ),
        ]);
        assert_eq!(resource(&text, &get().caller(root(ACCT))), ALLOW, "{np}");
        assert_eq!(
            resource(&text, &get().caller(user(ACCT, "alice"))),
            DENY,
            "{np}"
        );
    }
    // Padded or partial account IDs are not accounts: refused.
    for bad in [" 111122223333", "11112222333", "111122223333 "] {
        assert!(parse(&grant(bad)).is_err(), "{bad:?}");
    }
}

/// I20: evaluation is a pure function of `RequestContext`, and reads the
/// condition keys only through `context_keys`, so a cache keyed on (caller,
/// action, resource, those keys' values, policy versions) is sound.
#[test]
fn i20_everything_a_cache_must_key_on() {
    let text = policy(&[
        r#""Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"secretsmanager:Get*","Resource":"arn:aws:secretsmanager:*:*:secret:${aws:PrincipalTag/Team}/*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"StringEquals":{"secretsmanager:ResourceTag/Owner":"${aws:username, 'x'}"}}"#,
    ]);
    let compiled = CompiledPolicy::new(&doc(&text));
    let keys: Vec<String> = compiled.context_keys().into_iter().collect();
    assert_eq!(
        keys,
        [
            "aws:principaltag/team",
            "aws:sourceip",
            "aws:username",
            "secretsmanager:resourcetag/owner"
        ]
    );
    let base = Req::new(
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:blue/db-AbCdEf",
    )
    .caller(user(ACCT, "alice"))
    .key("aws:PrincipalTag/Team", "blue")
    .key("aws:SourceIp", "10.1.2.3")
    .key("aws:username", "alice")
    .key("secretsmanager:ResourceTag/Owner", "alice");
    assert_eq!(compiled.evaluate_resource(&base.0), ALLOW);
    // Each input, changed alone, changes the decision.
    let changes: Vec<(&str, RequestContext)> = vec![
        ("action", {
            let mut c = base.0.clone();
            c.action = "secretsmanager:PutSecretValue".into();
            c
        }),
        ("resource", {
            let mut c = base.0.clone();
            c.resource = c.resource.replace("blue", "red");
            c
        }),
        ("caller", {
            let mut c = base.0.clone();
            c.principal = Some(user(ACCT, "bob"));
            c
        }),
        ("caller gone", {
            let mut c = base.0.clone();
            c.principal = None;
            c
        }),
        ("team", base.clone().key("aws:PrincipalTag/Team", "red").0),
        ("ip", base.clone().key("aws:SourceIp", "192.0.2.1").0),
        ("username", base.clone().key("aws:username", "bob").0),
        (
            "owner tag",
            base.clone()
                .key("secretsmanager:ResourceTag/Owner", "bob")
                .0,
        ),
    ];
    for (what, ctx) in changes {
        assert_eq!(compiled.evaluate_resource(&ctx), NA, "{what}");
    }
    // Keys it does not list never matter.
    let noisy = base
        .clone()
        .key("aws:CurrentTime", "2020-01-01T00:00:00Z")
        .key("aws:PrincipalTag/other", "x")
        .multi("aws:TagKeys", &["a", "b"]);
    assert_eq!(compiled.evaluate_resource(&noisy.0), ALLOW);
    // Same inputs, same answer; compiled and uncompiled agree.
    assert_eq!(doc(&text).evaluate_resource(&base.0), ALLOW);
    assert_eq!(compiled.evaluate_identity(&base.0), NA);
    // A set's keys are the union of its documents' keys.
    let other = doc(&policy(&[
        r#""Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}"#,
    ]));
    let set: PolicySet = [doc(&text), other].iter().collect();
    assert_eq!(set.len(), 2);
    assert!(set.context_keys().contains("aws:securetransport"));
    assert!(set.context_keys().contains("aws:sourceip"));
}
