//! `grants_public_access`: one row per clause of the rule documented in
//! `src/public.rs`, including its deliberate limits.

use tresor_policy::parse;

use crate::support::{BASE, condition, principal, statement};

fn check(cases: &[(&str, String, bool)]) {
    for (name, text, want) in cases {
        let doc = parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(doc.grants_public_access(), *want, "{name}");
    }
}

#[test]
fn principals() {
    check(&[
        ("Principal *", statement(BASE), true),
        ("AWS *", principal(r#"{"AWS":"*"}"#), true),
        (
            "AWS * among others",
            principal(r#"{"AWS":["arn:aws:iam::123456789012:root","*"]}"#),
            true,
        ),
        (
            "AWS * beside a service",
            principal(r#"{"Service":"lambda.amazonaws.com","AWS":"*"}"#),
            true,
        ),
        ("account ID", principal(r#"{"AWS":"123456789012"}"#), false),
        (
            "account root ARN",
            principal(r#"{"AWS":"arn:aws:iam::123456789012:root"}"#),
            false,
        ),
        (
            "role",
            principal(r#"{"AWS":"arn:aws:iam::123456789012:role/App"}"#),
            false,
        ),
        (
            "service principal",
            principal(r#"{"Service":"secretsmanager.amazonaws.com"}"#),
            false,
        ),
        (
            "federated principal",
            principal(r#"{"Federated":"cognito-identity.amazonaws.com"}"#),
            false,
        ),
        (
            "NotPrincipal with Allow admits everyone else",
            statement(
                r#""Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"*","Resource":"*""#,
            ),
            true,
        ),
        (
            "NotPrincipal * with Allow admits no one",
            statement(r#""Effect":"Allow","NotPrincipal":"*","Action":"*","Resource":"*""#),
            false,
        ),
        (
            "NotPrincipal AWS * with Allow admits no one",
            statement(r#""Effect":"Allow","NotPrincipal":{"AWS":"*"},"Action":"*","Resource":"*""#),
            false,
        ),
        (
            "NotPrincipal with Deny",
            statement(
                r#""Effect":"Deny","NotPrincipal":{"AWS":"123456789012"},"Action":"*","Resource":"*""#,
            ),
            false,
        ),
        (
            "no principal (identity-policy form)",
            statement(r#""Effect":"Allow","Action":"*","Resource":"*""#),
            false,
        ),
    ]);
}

#[test]
fn effects_and_statements() {
    check(&[
        (
            "Deny only",
            statement(r#""Effect":"Deny","Principal":"*","Action":"*","Resource":"*""#),
            false,
        ),
        (
            "Deny * and Allow an account",
            r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"},{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"*","Resource":"*"}]}"#
                .to_owned(),
            false,
        ),
        (
            "public Allow in the second statement",
            format!(
                r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":"123456789012"}},"Action":"*","Resource":"*"}},{{{BASE}}}]}}"#
            ),
            true,
        ),
        (
            "limit: a Deny that narrows a public Allow is not credited",
            format!(
                r#"{{"Statement":[{{{BASE}}},{{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{{"StringNotEquals":{{"aws:SourceVpce":"vpce-1"}}}}}}]}}"#
            ),
            true,
        ),
        (
            "limit: any action counts",
            statement(
                r#""Effect":"Allow","Principal":"*","Action":"secretsmanager:DescribeSecret","Resource":"*""#,
            ),
            true,
        ),
    ]);
}

#[test]
fn conditions() {
    check(&[
        (
            "SourceVpce",
            condition(r#"{"StringEquals":{"aws:SourceVpce":"vpce-1234a5678b9012c"}}"#),
            false,
        ),
        (
            "SourceVpc",
            condition(r#"{"StringEquals":{"aws:SourceVpc":"vpc-1"}}"#),
            false,
        ),
        (
            "PrincipalAccount",
            condition(r#"{"StringEquals":{"aws:PrincipalAccount":"123456789012"}}"#),
            false,
        ),
        (
            "PrincipalOrgID",
            condition(r#"{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}"#),
            false,
        ),
        (
            "SourceAccount as a JSON number",
            condition(r#"{"StringEquals":{"aws:SourceAccount":123456789012}}"#),
            false,
        ),
        (
            "SourceArn ArnEquals",
            condition(
                r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:topic"}}"#,
            ),
            false,
        ),
        (
            "key case-insensitive",
            condition(r#"{"StringEquals":{"AWS:SOURCEVPCE":"vpce-1"}}"#),
            false,
        ),
        (
            "StringEqualsIgnoreCase pins",
            condition(r#"{"StringEqualsIgnoreCase":{"aws:PrincipalOrgID":"o-abc"}}"#),
            false,
        ),
        (
            "ForAnyValue pins",
            condition(r#"{"ForAnyValue:StringEquals":{"aws:PrincipalOrgID":"o-abc"}}"#),
            false,
        ),
        (
            "PrincipalArn with a wildcard after a fixed account",
            condition(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/app-*"}}"#),
            false,
        ),
        (
            "PrincipalArn StringLike with a fixed account",
            condition(
                r#"{"StringLike":{"aws:PrincipalArn":["arn:aws:iam::123456789012:*","arn:aws:iam::444455556666:role/x"]}}"#,
            ),
            false,
        ),
        (
            "one pinning condition among others",
            condition(
                r#"{"Bool":{"aws:SecureTransport":"true"},"StringEquals":{"aws:SourceVpce":"vpce-1"}}"#,
            ),
            false,
        ),
        (
            "PrincipalArn with a wildcard account",
            condition(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/app"}}"#),
            true,
        ),
        (
            "PrincipalArn *",
            condition(r#"{"StringLike":{"aws:PrincipalArn":"*"}}"#),
            true,
        ),
        (
            "wildcard in a non-ARN key",
            condition(r#"{"StringLike":{"aws:SourceAccount":"1234*"}}"#),
            true,
        ),
        (
            "one wildcard value among fixed ones",
            condition(r#"{"StringLike":{"aws:PrincipalAccount":["123456789012","*"]}}"#),
            true,
        ),
        (
            "literal * under Equals counted as wildcard",
            condition(r#"{"StringEquals":{"aws:PrincipalAccount":"*"}}"#),
            true,
        ),
        (
            "IfExists does not pin",
            condition(r#"{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}"#),
            true,
        ),
        (
            "ForAllValues does not pin",
            condition(r#"{"ForAllValues:StringEquals":{"aws:PrincipalOrgID":"o-abc"}}"#),
            true,
        ),
        (
            "negated operator does not pin",
            condition(r#"{"StringNotEquals":{"aws:PrincipalAccount":"123456789012"}}"#),
            true,
        ),
        (
            "ArnNotLike does not pin",
            condition(r#"{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/x"}}"#),
            true,
        ),
        (
            "policy variable does not pin",
            condition(r#"{"StringEquals":{"aws:SourceAccount":"${aws:PrincipalAccount}"}}"#),
            true,
        ),
        (
            "limit: SourceIp does not pin",
            condition(r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#),
            true,
        ),
        (
            "SecureTransport does not pin",
            condition(r#"{"Bool":{"aws:SecureTransport":"true"}}"#),
            true,
        ),
        (
            "other keys do not pin",
            condition(r#"{"StringEquals":{"secretsmanager:ResourceTag/env":"prod"}}"#),
            true,
        ),
        (
            "AWS example: deny unless SourceVpce (Deny only)",
            statement(
                r#""Effect":"Deny","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringNotEquals":{"aws:sourceVpce":"vpce-1234a5678b9012c"}}"#,
            ),
            false,
        ),
    ]);
}
