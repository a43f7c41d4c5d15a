//! The `Action` and `NotAction` elements: which API actions a statement
//! covers.
//!
//! Owns action pattern syntax: `*`, or `service:Action` where the service
//! prefix is letters, digits and hyphens without wildcards, and the action
//! name is letters and digits with `*` and `?` wildcards. Upper-case letters
//! are accepted in the prefix because IAM compares actions
//! case-insensitively (I9) and its own examples write `SQS:SendMessage`.
//! Matching belongs to the evaluator.

use crate::error::{PolicyError, quote};
use crate::json::{Json, string_list};

/// A statement's `Action` (or, with `negated`, `NotAction`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActionSpec {
    /// `NotAction`: the statement covers every action *except* these (I3).
    pub negated: bool,
    /// Never empty; in document order.
    pub patterns: Vec<ActionPattern>,
}

/// A validated action pattern, kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActionPattern(String);

impl ActionPattern {
    /// Checks `text` is `*` or `service:ActionPattern`.
    pub fn parse(text: &str) -> Result<ActionPattern, PolicyError> {
        if text == "*" {
            return Ok(ActionPattern(text.to_owned()));
        }
        let Some((service, name)) = text.split_once(':') else {
            return Err(PolicyError::new(format!(
                "{} is not \"*\" or \"service:action\"",
                quote(text)
            )));
        };
        if service.contains(['*', '?']) {
            return Err(PolicyError::new(format!(
                "{}: the service prefix must not contain a wildcard",
                quote(text)
            )));
        }
        let service_ok = !service.is_empty()
            && service
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let name_ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?');
        if service_ok && name_ok {
            Ok(ActionPattern(text.to_owned()))
        } else {
            Err(PolicyError::new(format!(
                "{} is not \"*\" or \"service:action\"",
                quote(text)
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Is this the pattern `*`, every action of every service?
    pub fn is_any(&self) -> bool {
        self.0 == "*"
    }
}

/// Parses the value of an `Action` (`negated == false`) or `NotAction`
/// element.
pub(crate) fn parse(value: &Json, negated: bool) -> Result<ActionSpec, PolicyError> {
    let element = if negated { "NotAction" } else { "Action" };
    let patterns = string_list(value, element)?
        .into_iter()
        .map(|text| ActionPattern::parse(text).map_err(|e| e.at(element)))
        .collect::<Result<_, _>>()?;
    Ok(ActionSpec { negated, patterns })
}
