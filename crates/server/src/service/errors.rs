//! The service's errors, with AWS's exact messages where AWS's are known.
//!
//! One constructor per situation, so every operation says the same thing
//! for the same case and the messages live in one place.

use tresor_wire::{AwsError, ErrorCode};

use crate::kms::KmsError;
use crate::store::StoreError;

pub fn secret_not_found() -> AwsError {
    AwsError::new(
        ErrorCode::ResourceNotFoundException,
        "Secrets Manager can't find the specified secret.",
    )
}

pub fn stage_not_found(stage: &str) -> AwsError {
    AwsError::new(
        ErrorCode::ResourceNotFoundException,
        format!("Secrets Manager can't find the specified secret value for staging label: {stage}"),
    )
}

pub fn version_not_found(version_id: &str) -> AwsError {
    AwsError::new(
        ErrorCode::ResourceNotFoundException,
        format!(
            "Secrets Manager can't find the specified secret value for VersionId: {version_id}"
        ),
    )
}

pub fn marked_for_deletion() -> AwsError {
    AwsError::new(
        ErrorCode::InvalidRequestException,
        "You can't perform this operation on the secret because it was marked for deletion.",
    )
}

pub fn invalid_name() -> AwsError {
    // AWS's text lists `!` although `!` is not allowed.
    AwsError::new(
        ErrorCode::ValidationException,
        "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
    )
}

pub fn token_required() -> AwsError {
    AwsError::new(
        ErrorCode::InvalidRequestException,
        "You must provide a ClientRequestToken value. We recommend a UUID-type value.",
    )
}

pub fn token_in_use(token: &str, arn: &str) -> AwsError {
    AwsError::new(
        ErrorCode::ResourceExistsException,
        format!(
            "You can't use ClientRequestToken {token} because that value is already in use for a version of secret {arn}."
        ),
    )
}

pub fn invalid_parameter(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::InvalidParameterException, message)
}

pub fn invalid_request(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::InvalidRequestException, message)
}

pub fn limit_exceeded(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::LimitExceededException, message)
}

pub fn both_values() -> AwsError {
    invalid_parameter(
        "You can't specify both a binary secret value and a string secret value in the same secret.",
    )
}

pub fn replica_read_only() -> AwsError {
    invalid_request(
        "Operation not permitted on a replica secret. Call must be made in primary secret's region.",
    )
}

pub fn invalid_next_token() -> AwsError {
    AwsError::new(
        ErrorCode::InvalidNextTokenException,
        "The NextToken value is invalid.",
    )
}

/// Logs a server-side failure and answers with a generic 500: internal
/// details stay in our logs, never in a response.
pub fn internal(context: &str, error: &dyn std::fmt::Display) -> AwsError {
    tracing::error!(%error, "{context}");
    AwsError::internal()
}

/// Storage failures are server faults: logged here, generic to the client.
pub fn from_store(e: StoreError) -> AwsError {
    if e.is_not_in_memory() {
        // A memory-path miss: its answer is discarded and the read reruns.
        return AwsError::internal();
    }
    internal("storage failure", &e)
}

/// KMS failures as Secrets Manager reports them.
pub fn from_kms_on_write(e: KmsError) -> AwsError {
    match e {
        KmsError::KeyNotFound(key) => invalid_parameter(format!(
            "The operation failed because of an invalid KMS key: Key '{key}' does not exist."
        )),
        KmsError::InvalidCiphertext | KmsError::Disabled(_) | KmsError::PendingDeletion(_) => {
            AwsError::new(
                ErrorCode::EncryptionFailure,
                "Secrets Manager can't encrypt the protected secret text using the provided KMS key.",
            )
        }
        KmsError::Store(e) => internal("storage failure", &e),
    }
}

pub fn from_kms_on_read(e: KmsError) -> AwsError {
    match e {
        KmsError::KeyNotFound(_)
        | KmsError::InvalidCiphertext
        | KmsError::Disabled(_)
        | KmsError::PendingDeletion(_) => AwsError::new(
            ErrorCode::DecryptionFailure,
            "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
        ),
        KmsError::Store(e) => internal("storage failure", &e),
    }
}

impl From<StoreError> for AwsError {
    fn from(e: StoreError) -> Self {
        from_store(e)
    }
}
