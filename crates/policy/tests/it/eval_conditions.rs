//! Pitfalls I10–I13 and I16, and one table per condition operator family.

use tresor_policy::{ConditionOperator, OperatorKind, SetQualifier, ValueType, parse};

use crate::eval_support::*;

const K: &str = "aws:PrincipalTag/k";

fn with(value: &str) -> Req {
    get().key(K, value)
}

fn with_multi(values: &[&str]) -> Req {
    get().multi(K, values)
}

/// `{"<op>":{"aws:PrincipalTag/k":<values>}}` with `values` raw JSON.
fn block(op: &str, values: &str) -> String {
    format!(r#"{{"{op}":{{"{K}":{values}}}}}"#)
}

fn rows_for(op: &str, values: &str, cases: Vec<(Req, bool)>) -> Vec<(String, Req, bool)> {
    cases
        .into_iter()
        .map(|(req, want)| (block(op, values), req, want))
        .collect()
}

fn run(name: &str, rows: Vec<(String, Req, bool)>) {
    condition_table(
        name,
        rows.iter()
            .map(|(b, r, w)| (b.as_str(), r.clone(), *w))
            .collect(),
    );
}

/// I10: only the `…Like` operators glob; `StringEquals` takes `*` and `?`
/// literally.
#[test]
fn i10_equals_is_literal() {
    let mut rows = Vec::new();
    rows.extend(rows_for(
        "StringEquals",
        r#""a*""#,
        vec![(with("a*"), true), (with("abc"), false), (with("a"), false)],
    ));
    rows.extend(rows_for(
        "StringEquals",
        r#""*""#,
        vec![
            (with("*"), true),
            (with("anything"), false),
            (with(""), false),
        ],
    ));
    rows.extend(rows_for(
        "StringEquals",
        r#""a?c""#,
        vec![(with("a?c"), true), (with("abc"), false)],
    ));
    rows.extend(rows_for(
        "StringNotEquals",
        r#""*""#,
        vec![(with("x"), true), (with("*"), false)],
    ));
    rows.extend(rows_for(
        "StringEqualsIgnoreCase",
        r#""A*""#,
        vec![(with("a*"), true), (with("abc"), false)],
    ));
    rows.extend(rows_for(
        "StringLike",
        r#""a*""#,
        vec![(with("abc"), true), (with("a*"), true), (with("ba"), false)],
    ));
    rows.extend(rows_for(
        "StringLike",
        r#""a?c""#,
        vec![(with("abc"), true), (with("a?c"), true)],
    ));
    rows.extend(rows_for(
        "StringNotLike",
        r#""*""#,
        vec![(with("x"), false), (with(""), false)],
    ));
    rows.extend(rows_for(
        "StringNotLike",
        r#""a*""#,
        vec![(with("ba"), true), (with("ab"), false)],
    ));
    run("I10", rows);
}

/// A valid policy value for each operator type.
fn sample_value(t: ValueType) -> &'static str {
    match t {
        ValueType::String => "x",
        ValueType::Numeric => "1",
        ValueType::Date => "2020-01-01T00:00:00Z",
        ValueType::Bool => "true",
        ValueType::Binary => "YQ==",
        ValueType::Ip => "10.0.0.0/8",
        ValueType::Arn => "arn:aws:iam::111122223333:root",
        ValueType::Null => "true",
    }
}

/// I11 (and the absent half of I12) for every operator, qualifier and
/// `IfExists`: a missing key — or a multi-valued key with no values — makes
/// positive operators false and negated ones true; `…IfExists` true;
/// `ForAllValues` true; `ForAnyValue` false.
#[test]
fn i11_missing_key_every_operator() {
    let mut checked = 0;
    for kind in OperatorKind::ALL {
        if kind == OperatorKind::Null {
            continue;
        }
        for qualifier in [
            None,
            Some(SetQualifier::ForAnyValue),
            Some(SetQualifier::ForAllValues),
        ] {
            for if_exists in [false, true] {
                let op = ConditionOperator {
                    qualifier,
                    kind,
                    if_exists,
                };
                let want = if_exists
                    || match qualifier {
                        Some(SetQualifier::ForAllValues) => true,
                        Some(SetQualifier::ForAnyValue) => false,
                        None => kind.is_negated(),
                    };
                let b = block(
                    &op.to_string(),
                    &format!("\"{}\"", sample_value(kind.value_type())),
                );
                for req in [
                    get(),
                    with_multi(&[]),
                    get().key("aws:PrincipalTag/other", "x"),
                ] {
                    assert_eq!(condition_allows(&b, &req), want, "{b} {:?}", req.0.keys);
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 26 * 3 * 2 * 3);
}

/// I11: the same, one row per rule, and `Null`.
#[test]
fn i11_missing_key_rows() {
    run(
        "I11",
        vec![
            (block("StringEquals", r#""x""#), get(), false),
            (block("StringNotEquals", r#""x""#), get(), true),
            (block("StringNotLike", r#""x*""#), get(), true),
            (block("ArnNotLike", r#""arn:aws:iam::*:root""#), get(), true),
            (block("NotIpAddress", r#""10.0.0.0/8""#), get(), true),
            (block("IpAddress", r#""10.0.0.0/8""#), get(), false),
            (block("NumericLessThanIfExists", r#""5""#), get(), true),
            (block("NumericLessThanIfExists", r#""5""#), with("9"), false),
            (block("NumericLessThanIfExists", r#""5""#), with("4"), true),
            (block("StringEqualsIfExists", r#""x""#), with("y"), false),
            (block("StringNotEqualsIfExists", r#""x""#), with("x"), false),
            (block("Null", r#""true""#), get(), true),
            (block("Null", r#""true""#), with(""), false),
            (block("Null", r#""false""#), with(""), true),
            (block("Null", r#""false""#), get(), false),
            (block("Null", r#""true""#), with_multi(&[]), true),
            (block("Null", r#""false""#), with_multi(&["a"]), true),
            (block("Null", "true"), get(), true),
            (block("Null", r#"["true","false"]"#), get(), true),
            (block("Null", r#"["true","false"]"#), with("v"), true),
        ],
    );
}

/// I12: set operators on absent, empty, single and multi-valued keys, and
/// the four Allow/Deny × ForAllValues/ForAnyValue combinations.
#[test]
fn i12_set_operators() {
    let mut rows = Vec::new();
    rows.extend(rows_for(
        "ForAllValues:StringEquals",
        r#"["a","b"]"#,
        vec![
            (get(), true),
            (with_multi(&[]), true),
            (with_multi(&["a"]), true),
            (with_multi(&["a", "b"]), true),
            (with_multi(&["b", "a", "a"]), true),
            (with_multi(&["a", "c"]), false),
            (with("a"), true),
            (with("c"), false),
        ],
    ));
    rows.extend(rows_for(
        "ForAnyValue:StringEquals",
        r#"["a","b"]"#,
        vec![
            (get(), false),
            (with_multi(&[]), false),
            (with_multi(&["c", "a"]), true),
            (with_multi(&["c"]), false),
            (with("b"), true),
        ],
    ));
    rows.extend(rows_for(
        "ForAllValues:StringNotEquals",
        r#""a""#,
        vec![
            (with_multi(&["b", "c"]), true),
            (with_multi(&["a", "b"]), false),
            (get(), true),
        ],
    ));
    rows.extend(rows_for(
        "ForAnyValue:StringNotEquals",
        r#""a""#,
        vec![
            (with_multi(&["a", "b"]), true),
            (with_multi(&["a"]), false),
            (get(), false),
        ],
    ));
    rows.extend(rows_for(
        "ForAnyValue:StringEqualsIfExists",
        r#""a""#,
        vec![(get(), true), (with_multi(&["b"]), false)],
    ));
    rows.extend(rows_for(
        "ForAllValues:StringLike",
        r#""team-*""#,
        vec![
            (with_multi(&["team-a", "team-b"]), true),
            (with_multi(&["team-a", "ops"]), false),
        ],
    ));
    rows.extend(rows_for(
        "ForAnyValue:NumericGreaterThan",
        r#""10""#,
        vec![
            (with_multi(&["1", "20"]), true),
            (with_multi(&["1", "x"]), false),
        ],
    ));
    rows.extend(rows_for(
        "ForAllValues:IpAddress",
        r#""10.0.0.0/8""#,
        vec![
            (with_multi(&["10.0.0.1", "10.9.9.9"]), true),
            (with_multi(&["10.0.0.1", "11.0.0.1"]), false),
        ],
    ));
    // Plain operators on a multi-valued key (our documented choice):
    // positive = some value matches; negated = no value matches.
    rows.extend(rows_for(
        "StringEquals",
        r#""a""#,
        vec![
            (with_multi(&["c", "a"]), true),
            (with_multi(&["c", "d"]), false),
        ],
    ));
    rows.extend(rows_for(
        "StringNotEquals",
        r#""a""#,
        vec![
            (with_multi(&["c", "a"]), false),
            (with_multi(&["c", "d"]), true),
        ],
    ));
    rows.extend(rows_for(
        "StringLike",
        r#""a*""#,
        vec![(with_multi(&["x", "ab"]), true)],
    ));
    rows.extend(rows_for(
        "StringNotLike",
        r#""a*""#,
        vec![
            (with_multi(&["x", "ab"]), false),
            (with_multi(&["x", "y"]), true),
        ],
    ));
    run("I12", rows);

    // The four combinations as whole policies, with tags "a" allowed.
    let allow_all_values = policy(&[
        r#""Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":"a"}}"#,
    ]);
    let allow_any_value = policy(&[
        r#""Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}"#,
    ]);
    let deny_any_value = policy(&[
        &stmt("Allow", "*", "*"),
        r#""Effect":"Deny","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":"secret"}}"#,
    ]);
    let deny_all_values = policy(&[
        &stmt("Allow", "*", "*"),
        r#""Effect":"Deny","Action":"*","Resource":"*","Condition":{"ForAllValues:StringNotEquals":{"aws:TagKeys":"a"}}"#,
    ]);
    let deny_any_or_absent = policy(&[
        &stmt("Allow", "*", "*"),
        r#""Effect":"Deny","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"a"}}"#,
        r#""Effect":"Deny","Action":"*","Resource":"*","Condition":{"Null":{"aws:TagKeys":"true"}}"#,
    ]);
    let tags = |t: &[&str]| get().multi("aws:TagKeys", t);
    let rows: Vec<(&str, Req, tresor_policy::PolicyResult)> = vec![
        // Allow + ForAllValues fails open on an absent key.
        (&allow_all_values, get(), ALLOW),
        (&allow_all_values, tags(&["a"]), ALLOW),
        (&allow_all_values, tags(&["a", "b"]), NA),
        // Allow + ForAnyValue: absent is no allow.
        (&allow_any_value, get(), NA),
        (&allow_any_value, tags(&["b", "a"]), ALLOW),
        // Deny + ForAnyValue fails open on an absent key.
        (&deny_any_value, get(), ALLOW),
        (&deny_any_value, tags(&["x", "secret"]), DENY),
        // Deny + ForAllValues: absent → denied.
        (&deny_all_values, get(), DENY),
        (&deny_all_values, tags(&["b"]), DENY),
        (&deny_all_values, tags(&["a", "b"]), ALLOW),
        // ForAnyValue + Null check closes the gap.
        (&deny_any_or_absent, get(), DENY),
        (&deny_any_or_absent, tags(&[]), DENY),
        (&deny_any_or_absent, tags(&["a"]), ALLOW),
        (&deny_any_or_absent, tags(&["a", "b"]), DENY),
    ];
    for (text, req, want) in rows {
        assert_eq!(identity(text, &req), want, "{:?}\n{text}", req.0.keys);
    }
}

/// I13: values OR'ed, keys AND'ed, operators AND'ed.
#[test]
fn i13_combination() {
    let two_keys = r#"{"StringEquals":{"aws:PrincipalTag/a":"1","aws:PrincipalTag/b":"2"}}"#;
    let two_ops =
        r#"{"StringEquals":{"aws:PrincipalTag/a":"1"},"StringLike":{"aws:PrincipalTag/b":"2*"}}"#;
    let ab = |a: &str, b: &str| {
        get()
            .key("aws:PrincipalTag/a", a)
            .key("aws:PrincipalTag/b", b)
    };
    let mut rows: Vec<(String, Req, bool)> = Vec::new();
    rows.extend(rows_for(
        "StringEquals",
        r#"["a","b"]"#,
        vec![(with("a"), true), (with("b"), true), (with("c"), false)],
    ));
    rows.extend(rows_for(
        "StringNotEquals",
        r#"["a","b"]"#,
        vec![(with("a"), false), (with("b"), false), (with("c"), true)],
    ));
    rows.extend(rows_for(
        "NumericLessThan",
        r#"[5, 10]"#,
        vec![(with("7"), true), (with("12"), false)],
    ));
    rows.extend(rows_for(
        "IpAddress",
        r#"["10.0.0.0/8","192.168.0.0/16"]"#,
        vec![(with("192.168.1.1"), true), (with("8.8.8.8"), false)],
    ));
    rows.extend(rows_for(
        "NotIpAddress",
        r#"["10.0.0.0/8","192.168.0.0/16"]"#,
        vec![(with("192.168.1.1"), false), (with("8.8.8.8"), true)],
    ));
    for (req, want) in [
        (ab("1", "2"), true),
        (ab("1", "3"), false),
        (ab("0", "2"), false),
        (get().key("aws:PrincipalTag/a", "1"), false),
    ] {
        rows.push((two_keys.to_owned(), req, want));
    }
    for (req, want) in [
        (ab("1", "22"), true),
        (ab("1", "3"), false),
        (ab("2", "2"), false),
    ] {
        rows.push((two_ops.to_owned(), req, want));
    }
    run("I13", rows);
}

/// I16: `Numeric*`.
#[test]
fn i16_numeric() {
    let mut rows = Vec::new();
    rows.extend(rows_for(
        "NumericEquals",
        r#""10""#,
        vec![
            (with("10"), true),
            (with("10.0"), true),
            (with("010"), true),
            (with("9"), false),
            (with("abc"), false),
            (with("1e1"), false),
            (with(""), false),
        ],
    ));
    rows.extend(rows_for("NumericEquals", "10", vec![(with("10"), true)]));
    rows.extend(rows_for(
        "NumericNotEquals",
        r#""10""#,
        vec![(with("10"), false), (with("11"), true), (with("abc"), true)],
    ));
    rows.extend(rows_for(
        "NumericLessThan",
        r#""7""#,
        vec![(with("6.99"), true), (with("7"), false), (with("-8"), true)],
    ));
    rows.extend(rows_for(
        "NumericLessThanEquals",
        r#""7""#,
        vec![(with("7"), true), (with("7.01"), false)],
    ));
    rows.extend(rows_for(
        "NumericGreaterThan",
        r#""-1.5""#,
        vec![
            (with("-1"), true),
            (with("-1.5"), false),
            (with("-2"), false),
        ],
    ));
    rows.extend(rows_for(
        "NumericGreaterThanEquals",
        r#""30""#,
        vec![
            (with("30"), true),
            (with("29"), false),
            (with("thirty"), false),
        ],
    ));
    run("numeric", rows);
}

/// I16: `Date*`, ISO 8601 and epoch seconds on either side.
#[test]
fn i16_date() {
    let mut rows = Vec::new();
    rows.extend(rows_for(
        "DateEquals",
        r#""2020-01-01T00:00:00Z""#,
        vec![
            (with("1577836800"), true),
            (with("2020-01-01T01:00:00+01:00"), true),
            (with("2020-01-01"), true),
            (with("2020-01-01T00:00:01Z"), false),
            (with("yesterday"), false),
        ],
    ));
    rows.extend(rows_for(
        "DateEquals",
        "1577836800",
        vec![(with("2020-01-01T00:00:00Z"), true)],
    ));
    rows.extend(rows_for(
        "DateNotEquals",
        r#""2020-01-01""#,
        vec![
            (with("2020-01-02"), true),
            (with("2020-01-01T00:00:00Z"), false),
            (with("garbage"), true),
        ],
    ));
    rows.extend(rows_for(
        "DateLessThan",
        r#""2030-01-01T00:00:00Z""#,
        vec![
            (with("2029-12-31T23:59:59.999Z"), true),
            (with("2030-01-01T00:00:00Z"), false),
        ],
    ));
    rows.extend(rows_for(
        "DateLessThanEquals",
        r#""2030-01-01T00:00:00Z""#,
        vec![(with("1893456000"), true), (with("1893456001"), false)],
    ));
    rows.extend(rows_for(
        "DateGreaterThan",
        r#""2020-06-01T00:00:00-04:00""#,
        vec![
            (with("2020-06-01T04:00:01Z"), true),
            (with("2020-06-01T04:00:00Z"), false),
        ],
    ));
    rows.extend(rows_for(
        "DateGreaterThanEquals",
        r#""2020-06""#,
        vec![
            (with("2020-06-01T00:00:00Z"), true),
            (with("2020-05-31T23:59:59Z"), false),
        ],
    ));
    run("date", rows);
}

/// I16: `Bool` and `BinaryEquals`.
#[test]
fn i16_bool_and_binary() {
    let mut rows = Vec::new();
    rows.extend(rows_for(
        "Bool",
        r#""true""#,
        vec![
            (with("true"), true),
            (with("True"), true),
            (with("false"), false),
            (with("1"), false),
            (with("yes"), false),
        ],
    ));
    rows.extend(rows_for(
        "Bool",
        "false",
        vec![(with("false"), true), (with("true"), false)],
    ));
    rows.extend(rows_for(
        "Bool",
        r#"["true","false"]"#,
        vec![(with("false"), true), (with("maybe"), false)],
    ));
    rows.extend(rows_for(
        "BoolIfExists",
        r#""false""#,
        vec![(get(), true), (with("true"), false)],
    ));
    let b64 = r#""QmluYXJ5VmFsdWVJbkJhc2U2NA==""#;
    rows.extend(rows_for(
        "BinaryEquals",
        b64,
        vec![
            (with("QmluYXJ5VmFsdWVJbkJhc2U2NA=="), true),
            (with("QmluYXJ5VmFsdWVJbkJhc2U2NQ=="), false),
            (with("BinaryValueInBase64"), false),
            (with("not base64!"), false),
            (with(""), false),
        ],
    ));
    rows.extend(rows_for(
        "BinaryEquals",
        r#""""#,
        vec![(with(""), true), (with("YQ=="), false)],
    ));
    run("bool/binary", rows);
}

/// I16: `IpAddress` / `NotIpAddress`: IPv4 and IPv6 CIDR, single hosts,
/// IPv4-mapped IPv6, addresses that do not parse.
#[test]
fn i16_ip() {
    let mut rows = Vec::new();
    rows.extend(rows_for(
        "IpAddress",
        r#""203.0.113.0/24""#,
        vec![
            (with("203.0.113.1"), true),
            (with("203.0.114.1"), false),
            (with("::ffff:203.0.113.9"), true),
            (with("2001:db8::1"), false),
            (with("203.0.113.1/32"), false),
            (with("not-an-ip"), false),
            (with(""), false),
        ],
    ));
    rows.extend(rows_for(
        "IpAddress",
        r#""2001:DB8:1234:5678::/64""#,
        vec![
            (with("2001:db8:1234:5678:ffff::1"), true),
            (with("2001:db8:1234:5679::1"), false),
            (with("203.0.113.1"), false),
        ],
    ));
    rows.extend(rows_for(
        "IpAddress",
        r#""192.0.2.7""#,
        vec![(with("192.0.2.7"), true), (with("192.0.2.8"), false)],
    ));
    rows.extend(rows_for(
        "IpAddress",
        r#""::ffff:10.0.0.0/104""#,
        vec![(with("10.1.1.1"), true), (with("11.1.1.1"), false)],
    ));
    rows.extend(rows_for(
        "IpAddress",
        r#""0.0.0.0/0""#,
        vec![(with("198.51.100.1"), true), (with("2001:db8::1"), false)],
    ));
    rows.extend(rows_for(
        "NotIpAddress",
        r#""203.0.113.0/24""#,
        vec![
            (with("203.0.113.1"), false),
            (with("198.51.100.1"), true),
            (with("garbage"), true),
        ],
    ));
    run("ip", rows);
}

/// The string family, every operator.
#[test]
fn string_family() {
    let mut rows = Vec::new();
    rows.extend(rows_for(
        "StringEquals",
        r#""Prod""#,
        vec![
            (with("Prod"), true),
            (with("prod"), false),
            (with("Prod "), false),
        ],
    ));
    rows.extend(rows_for(
        "StringNotEquals",
        r#""Prod""#,
        vec![(with("prod"), true), (with("Prod"), false)],
    ));
    rows.extend(rows_for(
        "StringEqualsIgnoreCase",
        r#""Prod""#,
        vec![(with("PROD"), true), (with("prod2"), false)],
    ));
    rows.extend(rows_for(
        "StringNotEqualsIgnoreCase",
        r#""Prod""#,
        vec![(with("PROD"), false), (with("dev"), true)],
    ));
    rows.extend(rows_for(
        "StringLike",
        r#""prod-*""#,
        vec![(with("prod-db"), true), (with("Prod-db"), false)],
    ));
    rows.extend(rows_for(
        "StringNotLike",
        r#""prod-*""#,
        vec![(with("dev-db"), true), (with("prod-"), false)],
    ));
    rows.extend(rows_for(
        "StringEquals",
        "12",
        vec![(with("12"), true), (with("12.0"), false)],
    ));
    rows.extend(rows_for(
        "StringEquals",
        "true",
        vec![(with("true"), true), (with("True"), false)],
    ));
    rows.extend(rows_for(
        "StringEquals",
        r#""""#,
        vec![(with(""), true), (get(), false)],
    ));
    run("string", rows);
}

/// I16: a typed value that does not parse is refused when the policy is
/// written, so it can never silently match.
#[test]
fn i16_bad_typed_values_are_refused_at_write_time() {
    for b in [
        block("NumericEquals", r#""ten""#),
        block("DateLessThan", r#""tomorrow""#),
        block("Bool", r#""yes""#),
        block("BinaryEquals", r#""not base64""#),
        block("IpAddress", r#""10.0.0.0/33""#),
        block("Null", r#""maybe""#),
        block("NumericEquals", r#""${aws:username}""#),
        block("IpAddress", r#""${aws:SourceIp}""#),
    ] {
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{b}}}}}"#
        );
        assert!(parse(&text).is_err(), "{text}");
    }
}
