//! The front-door errors of awsQuery services.
//!
//! Authentication, routing and throttling run before Tresor knows which
//! protocol's handler will answer, and they speak awsJson's codes
//! (`sigv4`, `UnknownOperationException`, …). IAM and STS answer the same
//! cases with other codes, statuses and sometimes words, in XML: AWS's
//! `InvalidClientTokenId` (403, "The security token included in the request
//! is invalid.") for an unknown access key or session token,
//! `SignatureDoesNotMatch` (403) for a bad signature, a wrong scope or a
//! clock outside the window ("Signature expired: …"), `IncompleteSignature`
//! (400), `MissingAuthenticationToken` (403, "Request is missing
//! Authentication Token"), `ExpiredToken` (403) for temporary credentials
//! past their expiry, `AccessDenied` (403) for a policy denial,
//! `InvalidAction` for an unknown operation, `ValidationError` for a model
//! violation. This module owns that mapping and nothing else.

use crate::error::{AwsError, ErrorCode};
use crate::operation::Service;

/// The error an awsQuery service (`service`) answers for a front-door error
/// raised in awsJson's terms. Apply it only to errors raised before the
/// operation runs (authentication, authorisation, routing, throttling, a
/// sealed server): a modelled service error keeps its code — STS's own
/// `ExpiredTokenException` (an expired web identity token, 400) is not the
/// front door's expired credentials (`ExpiredToken`, 403). Codes with no
/// query counterpart are returned unchanged.
pub fn query_front_door_error(service: Service, error: AwsError) -> AwsError {
    use ErrorCode::*;
    let AwsError { code, message } = error;
    let code = match code {
        AccessDeniedException => AccessDenied,
        UnrecognizedClientException => InvalidClientTokenId,
        InvalidSignatureException => SignatureDoesNotMatch,
        IncompleteSignatureException => IncompleteSignature,
        MissingAuthenticationTokenException => {
            return AwsError::new(
                MissingAuthenticationToken,
                "Request is missing Authentication Token",
            );
        }
        ExpiredTokenException => ExpiredToken,
        ThrottlingException => Throttling,
        UnknownOperationException => InvalidAction,
        ValidationException => ValidationError,
        SerializationException => InvalidQueryParameter,
        InternalServiceError => match service {
            Service::Iam => ServiceFailure,
            _ => InternalFailure,
        },
        other => other,
    };
    AwsError::new(code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(service: Service, code: ErrorCode) -> (ErrorCode, u16) {
        let e = query_front_door_error(service, AwsError::new(code, "m"));
        (e.code, e.code.http_status())
    }

    #[test]
    fn auth_failures_are_query_codes_with_403s() {
        use ErrorCode::*;
        for service in [Service::Iam, Service::Sts] {
            assert_eq!(
                mapped(service, UnrecognizedClientException),
                (InvalidClientTokenId, 403)
            );
            assert_eq!(
                mapped(service, InvalidSignatureException),
                (SignatureDoesNotMatch, 403)
            );
            assert_eq!(
                mapped(service, IncompleteSignatureException),
                (IncompleteSignature, 400)
            );
            assert_eq!(
                mapped(service, MissingAuthenticationTokenException),
                (MissingAuthenticationToken, 403)
            );
            assert_eq!(mapped(service, ExpiredTokenException), (ExpiredToken, 403));
            assert_eq!(mapped(service, AccessDeniedException), (AccessDenied, 403));
            assert_eq!(
                mapped(service, UnknownOperationException),
                (InvalidAction, 400)
            );
            assert_eq!(mapped(service, ValidationException), (ValidationError, 400));
            assert_eq!(mapped(service, ThrottlingException), (Throttling, 400));
            assert_eq!(
                mapped(service, ServiceUnavailable),
                (ServiceUnavailable, 503)
            );
            // Already a query code, or a modelled error: unchanged.
            assert_eq!(mapped(service, NoSuchEntity), (NoSuchEntity, 404));
        }
        assert_eq!(
            mapped(Service::Iam, InternalServiceError),
            (ServiceFailure, 500)
        );
        assert_eq!(
            mapped(Service::Sts, InternalServiceError),
            (InternalFailure, 500)
        );
    }

    #[test]
    fn messages_are_kept_except_where_aws_words_it_differently() {
        let e = query_front_door_error(Service::Sts, crate::sigv4::errors::missing_token());
        assert_eq!(e.message, "Request is missing Authentication Token");
        let e = query_front_door_error(
            Service::Sts,
            AwsError::new(
                ErrorCode::InvalidSignatureException,
                crate::sigv4::errors::SIGNATURE_MISMATCH,
            ),
        );
        assert_eq!(e.message, crate::sigv4::errors::SIGNATURE_MISMATCH);
    }
}
