//! Integration tests of the service on a real data directory: real SQLite,
//! real keys and envelope encryption, driven through `Service::handle` with
//! awsJson bodies, or awsQuery forms for IAM (HTTP and SigV4 are covered by
//! tests/e2e and tests/compat).

mod harness;

mod at_rest;
mod bad_input;
mod iam;
mod sessions;
mod tamper;
mod time_travel;
