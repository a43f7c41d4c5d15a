//! The one error type of this crate: a policy document that is not valid.
//!
//! Owns the wording rules for messages: short, naming what is wrong and where
//! ("Statement 2: Effect must be \"Allow\" or \"Deny\""), and echoing at most
//! the offending element, quoted and cut to a bounded length. Secrets Manager
//! reports every `PolicyError` as `MalformedPolicyDocumentException`; the
//! mapping lives in the server, not here.

use std::fmt::Write as _;

/// Why a policy document was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PolicyError {
    /// A short human message naming what is wrong and where.
    pub message: String,
}

impl PolicyError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        PolicyError {
            message: message.into(),
        }
    }

    /// Prefixes the message with where it happened, e.g. `"Statement 2"`.
    pub(crate) fn at(self, place: &str) -> Self {
        PolicyError {
            message: format!("{place}: {}", self.message),
        }
    }
}

/// The longest part of a document echoed back in a message, in characters.
const ECHO_LIMIT: usize = 64;

/// Quotes `text` for a message: escaped like a Rust string literal (so control
/// characters and quotes cannot forge log lines) and cut to `ECHO_LIMIT`
/// characters, so a message never carries more than a bounded piece of the
/// offending element.
pub(crate) fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for (i, c) in text.chars().enumerate() {
        if i == ECHO_LIMIT {
            out.push_str("...");
            break;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_escapes_and_truncates() {
        assert_eq!(quote("a\"b"), "\"a\\\"b\"");
        assert_eq!(quote("a\nb"), "\"a\\u{a}b\"");
        let long = "x".repeat(1000);
        let q = quote(&long);
        assert_eq!(q.len(), ECHO_LIMIT + 5);
        assert!(q.ends_with("...\""));
    }

    #[test]
    fn at_prefixes_the_place() {
        let e = PolicyError::new("Effect is required").at("Statement 2");
        assert_eq!(e.to_string(), "Statement 2: Effect is required");
    }
}
