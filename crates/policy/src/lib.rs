//! The IAM policy language, as a pure library: parse and validate policy
//! documents, and evaluate them against a request.
//!
//! `parse` turns JSON text into a `PolicyDocument` or a `PolicyError`, which
//! Secrets Manager reports as `MalformedPolicyDocumentException`. Validation
//! follows IAM's grammar strictly and never ignores what it does not
//! understand (security.md I17): duplicate JSON keys, unknown elements,
//! unknown condition operators, malformed ARNs, typed condition values that
//! do not parse, and documents over 20,480 characters are all errors.
//!
//! For a secret's resource policy the server calls `parse`, then
//! `PolicyDocument::check_resource_policy`, then (for `BlockPublicPolicy`
//! and ValidateResourcePolicy) `PolicyDocument::grants_public_access`.
//!
//! To decide a request, the server builds a `RequestContext` (action, the
//! canonical resource ARN, the caller as a `CallerPrincipal`, condition
//! keys) and asks each document: `PolicyDocument::evaluate_identity` for
//! identity policies, `PolicyDocument::evaluate_resource` for secret
//! policies, key policies and trust policies. Each answers a `PolicyResult`
//! (`ExplicitDeny`, `Allow`, `AllowByAccount`, `NotApplicable`);
//! `PolicyResult::combine` merges documents of one kind and `decide` merges
//! identity with resource results (I2). For repeated evaluation,
//! `CompiledPolicy` / `PolicySet` do the per-document work once. The exact
//! semantics — wildcards, ARN segments, every condition operator, policy
//! variables, `NotPrincipal` — are documented on the `eval` modules and
//! follow security.md §7 (I1–I20).
//!
//! No I/O, no async, no dependency on the wire crate: this crate can be
//! fuzzed alone and reused by the CLI and the agent.
//!
//! Files, one job each: `document` (top level, `parse`), `statement`,
//! `principal`, `action`, `resource`, `condition`, `operator` (condition
//! operator names), `values` and `date` (typed condition values), `public`
//! (the public-access rule), `json` (strict JSON), `error`; `eval/` holds
//! evaluation (see its module docs).

mod action;
mod condition;
mod date;
mod document;
mod error;
mod eval;
mod json;
mod operator;
mod principal;
mod public;
mod resource;
mod statement;
mod values;

pub use action::{ActionPattern, ActionSpec};
pub use condition::Condition;
pub use date::Timestamp;
pub use document::{MAX_POLICY_CHARS, PolicyDocument, Version, parse};
pub use error::PolicyError;
pub use eval::{
    CallerPrincipal, Combination, CompiledPolicy, ContextKeys, ContextValue, Decision,
    PolicyResult, PolicySet, RequestContext, decide,
};
pub use operator::{ConditionOperator, OperatorKind, SetQualifier, ValueType};
pub use principal::{Principal, PrincipalKind, PrincipalSet, PrincipalSpec};
pub use resource::{ResourcePattern, ResourceSpec};
pub use statement::{Effect, Statement};
pub use values::{IpNet, is_base64, parse_bool, parse_numeric};
