//! The authentication errors SigV4 handling can answer with, worded as AWS
//! words them (API reference §2) wherever AWS's text is known.
//!
//! Owns every message string of this module. Rule (S22, T6): a message never
//! contains the Authorization header, the signature, a security token, the
//! canonical request or the string to sign. Where AWS echoes a value (a
//! date, a region) we echo it only if it is short and made of harmless
//! characters ([`echo`]); otherwise the clause is left out.

use crate::error::{AwsError, ErrorCode};

pub(crate) const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// No usable authentication at all.
pub(crate) fn missing_token() -> AwsError {
    AwsError::new(
        ErrorCode::MissingAuthenticationTokenException,
        "Missing Authentication Token",
    )
}

/// The request's authentication is malformed or does not cover what it must.
pub(crate) fn incomplete(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::IncompleteSignatureException, message)
}

/// Well-formed, but wrong: scope, time, payload hash or signature.
pub(crate) fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::InvalidSignatureException, message)
}

pub(crate) fn signature_mismatch() -> AwsError {
    invalid(SIGNATURE_MISMATCH)
}

/// The credential scope names another service than the one served.
pub fn wrong_service(expected: &str) -> AwsError {
    invalid(format!(
        "Credential should be scoped to correct service: '{expected}'. "
    ))
}

/// The credential scope names a region that is not served. AWS echoes the
/// region (`..., not 'us-west-1'. `); we do too when it looks like one.
pub fn wrong_region(got: &str) -> AwsError {
    match echo(got) {
        Some(got) => invalid(format!(
            "Credential should be scoped to a valid region, not '{got}'. "
        )),
        None => invalid("Credential should be scoped to a valid region. "),
    }
}

/// `value` if it is safe to put in a message: 1–64 characters from
/// `[A-Za-z0-9._-]`. Anything else (empty, long, punctuation, spaces, control
/// or non-ASCII characters) could be a pasted secret or a log-injection
/// attempt, so it is not repeated.
pub(crate) fn echo(value: &str) -> Option<&str> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    ok.then_some(value)
}

/// Like [`echo`] for a timestamp someone sent: 1–40 characters from
/// `[A-Za-z0-9:.+-]`, enough for any ISO 8601 or RFC 1123-less attempt.
pub(crate) fn echo_date(value: &str) -> Option<&str> {
    let ok = !value.is_empty()
        && value.len() <= 40
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'.' | b'+' | b'-'));
    ok.then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_policy_errors_use_aws_wording() {
        let e = wrong_service("secretsmanager");
        assert_eq!(e.code, ErrorCode::InvalidSignatureException);
        assert_eq!(
            e.message,
            "Credential should be scoped to correct service: 'secretsmanager'. "
        );
        let e = wrong_region("us-west-1");
        assert_eq!(e.code, ErrorCode::InvalidSignatureException);
        assert_eq!(
            e.message,
            "Credential should be scoped to a valid region, not 'us-west-1'. "
        );
    }

    #[test]
    fn unsafe_values_are_not_echoed() {
        for bad in ["", "a b", "x'y", "a\nb", "é", &"a".repeat(65), "AKID+/="] {
            assert_eq!(echo(bad), None, "{bad:?}");
            assert_eq!(
                wrong_region(bad).message,
                "Credential should be scoped to a valid region. "
            );
        }
        assert_eq!(echo("eu-west-3"), Some("eu-west-3"));
    }
}
