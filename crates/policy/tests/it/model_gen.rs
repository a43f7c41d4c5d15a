//! Random small policies and requests for the model tests, and the JSON
//! writer that turns a model policy into a document (with object members in
//! an order chosen by a seed).
//!
//! The alphabets are tiny on purpose, so that patterns, principals, keys and
//! values collide often: every case must be a valid document (`parse` must
//! accept it), and most interesting branches — wildcards spanning `/` and
//! `:`, variables with `*` in their values, case-mismatched key names,
//! multi-valued and empty keys, typed values that do not parse — come up in
//! a few thousand cases.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};

use crate::model::{MCaller, MCtx, MPolicy, MPrincipal, MStatement, MVal};

pub const A: &str = "111122223333";
pub const B: &str = "444455556666";
const OIDC: &str = "arn:aws:iam::111122223333:oidc-provider/oidc.example.com";
const SVC: &str = "secretsmanager.amazonaws.com";

const ACTIONS: &[&str] = &[
    "secretsmanager:GetSecretValue",
    "SECRETSMANAGER:getsecretvalue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:DescribeSecret",
    "kms:Decrypt",
    "kms:Encrypt",
];

const ACTION_PATTERNS: &[&str] = &[
    "*",
    "secretsmanager:*",
    "secretsmanager:Get*",
    "secretsmanager:?etSecretValue",
    "SecretsManager:getsecretvalue",
    "secretsmanager:*Secret*",
    "secretsmanager:Put????????Value",
    "secretsmanager:Describe*",
    "kms:*crypt",
    "kms:Decrypt",
    "KMS:*",
    "kms:?",
];

const RESOURCE_TAILS: &[&str] = &[
    "secret:a",
    "secret:a/b",
    "secret:ab",
    "secret:a*",
    "secret:a?b",
    "secret:a:b",
    "secret:${x}",
    "key/k1",
    "secret:",
];

const TAIL_PIECES: &[&str] = &[
    "secret:",
    "secret:*",
    "*",
    "secret",
    ":",
    "a",
    "b",
    "/",
    "*",
    "?",
    "${k:s}",
    "${*}",
    "${?}",
    "${$}",
    "${k:s, 'a*'}",
    "${K:S}",
    "${k:m}",
    "${k:none}",
    "${k:none, 'b'}",
    "${broken",
];

/// Keys the generator uses, with the values a request may give them.
const KEYS: &[(&str, &[&str])] = &[
    ("k:s", &["a", "b", "A", "a*", "*", "?", "", "ab", "a/b"]),
    ("k:m", &["a", "b", "A", "*"]),
    ("k:n", &["1", "2", "10", "-1", "1.5", "x"]),
    (
        "k:d",
        &[
            "2020-01-01T00:00:00Z",
            "1577836800",
            "2021-06-01",
            "garbage",
        ],
    ),
    ("k:b", &["true", "false", "TRUE", "x"]),
    ("k:bin", &["YQ==", "YWI=", "", "not"]),
    (
        "k:ip",
        &[
            "10.0.0.1",
            "10.1.2.3",
            "192.168.1.1",
            "::ffff:10.0.0.1",
            "2001:db8::1",
            "bad",
        ],
    ),
    (
        "k:arn",
        &[
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:a",
            "arn:aws:iam::111122223333:role/app",
            "arn:aws:kms:eu-west-1:444455556666:key/k1",
            "not-an-arn",
        ],
    ),
    ("aws:PrincipalAccount", &["111122223333", "444455556666"]),
];

fn case_variant(key: &str, upper: bool) -> String {
    if upper {
        key.to_uppercase()
    } else {
        key.to_owned()
    }
}

fn request_resource() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just("*".to_owned()),
        1 => Just("not-an-arn".to_owned()),
        12 => (
            select(&["secretsmanager", "kms"][..]),
            select(&["us-east-1", "eu-west-1", ""][..]),
            select(&[A, B][..]),
            select(RESOURCE_TAILS),
        )
            .prop_map(|(s, r, a, t)| format!("arn:aws:{s}:{r}:{a}:{t}")),
    ]
}

fn resource_pattern(vars: bool) -> impl Strategy<Value = String> {
    let account: &'static [&'static str] = if vars {
        &[A, B, "*", "1111*", "${aws:PrincipalAccount}", "${k:s}"]
    } else {
        &[A, B, "*", "1111*"]
    };
    prop_oneof![
        3 => Just("*".to_owned()),
        3 => (select(&["secretsmanager", "kms"][..]), select(RESOURCE_TAILS))
            .prop_map(|(s, t)| format!("arn:aws:{s}:*:*:{t}")),
        6 => (
            select(&["aws", "a*", "*", "aws?"][..]),
            select(&["secretsmanager", "kms"][..]),
            select(&["us-east-1", "*", "us-*", "", "us-east-?"][..]),
            select(account),
            prop::collection::vec(select(TAIL_PIECES), 1..4),
        )
            .prop_map(|(p, s, r, a, tail)| format!("arn:{p}:{s}:{r}:{a}:{}", tail.concat())),
    ]
}

const STRING_PIECES: &[&str] = &[
    "a",
    "b",
    "A",
    "*",
    "?",
    "/",
    "${k:s}",
    "${k:s, 'a'}",
    "${*}",
    "${k:m}",
    "${k:none}",
    "${broken",
    "${K:S}",
];

/// Operators (without qualifier / IfExists), the keys they are usually
/// asked about, and valid policy values.
fn operator_family() -> impl Strategy<Value = (&'static str, &'static str)> {
    const OPS: &[(&str, &str)] = &[
        ("StringEquals", "k:s"),
        ("StringNotEquals", "k:s"),
        ("StringEqualsIgnoreCase", "k:s"),
        ("StringNotEqualsIgnoreCase", "k:m"),
        ("StringLike", "k:s"),
        ("StringNotLike", "k:m"),
        ("NumericEquals", "k:n"),
        ("NumericNotEquals", "k:n"),
        ("NumericLessThan", "k:n"),
        ("NumericLessThanEquals", "k:n"),
        ("NumericGreaterThan", "k:n"),
        ("NumericGreaterThanEquals", "k:n"),
        ("DateEquals", "k:d"),
        ("DateNotEquals", "k:d"),
        ("DateLessThan", "k:d"),
        ("DateLessThanEquals", "k:d"),
        ("DateGreaterThan", "k:d"),
        ("DateGreaterThanEquals", "k:d"),
        ("Bool", "k:b"),
        ("BinaryEquals", "k:bin"),
        ("IpAddress", "k:ip"),
        ("NotIpAddress", "k:ip"),
        ("ArnEquals", "k:arn"),
        ("ArnLike", "k:arn"),
        ("ArnNotEquals", "k:arn"),
        ("ArnNotLike", "k:arn"),
        ("Null", "k:s"),
    ];
    select(OPS)
}

fn policy_values(base: &'static str, vars: bool) -> BoxedStrategy<Vec<String>> {
    let fixed = |vals: &'static [&'static str]| {
        prop::collection::vec(select(vals).prop_map(str::to_owned), 1..3).boxed()
    };
    if base.starts_with("String") {
        let one = prop::collection::vec(select(STRING_PIECES), 0..3).prop_map(|p| p.concat());
        return prop::collection::vec(one, 1..3).boxed();
    }
    if base.starts_with("Numeric") {
        return fixed(&["1", "2", "10", "-1", "1.5"]);
    }
    if base.starts_with("Date") {
        return fixed(&[
            "2020-01-01T00:00:00Z",
            "1577836800",
            "2021-06-01",
            "2019-12-31T23:00:00-01:00",
        ]);
    }
    if base.starts_with("Arn") {
        return prop::collection::vec(
            prop_oneof![
                resource_pattern(vars),
                Just("not-an-arn".to_owned()),
                Just("arn:aws:iam::111122223333:role/*".to_owned()),
            ],
            1..3,
        )
        .boxed();
    }
    match base {
        "Bool" if vars => fixed(&["true", "false", "${k:b}", "${k:s}", "${k:none, 'true'}"]),
        "Bool" => fixed(&["true", "false"]),
        "BinaryEquals" => fixed(&["YQ==", "YWI=", ""]),
        "IpAddress" | "NotIpAddress" => fixed(&[
            "10.0.0.0/8",
            "10.0.0.1",
            "::ffff:10.0.0.0/104",
            "2001:db8::/32",
            "0.0.0.0/0",
            "192.168.0.0/16",
            "::/0",
        ]),
        "Null" => fixed(&["true", "false"]),
        other => panic!("no values for {other}"),
    }
}

fn condition(vars: bool) -> impl Strategy<Value = (String, String, Vec<String>)> {
    (
        operator_family(),
        select(&["", "", "", "ForAnyValue:", "ForAllValues:"][..]),
        any::<bool>(),
        // Usually the operator's own key; sometimes any key (type mismatch).
        prop_oneof![4 => Just(None), 1 => select(KEYS).prop_map(|k| Some(k.0))],
        any::<bool>(),
    )
        .prop_flat_map(move |((base, key), set, if_exists, other_key, upper)| {
            let (set, if_exists) = if base == "Null" {
                ("", false)
            } else {
                (set, if_exists)
            };
            let name = format!("{set}{base}{}", if if_exists { "IfExists" } else { "" });
            let key = case_variant(other_key.unwrap_or(key), upper);
            policy_values(base, vars).prop_map(move |v| (name.clone(), key.clone(), v))
        })
}

fn principal() -> impl Strategy<Value = MPrincipal> {
    // Entries that name one of the generated callers (or its account) come
    // up more often than the others, so statements apply often enough.
    const NAMING: &[(&str, &str)] = &[
        ("AWS", A),
        ("AWS", "arn:aws:iam::111122223333:root"),
        ("AWS", "arn:aws:iam::111122223333:user/alice"),
        ("AWS", "arn:aws:iam::111122223333:role/app"),
        ("AWS", "arn:aws:sts::111122223333:assumed-role/app/s1"),
        ("AWS", "arn:aws:iam::444455556666:user/bob"),
    ];
    const OTHERS: &[(&str, &str)] = &[
        ("AWS", "*"),
        ("AWS", B),
        ("AWS", "arn:aws:iam::444455556666:root"),
        ("Service", SVC),
        ("Service", "lambda.amazonaws.com"),
        ("Federated", OIDC),
        (
            "CanonicalUser",
            "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
        ),
    ];
    let entry = prop_oneof![3 => select(NAMING), 2 => select(OTHERS)];
    (
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.15),
        prop::collection::vec(entry, 1..4),
    )
        .prop_map(|(negated, star, entries)| {
            let mut unique: Vec<(&'static str, String)> = Vec::new();
            for (k, id) in entries {
                if !unique.iter().any(|(k2, id2)| *k2 == k && id2 == id) {
                    unique.push((k, id.to_owned()));
                }
            }
            MPrincipal {
                negated,
                star,
                entries: unique,
            }
        })
}

/// `resource_kind`: statements usually carry a principal (resource
/// policies) or usually not (identity policies); the other kind is mixed
/// in to test that it is skipped.
fn statement(vars: bool, resource_kind: bool) -> impl Strategy<Value = MStatement> {
    let with_principal = if resource_kind { 0.9 } else { 0.1 };
    (
        any::<bool>(),
        prop::option::weighted(with_principal, principal()),
        prop::bool::weighted(0.2),
        prop::collection::vec(select(ACTION_PATTERNS).prop_map(str::to_owned), 1..3),
        prop::option::weighted(
            0.85,
            (
                prop::bool::weighted(0.2),
                prop::collection::vec(resource_pattern(vars), 1..3),
            ),
        ),
        prop_oneof![
            2 => Just(Vec::new()),
            3 => prop::collection::vec(condition(vars), 1..2),
            1 => prop::collection::vec(condition(vars), 2..4),
        ],
    )
        .prop_map(|(allow, principal, not_action, actions, resource, raw)| {
            let conditions = dedupe(raw);
            MStatement {
                allow,
                principal,
                not_action,
                actions,
                resource,
                conditions,
            }
        })
}

type RawCondition = (String, String, Vec<String>);

/// JSON needs unique operators, and keys unique (any case) within an
/// operator: drops the clashing ones.
fn dedupe(raw: Vec<RawCondition>) -> Vec<RawCondition> {
    let mut conditions: Vec<RawCondition> = Vec::new();
    for (op, key, values) in raw {
        let clash = conditions
            .iter()
            .any(|(o, k, _)| *o == op && k.to_lowercase() == key.to_lowercase());
        if !clash {
            conditions.push((op, key, values));
        }
    }
    conditions
}

pub fn policy() -> impl Strategy<Value = MPolicy> {
    (
        select(
            &[
                Some("2012-10-17"),
                Some("2012-10-17"),
                Some("2008-10-17"),
                None,
            ][..],
        ),
        any::<bool>(),
    )
        .prop_flat_map(|(version, resource_kind)| {
            let vars = version == Some("2012-10-17");
            prop::collection::vec(statement(vars, resource_kind), 1..5).prop_map(
                move |statements| MPolicy {
                    version,
                    statements,
                },
            )
        })
}

/// A one-statement document in which only one element is random (action,
/// resource, principal or conditions) and the others match everything, so
/// the outcome turns on that element alone: the main generator's documents
/// rarely apply, which hides mistakes in any one matcher.
pub fn focused_policy() -> impl Strategy<Value = MPolicy> {
    select(
        &[
            Some("2012-10-17"),
            Some("2012-10-17"),
            Some("2008-10-17"),
            None,
        ][..],
    )
    .prop_flat_map(|version| {
        let vars = version == Some("2012-10-17");
        let open = |allow: bool| MStatement {
            allow,
            principal: None,
            not_action: false,
            actions: vec!["*".into()],
            resource: Some((false, vec!["*".into()])),
            conditions: Vec::new(),
        };
        let element = prop_oneof![
            2 => (prop::bool::weighted(0.2), prop::collection::vec(select(ACTION_PATTERNS), 1..3))
                .prop_map(move |(not, a)| {
                    let mut s = open(true);
                    s.not_action = not;
                    s.actions = a.into_iter().map(str::to_owned).collect();
                    s
                }),
            3 => (prop::bool::weighted(0.2), prop::collection::vec(resource_pattern(vars), 1..3))
                .prop_map(move |r| MStatement {
                    resource: Some(r),
                    ..open(true)
                }),
            3 => principal().prop_map(move |p| MStatement {
                principal: Some(p),
                ..open(true)
            }),
            4 => prop::collection::vec(condition(vars), 1..3).prop_map(move |c| MStatement {
                conditions: dedupe(c),
                ..open(true)
            }),
        ];
        (element, any::<bool>(), any::<bool>()).prop_map(move |(mut s, allow, everyone)| {
            s.allow = allow;
            // Half the time a resource-policy statement (Principal "*"),
            // so resource evaluation sees the element too.
            if everyone && s.principal.is_none() {
                s.principal = Some(MPrincipal {
                    negated: false,
                    star: true,
                    entries: Vec::new(),
                });
            }
            MPolicy {
                version,
                statements: vec![s],
            }
        })
    })
}

/// A single Deny statement, for the metamorphic tests.
pub fn deny_statement() -> impl Strategy<Value = MStatement> {
    any::<bool>()
        // No variables: the statement must be valid in documents of either
        // version.
        .prop_flat_map(|resource_kind| statement(false, resource_kind))
        .prop_map(|mut s| {
            s.allow = false;
            s
        })
}

fn caller() -> impl Strategy<Value = Option<MCaller>> {
    let iam = |arns: &[&str], account: &str| MCaller {
        arns: arns.iter().map(|a| a.to_string()).collect(),
        account: account.into(),
        federated: None,
        service: None,
    };
    let callers = vec![
        None,
        Some(iam(&["arn:aws:iam::111122223333:user/alice"], A)),
        Some(iam(&["arn:aws:iam::444455556666:user/bob"], B)),
        Some(iam(&["arn:aws:iam::444455556666:user/alice"], B)),
        Some(iam(
            &[
                "arn:aws:sts::111122223333:assumed-role/app/s1",
                "arn:aws:iam::111122223333:role/app",
            ],
            A,
        )),
        Some(iam(
            &[
                "arn:aws:sts::111122223333:assumed-role/app/s2",
                "arn:aws:iam::111122223333:role/app",
            ],
            A,
        )),
        Some(iam(&["arn:aws:iam::111122223333:root"], A)),
        Some(iam(&["arn:aws:iam::444455556666:root"], B)),
        Some(MCaller {
            arns: vec![],
            account: String::new(),
            federated: None,
            service: Some(SVC.into()),
        }),
        Some(MCaller {
            arns: vec![],
            account: String::new(),
            federated: Some(OIDC.into()),
            service: None,
        }),
    ];
    select(callers)
}

fn key_value(values: &'static [&'static str]) -> impl Strategy<Value = Option<MVal>> {
    let v = || select(values).prop_map(str::to_owned);
    prop_oneof![
        3 => Just(None),
        4 => v().prop_map(|v| Some(MVal::One(v))),
        2 => prop::collection::vec(v(), 0..4).prop_map(|vs| Some(MVal::Many(vs))),
    ]
}

pub fn context() -> impl Strategy<Value = MCtx> {
    let keys: Vec<_> = KEYS
        .iter()
        .map(|(k, values)| {
            (any::<bool>(), key_value(values))
                .prop_map(move |(upper, v)| (case_variant(k, upper), v))
        })
        .collect();
    (select(ACTIONS), request_resource(), caller(), keys).prop_map(
        |(action, resource, caller, keys)| MCtx {
            action: action.to_owned(),
            resource,
            caller,
            keys: keys
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v)))
                .collect(),
        },
    )
}

/// xorshift64*, to permute object members deterministically from a seed.
struct Shuffle(u64);

impl Shuffle {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn permute<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

fn strings(values: &[String]) -> Value {
    match values {
        [one] => json!(one),
        many => json!(many),
    }
}

fn statement_json(s: &MStatement) -> Vec<(String, Value)> {
    let mut members = vec![(
        "Effect".to_owned(),
        json!(if s.allow { "Allow" } else { "Deny" }),
    )];
    if let Some(p) = &s.principal {
        let value = if p.star {
            json!("*")
        } else {
            let mut map = serde_json::Map::new();
            for (kind, id) in &p.entries {
                let entry = map.entry(kind.to_string()).or_insert_with(|| json!([]));
                entry.as_array_mut().expect("array").push(json!(id));
            }
            Value::Object(map)
        };
        let name = if p.negated {
            "NotPrincipal"
        } else {
            "Principal"
        };
        members.push((name.to_owned(), value));
    }
    let name = if s.not_action { "NotAction" } else { "Action" };
    members.push((name.to_owned(), strings(&s.actions)));
    if let Some((not, patterns)) = &s.resource {
        let name = if *not { "NotResource" } else { "Resource" };
        members.push((name.to_owned(), strings(patterns)));
    }
    if !s.conditions.is_empty() {
        let mut ops = serde_json::Map::new();
        for (op, key, values) in &s.conditions {
            let block = ops.entry(op.clone()).or_insert_with(|| json!({}));
            block
                .as_object_mut()
                .expect("object")
                .insert(key.clone(), strings(values));
        }
        members.push(("Condition".to_owned(), Value::Object(ops)));
    }
    members
}

/// Writes `value` with every object's members permuted by `shuffle`.
fn write(value: &Value, shuffle: &mut Shuffle, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut members: Vec<_> = map.iter().collect();
            shuffle.permute(&mut members);
            out.push('{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).expect("key"));
                out.push(':');
                write(v, shuffle, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(v, shuffle, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The policy as JSON text, object members ordered by `seed`.
pub fn to_json(policy: &MPolicy, seed: u64) -> String {
    let statements: Vec<Value> = policy
        .statements
        .iter()
        .map(|s| Value::Object(statement_json(s).into_iter().collect()))
        .collect();
    let mut doc = serde_json::Map::new();
    if let Some(v) = policy.version {
        doc.insert("Version".into(), json!(v));
    }
    doc.insert("Statement".into(), Value::Array(statements));
    let mut out = String::new();
    write(&Value::Object(doc), &mut Shuffle(seed | 1), &mut out);
    out
}

/// The request as the crate's type.
pub fn to_context(ctx: &MCtx) -> tresor_policy::RequestContext {
    let mut out = tresor_policy::RequestContext::new(ctx.action.clone(), ctx.resource.clone());
    out.principal = ctx.caller.as_ref().map(|c| tresor_policy::CallerPrincipal {
        arns: c.arns.clone(),
        account: c.account.clone(),
        federated: c.federated.clone(),
        service: c.service.clone(),
    });
    for (k, v) in &ctx.keys {
        match v {
            MVal::One(v) => out.keys.set(k, v.clone()),
            MVal::Many(vs) => out.keys.set_multi(k, vs.clone()),
        }
    }
    out
}
