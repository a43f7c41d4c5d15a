//! Statement order and JSON member order carry no meaning (I1; IAM: "Blocks
//! can appear in any order"). Each base policy is re-serialised many times
//! with every object's members and the `Statement` array deterministically
//! shuffled; the parse must be the same up to order, and so must validity
//! and `grants_public_access`.

use serde_json::Value;
use tresor_policy::{PolicyDocument, PrincipalSet, parse};

/// xorshift64*: small, deterministic, good enough to permute a few items.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Writes `value` as JSON with object members in a random order, and the
/// top-level `Statement` array shuffled too. Other arrays keep their order.
fn write_shuffled(value: &Value, rng: &mut Rng, out: &mut String, statement_list: bool) {
    match value {
        Value::Object(map) => {
            let mut members: Vec<_> = map.iter().collect();
            rng.shuffle(&mut members);
            out.push('{');
            for (i, (name, member)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(name).unwrap());
                out.push(':');
                write_shuffled(member, rng, out, name == "Statement");
            }
            out.push('}');
        }
        Value::Array(items) => {
            let mut items: Vec<_> = items.iter().collect();
            if statement_list {
                rng.shuffle(&mut items);
            }
            out.push('[');
            for (i, item) in items.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_shuffled(item, rng, out, false);
            }
            out.push(']');
        }
        scalar => out.push_str(&serde_json::to_string(scalar).unwrap()),
    }
}

/// The document with every order that has no meaning sorted away:
/// statements, conditions within a statement, principals within a map.
fn canonical(doc: &PolicyDocument) -> String {
    let mut statements: Vec<String> = doc
        .statements
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s.conditions.sort_by(|a, b| {
                (a.operator, &a.key, &a.values).cmp(&(b.operator, &b.key, &b.values))
            });
            if let Some(PrincipalSet::Listed(list)) = s.principal.as_mut().map(|p| &mut p.set) {
                list.sort();
            }
            format!("{s:?}")
        })
        .collect();
    statements.sort();
    format!("{:?} {:?} {statements:?}", doc.version, doc.id)
}

const POLICIES: &[&str] = &[
    r#"{"Version":"2012-10-17","Id":"p","Statement":[
        {"Sid":"AllowRole","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:role/App","111122223333"],"Service":"lambda.amazonaws.com"},
         "Action":["secretsmanager:GetSecretValue","secretsmanager:DescribeSecret"],"Resource":"*",
         "Condition":{"StringEquals":{"aws:SourceVpce":["vpce-1","vpce-2"],"aws:PrincipalOrgID":"o-abc"},"Bool":{"aws:SecureTransport":true},
                      "DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}},
        {"Sid":"DenyOutsideVpc","Effect":"Deny","Principal":"*","NotAction":"secretsmanager:DescribeSecret","NotResource":"arn:aws:secretsmanager:*:*:secret:public-*",
         "Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-1"},"Null":{"aws:TokenIssueTime":"false"}}},
        {"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"secretsmanager:List*","Resource":"*",
         "Condition":{"ForAnyValue:StringLike":{"aws:TagKeys":["env*","team"]},"NumericLessThanEqualsIfExists":{"s3:max-keys":10}}}
    ]}"#,
    r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"123456789012"}}},
        {"Effect":"Allow","Principal":{"AWS":"*"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}
    ]}"#,
    r#"{"Statement":{"Effect":"Deny","Principal":{"Federated":"cognito-identity.amazonaws.com","CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
        "Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:t"},"BinaryEquals":{"k:b":"YWJj"}}}}"#,
    // Invalid documents stay invalid whatever the order.
    r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"*"},{"Sid":"A","Effect":"Deny","Action":"*"}]}"#,
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}]}"#,
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Condition":{"NumericEquals":{"a:b":"x"},"StringEquals":{"a:c":"1"}}}]}"#,
];

#[test]
fn order_does_not_change_meaning() {
    for (p, text) in POLICIES.iter().enumerate() {
        let tree: Value = serde_json::from_str(text).unwrap();
        let original = parse(text);
        for seed in 1..=64u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let mut shuffled = String::new();
            write_shuffled(&tree, &mut rng, &mut shuffled, false);
            let reparsed = parse(&shuffled);
            match (&original, &reparsed) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(
                        canonical(a),
                        canonical(b),
                        "policy {p}, seed {seed}\n{shuffled}"
                    );
                    assert_eq!(
                        a.grants_public_access(),
                        b.grants_public_access(),
                        "policy {p}, seed {seed}"
                    );
                }
                (Err(_), Err(_)) => {}
                _ => panic!("policy {p}, seed {seed}: validity changed\n{shuffled}\n{reparsed:?}"),
            }
        }
    }
}

#[test]
fn shuffling_really_reorders() {
    // Guard against a shuffle that does nothing, which would make the test
    // above vacuous.
    let tree: Value = serde_json::from_str(POLICIES[0]).unwrap();
    let mut seen = std::collections::HashSet::new();
    for seed in 1..=16u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut out = String::new();
        write_shuffled(&tree, &mut rng, &mut out, false);
        seen.insert(out);
    }
    assert!(seen.len() > 8, "only {} distinct orders", seen.len());
}
