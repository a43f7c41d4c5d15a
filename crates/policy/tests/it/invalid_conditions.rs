//! Rejected `Condition` elements: the block's shape, operator names, keys,
//! and typed values (I16), each with the message the author must see; and
//! the bound on how much of a document a message echoes.

use tresor_policy::parse;

use crate::invalid::run;
use crate::support::{BASE, condition, statement};
#[test]
fn condition_shape() {
    run(&[
        (
            "not an object",
            condition(r#""StringEquals""#),
            "Statement 1: Condition must be an object, not a string",
        ),
        (
            "empty",
            condition("{}"),
            "Statement 1: Condition must not be empty",
        ),
        (
            "unknown operator",
            condition(r#"{"StringEqualz":{"a:b":"c"}}"#),
            r#"Statement 1: Condition: unknown operator "StringEqualz""#,
        ),
        (
            "operator names are case-sensitive",
            condition(r#"{"stringequals":{"a:b":"c"}}"#),
            r#"unknown operator "stringequals""#,
        ),
        (
            "Null with IfExists",
            condition(r#"{"NullIfExists":{"a:b":"true"}}"#),
            "unknown operator \"NullIfExists\"",
        ),
        (
            "Null with a set qualifier",
            condition(r#"{"ForAnyValue:Null":{"a:b":"true"}}"#),
            "unknown operator",
        ),
        (
            "unknown qualifier",
            condition(r#"{"ForSomeValues:StringEquals":{"a:b":"c"}}"#),
            "unknown operator",
        ),
        (
            "operator value not an object",
            condition(r#"{"StringEquals":"vpce-1"}"#),
            "Condition StringEquals must be an object of keys and values, not a string",
        ),
        (
            "operator with no keys",
            condition(r#"{"StringEquals":{}}"#),
            "Condition StringEquals must name at least one key",
        ),
        (
            "key without a service prefix",
            condition(r#"{"StringEquals":{"SourceVpce":"vpce-1"}}"#),
            r#"Condition StringEquals on "SourceVpce": the key must be of the form "service:name""#,
        ),
        (
            "key with empty name",
            condition(r#"{"StringEquals":{"aws:":"x"}}"#),
            "the key must be of the form",
        ),
        (
            "same key twice in another case",
            condition(r#"{"StringEquals":{"aws:SourceVpce":"a","AWS:sourcevpce":"b"}}"#),
            "the key appears twice (condition keys are case-insensitive)",
        ),
        (
            "empty value list",
            condition(r#"{"StringEquals":{"a:b":[]}}"#),
            "values must not be an empty array",
        ),
        (
            "null value",
            condition(r#"{"StringEquals":{"a:b":null}}"#),
            "values must be strings, numbers or booleans, not null",
        ),
        (
            "object value",
            condition(r#"{"StringEquals":{"a:b":{"c":"d"}}}"#),
            "not an object",
        ),
        (
            "nested array",
            condition(r#"{"StringEquals":{"a:b":[["c"]]}}"#),
            "not an array",
        ),
    ]);
}

#[test]
fn typed_condition_values() {
    run(&[
        (
            "Numeric not a number",
            condition(r#"{"NumericLessThan":{"s3:max-keys":"ten"}}"#),
            r#"Statement 1: Condition NumericLessThan on "s3:max-keys": "ten" is not a number"#,
        ),
        (
            "Numeric exponent text",
            condition(r#"{"NumericEquals":{"k:n":"1e3"}}"#),
            "\"1e3\" is not a number",
        ),
        (
            "Numeric empty",
            condition(r#"{"NumericEquals":{"k:n":""}}"#),
            "\"\" is not a number",
        ),
        (
            "Numeric boolean",
            condition(r#"{"NumericEquals":{"k:n":true}}"#),
            "\"true\" is not a number",
        ),
        (
            "Numeric bad second value",
            condition(r#"{"NumericEquals":{"k:n":["1","2","x"]}}"#),
            "\"x\" is not a number",
        ),
        (
            "Date not a date",
            condition(r#"{"DateLessThan":{"aws:CurrentTime":"yesterday"}}"#),
            r#""yesterday" is not an ISO 8601 date (W3C profile) or epoch seconds"#,
        ),
        (
            "Date without a zone",
            condition(r#"{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00"}}"#),
            "is not an ISO 8601 date",
        ),
        (
            "Date with a variable",
            condition(r#"{"DateLessThan":{"aws:CurrentTime":"${aws:TokenIssueTime}"}}"#),
            "is not an ISO 8601 date",
        ),
        (
            "Date impossible day",
            condition(r#"{"DateEquals":{"k:d":"2021-02-29"}}"#),
            "is not an ISO 8601 date",
        ),
        (
            "Bool yes",
            condition(r#"{"Bool":{"aws:SecureTransport":"yes"}}"#),
            r#""yes" is not "true" or "false""#,
        ),
        (
            "Bool capitalised",
            condition(r#"{"Bool":{"aws:SecureTransport":"True"}}"#),
            "is not \"true\" or \"false\"",
        ),
        (
            "Bool variable under 2008-10-17 is literal",
            format!(
                r#"{{"Statement":{{{BASE},"Condition":{{"Bool":{{"aws:SecureTransport":"${{aws:ViaAWSService}}"}}}}}}}}"#
            ),
            "is not \"true\" or \"false\"",
        ),
        (
            "Binary not base64",
            condition(r#"{"BinaryEquals":{"k:b":"not base64!"}}"#),
            "is not base64",
        ),
        (
            "Binary bad padding",
            condition(r#"{"BinaryEquals":{"k:b":"YQ="}}"#),
            "is not base64",
        ),
        (
            "IpAddress prefix too long",
            condition(r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}"#),
            r#""10.0.0.0/33" is not an IPv4 or IPv6 address or CIDR block"#,
        ),
        (
            "NotIpAddress host name",
            condition(r#"{"NotIpAddress":{"aws:SourceIp":"example.com"}}"#),
            "is not an IPv4 or IPv6 address",
        ),
        (
            "IpAddress IPv6 prefix too long",
            condition(r#"{"IpAddress":{"aws:SourceIp":"::/129"}}"#),
            "is not an IPv4 or IPv6 address",
        ),
        (
            "Null maybe",
            condition(r#"{"Null":{"aws:TokenIssueTime":"maybe"}}"#),
            r#""maybe" is not "true" or "false""#,
        ),
        (
            "qualified operator checked with its full name",
            condition(r#"{"ForAllValues:NumericLessThanIfExists":{"s3:max-keys":"x"}}"#),
            r#"Condition ForAllValues:NumericLessThanIfExists on "s3:max-keys": "x" is not a number"#,
        ),
    ]);
}

#[test]
fn messages_echo_only_a_bounded_piece() {
    let huge = "a".repeat(5_000);
    for text in [
        statement(&format!(r#""Effect":"Allow","Action":"{huge}""#)),
        condition(&format!(r#"{{"{huge}":{{"a:b":"c"}}}}"#)),
        condition(&format!(r#"{{"NumericEquals":{{"a:b":"{huge}"}}}}"#)),
        statement(&format!(r#"{BASE},"{huge}":1"#)),
    ] {
        let err = parse(&text).unwrap_err();
        assert!(err.message.len() < 200, "{}", err.message);
    }
}
