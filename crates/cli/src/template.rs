//! The `tresor render` template language: text with
//! `{{ secret "<ref>" }}` and `{{ secret "<ref>" "<json key>" }}` actions
//! (`<ref>` as in `secret_ref`: a name or ARN, optionally with
//! `::<version-stage>`). Strings are JSON string literals, so quotes and
//! backslashes are escaped as in JSON. `{{` can be written `{{"{{"}}`.
//! Anything else between `{{` and `}}` is an error naming its line.

/// A parsed template: literal text and the secrets to fill in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Text(String),
    Literal(String),
    Secret {
        reference: String,
        key: Option<String>,
    },
}

pub fn parse(template: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut rest = template;
    let mut line = 1;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            parts.push(Part::Text(rest[..start].to_string()));
        }
        line += rest[..start].matches('\n').count();
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("line {line}: `{{{{` without `}}}}`"))?;
        parts.push(action(after[..end].trim(), line)?);
        line += after[..end].matches('\n').count();
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest.to_string()));
    }
    Ok(parts)
}

fn action(body: &str, line: usize) -> Result<Part, String> {
    if body.starts_with('"') {
        let (text, rest) = string(body, line)?;
        if !rest.trim().is_empty() {
            return Err(format!("line {line}: unexpected {rest:?} after a string"));
        }
        return Ok(Part::Literal(text));
    }
    let Some(args) = body.strip_prefix("secret") else {
        return Err(format!(
            "line {line}: unknown action {body:?}; use {{{{ secret \"<name>\" \"<key>\" }}}}"
        ));
    };
    let (reference, rest) = string(args.trim_start(), line)?;
    let rest = rest.trim_start();
    let (key, rest) = if rest.is_empty() {
        (None, rest)
    } else {
        let (key, rest) = string(rest, line)?;
        (Some(key), rest)
    };
    if !rest.trim().is_empty() {
        return Err(format!(
            "line {line}: secret takes a secret reference and at most one key"
        ));
    }
    Ok(Part::Secret { reference, key })
}

/// A JSON string literal at the start of `text`, and what follows it.
fn string(text: &str, line: usize) -> Result<(String, &str), String> {
    if !text.starts_with('"') {
        return Err(format!(
            "line {line}: expected a \"quoted\" string at {text:?}"
        ));
    }
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '"') => {
                let value: String = serde_json::from_str(&text[..=i])
                    .map_err(|e| format!("line {line}: bad string {}: {e}", &text[..=i]))?;
                return Ok((value, &text[i + 1..]));
            }
            _ => {}
        }
    }
    Err(format!("line {line}: unterminated string {text:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_actions() {
        let parts =
            parse("user={{ secret \"prod/db\" \"user\" }}\npw={{secret \"prod/db:x\"}}!").unwrap();
        assert_eq!(
            parts,
            vec![
                Part::Text("user=".into()),
                Part::Secret {
                    reference: "prod/db".into(),
                    key: Some("user".into())
                },
                Part::Text("\npw=".into()),
                Part::Secret {
                    reference: "prod/db:x".into(),
                    key: None
                },
                Part::Text("!".into()),
            ]
        );
        assert_eq!(
            parse(r#"{{"{{"}}"#).unwrap(),
            vec![Part::Literal("{{".into())]
        );
        assert_eq!(
            parse(r#"{{ secret "a \"q\"" }}"#).unwrap(),
            vec![Part::Secret {
                reference: "a \"q\"".into(),
                key: None
            }]
        );
    }

    #[test]
    fn mistakes_name_their_line() {
        assert!(parse("a\n{{ nope }}").unwrap_err().starts_with("line 2:"));
        assert!(
            parse("a\nb\n{{ secret prod }}")
                .unwrap_err()
                .starts_with("line 3:")
        );
        assert!(parse("{{ secret \"a\" \"b\" \"c\" }}").is_err());
        assert!(parse("{{ secret \"a }}").is_err());
        assert!(parse("x {{ secret \"a\"").is_err());
    }
}
