//! IAM wildcard matching: `*` is any sequence of characters, including the
//! empty one and including `/` and `:` (I6); `?` is exactly one character
//! (I7). Nothing else is special: no `[...]`, no `**`, no escapes — escapes
//! are resolved earlier, when a pattern is turned into tokens (`variables`).
//!
//! Owns the token type and the matcher, nothing else. The matcher works on
//! tokens, not on pattern text, so a `*` that came from a substituted value
//! is a `Lit('*')` and can never act as a wildcard (I15, B5). Case folding
//! is the caller's business (actions are lower-cased before they get here;
//! resources and `StringLike` are case-sensitive).
//!
//! The algorithm is the iterative two-pointer match with one backtrack
//! point (the last `*` seen): O(pattern × text) in the worst case, no
//! recursion and no regex, so a policy author cannot make evaluation
//! exponential (stack.md §5).

/// One element of a compiled pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Tok {
    /// This character, exactly.
    Lit(char),
    /// `*`: any sequence of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
}

/// Tokens for `text` read as a wildcard pattern: `*` and `?` are wildcards,
/// every other character is literal.
pub(crate) fn pattern_tokens(text: &str) -> Vec<Tok> {
    text.chars()
        .map(|c| match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            c => Tok::Lit(c),
        })
        .collect()
}

/// Does `pattern` match the whole of `text`?
pub(crate) fn matches(pattern: &[Tok], text: &str) -> bool {
    let mut p = 0;
    let mut t = 0;
    // (pattern index after the last `*`, text index that `*` is tried up to)
    let mut backtrack: Option<(usize, usize)> = None;
    loop {
        let next = text[t..].chars().next();
        let advanced = match (pattern.get(p), next) {
            (Some(Tok::Star), _) => {
                backtrack = Some((p + 1, t));
                p += 1;
                true
            }
            (Some(Tok::One), Some(c)) => {
                p += 1;
                t += c.len_utf8();
                true
            }
            (Some(Tok::Lit(want)), Some(c)) if *want == c => {
                p += 1;
                t += c.len_utf8();
                true
            }
            (None, None) => return true,
            _ => false,
        };
        if advanced {
            continue;
        }
        // Mismatch: let the last `*` swallow one more character, if any.
        let Some((after_star, star_t)) = backtrack else {
            return false;
        };
        let Some(c) = text[star_t..].chars().next() else {
            return false;
        };
        let star_t = star_t + c.len_utf8();
        backtrack = Some((after_star, star_t));
        p = after_star;
        t = star_t;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, text: &str) -> bool {
        matches(&pattern_tokens(pattern), text)
    }

    #[test]
    fn star_and_question_mark() {
        let cases = [
            ("*", "", true),
            ("*", "anything/at:all", true),
            ("a*", "a", true),
            ("a*b", "ab", true),
            ("a*b", "a/x:y/b", true),
            ("a*b", "a/x:y/bc", false),
            ("*b*", "abc", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a?c", "abbc", false),
            ("???", "a:/", true),
            ("?", "é", true),
            ("é?", "éa", true),
            ("a**b", "ab", true),
            (
                "*a*a*a*b",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                false,
            ),
            ("", "", true),
            ("", "a", false),
            ("abc", "abc", true),
            ("abc", "abd", false),
            ("ab", "abc", false),
            ("*c", "abcabc", true),
            ("a*c*e", "abcdcxe", true),
        ];
        for (pattern, text, want) in cases {
            assert_eq!(m(pattern, text), want, "{pattern:?} vs {text:?}");
        }
    }

    #[test]
    fn literal_tokens_never_act_as_wildcards() {
        let literal_star = [Tok::Lit('a'), Tok::Lit('*')];
        assert!(matches(&literal_star, "a*"));
        assert!(!matches(&literal_star, "ab"));
        let literal_q = [Tok::Lit('?')];
        assert!(matches(&literal_q, "?"));
        assert!(!matches(&literal_q, "x"));
    }
}
