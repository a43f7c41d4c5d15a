//! Typed request and response bodies. Secrets Manager's are at the top;
//! each other service's are in a module of its own (`kms`, `iam`, `sts`),
//! since shape names repeat across services (`Tag`).

mod blob;
pub mod cloudtrail;
pub mod iam;
pub mod kms;
mod secretsmanager;
mod sensitive;
pub mod sts;
mod timestamp;

#[cfg(test)]
mod conformance_tests;

pub use blob::Blob;
pub use secretsmanager::*;
pub use sensitive::{SecretBytes, SecretString};
pub use timestamp::Timestamp;
