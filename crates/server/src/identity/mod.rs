//! Identities: who callers are and which identity policies apply to them.
//!
//! Owns the IAM entities (users, groups, roles, managed policies — stored
//! as `iam_entities` rows, `entities`), the principal model the policy
//! engine sees (`principal`), identifiers in AWS's formats (`ids`), the
//! cached directory the request path asks (`directory`), and the
//! verification of OpenID Connect identity tokens from configured issuers
//! (`oidc`). The IAM and STS APIs that change identities live in
//! `service::iam` and `service::sts`.

pub mod directory;
pub mod entities;
pub mod ids;
pub mod oidc;
pub mod principal;

pub use directory::{Credentials, Directory, IdentityPolicies};
pub use principal::{Principal, PrincipalKind, RoleSession};
