//! One test per rule of `inspect`, each on a request our own signer made
//! valid and then broke in exactly one way.

use http::HeaderValue;
use http::request::Parts;

use super::*;
use crate::error::ErrorCode;
use crate::sigv4::{SigningParams, sign};

const TOKEN: &str = "FQoGZXIvYXdzEXAMPLETOKEN//////////wEaDM+token=";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const NOW: i64 = 1_762_435_568; // 20251106T132608Z
const BODY: &[u8] = br#"{"SecretId":"db"}"#;

fn params(token: Option<&'static str>) -> SigningParams<'static> {
    SigningParams {
        access_key_id: "AKIDEXAMPLE",
        secret_access_key: SECRET,
        session_token: token,
        region: "us-east-1",
        service: "secretsmanager",
        time: NOW,
    }
}

fn request() -> http::Request<Vec<u8>> {
    http::Request::post("https://secretsmanager.us-east-1.amazonaws.com/")
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "secretsmanager.GetSecretValue")
        .body(BODY.to_vec())
        .unwrap()
}

fn signed_with(
    token: Option<&'static str>,
    edit: impl FnOnce(&mut http::Request<Vec<u8>>),
) -> Parts {
    let mut r = request();
    edit(&mut r);
    sign(&mut r, &params(token)).unwrap();
    r.into_parts().0
}

fn signed() -> Parts {
    signed_with(Some(TOKEN), |_| {})
}

fn signature_of(parts: &Parts) -> String {
    let auth = parts.headers["authorization"].to_str().unwrap();
    auth.rsplit_once("Signature=").unwrap().1.to_owned()
}

fn edit_auth(parts: &mut Parts, edit: impl FnOnce(&str) -> String) {
    let auth = edit(parts.headers["authorization"].to_str().unwrap());
    parts
        .headers
        .insert("authorization", HeaderValue::from_str(&auth).unwrap());
}

/// The error for `parts`, after checking that its message leaks neither the
/// signature, the token, the secret nor the Authorization header.
fn rejected(parts: &Parts, body: &[u8]) -> AwsError {
    let e = inspect(parts, body).expect_err("inspect accepted a broken request");
    let m = &e.message;
    if let Some(auth) = parts.headers.get("authorization") {
        let auth = auth.to_str().unwrap_or("");
        assert!(auth.len() < 40 || !m.contains(auth), "{m}");
        if let Some((_, sig)) = auth.rsplit_once("Signature=") {
            assert!(sig.len() < 8 || !m.contains(sig), "{m}");
        }
    }
    assert!(!m.contains(TOKEN) && !m.contains(SECRET), "{m}");
    assert!(
        !m.contains("EXAMPLETOKEN") && !m.contains("EXAMPLEKEY"),
        "{m}"
    );
    e
}

fn assert_error(e: &AwsError, code: ErrorCode, message: &str) {
    assert_eq!((e.code, e.message.as_str()), (code, message));
}

#[test]
fn a_signed_request_presents_its_parts() {
    let parts = signed();
    let p = inspect(&parts, BODY).unwrap();
    assert_eq!(p.credential.access_key_id, "AKIDEXAMPLE");
    assert_eq!(p.credential.date, "20251106");
    assert_eq!(p.credential.region, "us-east-1");
    assert_eq!(p.credential.service, "secretsmanager");
    assert_eq!(
        p.signed_headers,
        [
            "content-type",
            "host",
            "x-amz-date",
            "x-amz-security-token",
            "x-amz-target"
        ]
    );
    assert_eq!(p.amz_date.as_str(), "20251106T132608Z");
    assert_eq!(p.amz_date.epoch_seconds(), NOW);
    assert_eq!(p.security_token.as_deref(), Some(TOKEN));

    let shown = format!("{p:?}");
    assert!(!shown.contains(TOKEN) && !shown.contains(&signature_of(&parts)));

    let p = inspect(&signed_with(None, |_| {}), BODY).unwrap();
    assert_eq!(p.security_token, None);
}

#[test]
fn no_authorization_is_a_missing_token() {
    let mut parts = signed();
    parts.headers.remove("authorization");
    assert_error(
        &rejected(&parts, BODY),
        ErrorCode::MissingAuthenticationTokenException,
        "Missing Authentication Token",
    );
    // Even on a path we do not serve: unauthenticated requests learn nothing.
    parts.uri = "/other?x=1".parse().unwrap();
    assert_eq!(
        rejected(&parts, BODY).code,
        ErrorCode::MissingAuthenticationTokenException
    );
}

#[test]
fn query_string_authentication_is_refused() {
    let presigned = "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20251106%2Fus-east-1%2Fsecretsmanager%2Faws4_request&X-Amz-Date=20251106T132608Z&X-Amz-SignedHeaders=host&X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let mut parts = signed();
    parts.headers.remove("authorization");
    for uri in [
        presigned,
        "/?x-amz-signature=00",
        "/?X%2DAmz%2DCredential=a",
        "/?a=b&X-Amz-Algorithm",
    ] {
        parts.uri = uri.parse().unwrap();
        assert_error(
            &rejected(&parts, BODY),
            ErrorCode::MissingAuthenticationTokenException,
            "Missing Authentication Token",
        );
    }
    let mut parts = signed();
    parts.uri = presigned.parse().unwrap();
    assert_error(
        &rejected(&parts, BODY),
        ErrorCode::IncompleteSignatureException,
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
    );
}

#[test]
fn only_the_root_path_without_query_is_served() {
    for uri in ["/x", "//", "/./", "/%2F", "https://h.example/a"] {
        let mut parts = signed();
        parts.uri = uri.parse().unwrap();
        assert_error(
            &rejected(&parts, BODY),
            ErrorCode::IncompleteSignatureException,
            "The request path must be '/': this service serves no other path.",
        );
    }
    for uri in ["/?a=b", "/?a", "/?&"] {
        let mut parts = signed();
        parts.uri = uri.parse().unwrap();
        assert_error(
            &rejected(&parts, BODY),
            ErrorCode::IncompleteSignatureException,
            "The request must not have a query string: this service takes its input from the body.",
        );
    }
    // An empty query is no query.
    let mut parts = signed();
    parts.uri = "/?".parse().unwrap();
    inspect(&parts, BODY).unwrap();
}

#[test]
fn critical_headers_must_be_single() {
    for (name, shown) in [
        ("authorization", "Authorization"),
        ("x-amz-date", "X-Amz-Date"),
        ("x-amz-target", "X-Amz-Target"),
        ("host", "Host"),
        ("content-type", "Content-Type"),
        ("x-amz-security-token", "X-Amz-Security-Token"),
        ("x-amz-content-sha256", "X-Amz-Content-Sha256"),
    ] {
        let mut parts = signed_with(Some(TOKEN), |r| {
            let hash = crate::sigv4::payload_hash(BODY);
            r.headers_mut()
                .insert("x-amz-content-sha256", hash.parse().unwrap());
        });
        inspect(&parts, BODY).unwrap();
        let copy = parts.headers[name].clone();
        parts.headers.append(name, copy);
        assert_error(
            &rejected(&parts, BODY),
            ErrorCode::IncompleteSignatureException,
            &format!("The '{shown}' header must not appear more than once."),
        );
    }
}

#[test]
fn host_must_be_present() {
    let mut parts = signed();
    parts.headers.remove("host");
    assert_error(
        &rejected(&parts, BODY),
        ErrorCode::IncompleteSignatureException,
        "The request must have a 'Host' header.",
    );
}

#[test]
fn algorithm_must_be_aws4_hmac_sha256() {
    for algorithm in [
        "AWS4-HMAC-SHA1",
        "AWS4-ECDSA-P256-SHA256",
        "aws4-hmac-sha256",
    ] {
        let mut parts = signed();
        edit_auth(&mut parts, |a| a.replacen("AWS4-HMAC-SHA256", algorithm, 1));
        assert_error(
            &rejected(&parts, BODY),
            ErrorCode::IncompleteSignatureException,
            "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
        );
    }
    let mut parts = signed();
    parts.headers.insert(
        "authorization",
        HeaderValue::from_static("AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg="),
    );
    assert_eq!(
        rejected(&parts, BODY).code,
        ErrorCode::IncompleteSignatureException
    );
}

#[test]
fn missing_parameters_and_date_use_aws_wording() {
    let drop_param = |auth: &str, key: &str| -> String {
        let (algorithm, rest) = auth.split_once(' ').unwrap();
        let kept: Vec<&str> = rest
            .split(", ")
            .filter(|p| !p.starts_with(&format!("{key}=")))
            .collect();
        format!("{algorithm} {}", kept.join(", "))
    };
    for key in ["Credential", "Signature", "SignedHeaders"] {
        let mut parts = signed();
        edit_auth(&mut parts, |a| drop_param(a, key));
        assert_error(
            &rejected(&parts, BODY),
            ErrorCode::IncompleteSignatureException,
            &format!("Authorization header requires '{key}' parameter."),
        );
    }
    let mut parts = signed();
    parts.headers.remove("x-amz-date");
    assert_error(
        &rejected(&parts, BODY),
        ErrorCode::IncompleteSignatureException,
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
    // `Date` is not a fallback (S19).
    parts.headers.insert(
        "date",
        HeaderValue::from_static("Thu, 06 Nov 2025 13:26:08 GMT"),
    );
    assert_eq!(
        rejected(&parts, BODY).code,
        ErrorCode::IncompleteSignatureException
    );

    let mut parts = signed();
    parts.headers.remove("x-amz-date");
    edit_auth(&mut parts, |_| "AWS4-HMAC-SHA256 ".to_owned());
    assert_error(
        &rejected(&parts, BODY),
        ErrorCode::IncompleteSignatureException,
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    );
}

#[test]
fn x_amz_date_must_be_basic_iso8601() {
    for (sent, echoed) in [
        ("2025-11-06T13:26:08Z", true),
        ("20251106T132608", true),
        ("20251106T246000Z", true),
        ("Thu, 06 Nov 2025 13:26:08 GMT", false),
    ] {
        let mut parts = signed();
        parts
            .headers
            .insert("x-amz-date", HeaderValue::from_str(sent).unwrap());
        let e = rejected(&parts, BODY);
        let expected = if echoed {
            format!(
                "Date must be in ISO-8601 'basic format'. Got '{sent}'. See http://en.wikipedia.org/wiki/ISO_8601"
            )
        } else {
            "Date must be in ISO-8601 'basic format'. See http://en.wikipedia.org/wiki/ISO_8601"
                .to_owned()
        };
        assert_error(&e, ErrorCode::IncompleteSignatureException, &expected);
    }
}

#[test]
fn credential_scope_rules() {
    let mut parts = signed();
    edit_auth(&mut parts, |a| {
        a.replace("/secretsmanager/aws4_request", "/aws4_request")
    });
    assert_error(
        &rejected(&parts, BODY),
        ErrorCode::IncompleteSignatureException,
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term.",
    );

    let mut parts = signed();
    edit_auth(&mut parts, |a| a.replace("/aws4_request", "/aws5_request"));
    assert_error(
        &rejected(&parts, BODY),
        ErrorCode::InvalidSignatureException,
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. ",
    );

    let mut parts = signed();
    edit_auth(&mut parts, |a| a.replace("/20251106/", "/20251105/"));
    assert_error(
        &rejected(&parts, BODY),
        ErrorCode::InvalidSignatureException,
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20251105' != '20251106', from '20251106T132608Z'.",
    );

    // Region and service policy is the server's: any well-formed scope passes.
    let mut parts = signed();
    edit_auth(&mut parts, |a| {
        a.replace("/us-east-1/secretsmanager/", "/mars-1/s3/")
    });
    let p = inspect(&parts, BODY).unwrap();
    assert_eq!(
        (p.credential.region.as_str(), p.credential.service.as_str()),
        ("mars-1", "s3")
    );
}

#[test]
fn signed_headers_list_hygiene() {
    for (from, to, message) in [
        (
            "SignedHeaders=content-type;host",
            "SignedHeaders=content-type;Host",
            "SignedHeaders must be a ';'-separated list of lowercase header names.",
        ),
        (
            "SignedHeaders=content-type;host",
            "SignedHeaders=host;content-type",
            "SignedHeaders must be sorted and must not repeat a header.",
        ),
        (
            "SignedHeaders=content-type;host",
            "SignedHeaders=content-type;content-type;host",
            "SignedHeaders must be sorted and must not repeat a header.",
        ),
        (
            "SignedHeaders=content-type;host",
            "SignedHeaders=authorization;content-type;host",
            "SignedHeaders must not include 'authorization'.",
        ),
    ] {
        let mut parts = signed();
        edit_auth(&mut parts, |a| a.replace(from, to));
        assert_error(
            &rejected(&parts, BODY),
            ErrorCode::IncompleteSignatureException,
            message,
        );
    }
    let mut parts = signed();
    edit_auth(&mut parts, |a| {
        let start = a.find("SignedHeaders=").unwrap() + "SignedHeaders=".len();
        let end = start + a[start..].find(',').unwrap();
        format!("{}{}", &a[..start], &a[end..])
    });
    assert_error(
        &rejected(&parts, BODY),
        ErrorCode::IncompleteSignatureException,
        "SignedHeaders must not be empty.",
    );
}

fn unsign(parts: &mut Parts, name: &str) {
    edit_auth(parts, |a| {
        a.replace(&format!(";{name};"), ";")
            .replace(&format!("={name};"), "=")
            .replace(&format!(";{name},"), ",")
    });
}

#[test]
fn required_headers_must_be_signed() {
    for (name, shown) in [
        ("host", "'Host' or ':authority'"),
        ("x-amz-date", "'X-Amz-Date'"),
        ("x-amz-target", "'X-Amz-Target'"),
        ("content-type", "'Content-Type'"),
    ] {
        // Each is sent here, so each must be signed.
        let mut parts = signed_with(None, |_| {});
        unsign(&mut parts, name);
        assert_error(
            &rejected(&parts, BODY),
            ErrorCode::IncompleteSignatureException,
            &format!("{shown} must be a 'SignedHeader' in the AWS Authorization."),
        );
    }
    // Host and X-Amz-Date must be signed even when absent; Content-Type and
    // X-Amz-Target only if sent.
    let mut parts = signed_with(None, |r| {
        r.headers_mut().remove("content-type");
    });
    inspect(&parts, BODY).unwrap();
    parts.headers.remove("x-amz-date");
    unsign(&mut parts, "x-amz-date");
    assert_eq!(
        rejected(&parts, BODY).code,
        ErrorCode::IncompleteSignatureException
    );
    let mut parts = signed_with(None, |r| {
        r.headers_mut().remove("x-amz-target");
    });
    assert!(
        !parts.headers["authorization"]
            .to_str()
            .unwrap()
            .contains("x-amz-target")
    );
    inspect(&parts, BODY).unwrap();
    // Sent after signing: unsigned, so refused.
    parts.headers.insert(
        "x-amz-target",
        HeaderValue::from_static("secretsmanager.DeleteSecret"),
    );
    assert_error(
        &rejected(&parts, BODY),
        ErrorCode::IncompleteSignatureException,
        "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.",
    );
}

/// An awsQuery request (IAM, STS): form body, no X-Amz-Target. It passes
/// inspection; its Action is bound by the payload hash, so changing the body
/// breaks the signature.
#[test]
fn a_query_request_without_target_is_inspected_and_verified() {
    const FORM: &[u8] = b"Action=CreateUser&Version=2010-05-08&UserName=alice";
    let mut request = http::Request::post("https://iam.amazonaws.com/")
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(FORM.to_vec())
        .unwrap();
    let params = SigningParams {
        service: "iam",
        ..params(None)
    };
    sign(&mut request, &params).unwrap();
    let (parts, body) = request.into_parts();
    let p = inspect(&parts, &body).unwrap();
    assert_eq!(p.signed_headers, ["content-type", "host", "x-amz-date"]);
    assert_eq!(p.credential.service, "iam");
    let key = crate::sigv4::signing_key(SECRET.as_bytes(), "20251106", "us-east-1", "iam");
    crate::sigv4::verify(&p, &parts, &body, &key).unwrap();
    let forged = b"Action=DeleteUser&Version=2010-05-08&UserName=alice";
    let p = inspect(&parts, forged).unwrap();
    assert_eq!(
        crate::sigv4::verify(&p, &parts, forged, &key)
            .unwrap_err()
            .code,
        ErrorCode::InvalidSignatureException
    );
}

#[test]
fn every_x_amz_header_must_be_signed() {
    let mut parts = signed();
    parts
        .headers
        .insert("x-amz-meta-b", HeaderValue::from_static("1"));
    parts
        .headers
        .insert("X-Amz-Meta-A", HeaderValue::from_static("2"));
    // Not x-amz-: these may stay unsigned.
    parts
        .headers
        .insert("x-amzn-trace-id", HeaderValue::from_static("Root=1"));
    parts
        .headers
        .insert("user-agent", HeaderValue::from_static("aws-sdk"));
    assert_error(
        &rejected(&parts, BODY),
        ErrorCode::IncompleteSignatureException,
        "There were headers present in the request which were not signed: x-amz-meta-a, x-amz-meta-b.",
    );

    let mut parts = signed();
    unsign(&mut parts, "x-amz-security-token");
    assert_error(
        &rejected(&parts, BODY),
        ErrorCode::IncompleteSignatureException,
        "There were headers present in the request which were not signed: x-amz-security-token.",
    );
}

#[test]
fn a_listed_but_absent_header_is_structurally_fine() {
    let mut parts = signed_with(None, |_| {});
    edit_auth(&mut parts, |a| {
        a.replace("SignedHeaders=", "SignedHeaders=content-length;")
    });
    let p = inspect(&parts, BODY).unwrap();
    assert_eq!(p.signed_headers[0], "content-length");
}

#[test]
fn signature_must_be_64_lowercase_hex() {
    let original = signature_of(&signed());
    for bad in [
        original.to_uppercase(),
        original[..63].to_owned(),
        format!("{original}0"),
        format!("{}z", &original[..63]),
        String::new(),
    ] {
        let mut parts = signed();
        edit_auth(&mut parts, |a| a.replace(&original, &bad));
        assert_error(
            &rejected(&parts, BODY),
            ErrorCode::InvalidSignatureException,
            crate::sigv4::errors::SIGNATURE_MISMATCH,
        );
    }
}

#[test]
fn security_token_must_be_usable() {
    let mut parts = signed();
    parts
        .headers
        .insert("x-amz-security-token", HeaderValue::from_static(""));
    assert_error(
        &rejected(&parts, BODY),
        ErrorCode::IncompleteSignatureException,
        "The X-Amz-Security-Token header must be a non-empty visible ASCII string.",
    );
    parts.headers.insert(
        "x-amz-security-token",
        HeaderValue::from_bytes(b"tok\xe9n").unwrap(),
    );
    assert_eq!(
        rejected(&parts, BODY).code,
        ErrorCode::IncompleteSignatureException
    );
}

#[test]
fn signed_values_with_control_or_non_ascii_characters_are_refused() {
    for value in [
        &b"application/x-amz-json-1.1\tx"[..],
        b"application/j\xc3\xa9son",
    ] {
        let mut parts = signed();
        parts
            .headers
            .insert("content-type", HeaderValue::from_bytes(value).unwrap());
        assert_error(
            &rejected(&parts, BODY),
            ErrorCode::IncompleteSignatureException,
            "The value of header 'content-type' has characters that cannot be signed (control or non-ASCII characters).",
        );
    }
    // Unsigned headers are not our business.
    let mut parts = signed();
    parts.headers.insert(
        "user-agent",
        HeaderValue::from_bytes(b"b\xe9ta\t1").unwrap(),
    );
    inspect(&parts, BODY).unwrap();
}

#[test]
fn content_sha256_must_be_the_body_hash() {
    let with = |value: &'static str| {
        signed_with(Some(TOKEN), move |r| {
            r.headers_mut()
                .insert("x-amz-content-sha256", HeaderValue::from_static(value));
        })
    };
    let good = crate::sigv4::payload_hash(BODY);
    let parts = signed_with(Some(TOKEN), |r| {
        r.headers_mut()
            .insert("x-amz-content-sha256", good.parse().unwrap());
    });
    inspect(&parts, BODY).unwrap();
    assert_error(
        &rejected(&parts, b"{}"),
        ErrorCode::InvalidSignatureException,
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
    assert_error(
        &rejected(
            &with("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"),
            b"",
        ),
        ErrorCode::InvalidSignatureException,
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
    for sentinel in [
        "UNSIGNED-PAYLOAD",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
    ] {
        assert_error(
            &rejected(&with(sentinel), BODY),
            ErrorCode::InvalidSignatureException,
            "This service requires a signed payload: 'x-amz-content-sha256' must be the SHA-256 of the body; 'UNSIGNED-PAYLOAD' and 'STREAMING-*' are not accepted.",
        );
    }
}
