//! The canonical request and the string to sign (SigV4 steps 1–2).
//!
//! Owns canonicalisation only: URI path (non-S3 rules: normalised, each
//! segment percent-encoded again, S12), query (S13), header values (S10,
//! S11) and the payload hash. It takes raw strings and bytes rather than
//! `http` types so that the AWS test-suite vectors, whose paths and header
//! values `http` would refuse, can be checked against the same code the
//! verifier and signer use. It decides nothing about what must be signed.

use std::fmt::Write as _;

use aws_lc_rs::digest;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::ALGORITHM;

/// RFC 3986 unreserved characters stay; everything else is `%XX`.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A signed header whose value has a character we refuse to canonicalise
/// (a control character outside an obs-fold, DEL, or a non-ASCII byte).
/// Signers disagree on such values, so we reject instead of guessing (S11).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the value of header '{name}' has characters that cannot be signed")]
pub struct UnsignableHeader {
    /// Lowercase header name (never the value).
    pub name: String,
}

/// Hex SHA-256 of the exact body bytes.
pub fn payload_hash(body: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, body))
}

/// Canonical URI for every service but S3: optionally normalised (dot
/// segments removed, empty segments dropped, as AWS SDKs do), then each
/// segment percent-encoded. `path` is the path as it appears in the request
/// line, so an already-encoded `%3A` becomes `%253A` — the "double encoding"
/// of non-S3 SigV4. For Tresor's only path, `/`, the result is `/`.
pub fn canonical_uri(path: &str, normalize: bool) -> String {
    let path = if path.is_empty() { "/" } else { path };
    let normalized;
    let path = if normalize {
        normalized = normalize_path(path);
        normalized.as_str()
    } else {
        path
    };
    path.split('/')
        .map(|segment| utf8_percent_encode(segment, ENCODE).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

fn normalize_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let trailing = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    let mut out = String::with_capacity(path.len());
    for s in &segments {
        out.push('/');
        out.push_str(s);
    }
    if out.is_empty() || trailing {
        out.push('/');
    }
    out
}

/// Canonical query string: each name and value percent-decoded then
/// encoded with the unreserved set (space is `%20`, never `+`), empty values
/// kept, pairs sorted by encoded name then value. Tresor accepts no query
/// at all; this exists for the signer and the test-suite vectors.
pub fn canonical_query(query: &str) -> String {
    let encode = |s: &str| {
        let decoded: Vec<u8> = percent_decode_str(s).collect();
        percent_encoding::percent_encode(&decoded, ENCODE).to_string()
    };
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (encode(k), encode(v))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The headers of an `http` request as canonicalisation takes them: every
/// value, names lowercase, values of one name in arrival order.
pub fn header_list(headers: &http::HeaderMap) -> Vec<(&str, &[u8])> {
    headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_bytes()))
        .collect()
}

/// The canonical request. `headers` are as received (names in any case,
/// repeated names allowed); `signed_headers` is the lowercase sorted list.
/// Repeated headers are joined with `,` in arrival order; a signed header
/// that is absent contributes `name:` (AWS accepts this, S9).
pub fn canonical_request<S: AsRef<str>>(
    method: &str,
    canonical_uri: &str,
    canonical_query: &str,
    headers: &[(&str, &[u8])],
    signed_headers: &[S],
    payload_hash: &str,
) -> Result<String, UnsignableHeader> {
    let mut out = String::with_capacity(256);
    out.push_str(method);
    out.push('\n');
    out.push_str(canonical_uri);
    out.push('\n');
    out.push_str(canonical_query);
    out.push('\n');
    for name in signed_headers {
        let name = name.as_ref();
        out.push_str(name);
        out.push(':');
        let mut first = true;
        for (_, value) in headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)) {
            if !first {
                out.push(',');
            }
            first = false;
            canonical_value(value, &mut out).map_err(|()| UnsignableHeader {
                name: name.to_owned(),
            })?;
        }
        out.push('\n');
    }
    out.push('\n');
    let mut list = String::new();
    for (i, name) in signed_headers.iter().enumerate() {
        if i > 0 {
            list.push(';');
        }
        list.push_str(name.as_ref());
    }
    out.push_str(&list);
    out.push('\n');
    out.push_str(payload_hash);
    Ok(out)
}

/// Appends a header value trimmed, with runs of spaces collapsed to one.
/// An obs-fold (CRLF or LF followed by spaces/tabs) counts as one space.
/// Any other control character, DEL or non-ASCII byte is an error.
pub(crate) fn canonical_value(raw: &[u8], out: &mut String) -> Result<(), ()> {
    let mut started = false;
    let mut space = false;
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b' ' => space = true,
            b'\r' | b'\n' => {
                let mut j = i;
                if raw[j] == b'\r' {
                    j += 1;
                    if raw.get(j) != Some(&b'\n') {
                        return Err(());
                    }
                }
                j += 1;
                if !matches!(raw.get(j), Some(b' ' | b'\t')) {
                    return Err(());
                }
                while matches!(raw.get(j), Some(b' ' | b'\t')) {
                    j += 1;
                }
                space = true;
                i = j;
                continue;
            }
            b @ 0x21..=0x7e => {
                if space && started {
                    out.push(' ');
                }
                space = false;
                started = true;
                out.push(char::from(b));
            }
            _ => return Err(()),
        }
        i += 1;
    }
    Ok(())
}

/// `AWS4-HMAC-SHA256\n<amz-date>\n<scope>\n<hex sha256(canonical request)>`.
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    let mut out = String::with_capacity(ALGORITHM.len() + amz_date.len() + scope.len() + 68);
    let _ = write!(
        out,
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        payload_hash(canonical_request.as_bytes())
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(raw: &str) -> Result<String, ()> {
        let mut out = String::new();
        canonical_value(raw.as_bytes(), &mut out).map(|()| out)
    }

    #[test]
    fn header_values_are_trimmed_and_collapsed() {
        assert_eq!(value("  a   b  c  ").unwrap(), "a b c");
        assert_eq!(value("\"a   b   c\"").unwrap(), "\"a b c\"");
        assert_eq!(value("").unwrap(), "");
        assert_eq!(value("   ").unwrap(), "");
        assert_eq!(
            value("value1\n  value2\n     value3").unwrap(),
            "value1 value2 value3"
        );
        assert_eq!(value("a\r\n\tb").unwrap(), "a b");
        assert_eq!(value("a \r\n b ").unwrap(), "a b");
    }

    #[test]
    fn control_and_non_ascii_values_are_refused() {
        for bad in [
            "a\tb", "a\nb", "a\rb", "a\r\nb", "a\n", "a\0b", "a\x7fb", "é", "a\x1bb",
        ] {
            assert_eq!(value(bad), Err(()), "{bad:?}");
        }
        let mut out = String::new();
        assert_eq!(canonical_value(b"\xff", &mut out), Err(()));
    }

    #[test]
    fn non_s3_uri_is_normalised_and_double_encoded() {
        assert_eq!(canonical_uri("/", true), "/");
        assert_eq!(canonical_uri("/", false), "/");
        assert_eq!(canonical_uri("", true), "/");
        assert_eq!(canonical_uri("//", true), "/");
        assert_eq!(canonical_uri("/a/b/..", true), "/a/");
        assert_eq!(canonical_uri("/a/./b/.", true), "/a/b/");
        assert_eq!(canonical_uri("/../..", true), "/");
        assert_eq!(canonical_uri("/a%3Ab", true), "/a%253Ab");
        assert_eq!(canonical_uri("/a b", false), "/a%20b");
        assert_eq!(canonical_uri("/@x=", true), "/%40x%3D");
        // The Lambda path from smithy-rs's `double-url-encode` case.
        assert_eq!(
            canonical_uri(
                "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-west-2%3A892717189312%3Afunction%3Amy-rusty-fun/invocations",
                true
            ),
            "/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-west-2%253A892717189312%253Afunction%253Amy-rusty-fun/invocations"
        );
    }

    #[test]
    fn query_is_sorted_and_reencoded() {
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
        assert_eq!(canonical_query("a&b="), "a=&b=");
        assert_eq!(canonical_query("k=a+b c"), "k=a%2Bb%20c");
        assert_eq!(canonical_query("k=%7e%2f"), "k=~%2F");
        assert_eq!(canonical_query("B=1&a=1"), "B=1&a=1");
    }

    #[test]
    fn canonical_request_shape() {
        let headers: &[(&str, &[u8])] = &[
            ("Host", b"example.com"),
            ("X-Amz-Date", b"20150830T123600Z"),
            ("My-Header", b"b"),
            ("my-header", b" a "),
        ];
        let creq = canonical_request(
            "POST",
            "/",
            "",
            headers,
            &["absent", "host", "my-header", "x-amz-date"],
            &payload_hash(b""),
        )
        .unwrap();
        assert_eq!(
            creq,
            "POST\n/\n\nabsent:\nhost:example.com\nmy-header:b,a\nx-amz-date:20150830T123600Z\n\nabsent;host;my-header;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let err =
            canonical_request("GET", "/", "", &[("x-bad", b"\x01")], &["x-bad"], "").unwrap_err();
        assert_eq!(err.name, "x-bad");
        // An unsigned header with a bad value does not matter.
        assert!(canonical_request("GET", "/", "", &[("x-bad", b"\x01")], &["host"], "").is_ok());
    }

    #[test]
    fn string_to_sign_shape() {
        assert_eq!(
            string_to_sign(
                "20150830T123600Z",
                "20150830/us-east-1/service/aws4_request",
                ""
            ),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
