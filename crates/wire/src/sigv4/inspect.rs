//! What a request presents for SigV4, checked structurally before any
//! secret is looked up.
//!
//! Owns the request-level rules (security.md §6): header authentication
//! only (S3), path `/` and no query so router and verifier cannot disagree
//! (S12, S13), single instances of the headers that decide identity, time
//! and operation (S10), a `Host` (S14), `X-Amz-Date` only (S19), scope date
//! and terminator (S4), which headers must be signed (S8, S9: `host`,
//! `x-amz-date`, and `x-amz-target` and `content-type` when sent), the
//! signature's format (S15) and `x-amz-content-sha256` (S7). It does not
//! know which regions, services, hosts or keys are valid, nor the time: see
//! `check_clock` and the server.

use std::fmt;

use http::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use http::request::Parts;
use percent_encoding::percent_decode_str;

use super::amz_date::AmzDate;
use super::authorization::{
    Credential, missing_parameters, parse_authorization, parse_signature, parse_signed_headers,
};
use super::canonical::{canonical_value, payload_hash};
use super::errors::{echo, echo_date, incomplete, invalid, missing_token};
use crate::error::AwsError;

const X_AMZ_DATE: &str = "x-amz-date";
const X_AMZ_TARGET: &str = "x-amz-target";
const X_AMZ_SECURITY_TOKEN: &str = "x-amz-security-token";
const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";

/// Headers whose second instance could make two readers (verifier, router,
/// authoriser) see different requests; AWS's display names for messages.
const SINGLE: [(&str, &str); 7] = [
    ("authorization", "Authorization"),
    (X_AMZ_DATE, "X-Amz-Date"),
    (X_AMZ_TARGET, "X-Amz-Target"),
    ("host", "Host"),
    ("content-type", "Content-Type"),
    (X_AMZ_SECURITY_TOKEN, "X-Amz-Security-Token"),
    (X_AMZ_CONTENT_SHA256, "X-Amz-Content-Sha256"),
];

/// The signature bytes. Deliberately no `Debug`, `PartialEq` or accessor:
/// the only thing to do with it is the constant-time check in `verify`.
#[derive(Clone)]
pub(crate) struct Signature(pub(crate) [u8; 32]);

/// What a request presents, checked structurally (no secret needed yet).
/// Only [`inspect`] makes one, so holding a `Presented` means every rule in
/// this module passed.
#[derive(Clone)]
pub struct Presented {
    pub credential: Credential,
    /// Lowercase, strictly ascending; includes `host`, `x-amz-date`, and
    /// every `x-amz-*` / `content-type` header present (so `x-amz-target`
    /// whenever it is sent).
    pub signed_headers: Vec<String>,
    pub(crate) signature: Signature,
    pub amz_date: AmzDate,
    /// `X-Amz-Security-Token`, present only with temporary credentials; it
    /// is signed. Whether it belongs to the access key is the server's check.
    pub security_token: Option<String>,
}

impl fmt::Debug for Presented {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Presented")
            .field("credential", &self.credential)
            .field("signed_headers", &self.signed_headers)
            .field("signature", &"<redacted>")
            .field("amz_date", &self.amz_date)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Checks everything about a request's SigV4 header authentication that
/// does not need the secret key. `body` must be the exact bytes the handler
/// will parse (it is hashed when `x-amz-content-sha256` is sent).
pub fn inspect(parts: &Parts, body: &[u8]) -> Result<Presented, AwsError> {
    let headers = &parts.headers;
    let query = parts.uri.query().unwrap_or("");

    // Presigned requests are not supported (S3). With no Authorization
    // header the request then carries no authentication we accept, which AWS
    // answers with MissingAuthenticationToken; with both, AWS's S3 wording.
    if query_has_auth(query) {
        return Err(if headers.contains_key(AUTHORIZATION) {
            incomplete(
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
            )
        } else {
            missing_token()
        });
    }
    let Some(authorization) = headers.get(AUTHORIZATION) else {
        return Err(missing_token());
    };
    if parts.uri.path() != "/" {
        return Err(incomplete(
            "The request path must be '/': this service serves no other path.",
        ));
    }
    if !query.is_empty() {
        return Err(incomplete(
            "The request must not have a query string: this service takes its input from the body.",
        ));
    }
    for (name, shown) in SINGLE {
        if headers.get_all(name).iter().nth(1).is_some() {
            return Err(incomplete(format!(
                "The '{shown}' header must not appear more than once."
            )));
        }
    }

    // Without Host the signature would bind no endpoint at all (S14).
    if !headers.contains_key(HOST) {
        return Err(incomplete("The request must have a 'Host' header."));
    }

    let authorization = authorization
        .to_str()
        .map_err(|_| incomplete("The Authorization header has characters that are not allowed."))?;
    let params = parse_authorization(authorization)?;
    let date_header = headers.get(X_AMZ_DATE);
    let (Some(credential), Some(signed_headers), Some(signature), Some(date_header)) = (
        params.credential,
        params.signed_headers,
        params.signature,
        date_header,
    ) else {
        let message = missing_parameters(&params, date_header.is_none()).unwrap_or_default();
        return Err(incomplete(message));
    };

    let date_text = date_header.to_str().unwrap_or("");
    let amz_date = AmzDate::parse(date_text).ok_or_else(|| bad_date(date_text))?;
    let credential = Credential::parse(credential)?;
    if credential.date != amz_date.date() {
        return Err(scope_date_mismatch(&credential.date, &amz_date));
    }

    let signed_headers = parse_signed_headers(signed_headers)?;
    let is_signed = |name: &str| {
        signed_headers
            .binary_search_by(|s| s.as_str().cmp(name))
            .is_ok()
    };
    if !is_signed("host") {
        return Err(incomplete(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    // `X-Amz-Target` names the operation of an awsJson request, so it must
    // be signed when sent. awsQuery requests (IAM, STS) have none: their
    // operation is the form body's `Action`, which the payload hash binds.
    for (name, shown, required) in [
        (X_AMZ_DATE, "X-Amz-Date", true),
        (
            X_AMZ_TARGET,
            "X-Amz-Target",
            headers.contains_key(X_AMZ_TARGET),
        ),
        (
            "content-type",
            "Content-Type",
            headers.contains_key(CONTENT_TYPE),
        ),
    ] {
        if required && !is_signed(name) {
            return Err(incomplete(format!(
                "'{shown}' must be a 'SignedHeader' in the AWS Authorization."
            )));
        }
    }
    let mut unsigned: Vec<&str> = headers
        .keys()
        .map(|n| n.as_str())
        .filter(|n| n.starts_with("x-amz-") && !is_signed(n))
        .collect();
    if !unsigned.is_empty() {
        unsigned.sort_unstable();
        return Err(incomplete(format!(
            "There were headers present in the request which were not signed: {}.",
            unsigned.join(", ")
        )));
    }

    let signature = Signature(parse_signature(signature)?);

    let security_token = match headers.get(X_AMZ_SECURITY_TOKEN) {
        None => None,
        Some(v) => match v.to_str() {
            Ok(t) if !t.is_empty() => Some(t.to_owned()),
            _ => {
                return Err(incomplete(
                    "The X-Amz-Security-Token header must be a non-empty visible ASCII string.",
                ));
            }
        },
    };

    // Refuse now what `verify` could not canonicalise, so verification
    // itself has a single outcome: match or mismatch.
    let mut scratch = String::new();
    for name in &signed_headers {
        for value in headers.get_all(name.as_str()) {
            scratch.clear();
            if canonical_value(value.as_bytes(), &mut scratch).is_err() {
                return Err(incomplete(format!(
                    "The value of header '{name}' has characters that cannot be signed (control or non-ASCII characters)."
                )));
            }
        }
    }

    if let Some(claimed) = headers.get(X_AMZ_CONTENT_SHA256) {
        check_content_sha256(claimed.as_bytes(), body)?;
    }

    Ok(Presented {
        credential,
        signed_headers,
        signature,
        amz_date,
        security_token,
    })
}

fn query_has_auth(query: &str) -> bool {
    query.split('&').any(|pair| {
        let key = pair.split_once('=').map_or(pair, |(k, _)| k);
        let key = percent_decode_str(key).decode_utf8_lossy();
        ["x-amz-algorithm", "x-amz-credential", "x-amz-signature"]
            .iter()
            .any(|n| key.eq_ignore_ascii_case(n))
    })
}

fn bad_date(sent: &str) -> AwsError {
    match echo_date(sent) {
        Some(sent) => incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{sent}'. See http://en.wikipedia.org/wiki/ISO_8601"
        )),
        None => incomplete(
            "Date must be in ISO-8601 'basic format'. See http://en.wikipedia.org/wiki/ISO_8601",
        ),
    }
}

fn scope_date_mismatch(scope_date: &str, amz_date: &AmzDate) -> AwsError {
    match echo(scope_date) {
        Some(scope_date) => invalid(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope_date}' != '{}', from '{}'.",
            amz_date.date(),
            amz_date.as_str()
        )),
        None => invalid(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.",
        ),
    }
}

/// S7: the body is always signed. The sentinels that let S3 skip or stream
/// the payload are refused, and a stated hash must be the body's.
fn check_content_sha256(claimed: &[u8], body: &[u8]) -> Result<(), AwsError> {
    if claimed == b"UNSIGNED-PAYLOAD" || claimed.starts_with(b"STREAMING-") {
        return Err(invalid(
            "This service requires a signed payload: 'x-amz-content-sha256' must be the SHA-256 of the body; 'UNSIGNED-PAYLOAD' and 'STREAMING-*' are not accepted.",
        ));
    }
    if claimed != payload_hash(body).as_bytes() {
        return Err(invalid(
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
        ));
    }
    Ok(())
}

#[cfg(test)]
#[path = "inspect_tests.rs"]
mod tests;
