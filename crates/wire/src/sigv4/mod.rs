//! AWS Signature Version 4, header form: verification (server) and signing
//! (client), pure — no I/O, no clock, no async.
//!
//! Owns the SigV4 rules Tresor enforces (security.md §6, S1–S22): what a
//! request must present ([`inspect`]), the clock window ([`check_clock`]),
//! key derivation ([`signing_key`]), the signature check ([`verify`]) and the
//! client-side signer ([`sign`]). It does **not** own policy: which regions
//! and services are served, which access keys exist and whether a security
//! token belongs to a key are the server's decisions (it uses
//! [`wrong_service`] / [`wrong_region`] for AWS's wording).
//!
//! Server flow: `inspect` → `check_clock` → look up the access key →
//! `signing_key` (cacheable per key/date/region/service) → `verify`.
//!
//! Only header authentication is supported. Presigned (query-string) requests
//! are rejected: Secrets Manager SDKs never send them and they carry their own
//! class of expiry bugs (S3).

pub(crate) mod amz_date;
mod authorization;
mod canonical;
mod clock;
pub(crate) mod errors;
mod inspect;
mod key;
mod sign;
mod verify;

pub use amz_date::AmzDate;
pub use authorization::Credential;
pub use canonical::{
    UnsignableHeader, canonical_query, canonical_request, canonical_uri, header_list, payload_hash,
    string_to_sign,
};
pub use clock::check_clock;
pub use errors::{wrong_region, wrong_service};
pub use inspect::{Presented, inspect};
pub use key::{SigningKey, signing_key};
pub use sign::{SignError, SigningParams, sign, sign_parts};
pub use verify::verify;

/// The only algorithm accepted (S2): not SigV2, not SigV4a.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The fixed last element of a credential scope.
pub const TERMINATOR: &str = "aws4_request";
