//! Typed request and response bodies.

mod blob;
pub mod kms;
mod secretsmanager;
mod sensitive;
mod timestamp;

#[cfg(test)]
mod conformance_tests;

pub use blob::Blob;
pub use secretsmanager::*;
pub use sensitive::{SecretBytes, SecretString};
pub use timestamp::Timestamp;
