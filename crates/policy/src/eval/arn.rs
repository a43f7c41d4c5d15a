//! ARN patterns, for the `Resource`/`NotResource` elements and the `Arn*`
//! condition operators (I8, I9).
//!
//! The rule, from IAM's Resource reference ("You can use wildcard
//! characters (`*` and `?`) within the individual segments of an ARN (the
//! parts separated by colons)") and ArnLike ("Each of the six
//! colon-delimited components of the ARN is checked separately"):
//!
//! * The pattern `*` alone matches every resource, ARN or not (`*` too).
//! * Otherwise pattern and ARN are both cut into six segments:
//!   `arn:partition:service:region:account:resource`; the sixth is the rest
//!   of the text, colons included (`secret:db-AbCdEf`). Each pattern
//!   segment must match its own segment of the ARN, case-sensitively.
//! * So a wildcard in one of the first five segments stays inside that
//!   segment: `arn:aws:secretsmanager:*:secret:x` (region `*`, account
//!   `secret`) does **not** match `...:us-east-1:111122223333:secret:x`.
//!   IAM says "If the `*` wildcard is the last character of a resource ARN
//!   segment, it can expand to match beyond the colon boundaries": with six
//!   segments on both sides the only segment whose text holds colons is the
//!   resource, where `*` and `?` do span them (`secret*` and `*` match
//!   `secret:db-AbCdEf`). We read the sentence that way, and not as a
//!   licence for a region wildcard to eat the account — that reading would
//!   make a pattern's meaning depend on how many colons follow it, and
//!   matches neither IAM's "checked separately" nor public simulators.
//! * Something that is not an ARN (fewer than five colons) matches only the
//!   pattern `*`.
//! * Policy variables may appear in any segment (2012-10-17); the pattern is
//!   cut into segments before substitution, so a `:` or `/` inside a
//!   substituted value is literal and can never move text across a
//!   segment (B5, CVE-2026-5006).

use super::context::ContextKeys;
use super::variables::Template;
use super::wildcard::matches;
use crate::resource::split_arn;

/// A compiled ARN pattern.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ArnPattern {
    /// `*`: everything.
    Any,
    /// Six segment templates, compiled with wildcards on.
    Segments(Box<[Template; 6]>),
    /// Not an ARN pattern: matches nothing.
    Never,
}

impl ArnPattern {
    pub(crate) fn compile(text: &str, variables: bool) -> ArnPattern {
        if text == "*" {
            return ArnPattern::Any;
        }
        // With variables, colons inside `${...}` do not cut; without, `${`
        // means nothing and every colon cuts.
        let segments = if variables {
            split_arn(text)
        } else {
            split_plain(text)
        };
        match segments {
            Some(segments) => ArnPattern::Segments(Box::new(
                segments.map(|s| Template::compile(s, variables, true)),
            )),
            None => ArnPattern::Never,
        }
    }

    /// Does this pattern match `arn` under this request's variables?
    pub(crate) fn matches(&self, arn: &str, keys: &ContextKeys) -> bool {
        match self {
            ArnPattern::Any => true,
            ArnPattern::Never => false,
            ArnPattern::Segments(templates) => {
                let Some(segments) = split_plain(arn) else {
                    return false;
                };
                templates.iter().zip(segments).all(|(template, segment)| {
                    template
                        .resolve(keys)
                        .is_some_and(|toks| matches(&toks, segment))
                })
            }
        }
    }

    /// The segment templates, for listing the keys a pattern reads.
    pub(crate) fn templates(&self) -> &[Template] {
        match self {
            ArnPattern::Segments(t) => &t[..],
            _ => &[],
        }
    }
}

/// Cuts an ARN from a request into its six segments at the first five
/// colons; `None` if there are fewer. Request text is data, so `${` has no
/// meaning here.
pub(crate) fn split_plain(text: &str) -> Option<[&str; 6]> {
    let mut parts = [""; 6];
    let mut rest = text;
    for part in parts.iter_mut().take(5) {
        let (head, tail) = rest.split_once(':')?;
        *part = head;
        rest = tail;
    }
    parts[5] = rest;
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, arn: &str) -> bool {
        ArnPattern::compile(pattern, true).matches(arn, &ContextKeys::new())
    }

    const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf";

    #[test]
    fn segment_rules() {
        let cases = [
            ("*", SECRET, true),
            ("*", "*", true),
            ("*", "not-an-arn", true),
            (SECRET, SECRET, true),
            (
                "arn:aws:secretsmanager:us-east-1:111122223333:*",
                SECRET,
                true,
            ),
            (
                "arn:aws:secretsmanager:us-east-1:111122223333:secret*",
                SECRET,
                true,
            ),
            (
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-*",
                SECRET,
                true,
            ),
            (
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-??????",
                SECRET,
                true,
            ),
            (
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:db",
                SECRET,
                false,
            ),
            ("arn:aws:secretsmanager:*:*:secret:*", SECRET, true),
            ("arn:aws:secretsmanager:us-*:111122223333:*", SECRET, true),
            (
                "arn:aws:secretsmanager:us-????-1:111122223333:*",
                SECRET,
                true,
            ),
            ("arn:aws:secretsmanager:*:secret:db-AbCdEf", SECRET, false),
            (
                "arn:aws:secretsmanager:us-east-1*:secret:db-AbCdEf",
                SECRET,
                false,
            ),
            ("arn:*:secretsmanager:*:*:*", SECRET, true),
            ("arn:aws:kms:*:*:*", SECRET, false),
            (
                "arn:aws:secretsmanager:us-east-1:111122223333:SECRET:*",
                SECRET,
                false,
            ),
            (
                "arn:aws:secretsmanager:us-east-1:111122223333:*",
                "*",
                false,
            ),
            (
                "arn:aws:secretsmanager:*:*:*",
                "arn:aws:secretsmanager:x:y",
                false,
            ),
        ];
        for (pattern, arn, want) in cases {
            assert_eq!(m(pattern, arn), want, "{pattern} vs {arn}");
        }
    }

    #[test]
    fn substituted_separators_stay_literal() {
        let mut keys = ContextKeys::new();
        keys.set("aws:username", "x:111122223333");
        let p = ArnPattern::compile("arn:aws:secretsmanager:us-east-1:${aws:username}:*", true);
        assert!(!p.matches(SECRET, &keys));
        assert!(!p.matches(
            "arn:aws:secretsmanager:us-east-1:x:111122223333:secret:a",
            &keys
        ));
    }

    #[test]
    fn split_plain_needs_five_colons() {
        assert_eq!(
            split_plain("a:b:c:d:e:f:g"),
            Some(["a", "b", "c", "d", "e", "f:g"])
        );
        assert_eq!(split_plain("a:b:c:d:e"), None);
        assert_eq!(
            split_plain("a:b:c:d:e:"),
            Some(["a", "b", "c", "d", "e", ""])
        );
    }
}
