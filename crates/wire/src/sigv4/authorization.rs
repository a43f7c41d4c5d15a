//! The SigV4 `Authorization` header, parsed structurally:
//! `AWS4-HMAC-SHA256 Credential=AKID/YYYYMMDD/region/service/aws4_request,
//! SignedHeaders=a;b;c, Signature=<64 lowercase hex>`.
//!
//! Owns the syntax of the header and of its three parameters, and the
//! hygiene of the SignedHeaders list (S2, S9, S15). Request-level rules
//! (which headers must be signed, dates, the body) live in `inspect`.

use super::errors::{echo, incomplete, invalid, signature_mismatch};
use super::{ALGORITHM, TERMINATOR};
use crate::error::AwsError;

/// The credential scope a request names: who signed, and for what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub access_key_id: String,
    /// `YYYYMMDD`; `inspect` has checked it equals the date of `X-Amz-Date`.
    pub date: String,
    pub region: String,
    pub service: String,
}

impl Credential {
    /// `date/region/service/aws4_request`, as it appears in the string to sign.
    pub fn scope(&self) -> String {
        format!(
            "{}/{}/{}/{TERMINATOR}",
            self.date, self.region, self.service
        )
    }

    pub(crate) fn parse(value: &str) -> Result<Credential, AwsError> {
        let parts: Vec<&str> = value.split('/').collect();
        let well_formed = parts.len() == 5
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_graphic()));
        if !well_formed {
            // AWS appends ", got '<credential>'"; we do not repeat it, since a
            // mangled credential is where pasted secrets end up.
            return Err(incomplete(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term.",
            ));
        }
        if parts[4] != TERMINATOR {
            return Err(match echo(parts[4]) {
                Some(t) => invalid(format!(
                    "Credential should be scoped with a valid terminator: '{TERMINATOR}', not '{t}'. "
                )),
                None => invalid(format!(
                    "Credential should be scoped with a valid terminator: '{TERMINATOR}'. "
                )),
            });
        }
        Ok(Credential {
            access_key_id: parts[0].to_owned(),
            date: parts[1].to_owned(),
            region: parts[2].to_owned(),
            service: parts[3].to_owned(),
        })
    }
}

/// The three parameters, each `None` when absent.
#[derive(Default)]
pub(crate) struct Params<'a> {
    pub credential: Option<&'a str>,
    pub signed_headers: Option<&'a str>,
    pub signature: Option<&'a str>,
}

/// Splits the header into its parameters after checking the algorithm.
/// Strict on purpose: an unknown or repeated parameter is an error, so two
/// parsers (ours and a proxy's, say) cannot read different values.
pub(crate) fn parse_authorization(value: &str) -> Result<Params<'_>, AwsError> {
    let (algorithm, rest) = value.split_once(' ').unwrap_or((value, ""));
    if algorithm != ALGORITHM {
        // S3's wording; AWS's JSON services have no documented text for it.
        return Err(incomplete(format!(
            "The authorization mechanism you have provided is not supported. Please use {ALGORITHM}."
        )));
    }
    let mut params = Params::default();
    let rest = rest.trim_matches(' ');
    if rest.is_empty() {
        return Ok(params);
    }
    for piece in rest.split(',') {
        let piece = piece.trim_matches(' ');
        let Some((key, val)) = piece.split_once('=') else {
            // AWS quotes the piece and the whole header here; either may be
            // a signature or a token, so neither is repeated.
            return Err(incomplete(
                "A parameter is not a valid key=value pair (missing equal-sign) in Authorization header.",
            ));
        };
        let slot = match key {
            "Credential" => &mut params.credential,
            "SignedHeaders" => &mut params.signed_headers,
            "Signature" => &mut params.signature,
            _ => {
                return Err(incomplete(
                    "Authorization header has a parameter other than 'Credential', 'SignedHeaders' and 'Signature'.",
                ));
            }
        };
        if slot.replace(val).is_some() {
            return Err(incomplete(format!(
                "Authorization header has more than one '{key}' parameter."
            )));
        }
    }
    Ok(params)
}

/// AWS's message for absent parameters (and an absent `X-Amz-Date`), in
/// AWS's order, without the `Authorization=<header>` AWS appends.
pub(crate) fn missing_parameters(params: &Params<'_>, date_missing: bool) -> Option<String> {
    let mut missing = Vec::new();
    for (present, name) in [
        (params.credential.is_some(), "Credential"),
        (params.signature.is_some(), "Signature"),
        (params.signed_headers.is_some(), "SignedHeaders"),
    ] {
        if !present {
            missing.push(format!("Authorization header requires '{name}' parameter."));
        }
    }
    if date_missing {
        // AWS's text names `Date` too. We accept only X-Amz-Date (S19), but
        // keep the wording clients and their search engines know.
        missing.push(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                .to_owned(),
        );
    }
    (!missing.is_empty()).then(|| missing.join(" "))
}

/// The SignedHeaders list: non-empty, each name a lowercase HTTP token,
/// strictly ascending (so sorted and duplicate-free), never `authorization`.
pub(crate) fn parse_signed_headers(value: &str) -> Result<Vec<String>, AwsError> {
    if value.is_empty() {
        return Err(incomplete("SignedHeaders must not be empty."));
    }
    let names: Vec<&str> = value.split(';').collect();
    for name in &names {
        let token = !name.is_empty()
            && name.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || b"!#$%&'*+-.^_`|~".contains(&b)
            });
        if !token {
            return Err(incomplete(
                "SignedHeaders must be a ';'-separated list of lowercase header names.",
            ));
        }
    }
    if names.windows(2).any(|w| w[0] >= w[1]) {
        return Err(incomplete(
            "SignedHeaders must be sorted and must not repeat a header.",
        ));
    }
    if names.contains(&"authorization") {
        return Err(incomplete(
            "SignedHeaders must not include 'authorization'.",
        ));
    }
    Ok(names.into_iter().map(str::to_owned).collect())
}

/// Exactly 64 lowercase hex digits (S15). Anything else cannot equal a
/// signature we compute, so it gets the mismatch error, as from AWS.
pub(crate) fn parse_signature(value: &str) -> Result<[u8; 32], AwsError> {
    let b = value.as_bytes();
    if b.len() != 64 || !b.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(signature_mismatch());
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(b, &mut out).map_err(|_| signature_mismatch())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    const SIG: &str = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

    #[test]
    fn parses_the_sdk_form_with_and_without_spaces() {
        for header in [
            format!(
                "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={SIG}"
            ),
            format!(
                "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request,SignedHeaders=host;x-amz-date,Signature={SIG}"
            ),
            format!(
                "AWS4-HMAC-SHA256   Signature={SIG} ,  SignedHeaders=host;x-amz-date,Credential=AKID/20150830/us-east-1/service/aws4_request  "
            ),
        ] {
            let p = parse_authorization(&header).unwrap();
            assert_eq!(
                p.credential,
                Some("AKID/20150830/us-east-1/service/aws4_request")
            );
            assert_eq!(p.signed_headers, Some("host;x-amz-date"));
            assert_eq!(p.signature, Some(SIG));
        }
    }

    #[test]
    fn only_sigv4_hmac_is_accepted() {
        for header in [
            "AWS AKID:c2lnbmF0dXJl",
            "AWS4-ECDSA-P256-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=host, Signature=00",
            "aws4-hmac-sha256 Credential=a/b/c/d/aws4_request",
            "AWS4-HMAC-SHA256,Credential=a/b/c/d/aws4_request",
            "Bearer eyJ0eXAiOiJKV1QifQ",
            "",
        ] {
            let e = parse_authorization(header).err().unwrap();
            assert_eq!(e.code, ErrorCode::IncompleteSignatureException, "{header}");
            assert_eq!(
                e.message,
                "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256."
            );
        }
    }

    #[test]
    fn malformed_parameters_are_incomplete_and_not_echoed() {
        for header in [
            "AWS4-HMAC-SHA256 Credential=a, SignedHeaders=host, Signature",
            "AWS4-HMAC-SHA256 Credential=a, , Signature=x",
            "AWS4-HMAC-SHA256 Credential=a, Token=secret",
            "AWS4-HMAC-SHA256 Credential=a, Signature=x, Signature=y",
            "AWS4-HMAC-SHA256 credential=a",
        ] {
            let e = parse_authorization(header).err().unwrap();
            assert_eq!(e.code, ErrorCode::IncompleteSignatureException, "{header}");
            assert!(!e.message.contains("secret") && !e.message.contains("Signature=x"));
        }
    }

    #[test]
    fn missing_parameters_use_aws_wording_and_order() {
        let none = Params::default();
        assert_eq!(
            missing_parameters(&none, true).unwrap(),
            "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        );
        let p = parse_authorization("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host")
            .unwrap();
        assert_eq!(
            missing_parameters(&p, false).unwrap(),
            "Authorization header requires 'Signature' parameter."
        );
        let full = Params {
            credential: Some("c"),
            signed_headers: Some("h"),
            signature: Some("s"),
        };
        assert_eq!(missing_parameters(&full, false), None);
    }

    #[test]
    fn credential_needs_five_elements_and_the_terminator() {
        let c = Credential::parse("AKIDEXAMPLE/20150830/us-east-1/service/aws4_request").unwrap();
        assert_eq!(c.access_key_id, "AKIDEXAMPLE");
        assert_eq!(c.date, "20150830");
        assert_eq!(c.region, "us-east-1");
        assert_eq!(c.service, "service");
        assert_eq!(c.scope(), "20150830/us-east-1/service/aws4_request");

        for bad in [
            "AKID/20150830/us-east-1/service",
            "AKID/20150830/us-east-1/service/aws4_request/x",
            "/20150830/us-east-1/service/aws4_request",
            "AKID/20150830//service/aws4_request",
            "AK ID/20150830/us-east-1/service/aws4_request",
            "",
        ] {
            let e = Credential::parse(bad).err().unwrap();
            assert_eq!(e.code, ErrorCode::IncompleteSignatureException, "{bad}");
            assert_eq!(
                e.message,
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term."
            );
        }
        let e = Credential::parse("AKID/20150830/us-east-1/service/aws4_requesT").unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSignatureException);
        assert_eq!(
            e.message,
            "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requesT'. "
        );
    }

    #[test]
    fn signed_headers_hygiene() {
        assert_eq!(
            parse_signed_headers("content-type;host;x-amz-date").unwrap(),
            ["content-type", "host", "x-amz-date"]
        );
        for (bad, why) in [
            ("", "SignedHeaders must not be empty."),
            ("host;X-Amz-Date", "lowercase"),
            ("host;;x-amz-date", "lowercase"),
            ("host;x amz", "lowercase"),
            ("host;", "lowercase"),
            ("x-amz-date;host", "sorted"),
            ("host;host;x-amz-date", "sorted"),
            ("authorization;host", "'authorization'"),
        ] {
            let e = parse_signed_headers(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::IncompleteSignatureException, "{bad}");
            assert!(e.message.contains(why), "{bad}: {}", e.message);
        }
    }

    #[test]
    fn signature_must_be_64_lowercase_hex() {
        assert_eq!(
            parse_signature(SIG).unwrap().to_vec(),
            hex::decode(SIG).unwrap()
        );
        for bad in [
            &SIG[..63],
            &format!("{SIG}0"),
            &SIG.to_uppercase(),
            &format!("{}g", &SIG[..63]),
            "",
        ] {
            let e = parse_signature(bad).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidSignatureException);
            assert_eq!(e.message, crate::sigv4::errors::SIGNATURE_MISMATCH);
        }
    }
}
