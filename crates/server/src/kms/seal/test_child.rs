//! Runs one `#[ignore]`d test of this test binary in a child process with
//! extra environment variables.
//!
//! Tests cannot set variables in their own process (`std::env::set_var` is
//! `unsafe` in edition 2024, and the process is shared by parallel tests),
//! yet `key_from_env` and the PKCS#11 module read them. A child test returns
//! at once unless [`is_child`], so `cargo test -- --ignored` stays harmless.

use std::ffi::OsStr;
use std::process::Command;

const MARKER: &str = "TRESOR_SEAL_TEST_CHILD";

pub fn is_child() -> bool {
    std::env::var_os(MARKER).is_some()
}

/// Runs the test at `path` (e.g. `kms::seal::external::tests::env_child`)
/// and panics with its output unless it ran and passed.
pub fn run(path: &str, envs: &[(&str, &OsStr)]) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let out = Command::new(exe)
        .args([
            path,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(MARKER, "1")
        .envs(envs.iter().copied())
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "child test {path} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
}
