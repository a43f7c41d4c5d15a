//! Typed request and response bodies.

#[cfg(test)]
mod conformance_tests;
mod secretsmanager;
mod sensitive;
mod timestamp;

pub use secretsmanager::*;
pub use sensitive::{SecretBytes, SecretString};
pub use timestamp::Timestamp;
