//! Every served IAM and STS operation through the awsQuery codec against
//! botocore, the client most users have: requests exactly as botocore sends
//! them decode to the parameters they were made from (and their SigV4
//! signatures verify), and every response we write, botocore reads back to
//! what the DTO held.
//!
//! The fixtures (`tests/data/query/{iam,sts}.json`) were captured from
//! botocore by `tests/data/query/generate.py`; responses are checked by
//! running `tests/data/query/check.py` (python3 with botocore, as CI
//! installs for the compatibility suite).

mod botocore;
mod table;
