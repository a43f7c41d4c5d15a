//! Strict parsing of an `application/x-www-form-urlencoded` body.
//!
//! Owns the form syntax rules every awsQuery body must meet before any field
//! is read: `+` is a space, `%XX` a byte, nothing else after `%`; names and
//! values are UTF-8; and no name appears twice, so the authoriser, the
//! router and the handler can never read different values from one signed
//! body (security.md S21, as `json::parse_strict` for awsJson).

use std::collections::BTreeMap;

use zeroize::Zeroize;

use crate::error::{AwsError, ErrorCode};
use crate::sigv4::errors::echo;

/// The fields of a form, each name once. Values may be secrets (a web
/// identity token, a policy document): whatever is still held is wiped when
/// the form is dropped.
pub(crate) struct Form(BTreeMap<String, String>);

impl Form {
    /// Takes a field out, leaving the rest.
    pub(crate) fn take(&mut self, name: &str) -> Option<String> {
        self.0.remove(name)
    }

    /// Names starting with `prefix`, in byte order.
    pub(crate) fn names_under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a str> {
        self.0
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .map(|(name, _)| name.as_str())
            .take_while(move |name| name.starts_with(prefix))
    }
}

impl Drop for Form {
    fn drop(&mut self) {
        for value in self.0.values_mut() {
            value.zeroize();
        }
    }
}

fn malformed(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::InvalidQueryParameter, message)
}

/// Parses a form body. Empty segments (`a=1&&b=2`, a trailing `&`) are
/// skipped; a segment without `=` is a name with an empty value.
pub(crate) fn parse_form(body: &[u8]) -> Result<Form, AwsError> {
    let mut form = Form(BTreeMap::new());
    for segment in body.split(|&b| b == b'&').filter(|s| !s.is_empty()) {
        let (name, value) = match segment.iter().position(|&b| b == b'=') {
            Some(i) => (&segment[..i], &segment[i + 1..]),
            None => (segment, &b""[..]),
        };
        let name = decode_component(name)?;
        let value = decode_component(value)?;
        if form.0.contains_key(&name) {
            return Err(malformed(match echo(&name) {
                Some(name) => format!("The parameter '{name}' appears more than once."),
                None => "A parameter appears more than once.".to_string(),
            }));
        }
        form.0.insert(name, value);
    }
    Ok(form)
}

/// Form-decodes one name or value. Nothing of it is echoed in errors.
fn decode_component(raw: &[u8]) -> Result<String, AwsError> {
    let mut bytes = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hex = |b: u8| (b as char).to_digit(16);
                let (Some(hi), Some(lo)) = (
                    raw.get(i + 1).copied().and_then(hex),
                    raw.get(i + 2).copied().and_then(hex),
                ) else {
                    bytes.zeroize();
                    return Err(malformed(
                        "The request body is not valid form encoding: '%' must be followed by two hexadecimal digits.",
                    ));
                };
                bytes.push((hi * 16 + lo) as u8);
                i += 2;
            }
            b => bytes.push(b),
        }
        i += 1;
    }
    String::from_utf8(bytes).map_err(|e| {
        e.into_bytes().zeroize();
        malformed("The request body is not valid form encoding: a name or value is not UTF-8.")
    })
}

/// The `Action` of a form body: the operation an awsQuery request asks for.
/// Readable before authentication (STS's AssumeRoleWithWebIdentity is
/// unsigned). `None` when the body is not a valid form (see `decode_query`
/// for the error), names `Action` twice, or has no or an empty `Action`.
pub fn query_action(body: &[u8]) -> Option<String> {
    parse_form(body)
        .ok()?
        .take("Action")
        .filter(|action| !action.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(body: &[u8]) -> Vec<(String, String)> {
        let form = parse_form(body).unwrap();
        form.0.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    #[test]
    fn decodes_as_form_encoding() {
        assert_eq!(
            fields(b"Action=CreateUser&UserName=a+b%2Bc%20d&Path=%2F&Doc=%E2%82%AC%7b%7D"),
            [
                ("Action".into(), "CreateUser".into()),
                ("Doc".into(), "€{}".into()),
                ("Path".into(), "/".into()),
                ("UserName".into(), "a b+c d".into()),
            ]
        );
        assert_eq!(
            fields(b"a=1&&b&c=&"),
            [
                ("a".into(), "1".into()),
                ("b".into(), "".into()),
                ("c".into(), "".into())
            ]
        );
        assert!(fields(b"").is_empty());
        // Only the first '=' separates.
        assert_eq!(fields(b"k=a=b"), [("k".into(), "a=b".into())]);
    }

    #[test]
    fn refuses_malformed_encoding_without_echoing_it() {
        for body in [
            &b"UserName=50%"[..],
            b"UserName=%4",
            b"UserName=%G1secret",
            b"UserName=%FF",
            b"User%C3Name=x",
        ] {
            let e = parse_form(body).err().unwrap();
            assert_eq!(e.code, ErrorCode::InvalidQueryParameter);
            assert!(
                !e.message.contains("secret")
                    && !e.message.contains("%4")
                    && !e.message.contains("%F"),
                "{}",
                e.message
            );
        }
    }

    #[test]
    fn refuses_a_name_sent_twice() {
        let e = parse_form(b"Action=GetUser&UserName=a&UserName=b")
            .err()
            .unwrap();
        assert_eq!(e.code, ErrorCode::InvalidQueryParameter);
        assert_eq!(
            e.message,
            "The parameter 'UserName' appears more than once."
        );
        // The same name, encoded differently, is still the same name.
        assert!(parse_form(b"UserName=a&User%4Eame=b").is_err());
        let e = parse_form(b"a%20b=1&a+b=2").err().unwrap();
        assert_eq!(e.message, "A parameter appears more than once.");
    }

    #[test]
    fn the_action_is_read_before_anything_else() {
        assert_eq!(
            query_action(b"Action=AssumeRoleWithWebIdentity&Version=2011-06-15").as_deref(),
            Some("AssumeRoleWithWebIdentity")
        );
        assert_eq!(query_action(b"Version=2011-06-15"), None);
        assert_eq!(query_action(b"Action="), None);
        assert_eq!(query_action(b"Action=GetUser&Action=DeleteUser"), None);
        assert_eq!(query_action(b"Action=GetUser&x=%ZZ"), None);
        assert_eq!(query_action(br#"{"Action":"GetUser"}"#), None);
    }

    #[test]
    fn names_under_a_prefix() {
        let form = parse_form(b"Tags.member.2.Key=b&Tags.member.1.Key=a&TagsX=1&Tag=2").unwrap();
        let names: Vec<&str> = form.names_under("Tags.member.").collect();
        assert_eq!(names, ["Tags.member.1.Key", "Tags.member.2.Key"]);
    }
}
