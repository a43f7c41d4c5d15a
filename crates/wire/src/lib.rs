//! The AWS wire protocols Tresor speaks, as a pure library.
//!
//! awsJson 1.1 (Secrets Manager, KMS) and awsQuery (IAM, STS) request
//! decoding and validation against the vendored service models, the awsQuery
//! XML responses, typed DTOs, AWS error codes, SigV4, and ARNs. No sockets, no
//! storage, no async runtime: this crate can be fuzzed on its own and reused
//! by the CLI and the local agent.

pub mod arn;
pub mod dto;
pub mod error;
pub mod json;
pub mod model;
pub mod operation;
pub mod query;
pub mod request;
pub mod sigv4;
pub mod validate;

pub use error::{AwsError, ErrorCode};
pub use operation::{
    ApiOperation, CloudTrailOperation, IamOperation, KmsOperation, Operation, OperatorOperation,
    Protocol, Service, StsOperation, Target,
};
