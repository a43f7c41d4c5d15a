//! The client side: signing a request the way Tresor's verifier wants it,
//! for the CLI, the local agent and the benchmark.
//!
//! Owns which headers get signed — `host`, `content-type` and every
//! `x-amz-*` header, including the `x-amz-date` and `x-amz-security-token`
//! it adds — and writing `Authorization`. Canonicalisation and key
//! derivation are shared with the verifier, so the two cannot drift apart.

use std::fmt;

use http::header::{AUTHORIZATION, HOST};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, Uri};

use super::amz_date::AmzDate;
use super::canonical::{
    canonical_query, canonical_request, canonical_uri, header_list, payload_hash, string_to_sign,
};
use super::key::signing_key;
use super::{ALGORITHM, TERMINATOR};

/// Who signs, for which region and service, and when (epoch seconds).
#[derive(Clone, Copy)]
pub struct SigningParams<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
    pub region: &'a str,
    pub service: &'a str,
    pub time: i64,
}

impl fmt::Debug for SigningParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningParams")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &self.session_token.map(|_| "<redacted>"))
            .field("region", &self.region)
            .field("service", &self.service)
            .field("time", &self.time)
            .finish()
    }
}

/// Why a request could not be signed. Messages name headers, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("the signing time is outside the years 0000-9999")]
    Time,
    #[error("the request has neither a Host header nor an absolute URI")]
    NoHost,
    #[error(
        "the access key id, region and service must be non-empty visible ASCII without '/', ',' or '='"
    )]
    Scope,
    #[error("the session token is not a valid header value")]
    SessionToken,
    #[error("the value of header '{0}' has characters that cannot be signed")]
    Header(String),
}

/// Signs `request` in place: sets `Host` from the URI if absent, replaces
/// any `Authorization`, `X-Amz-Date` and `X-Amz-Security-Token`, and adds
/// them anew.
pub fn sign<B: AsRef<[u8]>>(
    request: &mut http::Request<B>,
    params: &SigningParams<'_>,
) -> Result<(), SignError> {
    let hash = payload_hash(request.body().as_ref());
    let method = request.method().clone();
    let uri = request.uri().clone();
    sign_headers(&method, &uri, request.headers_mut(), &hash, params)
}

/// [`sign`] for a request already split into parts and body bytes.
pub fn sign_parts(
    parts: &mut Parts,
    body: &[u8],
    params: &SigningParams<'_>,
) -> Result<(), SignError> {
    sign_headers(
        &parts.method,
        &parts.uri,
        &mut parts.headers,
        &payload_hash(body),
        params,
    )
}

fn scope_part_ok(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'/' | b',' | b'='))
}

fn sign_headers(
    method: &Method,
    uri: &Uri,
    headers: &mut HeaderMap,
    payload_hash: &str,
    params: &SigningParams<'_>,
) -> Result<(), SignError> {
    let date = AmzDate::from_epoch_seconds(params.time).ok_or(SignError::Time)?;
    if ![params.access_key_id, params.region, params.service]
        .iter()
        .all(|s| scope_part_ok(s))
    {
        return Err(SignError::Scope);
    }
    headers.remove(AUTHORIZATION);
    headers.remove("x-amz-date");
    headers.remove("x-amz-security-token");
    if !headers.contains_key(HOST) {
        let host = host_of(uri).ok_or(SignError::NoHost)?;
        headers.insert(
            HOST,
            HeaderValue::from_str(&host).map_err(|_| SignError::NoHost)?,
        );
    }
    headers.insert(
        "x-amz-date",
        HeaderValue::from_str(date.as_str()).map_err(|_| SignError::Time)?,
    );
    if let Some(token) = params.session_token {
        let mut value = HeaderValue::from_str(token).map_err(|_| SignError::SessionToken)?;
        value.set_sensitive(true);
        headers.insert("x-amz-security-token", value);
    }

    let signed: Vec<String> = {
        let mut names: Vec<String> = headers
            .keys()
            .map(|n| n.as_str())
            .filter(|n| *n == "host" || *n == "content-type" || n.starts_with("x-amz-"))
            .map(str::to_owned)
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    };
    let scope = format!(
        "{}/{}/{}/{TERMINATOR}",
        date.date(),
        params.region,
        params.service
    );
    let creq = canonical_request(
        method.as_str(),
        &canonical_uri(uri.path(), true),
        &canonical_query(uri.query().unwrap_or("")),
        &header_list(headers),
        &signed,
        payload_hash,
    )
    .map_err(|e| SignError::Header(e.name))?;
    let sts = string_to_sign(date.as_str(), &scope, &creq);
    let key = signing_key(
        params.secret_access_key.as_bytes(),
        date.date(),
        params.region,
        params.service,
    );
    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={}, Signature={}",
        params.access_key_id,
        signed.join(";"),
        key.sign(&sts)
    );
    let mut value = HeaderValue::from_str(&authorization).map_err(|_| SignError::Scope)?;
    value.set_sensitive(true);
    headers.insert(AUTHORIZATION, value);
    Ok(())
}

/// `host[:port]` from an absolute URI, leaving out the scheme's default
/// port as SDKs do.
fn host_of(uri: &Uri) -> Option<String> {
    let host = uri.host()?;
    let default_port = match uri.scheme_str() {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    };
    Some(match uri.port_u16() {
        Some(port) if Some(port) != default_port => format!("{host}:{port}"),
        _ => host.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(time: i64) -> SigningParams<'static> {
        SigningParams {
            access_key_id: "AKIDEXAMPLE",
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            session_token: None,
            region: "us-east-1",
            service: "service",
            time,
        }
    }

    #[test]
    fn reproduces_the_aws_post_vanilla_vector() {
        let mut request = http::Request::post("/")
            .header("host", "example.amazonaws.com")
            .body(Vec::new())
            .unwrap();
        sign(&mut request, &params(1_440_938_160)).unwrap();
        assert_eq!(request.headers()["x-amz-date"], "20150830T123600Z");
        assert_eq!(
            request.headers()[AUTHORIZATION],
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
        );
    }

    #[test]
    fn host_comes_from_the_uri_without_default_port() {
        for (uri, host) in [
            ("https://example.com/", "example.com"),
            ("https://example.com:443/", "example.com"),
            ("http://example.com:80/", "example.com"),
            ("https://127.0.0.1:8443/", "127.0.0.1:8443"),
            ("http://[::1]:9000/", "[::1]:9000"),
        ] {
            let mut request = http::Request::post(uri).body(b"{}").unwrap();
            sign(&mut request, &params(0)).unwrap();
            assert_eq!(request.headers()[HOST], host, "{uri}");
        }
        let mut relative = http::Request::post("/").body(b"{}").unwrap();
        assert_eq!(sign(&mut relative, &params(0)), Err(SignError::NoHost));
    }

    #[test]
    fn resigning_replaces_old_auth_headers() {
        let mut request = http::Request::post("https://example.com/")
            .header("x-amz-target", "secretsmanager.ListSecrets")
            .body(b"{}")
            .unwrap();
        let mut p = params(1_700_000_000);
        p.session_token = Some("token-1");
        sign(&mut request, &p).unwrap();
        p.session_token = None;
        p.time += 1;
        sign(&mut request, &p).unwrap();
        let h = request.headers();
        assert_eq!(h.get_all(AUTHORIZATION).iter().count(), 1);
        assert_eq!(h.get_all("x-amz-date").iter().count(), 1);
        assert!(h.get("x-amz-security-token").is_none());
        assert!(
            h[AUTHORIZATION]
                .to_str()
                .unwrap()
                .contains("SignedHeaders=host;x-amz-date;x-amz-target,")
        );
    }

    #[test]
    fn refuses_what_it_cannot_sign() {
        let request = || {
            http::Request::post("https://example.com/")
                .body(b"")
                .unwrap()
        };
        let mut p = params(0);
        p.region = "us/east";
        assert_eq!(sign(&mut request(), &p), Err(SignError::Scope));
        let mut p = params(0);
        p.access_key_id = "";
        assert_eq!(sign(&mut request(), &p), Err(SignError::Scope));
        let mut p = params(0);
        p.session_token = Some("a\nb");
        assert_eq!(sign(&mut request(), &p), Err(SignError::SessionToken));
        assert_eq!(
            sign(&mut request(), &params(253_402_300_800)),
            Err(SignError::Time)
        );
        let mut r = request();
        r.headers_mut().insert(
            "x-amz-meta",
            HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
        );
        assert_eq!(
            sign(&mut r, &params(0)),
            Err(SignError::Header("x-amz-meta".into()))
        );
    }

    #[test]
    fn debug_redacts_secrets() {
        let mut p = params(0);
        p.session_token = Some("the-token");
        let shown = format!("{p:?}");
        assert!(!shown.contains("EXAMPLEKEY") && !shown.contains("the-token"));
        assert!(shown.contains("AKIDEXAMPLE"));
    }
}
