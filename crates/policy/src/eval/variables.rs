//! Policy variables (`${aws:username}`) and the templates that hold them.
//!
//! Owns the step from a policy value as written to the tokens the matcher
//! compares, in two phases: `Template::compile` reads the text once (at
//! policy compile time) and `Template::resolve` fills in the request's
//! values. The rules (I14, I15, B5):
//!
//! * Variables exist only when the document says `"Version":"2012-10-17"`;
//!   otherwise `${...}` is literal text.
//! * `${key}` takes the value of the condition key `key` (case-insensitive
//!   name). `${key, 'default'}` (a comma, optional spaces, a single-quoted
//!   default, optional spaces) takes the default when the key is missing or
//!   multi-valued.
//! * `${*}`, `${?}` and `${$}` are a literal `*`, `?` and `$`.
//! * One pass: substituted text is never read again for variables, and is
//!   always literal — a `*`, `?`, `/`, `:` or `${` inside a user name or a
//!   tag value matches only itself, never acts as a wildcard or separator.
//!   Defaults are literal too.
//! * A variable that cannot be resolved (missing key without default, a
//!   multi-valued key without default) makes the whole value match
//!   nothing: "there is no equal or like value". A malformed `${` (no
//!   closing brace, empty or odd name, bad default) does the same, always.
//!
//! Knows nothing of operators or ARNs; whether `*` and `?` written in the
//! policy are wildcards is the caller's choice (`glob`).

use std::borrow::Cow;

use super::context::{ContextKeys, ContextValue, normalize_key};
use super::wildcard::Tok;

/// A compiled policy value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Template {
    /// No variables: the tokens are known at compile time.
    Fixed(Vec<Tok>),
    /// Holds at least one variable.
    Dynamic(Vec<Part>),
    /// Malformed `${...}`: matches nothing.
    Never,
}

/// A piece of a template with variables.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Part {
    Tok(Tok),
    Var {
        /// Lower-cased key name.
        key: String,
        default: Option<String>,
    },
}

impl Template {
    /// Reads `text`. With `variables`, `${...}` is a variable or escape;
    /// with `glob`, a `*` or `?` written in the policy is a wildcard.
    pub(crate) fn compile(text: &str, variables: bool, glob: bool) -> Template {
        let mut parts = Vec::new();
        let mut has_var = false;
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if variables && let Some(after) = rest.strip_prefix("${") {
                let Some((part, remaining)) = parse_variable(after) else {
                    return Template::Never;
                };
                has_var |= matches!(part, Part::Var { .. });
                parts.push(part);
                rest = remaining;
                continue;
            }
            let tok = match c {
                '*' if glob => Tok::Star,
                '?' if glob => Tok::One,
                c => Tok::Lit(c),
            };
            parts.push(Part::Tok(tok));
            rest = &rest[c.len_utf8()..];
        }
        if has_var {
            Template::Dynamic(parts)
        } else {
            let toks = parts
                .into_iter()
                .filter_map(|p| match p {
                    Part::Tok(t) => Some(t),
                    Part::Var { .. } => None,
                })
                .collect();
            Template::Fixed(toks)
        }
    }

    /// The tokens with this request's values substituted, or `None` when a
    /// variable cannot be resolved (or the template is malformed).
    pub(crate) fn resolve<'a>(&'a self, keys: &ContextKeys) -> Option<Cow<'a, [Tok]>> {
        match self {
            Template::Fixed(toks) => Some(Cow::Borrowed(toks)),
            Template::Never => None,
            Template::Dynamic(parts) => {
                let mut toks = Vec::with_capacity(parts.len());
                for part in parts {
                    match part {
                        Part::Tok(t) => toks.push(*t),
                        Part::Var { key, default } => {
                            let value = match keys.get_normalized(key) {
                                Some(ContextValue::Single(v)) => v.as_str(),
                                _ => default.as_deref()?,
                            };
                            toks.extend(value.chars().map(Tok::Lit));
                        }
                    }
                }
                Some(Cow::Owned(toks))
            }
        }
    }

    /// The lower-cased names of the keys this template reads.
    pub(crate) fn variable_keys(&self) -> impl Iterator<Item = &str> {
        let parts: &[Part] = match self {
            Template::Dynamic(parts) => parts,
            _ => &[],
        };
        parts.iter().filter_map(|p| match p {
            Part::Var { key, .. } => Some(key.as_str()),
            Part::Tok(_) => None,
        })
    }
}

/// The text of tokens from a template compiled without `glob` (all
/// literal); a wildcard token, which such templates never hold, is written
/// as its character.
pub(crate) fn literal_text(toks: &[Tok]) -> String {
    toks.iter()
        .map(|t| match t {
            Tok::Lit(c) => *c,
            Tok::Star => '*',
            Tok::One => '?',
        })
        .collect()
}

/// Parses what follows `${`: an escape or a variable up to its `}`.
/// Returns the part and the text after the `}`.
fn parse_variable(text: &str) -> Option<(Part, &str)> {
    for (escape, c) in [("*}", '*'), ("?}", '?'), ("$}", '$')] {
        if let Some(rest) = text.strip_prefix(escape) {
            return Some((Part::Tok(Tok::Lit(c)), rest));
        }
    }
    let end = text.find([',', '}'])?;
    let name = &text[..end];
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '$' | '{' | '\''))
    {
        return None;
    }
    let key = normalize_key(name);
    let rest = &text[end..];
    if let Some(rest) = rest.strip_prefix('}') {
        return Some((Part::Var { key, default: None }, rest));
    }
    // `, 'default'}`
    let rest = rest.strip_prefix(',')?.trim_start_matches(' ');
    let rest = rest.strip_prefix('\'')?;
    let close = rest.find('\'')?;
    let default = rest[..close].to_owned();
    let rest = rest[close + 1..]
        .trim_start_matches(' ')
        .strip_prefix('}')?;
    Some((
        Part::Var {
            key,
            default: Some(default),
        },
        rest,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::wildcard::matches;

    fn keys(pairs: &[(&str, &str)]) -> ContextKeys {
        let mut keys = ContextKeys::new();
        for (k, v) in pairs {
            keys.set(k, *v);
        }
        keys
    }

    fn resolved(text: &str, glob: bool, keys: &ContextKeys) -> Option<Vec<Tok>> {
        Template::compile(text, true, glob)
            .resolve(keys)
            .map(|t| t.into_owned())
    }

    #[test]
    fn substitutes_and_escapes() {
        let k = keys(&[("aws:username", "alice"), ("aws:PrincipalTag/team", "a*b")]);
        let toks = resolved("home/${aws:username}/*", true, &k).unwrap();
        assert!(matches(&toks, "home/alice/x/y"));
        assert!(!matches(&toks, "home/bob/x"));
        // Key names are case-insensitive.
        let toks = resolved("${AWS:UserName}", false, &k).unwrap();
        assert_eq!(literal_text(&toks), "alice");
        // A `*` in a value is literal.
        let toks = resolved("${aws:principaltag/TEAM}", true, &k).unwrap();
        assert!(matches(&toks, "a*b"));
        assert!(!matches(&toks, "axxb"));
        // Escapes.
        let toks = resolved("${*}${?}${$}", true, &k).unwrap();
        assert_eq!(toks, [Tok::Lit('*'), Tok::Lit('?'), Tok::Lit('$')]);
    }

    #[test]
    fn defaults_missing_and_malformed() {
        let mut k = keys(&[]);
        k.set_multi("aws:TagKeys", vec!["x".into()]);
        assert_eq!(resolved("${aws:username}", false, &k), None);
        assert_eq!(resolved("${aws:TagKeys}", false, &k), None);
        let toks = resolved("${aws:username, 'no one'}", false, &k).unwrap();
        assert_eq!(literal_text(&toks), "no one");
        let toks = resolved("${aws:TagKeys,'d*'}", true, &k).unwrap();
        assert_eq!(toks, [Tok::Lit('d'), Tok::Lit('*')]);
        for bad in [
            "${aws:username",
            "${}",
            "${ aws:username}",
            "${aws:username, default}",
            "${aws:username, 'x'",
            "${aws:username, 'x' y}",
            "${a${b}}",
        ] {
            assert_eq!(Template::compile(bad, true, true), Template::Never, "{bad}");
        }
    }

    #[test]
    fn single_pass_and_versions() {
        let k = keys(&[("aws:username", "${aws:userid}"), ("aws:userid", "AIDA")]);
        let toks = resolved("${aws:username}", false, &k).unwrap();
        assert_eq!(literal_text(&toks), "${aws:userid}");
        // Without variables (2008-10-17) the text is literal.
        let t = Template::compile("${aws:username}", false, false);
        assert_eq!(literal_text(&t.resolve(&k).unwrap()), "${aws:username}");
    }
}
