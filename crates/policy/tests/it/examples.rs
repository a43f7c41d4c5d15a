//! Valid documents: AWS's Secrets Manager resource policy examples, one row
//! per accepted form of each element, and what the parse keeps.

use tresor_policy::{
    ConditionOperator, Effect, OperatorKind, PolicyDocument, PrincipalKind, PrincipalSet,
    SetQualifier, ValueType, Version, parse,
};

use crate::support::{BASE, condition, principal, statement};

fn ok(name: &str, text: &str) -> PolicyDocument {
    parse(text).unwrap_or_else(|e| panic!("{name}: rejected: {e}\n{text}"))
}

/// Secrets Manager's documented resource policy examples.
#[test]
fn aws_secrets_manager_examples() {
    let cases = [
        (
            "allow a role to read the secret",
            r#"{
              "Version": "2012-10-17",
              "Statement": [{
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:role/MyRole"},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*"
              }]
            }"#,
        ),
        (
            "deny unless the request comes through a VPC endpoint",
            r#"{
              "Version": "2012-10-17",
              "Statement": [{
                "Sid": "RestrictGetSecretValueoperation",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:sourceVpce": "vpce-1234a5678b9012c"}}
              }]
            }"#,
        ),
        (
            "grant an account (root ARN form)",
            r#"{
              "Version": "2012-10-17",
              "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "secretsmanager:*",
                "Resource": "*"
              }
            }"#,
        ),
        (
            "cross-account user, several actions",
            r#"{
              "Version": "2012-10-17",
              "Statement": [{
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::444455556666:user/UserB"},
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": "*"
              }]
            }"#,
        ),
        (
            "deny all but one role (aws:PrincipalArn)",
            r#"{
              "Version": "2012-10-17",
              "Statement": [{
                "Effect": "Deny",
                "Principal": "*",
                "Action": "secretsmanager:*",
                "Resource": "*",
                "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/Admin*"}}
              }]
            }"#,
        ),
        (
            "deny without TLS",
            r#"{
              "Version": "2012-10-17",
              "Statement": [{
                "Sid": "DenyInsecure",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "secretsmanager:*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}
              }]
            }"#,
        ),
        (
            "deny outside a VPC",
            r#"{
              "Version": "2012-10-17",
              "Statement": [{
                "Effect": "Deny",
                "Principal": "*",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:SourceVpc": "vpc-12345678"}}
              }]
            }"#,
        ),
        (
            "attribute-based: principal tag must match resource tag",
            r#"{
              "Version": "2012-10-17",
              "Statement": [{
                "Effect": "Allow",
                "Principal": {"AWS": "123456789012"},
                "Action": "secretsmanager:GetSecretValue",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:ResourceTag/Project": "${aws:PrincipalTag/Project}"}}
              }]
            }"#,
        ),
    ];
    for (name, text) in cases {
        let doc = ok(name, text);
        doc.check_resource_policy()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn role_example_parses_to_the_expected_model() {
    let doc = ok(
        "role",
        r#"{"Version":"2012-10-17","Id":"P1","Statement":[{"Sid":"S1","Effect":"Allow",
            "Principal":{"AWS":"arn:aws:iam::123456789012:role/MyRole"},
            "Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#,
    );
    assert_eq!(doc.version, Version::V2012_10_17);
    assert_eq!(doc.id.as_deref(), Some("P1"));
    assert_eq!(doc.statements.len(), 1);
    let s = &doc.statements[0];
    assert_eq!(s.sid.as_deref(), Some("S1"));
    assert_eq!(s.effect, Effect::Allow);
    let p = s.principal.as_ref().unwrap();
    assert!(!p.negated);
    let PrincipalSet::Listed(list) = &p.set else {
        panic!("expected a principal map")
    };
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].kind, PrincipalKind::Aws);
    assert_eq!(list[0].id, "arn:aws:iam::123456789012:role/MyRole");
    assert!(!s.action.negated);
    assert_eq!(
        s.action.patterns[0].as_str(),
        "secretsmanager:GetSecretValue"
    );
    let r = s.resource.as_ref().unwrap();
    assert!(!r.negated && r.patterns[0].is_any());
    assert!(s.conditions.is_empty());
}

#[test]
fn absent_version_means_2008() {
    let doc = ok(
        "no version",
        r#"{"Statement":{"Effect":"Allow","Action":"*"}}"#,
    );
    assert_eq!(doc.version, Version::V2008_10_17);
    assert!(!doc.version.has_policy_variables());
    let doc = ok(
        "2008",
        r#"{"Version":"2008-10-17","Statement":{"Effect":"Deny","NotAction":"s3:*"}}"#,
    );
    assert_eq!(doc.version, Version::V2008_10_17);
    assert!(doc.statements[0].action.negated);
    assert!(doc.statements[0].principal.is_none());
    assert!(doc.statements[0].resource.is_none());
}

#[test]
fn accepted_element_forms() {
    let long_id = format!(
        r#"{{"Id":"{}","Statement":{{"Effect":"Allow","Action":"*"}}}}"#,
        "é".repeat(20_000)
    );
    let cases: Vec<(&str, String)> = vec![
        (
            "Id with spaces",
            r#"{"Id":"my policy 1","Statement":{"Effect":"Allow","Action":"*"}}"#.into(),
        ),
        (
            "members in any order",
            r#"{"Statement":[{"Action":"*","Effect":"Allow"}],"Version":"2012-10-17"}"#.into(),
        ),
        (
            "several statements",
            format!(
                r#"{{"Statement":[{{{BASE},"Sid":"A"}},{{{BASE},"Sid":"B"}},{{{BASE}}},{{{BASE}}}]}}"#
            ),
        ),
        ("Sid digits", statement(&format!(r#"{BASE},"Sid":"1""#))),
        ("Action *", statement(r#""Effect":"Allow","Action":"*""#)),
        (
            "Action wildcards",
            statement(
                r#""Effect":"Allow","Action":["secretsmanager:Get*","secretsmanager:?escribeSecret","secretsmanager:*"]"#,
            ),
        ),
        (
            "Action upper-case prefix (IAM example)",
            statement(r#""Effect":"Allow","Action":"SQS:SendMessage""#),
        ),
        (
            "Action hyphenated prefix",
            statement(r#""Effect":"Allow","Action":"ec2-instance-connect:SendSSHPublicKey""#),
        ),
        (
            "NotAction",
            statement(r#""Effect":"Allow","NotAction":["iam:*"],"Resource":"*""#),
        ),
        (
            "Resource ARN with wildcards",
            statement(
                r#""Effect":"Allow","Action":"*","Resource":"arn:aws:secretsmanager:*:*:secret:prod/*""#,
            ),
        ),
        (
            "Resource ARN several wildcards per segment",
            statement(
                r#""Effect":"Allow","Action":"*","Resource":"arn:aws:secretsmanager:us-*-?:1234*:secret:a*b?c""#,
            ),
        ),
        (
            "Resource wildcard partition",
            statement(
                r#""Effect":"Allow","Action":"*","Resource":"arn:*:secretsmanager:us-east-1:123456789012:secret:x""#,
            ),
        ),
        (
            "Resource empty region and account",
            statement(r#""Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::bucket/*""#),
        ),
        (
            "Resource with a policy variable",
            statement(
                r#""Effect":"Allow","Action":"*","Resource":"arn:aws:secretsmanager:us-east-1:123456789012:secret:${aws:username}-*""#,
            ),
        ),
        (
            "Resource variable in account",
            statement(
                r#""Effect":"Allow","Action":"*","Resource":"arn:aws:iam::${aws:PrincipalAccount}:role/x""#,
            ),
        ),
        (
            "NotResource",
            statement(
                r#""Effect":"Deny","Action":"*","NotResource":["arn:aws:secretsmanager:us-east-1:123456789012:secret:a-AbCdEf"]"#,
            ),
        ),
        ("Principal *", principal(r#""*""#)),
        ("Principal AWS *", principal(r#"{"AWS":"*"}"#)),
        (
            "Principal account ID",
            principal(r#"{"AWS":"123456789012"}"#),
        ),
        (
            "Principal mixed list",
            principal(
                r#"{"AWS":["arn:aws:iam::123456789012:root","999999999999"],"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}"#,
            ),
        ),
        (
            "Principal user",
            principal(r#"{"AWS":"arn:aws:iam::123456789012:user/division/alice"}"#),
        ),
        (
            "Principal assumed role",
            principal(r#"{"AWS":"arn:aws:sts::123456789012:assumed-role/App/session-1"}"#),
        ),
        (
            "Principal unique ID",
            principal(r#"{"AWS":"AROAJQABLZS4A3QDU576Q"}"#),
        ),
        (
            "Principal other partition",
            principal(r#"{"AWS":"arn:aws-us-gov:iam::123456789012:root"}"#),
        ),
        (
            "Principal service",
            principal(r#"{"Service":["secretsmanager.amazonaws.com","lambda.amazonaws.com"]}"#),
        ),
        (
            "Principal federated host",
            principal(r#"{"Federated":"cognito-identity.amazonaws.com"}"#),
        ),
        (
            "Principal federated SAML",
            principal(r#"{"Federated":"arn:aws:iam::123456789012:saml-provider/Okta"}"#),
        ),
        (
            "NotPrincipal",
            statement(
                r#""Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::123456789012:root"]},"Action":"*","Resource":"*""#,
            ),
        ),
        (
            "NotPrincipal *",
            statement(r#""Effect":"Deny","NotPrincipal":"*","Action":"*","Resource":"*""#),
        ),
        (
            "Condition several operators and keys",
            condition(
                r#"{"StringEquals":{"aws:SourceVpce":["vpce-1","vpce-2"],"aws:PrincipalOrgID":"o-abc"},"Bool":{"aws:SecureTransport":true}}"#,
            ),
        ),
        (
            "Condition empty string value",
            condition(r#"{"StringEquals":{"s3:prefix":""}}"#),
        ),
        (
            "Condition set operators",
            condition(
                r#"{"ForAnyValue:StringLike":{"aws:TagKeys":["env*"]},"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}"#,
            ),
        ),
        (
            "Condition IfExists",
            condition(
                r#"{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"},"NumericLessThanIfExists":{"s3:max-keys":"10"}}"#,
            ),
        ),
        (
            "Condition numbers",
            condition(
                r#"{"NumericLessThanEquals":{"s3:max-keys":10},"NumericGreaterThan":{"k:n":["-2.5",3]}}"#,
            ),
        ),
        (
            "Condition dates",
            condition(
                r#"{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:01Z"},"DateLessThan":{"aws:EpochTime":1893456000},"DateEquals":{"aws:TokenIssueTime":"2020-01-01"}}"#,
            ),
        ),
        (
            "Condition IPs",
            condition(
                r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64","192.0.2.7"]},"NotIpAddress":{"aws:VpcSourceIp":"10.0.0.0/8"}}"#,
            ),
        ),
        (
            "Condition binary",
            condition(r#"{"BinaryEquals":{"k:bin":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}"#),
        ),
        (
            "Condition Null",
            condition(r#"{"Null":{"aws:TokenIssueTime":"true","aws:MultiFactorAuthAge":false}}"#),
        ),
        (
            "Condition Bool with a variable (2012-10-17)",
            condition(r#"{"Bool":{"aws:SecureTransport":"${aws:ViaAWSService}"}}"#),
        ),
        (
            "Condition ARN operators",
            condition(
                r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:topic"},"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/x"},"ArnNotEquals":{"aws:SourceArn":"x"},"ArnNotLike":{"aws:SourceArn":"y"}}"#,
            ),
        ),
        (
            "Condition tag key with spaces",
            condition(r#"{"StringEquals":{"secretsmanager:ResourceTag/Cost Center":"42"}}"#),
        ),
        ("multibyte Id within 20,480 characters", long_id),
    ];
    for (name, text) in &cases {
        ok(name, text);
    }
}

#[test]
fn every_operator_kind_accepts_a_valid_value() {
    for kind in OperatorKind::ALL {
        let value = match kind.value_type() {
            ValueType::String => "abc",
            ValueType::Arn => "arn:aws:iam::123456789012:role/x",
            ValueType::Numeric => "42",
            ValueType::Date => "2020-01-01T00:00:00Z",
            ValueType::Bool | ValueType::Null => "true",
            ValueType::Binary => "YWJj",
            ValueType::Ip => "10.0.0.0/8",
        };
        let name = kind.name();
        let text = condition(&format!(r#"{{"{name}":{{"k:key":"{value}"}}}}"#));
        let doc = ok(name, &text);
        assert_eq!(doc.statements[0].conditions[0].operator.kind, kind);
    }
}

#[test]
fn policy_of_exactly_the_limit_is_accepted() {
    let shell = r#"{"Id":"","Statement":{"Effect":"Allow","Action":"*"}}"#;
    let text = shell.replace(
        r#""Id":"""#,
        &format!(r#""Id":"{}""#, "x".repeat(20_480 - shell.len())),
    );
    assert_eq!(text.chars().count(), 20_480);
    ok("limit", &text);
}

#[test]
fn condition_values_are_normalised_and_keys_keep_their_case() {
    let doc = ok(
        "normalise",
        &condition(
            r#"{"ForAllValues:NumericLessThanEqualsIfExists":{"S3:Max-Keys":[10,1.50,"7"]},"Bool":{"aws:SecureTransport":true}}"#,
        ),
    );
    let conditions = &doc.statements[0].conditions;
    assert_eq!(conditions.len(), 2);
    assert_eq!(
        conditions[0].operator,
        ConditionOperator {
            qualifier: Some(SetQualifier::ForAllValues),
            kind: OperatorKind::NumericLessThanEquals,
            if_exists: true,
        }
    );
    assert_eq!(conditions[0].key, "S3:Max-Keys");
    assert_eq!(conditions[0].values, ["10", "1.5", "7"]);
    assert_eq!(conditions[1].values, ["true"]);
}

#[test]
fn identity_policy_check_refuses_principal_and_requires_resource() {
    let with_principal = ok(
        "principal",
        &statement(r#""Effect":"Allow","Principal":"*","Action":"*","Resource":"*""#),
    );
    assert_eq!(
        with_principal.check_identity_policy().unwrap_err().message,
        "Statement 1: Policy document should not specify a principal."
    );
    let no_resource = ok(
        "no resource",
        &statement(r#""Effect":"Allow","Action":"*""#),
    );
    assert_eq!(
        no_resource.check_identity_policy().unwrap_err().message,
        "Statement 1: Policy statement must contain resources."
    );
    ok(
        "base",
        &statement(r#""Effect":"Allow","Action":"*","Resource":"*""#),
    )
    .check_identity_policy()
    .unwrap();
}

#[test]
fn web_identity_condition_keys_parse() {
    // Trust policies of OIDC roles key on `<issuer host>:sub` and `:aud`.
    ok(
        "web identity",
        &statement(
            r#""Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"oidc.eks.us-east-1.amazonaws.com/id/ABC:sub":"system:serviceaccount:app:web","token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}"#,
        ),
    );
}

#[test]
fn resource_policy_check_requires_principal_and_resource() {
    let no_principal = ok(
        "no principal",
        &statement(r#""Effect":"Allow","Action":"*","Resource":"*""#),
    );
    let err = no_principal.check_resource_policy().unwrap_err();
    assert_eq!(
        err.message,
        "Statement 1: Principal or NotPrincipal is required in a resource policy"
    );
    let no_resource = ok(
        "no resource",
        &statement(r#""Effect":"Allow","Principal":"*","Action":"*""#),
    );
    let err = no_resource.check_resource_policy().unwrap_err();
    assert_eq!(
        err.message,
        "Statement 1: Resource or NotResource is required in a resource policy"
    );
    ok("base", &statement(BASE))
        .check_resource_policy()
        .unwrap();
}

#[test]
fn sids_with_spaces_are_resource_policy_sids_not_identity_policy_sids() {
    // AWS's default KMS key policy.
    let doc = tresor_policy::parse(
        r#"{"Version":"2012-10-17","Id":"key-default-1","Statement":[{"Sid":"Enable IAM User Permissions",
            "Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#,
    )
    .expect("AWS's default key policy parses");
    doc.check_resource_policy().unwrap();
    let err = doc.check_identity_policy().unwrap_err();
    assert_eq!(
        err.message,
        r#"Statement 1: Sid "Enable IAM User Permissions" must be one or more letters (A-Z, a-z) and digits (0-9)"#
    );
    let strict = tresor_policy::parse(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"S1","Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    )
    .unwrap();
    strict.check_identity_policy().unwrap();
}
