//! AWS error codes and their JSON error body.
//!
//! Owns the mapping `ErrorCode -> (HTTP status, "__type")` and the shape of an
//! awsJson error response. Every error Tresor sends goes through here, so a
//! client always gets AWS's code for the case (the SDKs dispatch on `__type`).

use std::fmt;

/// Every error code Tresor can answer with. The names are AWS's `__type`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    // Modelled Secrets Manager errors.
    ResourceNotFoundException,
    ResourceExistsException,
    InvalidRequestException,
    InvalidParameterException,
    LimitExceededException,
    MalformedPolicyDocumentException,
    PublicPolicyException,
    PreconditionNotMetException,
    EncryptionFailure,
    DecryptionFailure,
    InvalidNextTokenException,
    InternalServiceError,
    // KMS errors.
    NotFoundException,
    DisabledException,
    KMSInvalidStateException,
    InvalidCiphertextException,
    IncorrectKeyException,
    AlreadyExistsException,
    InvalidAliasNameException,
    InvalidKeyUsageException,
    InvalidArnException,
    InvalidMarkerException,
    InvalidGrantTokenException,
    TagException,
    UnsupportedOperationException,
    KeyUnavailableException,
    KMSInternalException,
    DependencyTimeoutException,
    DryRunOperationException,
    // STS errors of AssumeRoleWithWebIdentity. Its expired token is the
    // shared `ExpiredTokenException` below.
    InvalidIdentityToken,
    IDPRejectedClaim,
    IDPCommunicationError,
    // Errors every AWS JSON service shares (front door, auth, protocol).
    ValidationException,
    AccessDeniedException,
    UnrecognizedClientException,
    InvalidSignatureException,
    IncompleteSignatureException,
    MissingAuthenticationTokenException,
    ExpiredTokenException,
    ThrottlingException,
    UnknownOperationException,
    SerializationException,
    RequestEntityTooLargeException,
    ServiceUnavailable,
}

impl ErrorCode {
    /// The `__type` string.
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            ResourceNotFoundException => "ResourceNotFoundException",
            ResourceExistsException => "ResourceExistsException",
            InvalidRequestException => "InvalidRequestException",
            InvalidParameterException => "InvalidParameterException",
            LimitExceededException => "LimitExceededException",
            MalformedPolicyDocumentException => "MalformedPolicyDocumentException",
            PublicPolicyException => "PublicPolicyException",
            PreconditionNotMetException => "PreconditionNotMetException",
            EncryptionFailure => "EncryptionFailure",
            DecryptionFailure => "DecryptionFailure",
            InvalidNextTokenException => "InvalidNextTokenException",
            InternalServiceError => "InternalServiceError",
            NotFoundException => "NotFoundException",
            DisabledException => "DisabledException",
            KMSInvalidStateException => "KMSInvalidStateException",
            InvalidCiphertextException => "InvalidCiphertextException",
            IncorrectKeyException => "IncorrectKeyException",
            AlreadyExistsException => "AlreadyExistsException",
            InvalidAliasNameException => "InvalidAliasNameException",
            InvalidKeyUsageException => "InvalidKeyUsageException",
            InvalidArnException => "InvalidArnException",
            InvalidMarkerException => "InvalidMarkerException",
            InvalidGrantTokenException => "InvalidGrantTokenException",
            TagException => "TagException",
            UnsupportedOperationException => "UnsupportedOperationException",
            KeyUnavailableException => "KeyUnavailableException",
            KMSInternalException => "KMSInternalException",
            DependencyTimeoutException => "DependencyTimeoutException",
            DryRunOperationException => "DryRunOperationException",
            InvalidIdentityToken => "InvalidIdentityToken",
            IDPRejectedClaim => "IDPRejectedClaim",
            IDPCommunicationError => "IDPCommunicationError",
            ValidationException => "ValidationException",
            AccessDeniedException => "AccessDeniedException",
            UnrecognizedClientException => "UnrecognizedClientException",
            InvalidSignatureException => "InvalidSignatureException",
            IncompleteSignatureException => "IncompleteSignatureException",
            MissingAuthenticationTokenException => "MissingAuthenticationTokenException",
            ExpiredTokenException => "ExpiredTokenException",
            ThrottlingException => "ThrottlingException",
            UnknownOperationException => "UnknownOperationException",
            SerializationException => "SerializationException",
            RequestEntityTooLargeException => "RequestEntityTooLargeException",
            ServiceUnavailable => "ServiceUnavailable",
        }
    }

    /// HTTP status. AWS answers every client error of a JSON service with 400,
    /// including not-found and auth errors (moto's 404s are wrong).
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InternalServiceError
            | ErrorCode::KMSInternalException
            | ErrorCode::KeyUnavailableException => 500,
            ErrorCode::ServiceUnavailable | ErrorCode::DependencyTimeoutException => 503,
            ErrorCode::RequestEntityTooLargeException => 413,
            // STS's model gives this one 403.
            ErrorCode::IDPRejectedClaim => 403,
            _ => 400,
        }
    }

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
    }

    #[test]
    fn web_identity_errors_have_sts_statuses() {
        assert_eq!(ErrorCode::InvalidIdentityToken.http_status(), 400);
        assert_eq!(ErrorCode::IDPCommunicationError.http_status(), 400);
        assert_eq!(ErrorCode::IDPRejectedClaim.http_status(), 403);
        assert_eq!(ErrorCode::IDPRejectedClaim.as_str(), "IDPRejectedClaim");
    }
}
