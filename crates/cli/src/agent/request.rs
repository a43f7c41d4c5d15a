//! What an agent request asks for: the two URL forms of the AWS Secrets
//! Manager Agent (`/secretsmanager/get?secretId=…` and `<prefix><id>`),
//! parsed with its rules and its error messages.

use std::borrow::Cow;

use super::cache::Key;

/// A refusal: the HTTP status and the plain-text body the AWS agent sends.
#[derive(Debug, PartialEq, Eq)]
pub struct Refusal(pub u16, pub String);

/// A GetSecretValue request to the cache.
#[derive(Debug, PartialEq, Eq)]
pub struct Query {
    pub key: Key,
    pub refresh_now: bool,
}

/// `/secretsmanager/get?secretId=…&versionId=…&versionStage=…&refreshNow=…`.
pub fn from_query(query: Option<&str>) -> Result<Query, Refusal> {
    let (secret_id, query) = parameters(query, true)?;
    match secret_id {
        Some(secret_id) if !secret_id.is_empty() => Ok(query.for_secret(secret_id)),
        _ => Err(Refusal(400, "missing parameter secretId".into())),
    }
}

/// `<prefix><secret id>?versionId=…&versionStage=…&refreshNow=…`. The id
/// is percent-decoded (so `prod%2Fdb` and `prod/db` are the same secret).
pub fn from_path(path: &str, prefix: &str, query: Option<&str>) -> Result<Query, Refusal> {
    let raw = path.get(prefix.len()..).unwrap_or("");
    let secret_id = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| Refusal(400, "the secret ID is not UTF-8".into()))?
        .into_owned();
    if secret_id.is_empty() {
        return Err(Refusal(400, "missing secret ID".into()));
    }
    let (_, query) = parameters(query, false)?;
    Ok(query.for_secret(secret_id))
}

/// The query string's parameters, in the AWS agent's order of checks:
/// `secretId` (when `takes_secret_id`) and the rest of the query.
fn parameters(
    query: Option<&str>,
    takes_secret_id: bool,
) -> Result<(Option<String>, Query), Refusal> {
    let mut secret_id = None;
    let mut parsed = Query {
        key: Key {
            secret_id: String::new(),
            version_id: None,
            version_stage: None,
        },
        refresh_now: false,
    };
    for (name, value) in pairs(query.unwrap_or("")) {
        match name.as_ref() {
            "secretId" if takes_secret_id => secret_id = Some(value.into_owned()),
            "versionId" => parsed.key.version_id = Some(value.into_owned()),
            "versionStage" => parsed.key.version_stage = Some(value.into_owned()),
            "refreshNow" => parsed.refresh_now = refresh_value(&value)?,
            other => return Err(Refusal(400, format!("unknown parameter: {other}"))),
        }
    }
    Ok((secret_id, parsed))
}

impl Query {
    fn for_secret(mut self, secret_id: String) -> Query {
        self.key.secret_id = secret_id;
        self
    }
}

fn refresh_value(text: &str) -> Result<bool, Refusal> {
    match text.to_lowercase().as_str() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(Refusal(400, "invalid refreshNow value".into())),
    }
}

/// `application/x-www-form-urlencoded` pairs, in order; empty segments
/// (`a=1&&b=2`, a leading `&`) are skipped, a name without `=` has an
/// empty value.
fn pairs(query: &str) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    query.split('&').filter(|s| !s.is_empty()).map(|segment| {
        let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
        (form_decode(name), form_decode(value))
    })
}

fn form_decode(text: &str) -> Cow<'_, str> {
    if !text.contains(['+', '%']) {
        return Cow::Borrowed(text);
    }
    let spaced = text.replace('+', " ");
    Cow::Owned(
        percent_encoding::percent_decode_str(&spaced)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_form_reads_every_parameter() {
        let q = from_query(Some(
            "secretId=prod%2Fdb&versionId=v1&versionStage=AWSPENDING&refreshNow=TRUE",
        ))
        .unwrap();
        assert_eq!(q.key.secret_id, "prod/db");
        assert_eq!(q.key.version_id.as_deref(), Some("v1"));
        assert_eq!(q.key.version_stage.as_deref(), Some("AWSPENDING"));
        assert!(q.refresh_now);
        assert!(
            !from_query(Some("secretId=a&refreshNow=0"))
                .unwrap()
                .refresh_now
        );
        assert_eq!(
            from_query(Some("secretId=a+b")).unwrap().key.secret_id,
            "a b"
        );
    }

    #[test]
    fn the_query_form_refuses_as_the_aws_agent_does() {
        let refusal = |q: &str| from_query(Some(q)).unwrap_err();
        assert_eq!(
            refusal("secretId=a&abc=1"),
            Refusal(400, "unknown parameter: abc".into())
        );
        assert_eq!(
            refusal("&versionId=v"),
            Refusal(400, "missing parameter secretId".into())
        );
        assert_eq!(
            refusal("secretId=a&refreshNow=123"),
            Refusal(400, "invalid refreshNow value".into())
        );
        assert_eq!(
            from_query(None).unwrap_err(),
            Refusal(400, "missing parameter secretId".into())
        );
    }

    #[test]
    fn the_path_form_takes_the_id_after_the_prefix() {
        let q = from_path("/v1/prod/db", "/v1/", Some("versionStage=AWSPREVIOUS")).unwrap();
        assert_eq!(q.key.secret_id, "prod/db");
        assert_eq!(q.key.version_stage.as_deref(), Some("AWSPREVIOUS"));
        let arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-AbCdEf";
        assert_eq!(
            from_path(&format!("/v1/{arn}"), "/v1/", None)
                .unwrap()
                .key
                .secret_id,
            arn
        );
        assert_eq!(
            from_path("/v1/", "/v1/", Some("versionId=v")).unwrap_err(),
            Refusal(400, "missing secret ID".into())
        );
        assert_eq!(
            from_path("/v1/a", "/v1/", Some("secretId=b")).unwrap_err(),
            Refusal(400, "unknown parameter: secretId".into())
        );
    }
}
