//! End-to-end: the official AWS SDK for Rust (`aws-sdk-secretsmanager`)
//! against an in-process Tresor, for every operation, success and error
//! paths. AWS's behaviour, as written down in
//! `shared/reference/aws-secretsmanager-api.md`, is the specification:
//! section numbers in test comments refer to it.
//!
//! One module per topic; `harness` starts servers and builds clients,
//! `raw` signs and sends requests by hand where the SDK cannot.

mod harness;
mod raw;

mod batch;
mod deletion;
mod errors;
mod idempotency;
mod labels;
mod lifecycle;
mod list;
mod password;
mod policy;
mod replication;
mod restart;
mod rotation;
mod tags;
mod values;
mod versions;
