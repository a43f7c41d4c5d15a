//! AWS error codes and their JSON error body.
//!
//! Owns the mapping `ErrorCode -> (HTTP status, "__type" / "<Code>")` and the
//! shape of an awsJson error response (the awsQuery XML one is
//! `query::encode_query_error`). Every error Tresor sends goes through here,
//! so a client always gets AWS's code for the case (the SDKs dispatch on it).

use std::fmt;

/// `error_codes! { Variant => ("WireCode", status), … }`: the enum, its wire
/// strings, HTTP statuses and the list of all codes, from one table.
macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident => ($code:literal, $status:literal),)*) => {
        /// Every error code Tresor can answer with. awsJson names are AWS's
        /// `__type`s; awsQuery names are the `<Code>` of AWS's error XML.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The `__type` (awsJson) or `<Code>` (awsQuery) string.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)*
                }
            }

            /// HTTP status. AWS answers every client error of a JSON service
            /// with 400, including not-found and auth errors (moto's 404s are
            /// wrong); IAM and STS use the statuses of their models' `error`
            /// traits, and 403 for authentication failures.
            pub fn http_status(self) -> u16 {
                match self {
                    $(ErrorCode::$variant => $status,)*
                }
            }
        }
    };
}

error_codes! {
    // Modelled Secrets Manager errors.
    ResourceNotFoundException => ("ResourceNotFoundException", 400),
    ResourceExistsException => ("ResourceExistsException", 400),
    InvalidRequestException => ("InvalidRequestException", 400),
    InvalidParameterException => ("InvalidParameterException", 400),
    LimitExceededException => ("LimitExceededException", 400),
    MalformedPolicyDocumentException => ("MalformedPolicyDocumentException", 400),
    PublicPolicyException => ("PublicPolicyException", 400),
    PreconditionNotMetException => ("PreconditionNotMetException", 400),
    EncryptionFailure => ("EncryptionFailure", 400),
    DecryptionFailure => ("DecryptionFailure", 400),
    InvalidNextTokenException => ("InvalidNextTokenException", 400),
    InternalServiceError => ("InternalServiceError", 500),
    // CloudTrail (LookupEvents) errors.
    InvalidLookupAttributesException => ("InvalidLookupAttributesException", 400),
    InvalidTimeRangeException => ("InvalidTimeRangeException", 400),
    InvalidMaxResultsException => ("InvalidMaxResultsException", 400),
    InvalidEventCategoryException => ("InvalidEventCategoryException", 400),
    // KMS errors.
    NotFoundException => ("NotFoundException", 400),
    DisabledException => ("DisabledException", 400),
    KMSInvalidStateException => ("KMSInvalidStateException", 400),
    InvalidCiphertextException => ("InvalidCiphertextException", 400),
    IncorrectKeyException => ("IncorrectKeyException", 400),
    AlreadyExistsException => ("AlreadyExistsException", 400),
    InvalidAliasNameException => ("InvalidAliasNameException", 400),
    InvalidKeyUsageException => ("InvalidKeyUsageException", 400),
    InvalidArnException => ("InvalidArnException", 400),
    InvalidMarkerException => ("InvalidMarkerException", 400),
    InvalidGrantTokenException => ("InvalidGrantTokenException", 400),
    TagException => ("TagException", 400),
    UnsupportedOperationException => ("UnsupportedOperationException", 400),
    KeyUnavailableException => ("KeyUnavailableException", 500),
    KMSInternalException => ("KMSInternalException", 500),
    DependencyTimeoutException => ("DependencyTimeoutException", 503),
    DryRunOperationException => ("DryRunOperationException", 400),
    // Modelled IAM errors (awsQuery). Several share a name with another
    // service's error but not its wire code (`LimitExceeded` is not
    // `LimitExceededException`): distinct variants, each with its own.
    NoSuchEntity => ("NoSuchEntity", 404),
    EntityAlreadyExists => ("EntityAlreadyExists", 409),
    LimitExceeded => ("LimitExceeded", 409),
    DeleteConflict => ("DeleteConflict", 409),
    /// IAM's and STS's (both `MalformedPolicyDocument`, 400).
    MalformedPolicyDocument => ("MalformedPolicyDocument", 400),
    InvalidInput => ("InvalidInput", 400),
    ServiceFailure => ("ServiceFailure", 500),
    ConcurrentModification => ("ConcurrentModification", 409),
    UnmodifiableEntity => ("UnmodifiableEntity", 400),
    PolicyNotAttachable => ("PolicyNotAttachable", 400),
    EntityTemporarilyUnmodifiable => ("EntityTemporarilyUnmodifiable", 409),
    // Modelled STS errors (awsQuery). STS's `ExpiredTokenException` (an
    // expired web identity token, 400) is the shared variant below.
    PackedPolicyTooLarge => ("PackedPolicyTooLarge", 400),
    RegionDisabledException => ("RegionDisabledException", 403),
    IDPRejectedClaim => ("IDPRejectedClaim", 403),
    InvalidIdentityToken => ("InvalidIdentityToken", 400),
    IDPCommunicationError => ("IDPCommunicationError", 400),
    // Errors every AWS JSON service shares (front door, auth, protocol).
    ValidationException => ("ValidationException", 400),
    AccessDeniedException => ("AccessDeniedException", 400),
    UnrecognizedClientException => ("UnrecognizedClientException", 400),
    InvalidSignatureException => ("InvalidSignatureException", 400),
    IncompleteSignatureException => ("IncompleteSignatureException", 400),
    MissingAuthenticationTokenException => ("MissingAuthenticationTokenException", 400),
    ExpiredTokenException => ("ExpiredTokenException", 400),
    ThrottlingException => ("ThrottlingException", 400),
    UnknownOperationException => ("UnknownOperationException", 400),
    SerializationException => ("SerializationException", 400),
    RequestEntityTooLargeException => ("RequestEntityTooLargeException", 413),
    ServiceUnavailable => ("ServiceUnavailable", 503),
    // Errors every awsQuery service shares (IAM and STS common errors);
    // `query::query_front_door_error` maps the JSON ones above to these.
    /// No operation of that name and version (`Could not find operation
    /// CreateUser for version 2010-05-09`).
    InvalidAction => ("InvalidAction", 400),
    MissingAction => ("MissingAction", 400),
    /// A member violates the model: the query services' name for
    /// `ValidationException`, with the same message.
    ValidationError => ("ValidationError", 400),
    /// The form body itself is malformed (percent-encoding, UTF-8,
    /// duplicate keys).
    InvalidQueryParameter => ("InvalidQueryParameter", 400),
    AccessDenied => ("AccessDenied", 403),
    /// Unknown access key or session token.
    InvalidClientTokenId => ("InvalidClientTokenId", 403),
    SignatureDoesNotMatch => ("SignatureDoesNotMatch", 403),
    IncompleteSignature => ("IncompleteSignature", 400),
    MissingAuthenticationToken => ("MissingAuthenticationToken", 403),
    /// Temporary credentials past their expiry.
    ExpiredToken => ("ExpiredToken", 403),
    RequestExpired => ("RequestExpired", 400),
    Throttling => ("Throttling", 400),
    InternalFailure => ("InternalFailure", 500),
    /// An IAM or STS operation Tresor does not serve.
    UnsupportedOperation => ("UnsupportedOperation", 400),
}

impl ErrorCode {
    /// Front-door errors (authentication, protocol) and KMS's errors carry a
    /// lowercase `message` member; Secrets Manager's carry `Message`, as
    /// recorded from AWS.
    fn lowercase_message(self) -> bool {
        use ErrorCode::*;
        matches!(
            self,
            AccessDeniedException
                | UnrecognizedClientException
                | InvalidSignatureException
                | IncompleteSignatureException
                | MissingAuthenticationTokenException
                | ExpiredTokenException
                | ThrottlingException
                | UnknownOperationException
                | SerializationException
                | RequestEntityTooLargeException
                | ServiceUnavailable
                | NotFoundException
                | DisabledException
                | KMSInvalidStateException
                | InvalidCiphertextException
                | IncorrectKeyException
                | AlreadyExistsException
                | InvalidAliasNameException
                | InvalidKeyUsageException
                | InvalidArnException
                | InvalidMarkerException
                | InvalidGrantTokenException
                | TagException
                | UnsupportedOperationException
                | KeyUnavailableException
                | KMSInternalException
                | DependencyTimeoutException
                | DryRunOperationException
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error as it goes on the wire: a code and a human message.
///
/// Messages must never contain a secret value: they are logged and audited.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AwsError {
    pub code: ErrorCode,
    pub message: String,
}

impl AwsError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The JSON body: `{"__type": ..., "Message": ...}`.
    pub fn to_json(&self) -> Vec<u8> {
        let key = if self.code.lowercase_message() {
            "message"
        } else {
            "Message"
        };
        let mut body = serde_json::Map::new();
        body.insert("__type".into(), self.code.as_str().into());
        body.insert(key.into(), self.message.clone().into());
        serde_json::to_vec(&body).expect("a map of strings always serialises")
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorCode::InternalServiceError,
            "An error occurred on the server side.",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_use_capital_message() {
        let e = AwsError::new(ErrorCode::ResourceNotFoundException, "x");
        let v: serde_json::Value = serde_json::from_slice(&e.to_json()).unwrap();
        assert_eq!(v["__type"], "ResourceNotFoundException");
        assert_eq!(v["Message"], "x");
        assert_eq!(e.code.http_status(), 400);
    }

    #[test]
    fn auth_errors_use_lowercase_message() {
        let e = AwsError::new(ErrorCode::InvalidSignatureException, "bad");
        let v: serde_json::Value = serde_json::from_slice(&e.to_json()).unwrap();
        assert_eq!(v["message"], "bad");
        assert!(v.get("Message").is_none());
    }

    #[test]
    fn only_server_faults_are_5xx() {
        assert_eq!(ErrorCode::InternalServiceError.http_status(), 500);
        assert_eq!(ErrorCode::ServiceUnavailable.http_status(), 503);
        assert_eq!(ErrorCode::AccessDeniedException.http_status(), 400);
        for code in ErrorCode::ALL {
            let server_fault = matches!(
                code,
                ErrorCode::InternalServiceError
                    | ErrorCode::KeyUnavailableException
                    | ErrorCode::KMSInternalException
                    | ErrorCode::DependencyTimeoutException
                    | ErrorCode::ServiceUnavailable
                    | ErrorCode::ServiceFailure
                    | ErrorCode::InternalFailure
            );
            assert_eq!(code.http_status() >= 500, server_fault, "{code}");
        }
    }

    #[test]
    fn query_codes_keep_their_own_strings_and_statuses() {
        assert_eq!(ErrorCode::LimitExceeded.as_str(), "LimitExceeded");
        assert_eq!(ErrorCode::LimitExceeded.http_status(), 409);
        assert_eq!(
            ErrorCode::LimitExceededException.as_str(),
            "LimitExceededException"
        );
        assert_eq!(ErrorCode::NoSuchEntity.http_status(), 404);
        assert_eq!(ErrorCode::SignatureDoesNotMatch.http_status(), 403);
        assert_eq!(ErrorCode::InvalidClientTokenId.http_status(), 403);
        let mut strings: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        let count = strings.len();
        strings.sort();
        strings.dedup();
        assert_eq!(strings.len(), count, "two variants with one wire code");
    }
}
