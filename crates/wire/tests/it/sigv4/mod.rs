//! SigV4 against outside references: AWS's test-suite vectors and AWS's own
//! signer (`aws-sigv4`), plus sign → verify round trips through the public
//! API only.

mod cases;
mod differential;
mod round_trip;
mod vectors;
