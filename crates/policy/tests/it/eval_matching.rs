//! Pitfalls I6–I9: `*`, `?`, ARN wildcards segment by segment, case
//! sensitivity of actions, resources, condition keys and values.

use tresor_policy::parse;

use crate::eval_support::*;

/// Does an identity policy allowing every action on `pattern` cover `arn`?
fn resource_matches(pattern: &str, arn: &str) -> bool {
    let text = policy(&[&stmt("Allow", "*", pattern)]);
    identity(&text, &Req::new(GET, arn)) == ALLOW
}

/// Does an identity policy allowing `pattern` on every resource cover
/// `action`?
fn action_matches(pattern: &str, action: &str) -> bool {
    let text = policy(&[&stmt("Allow", pattern, "*")]);
    identity(&text, &Req::new(action, SECRET)) == ALLOW
}

fn string_like(pattern: &str, value: &str) -> bool {
    condition_allows(
        &format!(r#"{{"StringLike":{{"aws:PrincipalTag/path":"{pattern}"}}}}"#),
        &get().key("aws:PrincipalTag/path", value),
    )
}

const SM: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:";

fn sm(rest: &str) -> String {
    format!("{SM}{rest}")
}

fn table(name: &str, rows: &[(&str, &str, bool)], f: fn(&str, &str) -> bool) {
    for (pattern, text, want) in rows {
        assert_eq!(f(pattern, text), *want, "{name}: {pattern} vs {text}");
    }
}

/// I6: `*` is any sequence, the empty one included, across `/` and (in the
/// resource segment) `:`.
#[test]
fn i6_star() {
    let (p_prod, p_any, p_mid, p_suffix, p_zero, p_path) = (
        sm("prod/*"),
        sm("*"),
        sm("prod*db"),
        sm("prod/*-AbCdEf"),
        sm("*x"),
        sm("*/db-*"),
    );
    let rows = [
        (p_prod.as_str(), sm("prod/db-AbCdEf"), true),
        (p_prod.as_str(), sm("prod/"), true),
        (p_prod.as_str(), sm("prod/a/b/c-AbCdEf"), true),
        (p_prod.as_str(), sm("production-AbCdEf"), false),
        (p_prod.as_str(), sm("dev/prod/db"), false),
        (p_any.as_str(), sm("a:b:c"), true),
        (p_any.as_str(), sm(""), true),
        (p_mid.as_str(), sm("prod/x/y/db"), true),
        (p_mid.as_str(), sm("proddb"), true),
        (p_mid.as_str(), sm("prod/db/x"), false),
        (p_suffix.as_str(), sm("prod/db-AbCdEf"), true),
        (p_suffix.as_str(), sm("prod/db-AbCdEg"), false),
        (p_zero.as_str(), sm("x"), true),
        (p_path.as_str(), sm("a/b/db-1"), true),
        ("*", "anything at all".to_owned(), true),
        ("*", String::new(), true),
    ];
    for (pattern, arn, want) in &rows {
        assert_eq!(resource_matches(pattern, arn), *want, "{pattern} vs {arn}");
    }
    table(
        "action *",
        &[
            ("secretsmanager:*", GET, true),
            ("secretsmanager:Get*", GET, true),
            (
                "secretsmanager:Get*",
                "secretsmanager:GetRandomPassword",
                true,
            ),
            (
                "secretsmanager:Get*",
                "secretsmanager:PutSecretValue",
                false,
            ),
            (
                "secretsmanager:*Secret*",
                "secretsmanager:ListSecrets",
                true,
            ),
            (
                "secretsmanager:*Secret*",
                "secretsmanager:DescribeSecret",
                true,
            ),
            (
                "secretsmanager:*Value",
                "secretsmanager:BatchGetSecretValue",
                true,
            ),
            ("secretsmanager:GetSecretValue*", GET, true),
            ("*", "kms:Decrypt", true),
            ("kms:*", GET, false),
        ],
        action_matches,
    );
    table(
        "StringLike *",
        &[
            ("home/*", "home/", true),
            ("home/*", "home/a/b:c", true),
            ("home/*", "home", false),
            ("*", "", true),
            ("*/x", "a/b/x", true),
            ("a*b*c", "abc", true),
            ("a*b*c", "acb", false),
            ("*.example.com", "api.example.com", true),
            ("*.example.com", "example.com", false),
            ("a*", "A", false),
        ],
        string_like,
    );
}

/// I7: `?` is exactly one character.
#[test]
fn i7_question_mark() {
    let p6 = sm("prod/db-??????");
    let p1 = sm("?");
    let rows = [
        (p6.as_str(), sm("prod/db-AbCdEf"), true),
        (p6.as_str(), sm("prod/db-AbCdE"), false),
        (p6.as_str(), sm("prod/db-AbCdEfG"), false),
        (p1.as_str(), sm(":"), true),
        (p1.as_str(), sm("/"), true),
        (p1.as_str(), sm(""), false),
        (p1.as_str(), sm("ab"), false),
        (
            "arn:aws:secretsmanager:us-east-?:111122223333:secret:*",
            SECRET.to_owned(),
            true,
        ),
        (
            "arn:aws:secretsmanager:us-east-??:111122223333:secret:*",
            SECRET.to_owned(),
            false,
        ),
        (
            "arn:aws:secretsmanager:us-east-1:11112222333?:secret:*",
            SECRET.to_owned(),
            true,
        ),
    ];
    for (pattern, arn, want) in &rows {
        assert_eq!(resource_matches(pattern, arn), *want, "{pattern} vs {arn}");
    }
    table(
        "action ?",
        &[
            ("secretsmanager:?etSecretValue", GET, true),
            (
                "secretsmanager:?etSecretValue",
                "secretsmanager:PutSecretValue",
                false,
            ),
            ("secretsmanager:??etSecretValue", GET, false),
            ("secretsmanager:GetSecretValu?", GET, true),
            ("secretsmanager:GetSecretValue?", GET, false),
        ],
        action_matches,
    );
    table(
        "StringLike ?",
        &[
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a?c", "abbc", false),
            ("a?c", "a/c", true),
            ("a?c", "a:c", true),
            ("a?c", "aéc", true),
            ("???", "ab", false),
            ("?*", "", false),
            ("?*", "x", true),
            ("*?", "xy", true),
        ],
        string_like,
    );
}

/// I8: ARN wildcards — within segments, several per segment, not in the
/// service; the resource segment is matched whole (colons included); a
/// wildcard in an earlier segment stays in that segment.
#[test]
fn i8_arn_wildcards() {
    let user_alice = "arn:aws:iam::111122223333:user/alice";
    let rows: &[(&str, &str, bool)] = &[
        ("arn:aws:secretsmanager:*-*-?:*:secret:*", SECRET, true),
        ("arn:aws:secretsmanager:*:*:*", SECRET, true),
        ("arn:aws*:secretsmanager:*:*:*", SECRET, true),
        (
            "arn:aws*:secretsmanager:*:*:*",
            "arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:x",
            true,
        ),
        (
            "arn:aws:secretsmanager:us-east-1:111122223333:secret*",
            SECRET,
            true,
        ),
        (
            "arn:aws:secretsmanager:us-east-1:111122223333:*",
            SECRET,
            true,
        ),
        (
            "arn:aws:secretsmanager:us-east-1:111122223333:*:prod/*",
            SECRET,
            true,
        ),
        (
            "arn:aws:secretsmanager:*:secret:prod/db-AbCdEf",
            SECRET,
            false,
        ),
        (
            "arn:aws:secretsmanager:us-east-1*:secret:prod/db-AbCdEf",
            SECRET,
            false,
        ),
        (
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod",
            SECRET,
            false,
        ),
        (
            "arn:aws:secretsmanager:us-east-1:444455556666:secret:*",
            SECRET,
            false,
        ),
        ("arn:aws:kms:*:*:*", SECRET, false),
        ("arn:aws:secretsmanager:*:*:*", "*", false),
        ("arn:aws:secretsmanager:*:*:*", "prod/db", false),
        ("arn:aws:iam::*:user/*", user_alice, true),
        ("arn:aws:iam:*:*:user/*", user_alice, true),
        (
            "arn:aws:iam::111122223333:user/*",
            "arn:aws:iam:us-east-1:111122223333:user/x",
            false,
        ),
        ("arn:aws:iam::111122223333:*", user_alice, true),
    ];
    for (pattern, arn, want) in rows {
        assert_eq!(resource_matches(pattern, arn), *want, "{pattern} vs {arn}");
    }
    // No wildcard in the service segment: refused at write time.
    for bad in [
        "arn:aws:secrets*:*:*:*",
        "arn:aws:*:*:*:*",
        "arn:aws:?ms:*:*:*",
    ] {
        assert!(
            parse(&policy(&[&stmt("Allow", "*", bad)])).is_err(),
            "{bad}"
        );
    }
    // ArnLike / ArnEquals use the same segment rules.
    let arn_cond = |op: &str, pattern: &str, value: &str| {
        condition_allows(
            &format!(r#"{{"{op}":{{"aws:SourceArn":"{pattern}"}}}}"#),
            &get().key("aws:SourceArn", value),
        )
    };
    let lambda = "arn:aws:lambda:us-east-1:111122223333:function:rotate:PROD";
    let rows: &[(&str, &str, &str, bool)] = &[
        (
            "ArnLike",
            "arn:aws:lambda:*:111122223333:function:*",
            lambda,
            true,
        ),
        (
            "ArnEquals",
            "arn:aws:lambda:*:111122223333:function:*",
            lambda,
            true,
        ),
        (
            "ArnLike",
            "arn:aws:lambda:us-east-1:111122223333:function:rotate",
            lambda,
            false,
        ),
        (
            "ArnLike",
            "arn:aws:lambda:us-east-1:111122223333:function:rotate*",
            lambda,
            true,
        ),
        (
            "ArnLike",
            "arn:aws:lambda:*:function:rotate:PROD",
            lambda,
            false,
        ),
        (
            "ArnLike",
            "arn:aws:lambda:us-east-1:111122223333:function:rotate:prod",
            lambda,
            false,
        ),
        (
            "ArnNotLike",
            "arn:aws:lambda:*:444455556666:*",
            lambda,
            true,
        ),
        ("ArnNotEquals", lambda, lambda, false),
        ("ArnLike", "*", lambda, true),
        ("ArnLike", "arn:*:*:*:*:*", "not-an-arn", false),
        ("ArnNotLike", "arn:*:*:*:*:*", "not-an-arn", true),
    ];
    for (op, pattern, value, want) in rows {
        assert_eq!(
            arn_cond(op, pattern, value),
            *want,
            "{op} {pattern} vs {value}"
        );
    }
}

/// I9: actions and service prefixes are case-insensitive; resources are
/// case-sensitive; condition key names are case-insensitive; condition
/// values follow the operator.
#[test]
fn i9_case_sensitivity() {
    table(
        "actions",
        &[
            ("SecretsManager:getsecretvalue", GET, true),
            (
                "secretsmanager:GetSecretValue",
                "SECRETSMANAGER:GETSECRETVALUE",
                true,
            ),
            ("SECRETSMANAGER:get*", GET, true),
            ("secretsmanager:GET?ECRETVALUE", GET, true),
            ("kms:decrypt", "KMS:Decrypt", true),
            ("kms:Decrypt", "kms:Encrypt", false),
        ],
        action_matches,
    );
    let bob = "arn:aws:iam::111122223333:user/Bob";
    let rows: &[(&str, &str, bool)] = &[
        (bob, bob, true),
        (bob, "arn:aws:iam::111122223333:user/bob", false),
        ("arn:aws:iam::111122223333:user/B*", bob, true),
        ("arn:aws:iam::111122223333:user/b*", bob, false),
        (
            SECRET,
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:Prod/db-AbCdEf",
            false,
        ),
        (
            SECRET,
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-abcdef",
            false,
        ),
        (
            SECRET,
            "ARN:AWS:SECRETSMANAGER:US-EAST-1:111122223333:SECRET:PROD/DB-ABCDEF",
            false,
        ),
    ];
    for (pattern, arn, want) in rows {
        assert_eq!(resource_matches(pattern, arn), *want, "{pattern} vs {arn}");
    }
    condition_table(
        "keys and values",
        vec![
            (
                r#"{"IpAddress":{"aws:sourceip":"10.0.0.0/8"}}"#,
                get().key("aws:SourceIp", "10.1.2.3"),
                true,
            ),
            (
                r#"{"StringEquals":{"AWS:PRINCIPALTAG/TEAM":"blue"}}"#,
                get().key("aws:PrincipalTag/team", "blue"),
                true,
            ),
            (
                r#"{"StringEquals":{"aws:PrincipalTag/team":"Blue"}}"#,
                get().key("aws:principaltag/Team", "blue"),
                false,
            ),
            (
                r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"Blue"}}"#,
                get().key("aws:PrincipalTag/team", "bLUE"),
                true,
            ),
            (
                r#"{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":"BLUE"}}"#,
                get().key("aws:PrincipalTag/team", "blue"),
                false,
            ),
            (
                r#"{"StringNotEquals":{"aws:PrincipalTag/team":"BLUE"}}"#,
                get().key("aws:PrincipalTag/team", "blue"),
                true,
            ),
            (
                r#"{"StringLike":{"aws:PrincipalTag/team":"Bl*"}}"#,
                get().key("aws:PrincipalTag/team", "blue"),
                false,
            ),
            (
                r#"{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/App"}}"#,
                get().key("aws:PrincipalArn", "arn:aws:iam::111122223333:role/app"),
                false,
            ),
            (
                r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
                get().key("aws:SecureTransport", "TRUE"),
                true,
            ),
            (
                r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"ÉQUIPE"}}"#,
                get().key("aws:PrincipalTag/team", "équipe"),
                true,
            ),
        ],
    );
}
