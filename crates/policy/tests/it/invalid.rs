//! Rejected documents, outside the `Condition` element: one row per
//! validation rule, each with the message (or the start of it) that the
//! author must see. Conditions are in `invalid_conditions`.

use tresor_policy::parse;

use crate::support::{BASE, condition, principal, statement};

/// Asserts `text` is rejected with a message containing `want`.
pub fn rejects(name: &str, text: &str, want: &str) {
    match parse(text) {
        Ok(_) => panic!("{name}: accepted\n{text}"),
        Err(e) => assert!(
            e.message.contains(want),
            "{name}: message {:?} does not contain {want:?}",
            e.message
        ),
    }
}

pub fn run(cases: &[(&str, String, &str)]) {
    for (name, text, want) in cases {
        rejects(name, text, want);
    }
}

#[test]
fn json_and_size() {
    let oversize = format!(
        r#"{{"Id":"{}","Statement":{{"Effect":"Allow","Action":"*"}}}}"#,
        "x".repeat(20_480)
    );
    run(&[
        ("not JSON", "not json".into(), "Policy is not valid JSON"),
        ("empty text", "".into(), "Policy is not valid JSON"),
        ("trailing data", format!("{} x", statement(BASE)), "Policy is not valid JSON"),
        ("array document", "[]".into(), "Policy must be a JSON object"),
        ("string document", r#""policy""#.into(), "Policy must be a JSON object"),
        (
            "duplicate top-level key",
            r#"{"Version":"2012-10-17","Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*"}}"#.into(),
            r#"duplicate key "Version""#,
        ),
        (
            "duplicate statement key",
            statement(&format!(r#"{BASE},"Effect":"Deny""#)),
            r#"duplicate key "Effect""#,
        ),
        (
            "duplicate principal type",
            principal(r#"{"AWS":"123456789012","AWS":"*"}"#),
            r#"duplicate key "AWS""#,
        ),
        (
            "duplicate operator",
            condition(r#"{"StringEquals":{"a:b":"1"},"StringEquals":{"a:c":"2"}}"#),
            r#"duplicate key "StringEquals""#,
        ),
        (
            "duplicate condition key",
            condition(r#"{"StringEquals":{"aws:SourceVpce":"a","aws:SourceVpce":"b"}}"#),
            r#"duplicate key "aws:SourceVpce""#,
        ),
        ("over 20,480 characters", oversize, "the limit is 20480"),
    ]);
}

#[test]
fn top_level() {
    run(&[
        (
            "unknown member",
            r#"{"Statement":{"Effect":"Allow","Action":"*"},"Foo":1}"#.into(),
            r#"unknown top-level element "Foo""#,
        ),
        (
            "member names are case-sensitive",
            r#"{"statement":{"Effect":"Allow","Action":"*"}}"#.into(),
            r#"unknown top-level element "statement""#,
        ),
        (
            "unknown version",
            r#"{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"*"}}"#.into(),
            r#"Version must be "2012-10-17" or "2008-10-17""#,
        ),
        (
            "version as a number",
            r#"{"Version":2012,"Statement":{"Effect":"Allow","Action":"*"}}"#.into(),
            "Version must be",
        ),
        (
            "no statement",
            r#"{"Version":"2012-10-17"}"#.into(),
            "Statement is required",
        ),
        (
            "empty statement array",
            r#"{"Statement":[]}"#.into(),
            "Statement must not be an empty array",
        ),
        (
            "statement as a string",
            r#"{"Statement":"Allow *"}"#.into(),
            "Statement must be an object or an array of objects, not a string",
        ),
        (
            "statement element not an object",
            r#"{"Statement":["x"]}"#.into(),
            "Statement 1: must be an object, not a string",
        ),
        (
            "Id not a string",
            r#"{"Id":7,"Statement":{"Effect":"Allow","Action":"*"}}"#.into(),
            "Id must be a string, not a number",
        ),
    ]);
}

#[test]
fn statement_members() {
    run(&[
        (
            "unknown member",
            statement(&format!(r#"{BASE},"Foo":"bar""#)),
            r#"Statement 1: unknown element "Foo""#,
        ),
        (
            "member names are case-sensitive",
            statement(r#""effect":"Allow","Action":"*""#),
            r#"Statement 1: unknown element "effect""#,
        ),
        (
            "Effect wrong case",
            statement(r#""Effect":"allow","Action":"*""#),
            r#"Statement 1: Effect must be "Allow" or "Deny""#,
        ),
        (
            "Effect as an array",
            statement(r#""Effect":["Allow"],"Action":"*""#),
            r#"Statement 1: Effect must be "Allow" or "Deny""#,
        ),
        (
            "Effect missing",
            statement(r#""Action":"*""#),
            "Statement 1: Effect is required",
        ),
        (
            "Action missing",
            statement(r#""Effect":"Allow","Resource":"*""#),
            "Statement 1: Action or NotAction is required",
        ),
        (
            "Action and NotAction",
            statement(r#""Effect":"Allow","Action":"*","NotAction":"s3:*""#),
            "Statement 1: Action and NotAction cannot both be present",
        ),
        (
            "Principal and NotPrincipal",
            statement(&format!(r#"{BASE},"NotPrincipal":"*""#)),
            "Statement 1: Principal and NotPrincipal cannot both be present",
        ),
        (
            "Resource and NotResource",
            statement(&format!(r#"{BASE},"NotResource":"*""#)),
            "Statement 1: Resource and NotResource cannot both be present",
        ),
        (
            "error names the statement",
            format!(r#"{{"Statement":[{{{BASE}}},{{"Effect":"Maybe","Action":"*"}}]}}"#),
            r#"Statement 2: Effect must be "Allow" or "Deny""#,
        ),
        (
            "Sid with a control character",
            statement(&format!(r#"{BASE},"Sid":"my\nsid""#)),
            "must be a non-empty text without control characters",
        ),
        (
            "empty Sid",
            statement(&format!(r#"{BASE},"Sid":"""#)),
            "Sid \"\" must be",
        ),
        (
            "Sid as a number",
            statement(&format!(r#"{BASE},"Sid":1"#)),
            "Sid must be a string, not a number",
        ),
    ]);
}

#[test]
fn sids_are_unique_where_the_policy_kind_requires_it() {
    let text = format!(
        r#"{{"Statement":[{{{BASE},"Sid":"A"}},{{{BASE},"Sid":"B"}},{{{BASE},"Sid":"A"}}]}}"#
    );
    // The grammar allows it (AWS's own KMS key policies repeat a Sid) ...
    let document = tresor_policy::parse(&text).expect("a repeated Sid parses");
    // ... identity and secret policies do not.
    let want = r#"Statement 3: Sid "A" is used by another statement"#;
    assert_eq!(document.check_unique_sids().unwrap_err().to_string(), want);
    assert_eq!(
        document.check_identity_policy().unwrap_err().to_string(),
        want
    );
}

#[test]
fn actions() {
    let action = |value: &str| statement(&format!(r#""Effect":"Allow","Action":{value}"#));
    run(&[
        (
            "empty array",
            action("[]"),
            "Statement 1: Action must not be an empty array",
        ),
        (
            "empty NotAction array",
            statement(r#""Effect":"Allow","NotAction":[]"#),
            "Statement 1: NotAction must not be an empty array",
        ),
        (
            "no service prefix",
            action(r#""GetSecretValue""#),
            r#"Statement 1: Action: "GetSecretValue" is not "*" or "service:action""#,
        ),
        (
            "no action name",
            action(r#""secretsmanager:""#),
            "is not \"*\" or \"service:action\"",
        ),
        (
            "empty string",
            action(r#""""#),
            "is not \"*\" or \"service:action\"",
        ),
        (
            "wildcard in the service prefix",
            action(r#""secrets*:GetSecretValue""#),
            "the service prefix must not contain a wildcard",
        ),
        (
            "wildcard service",
            action(r#""*:GetSecretValue""#),
            "the service prefix must not contain a wildcard",
        ),
        (
            "underscore in prefix",
            action(r#""secrets_manager:Get""#),
            "is not \"*\" or \"service:action\"",
        ),
        (
            "space in name",
            action(r#""secretsmanager:Get Secret""#),
            "is not \"*\" or \"service:action\"",
        ),
        (
            "a number",
            action("5"),
            "Statement 1: Action must be a string or an array of strings, not a number",
        ),
        (
            "an array with a number",
            action(r#"["s3:GetObject",1]"#),
            "Action must contain only strings, found a number",
        ),
        (
            "an object",
            action(r#"{"s3":"GetObject"}"#),
            "Action must be a string or an array of strings, not an object",
        ),
    ]);
}

#[test]
fn resources() {
    let resource = |value: &str| {
        statement(&format!(
            r#""Effect":"Allow","Action":"*","Resource":{value}"#
        ))
    };
    run(&[
        (
            "empty array",
            resource("[]"),
            "Statement 1: Resource must not be an empty array",
        ),
        (
            "not an ARN",
            resource(r#""my-secret""#),
            r#"Statement 1: Resource: "my-secret" is not "*" or an ARN"#,
        ),
        (
            "five segments",
            resource(r#""arn:aws:secretsmanager:us-east-1:123456789012""#),
            "is not \"*\" or an ARN",
        ),
        (
            "wildcard in the service segment",
            resource(r#""arn:aws:secrets*:us-east-1:123456789012:secret:x""#),
            "the service segment of an ARN must not contain a wildcard",
        ),
        (
            "wildcard service segment",
            resource(r#""arn:aws:*:us-east-1:123456789012:secret:x""#),
            "the service segment of an ARN must not contain a wildcard",
        ),
        (
            "empty service",
            resource(r#""arn:aws::us-east-1:1:secret:x""#),
            "is not \"*\" or an ARN",
        ),
        (
            "empty partition",
            resource(r#""arn::secretsmanager:us-east-1:1:secret:x""#),
            "is not \"*\" or an ARN",
        ),
        (
            "empty resource part",
            resource(r#""arn:aws:secretsmanager:us-east-1:123456789012:""#),
            "is not \"*\" or an ARN",
        ),
        (
            "upper-case ARN prefix",
            resource(r#""ARN:aws:s3:::bucket""#),
            "is not \"*\" or an ARN",
        ),
        (
            "space in the region",
            resource(r#""arn:aws:s3:us east:1:bucket""#),
            "is not \"*\" or an ARN",
        ),
        (
            "NotResource checked too",
            statement(r#""Effect":"Deny","Action":"*","NotResource":["*","bucket"]"#),
            r#"Statement 1: NotResource: "bucket" is not "*" or an ARN"#,
        ),
    ]);
}

#[test]
fn principals() {
    run(&[
        (
            "a string other than *",
            principal(r#""AWS""#),
            r#"Statement 1: Principal must be "*" or an object such as {"AWS": ...}, not "AWS""#,
        ),
        (
            "an array",
            principal(r#"["*"]"#),
            "Principal must be \"*\" or an object such as {\"AWS\": ...}, not an array",
        ),
        (
            "empty map",
            principal("{}"),
            "Statement 1: Principal must name at least one principal",
        ),
        (
            "unknown type (case-sensitive)",
            principal(r#"{"Aws":"*"}"#),
            r#"Principal: unknown principal type "Aws""#,
        ),
        (
            "empty list",
            principal(r#"{"AWS":[]}"#),
            "Principal AWS must not be an empty array",
        ),
        (
            "number instead of account string",
            principal(r#"{"AWS":123456789012}"#),
            "Principal AWS must be a string or an array of strings, not a number",
        ),
        (
            "partial wildcard in an ARN",
            principal(r#"{"AWS":"arn:aws:iam::123456789012:user/*"}"#),
            "must not contain a wildcard (\"*\" alone means everyone)",
        ),
        (
            "wildcard account",
            principal(r#"{"AWS":"12345678901?"}"#),
            "must not contain a wildcard",
        ),
        (
            "short account",
            principal(r#"{"AWS":"12345"}"#),
            r#"Principal AWS: "12345" is not "*", an account ID"#,
        ),
        (
            "non-IAM ARN",
            principal(r#"{"AWS":"arn:aws:s3:::bucket"}"#),
            "is not \"*\", an account ID",
        ),
        (
            "ARN with a region",
            principal(r#"{"AWS":"arn:aws:iam:us-east-1:123456789012:root"}"#),
            "is not \"*\", an account ID",
        ),
        (
            "service *",
            principal(r#"{"Service":"*"}"#),
            "Principal Service: \"*\" is not a service name",
        ),
        (
            "service without a dot",
            principal(r#"{"Service":"secretsmanager"}"#),
            "is not a service name",
        ),
        (
            "federated junk",
            principal(r#"{"Federated":"not a host"}"#),
            "is not an identity provider host name or ARN",
        ),
        (
            "canonical user too short",
            principal(r#"{"CanonicalUser":"abc"}"#),
            "is not a canonical user ID",
        ),
        (
            "NotPrincipal checked too",
            statement(r#""Effect":"Deny","NotPrincipal":{},"Action":"*","Resource":"*""#),
            "Statement 1: NotPrincipal must name at least one principal",
        ),
    ]);
}
