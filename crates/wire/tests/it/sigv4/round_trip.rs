//! Our signer against our verifier, through the public API only: what
//! `sign` writes, the server flow accepts; what it accepts it attributes
//! correctly; and rules that need a hand-made signature (a signed header
//! that is absent).

use http::HeaderValue;
use tresor_wire::ErrorCode;
use tresor_wire::sigv4::{
    SigningParams, canonical_request, header_list, payload_hash, sign, sign_parts, signing_key,
    string_to_sign,
};

use super::cases::{Case, assert_no_leak, authenticate, copy};

fn params(case: &Case) -> SigningParams<'_> {
    SigningParams {
        access_key_id: &case.access_key_id,
        secret_access_key: &case.secret,
        session_token: case.token.as_deref(),
        region: &case.region,
        service: &case.service,
        time: case.time,
    }
}

#[test]
fn what_we_sign_we_verify() {
    for seed in 0..2000 {
        let case = Case::random(seed);
        let mut request = case.request();
        sign(&mut request, &params(&case)).unwrap();
        let (parts, body) = request.into_parts();
        let p = authenticate(&parts, &body, &case.secret, case.time)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(p.credential.access_key_id, case.access_key_id);
        assert_eq!(p.security_token, case.token);

        // `sign_parts` is the same signer.
        let (mut again, body) = case.request().into_parts();
        sign_parts(&mut again, &body, &params(&case)).unwrap();
        assert_eq!(again.headers, parts.headers, "seed {seed}");

        // And a different secret never verifies.
        let e = authenticate(&parts, &body, "not-the-secret", case.time).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSignatureException);
        assert_no_leak(&e.message, &parts, &case.secret, case.token.as_deref());
        let json = String::from_utf8(e.to_json()).unwrap();
        assert_no_leak(&json, &parts, &case.secret, case.token.as_deref());
    }
}

/// S9: a header named in SignedHeaders but not sent canonicalises as
/// `name:`; such a signature verifies, and sending the header breaks it.
#[test]
fn a_signed_but_absent_header_canonicalises_empty() {
    let mut case = Case::random(7);
    case.extra.retain(|(name, _)| name != "content-length");
    let mut request = case.request();
    sign(&mut request, &params(&case)).unwrap();
    let (mut parts, body) = request.into_parts();
    assert!(!parts.headers.contains_key("content-length"));

    let auth = parts.headers["authorization"].to_str().unwrap().to_owned();
    let list = auth
        .split("SignedHeaders=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    let mut signed: Vec<&str> = list.split(';').collect();
    signed.push("content-length");
    signed.sort_unstable();
    let date = parts.headers["x-amz-date"].to_str().unwrap().to_owned();
    let scope = format!(
        "{}/{}/{}/aws4_request",
        &date[..8],
        case.region,
        case.service
    );
    let creq = canonical_request(
        "POST",
        "/",
        "",
        &header_list(&parts.headers),
        &signed,
        &payload_hash(&body),
    )
    .unwrap();
    assert!(creq.contains("\ncontent-length:\n"), "{creq}");
    let key = signing_key(
        case.secret.as_bytes(),
        &date[..8],
        &case.region,
        &case.service,
    );
    let signature = key.sign(&string_to_sign(&date, &scope, &creq));
    let new_auth = format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={}, Signature={signature}",
        case.access_key_id,
        signed.join(";")
    );
    parts
        .headers
        .insert("authorization", HeaderValue::from_str(&new_auth).unwrap());
    authenticate(&parts, &body, &case.secret, case.time).unwrap();

    let mut sent = copy(&parts);
    sent.headers
        .insert("content-length", HeaderValue::from(body.len()));
    let e = authenticate(&sent, &body, &case.secret, case.time).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidSignatureException);
}
