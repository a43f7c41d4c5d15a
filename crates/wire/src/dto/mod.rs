//! Typed request and response bodies.

mod secretsmanager;
mod sensitive;
mod timestamp;

pub use secretsmanager::*;
pub use sensitive::{SecretBytes, SecretString};
pub use timestamp::Timestamp;
