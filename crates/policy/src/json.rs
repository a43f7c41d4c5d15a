//! Strict JSON for policy documents.
//!
//! Owns the step from text to a JSON tree, with two rules `serde_json::Value`
//! does not give: an object may not name the same member twice (IAM rejects
//! `{"Effect":"Allow","Effect":"Deny"}`; `Value` would silently keep the
//! last one, so what we store and what we evaluate could differ), and
//! objects keep their members in document order, so errors name the first
//! offending element as the author wrote it.
//!
//! Numbers keep a normalised decimal text, because the policy language treats
//! condition values as strings ("Quotation marks are optional for numeric and
//! Boolean values", IAM grammar). Also owns the "string or non-empty array
//! of strings" shape that many policy elements share. Knows nothing else of
//! the policy grammar.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::{PolicyError, quote};

/// A JSON value as the policy grammar sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    /// The number as decimal text: integers exactly, other numbers in the
    /// shortest form that reads back to the same `f64` (`1.50` → `"1.5"`).
    Number(String),
    String(String),
    Array(Vec<Json>),
    /// Members in document order; names are unique.
    Object(Vec<(String, Json)>),
}

impl Json {
    /// "a string", "an array", ... for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Number(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

/// Parses `text` as one JSON value, rejecting duplicate object member names
/// and anything after the value but white space.
pub(crate) fn parse_strict(text: &str) -> Result<Json, PolicyError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = StrictSeed
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| PolicyError::new(format!("Policy is not valid JSON: {e}")))?;
    Ok(value)
}

/// Reads an element that IAM lets be one string or a non-empty array of
/// strings (`"Action": "s3:Get*"` or `"Action": ["s3:Get*"]`).
pub(crate) fn string_list<'a>(value: &'a Json, element: &str) -> Result<Vec<&'a str>, PolicyError> {
    match value {
        Json::String(s) => Ok(vec![s.as_str()]),
        Json::Array(items) if items.is_empty() => Err(PolicyError::new(format!(
            "{element} must not be an empty array"
        ))),
        Json::Array(items) => items
            .iter()
            .map(|item| match item {
                Json::String(s) => Ok(s.as_str()),
                other => Err(PolicyError::new(format!(
                    "{element} must contain only strings, found {}",
                    other.kind()
                ))),
            })
            .collect(),
        other => Err(PolicyError::new(format!(
            "{element} must be a string or an array of strings, not {}",
            other.kind()
        ))),
    }
}

struct StrictSeed;

impl<'de> DeserializeSeed<'de> for StrictSeed {
    type Value = Json;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.to_string()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.to_string()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        // `Display` for f64 is the shortest round-trip form, never exponent
        // notation, so the text stays inside the Numeric grammar.
        Ok(Json::Number(v.to_string()))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(StrictSeed)? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::new();
        let mut seen = HashSet::new();
        while let Some(name) = map.next_key::<String>()? {
            if !seen.insert(name.clone()) {
                return Err(de::Error::custom(format!("duplicate key {}", quote(&name))));
            }
            let value = map.next_value_seed(StrictSeed)?;
            members.push((name, value));
        }
        Ok(Json::Object(members))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_member_order() {
        let v = parse_strict(r#"{"b":1,"a":2}"#).unwrap();
        let Json::Object(members) = v else {
            panic!("not an object")
        };
        let names: Vec<_> = members.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
    }

    #[test]
    fn rejects_duplicate_keys_at_any_depth() {
        for text in [
            r#"{"a":1,"a":2}"#,
            r#"{"x":[{"a":1,"b":2,"a":3}]}"#,
            r#"{"x":{"y":{"k":"v","k":"v"}}}"#,
            // Escapes are decoded before comparing.
            r#"{"Effect":"Allow","Eff\u0065ct":"Deny"}"#,
        ] {
            let err = parse_strict(text).unwrap_err();
            assert!(err.message.contains("duplicate key"), "{text}: {err}");
        }
    }

    #[test]
    fn numbers_become_decimal_text() {
        let cases = [
            ("10", "10"),
            ("-3", "-3"),
            ("18446744073709551615", "18446744073709551615"),
            ("1.50", "1.5"),
            ("1e3", "1000"),
            ("2.5E-3", "0.0025"),
        ];
        for (text, want) in cases {
            assert_eq!(
                parse_strict(text).unwrap(),
                Json::Number(want.into()),
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_trailing_content_and_bad_json() {
        for text in ["{} {}", "{", "", "{'a':1}", r#"{"a":"\ud800"}"#] {
            assert!(parse_strict(text).is_err(), "{text}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(parse_strict(&text).is_err());
    }

    #[test]
    fn string_list_shapes() {
        let one = Json::String("a".into());
        assert_eq!(string_list(&one, "Action").unwrap(), ["a"]);
        let many = Json::Array(vec![Json::String("a".into()), Json::String("b".into())]);
        assert_eq!(string_list(&many, "Action").unwrap(), ["a", "b"]);
        let empty = Json::Array(vec![]);
        assert!(string_list(&empty, "Action").is_err());
        let mixed = Json::Array(vec![Json::String("a".into()), Json::Number("1".into())]);
        assert!(string_list(&mixed, "Action").is_err());
        assert!(string_list(&Json::Null, "Action").is_err());
    }
}
