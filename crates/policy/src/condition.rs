//! The `Condition` element: `{ "Operator": { "key": value | [values] } }`.
//!
//! Owns the block's shape, condition key syntax, the normalisation of JSON
//! numbers and booleans to strings (IAM: "Quotation marks are optional for
//! numeric and Boolean values"), and the write-time check that every value
//! of a typed operator parses (I16). The operator names themselves live in
//! `operator`, the value grammars in `values` and `date`.

use crate::document::Version;
use crate::error::{PolicyError, quote};
use crate::json::Json;
use crate::operator::{ConditionOperator, ValueType};
use crate::{IpNet, Timestamp, values};

/// One operator applied to one key: true when the request's value for `key`
/// matches any of `values` (I13: values are OR'ed; the conditions of a
/// statement are AND'ed).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Condition {
    pub operator: ConditionOperator,
    /// The condition key as written. Keys compare case-insensitively (I9);
    /// the case is kept so the policy reads back as written.
    pub key: String,
    /// The values as strings; JSON numbers and booleans were normalised
    /// (`10` → `"10"`, `true` → `"true"`). Never empty.
    pub values: Vec<String>,
}

/// Parses a statement's `Condition` element into conditions, in document
/// order (operator by operator, key by key).
pub(crate) fn parse_block(value: &Json, version: Version) -> Result<Vec<Condition>, PolicyError> {
    let Json::Object(operators) = value else {
        return Err(PolicyError::new(format!(
            "Condition must be an object, not {}",
            value.kind()
        )));
    };
    if operators.is_empty() {
        return Err(PolicyError::new("Condition must not be empty"));
    }
    let mut conditions = Vec::new();
    for (name, block) in operators {
        let operator = ConditionOperator::parse(name).ok_or_else(|| {
            PolicyError::new(format!("Condition: unknown operator {}", quote(name)))
        })?;
        let Json::Object(keys) = block else {
            return Err(PolicyError::new(format!(
                "Condition {operator} must be an object of keys and values, not {}",
                block.kind()
            )));
        };
        if keys.is_empty() {
            return Err(PolicyError::new(format!(
                "Condition {operator} must name at least one key"
            )));
        }
        for (i, (key, raw)) in keys.iter().enumerate() {
            let place = format!("Condition {operator} on {}", quote(key));
            check_key(key).map_err(|e| e.at(&place))?;
            if keys[..i].iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
                return Err(PolicyError::new(
                    "the key appears twice (condition keys are case-insensitive)",
                )
                .at(&place));
            }
            let values = condition_values(raw).map_err(|e| e.at(&place))?;
            for v in &values {
                check_value(operator, v, version).map_err(|e| e.at(&place))?;
            }
            conditions.push(Condition {
                operator,
                key: key.clone(),
                values,
            });
        }
    }
    Ok(conditions)
}

/// A condition key is `prefix:name` (`aws:SourceIp`,
/// `secretsmanager:ResourceTag/Project`). The prefix is a service namespace;
/// the name may hold any printable character, since tag keys can.
fn check_key(key: &str) -> Result<(), PolicyError> {
    let well_formed = match key.split_once(':') {
        Some((prefix, name)) => {
            !prefix.is_empty()
                // Services (`aws`, `secretsmanager`) and web-identity
                // providers (`token.actions.githubusercontent.com`,
                // `oidc.eks.<region>.amazonaws.com/id/<id>`).
                && prefix
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-./_".contains(&b))
                && !name.is_empty()
                && !name.chars().any(char::is_control)
        }
        None => false,
    };
    if well_formed {
        Ok(())
    } else {
        Err(PolicyError::new(
            "the key must be of the form \"service:name\"",
        ))
    }
}

/// One value or a non-empty array of values; each a string, number or
/// boolean.
fn condition_values(raw: &Json) -> Result<Vec<String>, PolicyError> {
    let scalar = |v: &Json| match v {
        Json::String(s) | Json::Number(s) => Ok(s.clone()),
        Json::Bool(b) => Ok(b.to_string()),
        other => Err(PolicyError::new(format!(
            "values must be strings, numbers or booleans, not {}",
            other.kind()
        ))),
    };
    match raw {
        Json::Array(items) if items.is_empty() => {
            Err(PolicyError::new("values must not be an empty array"))
        }
        Json::Array(items) => items.iter().map(scalar).collect(),
        single => Ok(vec![scalar(single)?]),
    }
}

/// Checks one value against the operator's type. Only `String`, `Arn` and
/// `Bool` values may hold policy variables (IAM condition operator docs),
/// and only under 2012-10-17 (I14); a variable elsewhere fails to parse.
fn check_value(
    operator: ConditionOperator,
    value: &str,
    version: Version,
) -> Result<(), PolicyError> {
    let has_variable = version.has_policy_variables() && value.contains("${");
    let (ok, what) = match operator.kind.value_type() {
        ValueType::String | ValueType::Arn => (true, ""),
        ValueType::Numeric => (values::parse_numeric(value).is_some(), "a number"),
        ValueType::Date => (
            Timestamp::parse(value).is_some(),
            "an ISO 8601 date (W3C profile) or epoch seconds",
        ),
        ValueType::Bool => (
            has_variable || values::parse_bool(value).is_some(),
            "\"true\" or \"false\"",
        ),
        ValueType::Binary => (values::is_base64(value), "base64"),
        ValueType::Ip => (
            IpNet::parse(value).is_some(),
            "an IPv4 or IPv6 address or CIDR block",
        ),
        ValueType::Null => (values::parse_bool(value).is_some(), "\"true\" or \"false\""),
    };
    if ok {
        Ok(())
    } else {
        Err(PolicyError::new(format!("{} is not {what}", quote(value))))
    }
}
