//! Condition evaluation: one operator, one key, its values, against the
//! request's keys.
//!
//! The semantics, each from IAM's condition operator reference unless
//! marked *(choice)*:
//!
//! * Values are OR'ed: a request value matches when it matches any policy
//!   value (I13). Conditions (keys, operators) are AND'ed by the caller.
//! * A negated operator (`StringNotEquals`, `NotIpAddress`, ...) is the
//!   exact complement of its positive form: a request value matches it when
//!   it matches *none* of the policy values (so `StringNotEquals [a, b]`
//!   reads "neither a nor b").
//! * Missing key (I11): positive operators are false, negated ones true;
//!   `…IfExists` is true; `Null: true` is true. A multi-valued key with no
//!   values counts as missing *(choice, consistent with AWS treating an
//!   empty `aws:TagKeys` as absent)*.
//! * `ForAnyValue:` — some request value matches; false when the key is
//!   missing (even for negated operators). `ForAllValues:` — every request
//!   value matches; true when the key is missing (I12). A single-valued key
//!   is a set of one.
//! * A plain operator on a multi-valued key *(choice; IAM only says "use a
//!   set operator")*: positive operators match when **any** request value
//!   matches; negated operators when **no** request value matches the
//!   positive form. This keeps `Not` the complement of its positive form
//!   for every present key, and makes a Deny written with a positive
//!   operator fire when any value hits.
//! * Typed operators parse the request value as the operator's type
//!   (numbers, dates — ISO 8601 or epoch seconds —, bare IP addresses,
//!   base64, `true`/`false` in any case). A request value that does not
//!   parse matches no policy value, so positive operators are false and
//!   negated ones true (I16). Policy values were checked at write time; any
//!   that still fail to parse (a document built without `parse`) match
//!   nothing.
//! * `StringEquals` and friends compare literally — `*` is a character
//!   (I10); `StringLike`/`StringNotLike` glob, case-sensitively;
//!   `…IgnoreCase` compares Unicode lower case. `ArnEquals` and `ArnLike`
//!   are the same segment-wise wildcard match (IAM documents both so); see
//!   `arn`.
//! * Policy variables are substituted into `String*`, `Arn*` and `Bool`
//!   values only (the others reject `${` at write time); see `variables`.

use super::arn::ArnPattern;
use super::context::{ContextKeys, normalize_key};
use super::typed::{decode_base64, ip_in, parse_addr, parse_bool_loose};
use super::variables::{Template, literal_text};
use super::wildcard::matches;
use crate::operator::{ConditionOperator, OperatorKind, SetQualifier, ValueType};
use crate::{Condition, IpNet, Timestamp, parse_numeric};

/// A condition ready to evaluate: key lower-cased, values parsed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CompiledCondition {
    operator: ConditionOperator,
    /// Lower-cased.
    key: String,
    values: Vec<PolicyValue>,
}

/// One policy value, parsed for its operator.
#[derive(Debug, Clone, PartialEq)]
enum PolicyValue {
    Text(Template),
    Arn(ArnPattern),
    Number(f64),
    Date(Timestamp),
    Ip(IpNet),
    Binary(Vec<u8>),
    Bool(Template),
    /// `Null`: `true` means "the key is absent".
    Null(bool),
    /// Did not parse: matches nothing.
    Invalid,
}

impl CompiledCondition {
    pub(crate) fn compile(condition: &Condition, variables: bool) -> Self {
        let kind = condition.operator.kind;
        let glob = matches!(kind, OperatorKind::StringLike | OperatorKind::StringNotLike);
        let values = condition
            .values
            .iter()
            .map(|v| {
                let parsed = match kind.value_type() {
                    ValueType::String => {
                        Some(PolicyValue::Text(Template::compile(v, variables, glob)))
                    }
                    ValueType::Arn => Some(PolicyValue::Arn(ArnPattern::compile(v, variables))),
                    ValueType::Bool => {
                        Some(PolicyValue::Bool(Template::compile(v, variables, false)))
                    }
                    ValueType::Numeric => parse_numeric(v).map(PolicyValue::Number),
                    ValueType::Date => Timestamp::parse(v).map(PolicyValue::Date),
                    ValueType::Ip => IpNet::parse(v).map(PolicyValue::Ip),
                    ValueType::Binary => decode_base64(v).map(PolicyValue::Binary),
                    ValueType::Null => crate::parse_bool(v).map(PolicyValue::Null),
                };
                parsed.unwrap_or(PolicyValue::Invalid)
            })
            .collect();
        CompiledCondition {
            operator: condition.operator,
            key: normalize_key(&condition.key),
            values,
        }
    }

    /// The lower-cased keys this condition reads: its own key and the keys
    /// of any variables in its values.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        let vars = self.values.iter().flat_map(|v| {
            let templates: Vec<&Template> = match v {
                PolicyValue::Text(t) | PolicyValue::Bool(t) => vec![t],
                PolicyValue::Arn(a) => a.templates().iter().collect(),
                _ => Vec::new(),
            };
            templates.into_iter().flat_map(Template::variable_keys)
        });
        std::iter::once(self.key.as_str()).chain(vars)
    }

    /// Is this condition true for the request?
    pub(crate) fn holds(&self, keys: &ContextKeys) -> bool {
        let op = self.operator;
        let present = keys.values_of(&self.key);
        if op.kind == OperatorKind::Null {
            let absent = present.is_none();
            return self.values.contains(&PolicyValue::Null(absent));
        }
        let Some(request_values) = present else {
            if op.if_exists {
                return true;
            }
            return match op.qualifier {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => op.kind.is_negated(),
            };
        };
        let negated = op.kind.is_negated();
        let hit = |r: &String| self.matches_any(r, keys);
        match op.qualifier {
            None if negated => !request_values.iter().any(hit),
            None => request_values.iter().any(hit),
            Some(SetQualifier::ForAnyValue) => request_values.iter().any(|r| hit(r) != negated),
            Some(SetQualifier::ForAllValues) => request_values.iter().all(|r| hit(r) != negated),
        }
    }

    /// Does one request value match any policy value under the positive
    /// form of the operator?
    fn matches_any(&self, request: &str, keys: &ContextKeys) -> bool {
        use OperatorKind::*;
        let kind = self.operator.kind;
        match kind.value_type() {
            ValueType::String => {
                let ignore_case =
                    matches!(kind, StringEqualsIgnoreCase | StringNotEqualsIgnoreCase);
                let lowered = ignore_case.then(|| request.to_lowercase());
                self.values.iter().any(|v| match v {
                    PolicyValue::Text(t) => t.resolve(keys).is_some_and(|toks| match &lowered {
                        Some(req) => literal_text(&toks).to_lowercase() == *req,
                        None => matches(&toks, request),
                    }),
                    _ => false,
                })
            }
            ValueType::Arn => self.values.iter().any(|v| match v {
                PolicyValue::Arn(a) => a.matches(request, keys),
                _ => false,
            }),
            ValueType::Numeric => {
                let Some(x) = parse_numeric(request) else {
                    return false;
                };
                self.values.iter().any(|v| match v {
                    PolicyValue::Number(n) => match kind {
                        NumericEquals | NumericNotEquals => x == *n,
                        NumericLessThan => x < *n,
                        NumericLessThanEquals => x <= *n,
                        NumericGreaterThan => x > *n,
                        NumericGreaterThanEquals => x >= *n,
                        _ => false,
                    },
                    _ => false,
                })
            }
            ValueType::Date => {
                let Some(x) = Timestamp::parse(request) else {
                    return false;
                };
                self.values.iter().any(|v| match v {
                    PolicyValue::Date(d) => match kind {
                        DateEquals | DateNotEquals => x == *d,
                        DateLessThan => x < *d,
                        DateLessThanEquals => x <= *d,
                        DateGreaterThan => x > *d,
                        DateGreaterThanEquals => x >= *d,
                        _ => false,
                    },
                    _ => false,
                })
            }
            ValueType::Bool => {
                let Some(x) = parse_bool_loose(request) else {
                    return false;
                };
                self.values.iter().any(|v| match v {
                    PolicyValue::Bool(t) => {
                        t.resolve(keys)
                            .and_then(|toks| parse_bool_loose(&literal_text(&toks)))
                            == Some(x)
                    }
                    _ => false,
                })
            }
            ValueType::Binary => {
                let Some(x) = decode_base64(request) else {
                    return false;
                };
                self.values
                    .iter()
                    .any(|v| matches!(v, PolicyValue::Binary(b) if *b == x))
            }
            ValueType::Ip => {
                let Some(x) = parse_addr(request) else {
                    return false;
                };
                self.values
                    .iter()
                    .any(|v| matches!(v, PolicyValue::Ip(net) if ip_in(net, x)))
            }
            ValueType::Null => false,
        }
    }
}
