//! The signature check: recompute the canonical request from the request as
//! received, derive the string to sign, and compare in constant time.
//!
//! Owns nothing but that comparison. It trusts `inspect` for structure and
//! the caller for the key (derived from the presented credential scope) and
//! for the clock. Every request that reaches the compare does the same work
//! whatever its content (S15, T7).

use http::request::Parts;

use super::canonical::{
    canonical_query, canonical_request, canonical_uri, header_list, payload_hash, string_to_sign,
};
use super::errors::{incomplete, signature_mismatch};
use super::inspect::Presented;
use super::key::SigningKey;
use crate::error::AwsError;

/// Verifies the presented signature over `parts` and `body` with `key`.
/// `presented` must come from `inspect` of the same `parts` and `body`.
pub fn verify(
    presented: &Presented,
    parts: &Parts,
    body: &[u8],
    key: &SigningKey,
) -> Result<(), AwsError> {
    let creq = canonical_request(
        parts.method.as_str(),
        &canonical_uri(parts.uri.path(), true),
        &canonical_query(parts.uri.query().unwrap_or("")),
        &header_list(&parts.headers),
        &presented.signed_headers,
        &payload_hash(body),
    )
    // `inspect` refuses these values already; this only guards a caller
    // that passes other parts than it inspected.
    .map_err(|e| incomplete(format!("{e}.")))?;
    let sts = string_to_sign(
        presented.amz_date.as_str(),
        &presented.credential.scope(),
        &creq,
    );
    if key.verifies(&sts, &presented.signature.0) {
        Ok(())
    } else {
        Err(signature_mismatch())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::sigv4::inspect::Signature;
    use crate::sigv4::{AmzDate, Credential, signing_key};

    /// The AWS test suite's `post-vanilla` case (vendored under
    /// tests/data/sigv4), verified through a hand-built `Presented`, since
    /// `inspect` rightly refuses a request without `X-Amz-Target`.
    fn post_vanilla() -> (Presented, Parts) {
        let request = http::Request::post("/")
            .header("host", "example.amazonaws.com")
            .header("x-amz-date", "20150830T123600Z")
            .body(())
            .unwrap();
        let mut signature = [0u8; 32];
        hex::decode_to_slice(
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            &mut signature,
        )
        .unwrap();
        let presented = Presented {
            credential: Credential {
                access_key_id: "AKIDEXAMPLE".into(),
                date: "20150830".into(),
                region: "us-east-1".into(),
                service: "service".into(),
            },
            signed_headers: vec!["host".into(), "x-amz-date".into()],
            signature: Signature(signature),
            amz_date: AmzDate::parse("20150830T123600Z").unwrap(),
            security_token: None,
        };
        (presented, request.into_parts().0)
    }

    fn key() -> SigningKey {
        signing_key(
            b"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830",
            "us-east-1",
            "service",
        )
    }

    #[test]
    fn accepts_the_aws_vector() {
        let (presented, parts) = post_vanilla();
        verify(&presented, &parts, b"", &key()).unwrap();
    }

    /// `verify` over AWS's signed requests: every vendored case with a
    /// normalised path (ours always normalises, as the SDKs do for non-S3
    /// services) that `http` can represent. The Authorization header is read
    /// by our own parsers, so this also checks them on AWS's header form.
    #[test]
    fn accepts_every_representable_aws_signed_request() {
        use crate::sigv4::authorization::{
            parse_authorization, parse_signature, parse_signed_headers,
        };
        // Raw space / UTF-8 in the target, an obs-fold, and the S3-style
        // single-encoding case (see tests/it/sigv4/vectors.rs).
        const UNREPRESENTABLE: [&str; 5] = [
            "get-space-unnormalized",
            "get-utf8",
            "get-vanilla-utf8-query",
            "get-header-value-multiline",
            "get-space-normalized",
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sigv4/v4");
        let mut verified = Vec::new();
        for entry in std::fs::read_dir(&root).unwrap() {
            let dir = entry.unwrap().path();
            let name = dir.file_name().unwrap().to_str().unwrap().to_owned();
            let context: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(dir.join("context.json")).unwrap())
                    .unwrap();
            if !context["normalize"].as_bool().unwrap() || UNREPRESENTABLE.contains(&name.as_str())
            {
                continue;
            }
            let text = std::fs::read_to_string(dir.join("header-signed-request.txt")).unwrap();
            let (head, body) = text.split_once("\n\n").unwrap();
            let mut lines = head.lines();
            let line = lines.next().unwrap();
            let (method, rest) = line.split_once(' ').unwrap();
            let target = rest.strip_suffix(" HTTP/1.1").unwrap();
            let mut builder = http::Request::builder().method(method).uri(target);
            for header in lines {
                let (n, v) = header.split_once(':').unwrap();
                builder = builder.header(n, v);
            }
            let parts = builder.body(()).unwrap().into_parts().0;

            let auth = parts.headers["authorization"].to_str().unwrap();
            let params = parse_authorization(auth).unwrap();
            let date = AmzDate::parse(parts.headers["x-amz-date"].to_str().unwrap()).unwrap();
            let presented = Presented {
                credential: Credential::parse(params.credential.unwrap()).unwrap(),
                signed_headers: parse_signed_headers(params.signed_headers.unwrap()).unwrap(),
                signature: Signature(parse_signature(params.signature.unwrap()).unwrap()),
                amz_date: date,
                security_token: None,
            };
            let c = &presented.credential;
            let secret = context["credentials"]["secret_access_key"]
                .as_str()
                .unwrap();
            let key = signing_key(secret.as_bytes(), &c.date, &c.region, &c.service);
            verify(&presented, &parts, body.as_bytes(), &key)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let wrong = signing_key(b"wrong", &c.date, &c.region, &c.service);
            assert!(
                verify(&presented, &parts, body.as_bytes(), &wrong).is_err(),
                "{name}"
            );
            verified.push(name);
        }
        assert_eq!(verified.len(), 27, "{verified:?}");
    }

    #[test]
    fn any_change_is_a_mismatch() {
        let (presented, parts) = post_vanilla();
        let e = verify(&presented, &parts, b"x", &key()).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSignatureException);
        assert_eq!(e.message, crate::sigv4::errors::SIGNATURE_MISMATCH);

        let wrong_key = signing_key(b"wrong", "20150830", "us-east-1", "service");
        assert!(verify(&presented, &parts, b"", &wrong_key).is_err());

        let mut p = presented.clone();
        p.signature.0[0] ^= 0x80;
        assert!(verify(&p, &parts, b"", &key()).is_err());

        let mut p = presented.clone();
        p.signed_headers = vec!["host".into()];
        assert!(verify(&p, &parts, b"", &key()).is_err());

        let mut p = presented.clone();
        p.credential.region = "us-east-2".into();
        assert!(verify(&p, &parts, b"", &key()).is_err());

        let (_, mut other) = post_vanilla();
        other.method = http::Method::PUT;
        assert!(verify(&presented, &other, b"", &key()).is_err());

        let (_, mut other) = post_vanilla();
        other
            .headers
            .insert("host", "example.amazonaws.com:443".parse().unwrap());
        assert!(verify(&presented, &other, b"", &key()).is_err());
    }
}
