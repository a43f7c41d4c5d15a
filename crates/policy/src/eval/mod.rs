//! Policy evaluation: pure functions from a parsed `PolicyDocument` and a
//! `RequestContext` to a `PolicyResult`. No I/O, no clock, no randomness:
//! the same inputs always give the same answer (I20), and every input that
//! can change it is in `RequestContext` (`CompiledPolicy::context_keys`
//! lists the condition keys a document reads).
//!
//! IAM semantics, not glob semantics. Files, one job each:
//!
//! * `context` — the request: action, resource, caller, condition keys.
//! * `wildcard` — `*` / `?` matching over tokens.
//! * `variables` — `${...}` policy variables, substituted literally.
//! * `arn` — ARN patterns, segment by segment (`Resource`, `Arn*`).
//! * `typed` — CIDR membership, base64, booleans.
//! * `conditions` — every condition operator, `IfExists`, set operators.
//! * `principal_match` — `Principal` / `NotPrincipal` against the caller.
//! * `evaluate` — statements and documents: `PolicyResult`,
//!   `CompiledPolicy`, `PolicySet`.
//! * `decide` — identity + resource results → `Decision` (I2).

mod arn;
mod conditions;
mod context;
mod decide;
mod evaluate;
mod principal_match;
mod typed;
mod variables;
mod wildcard;

pub use context::{CallerPrincipal, ContextKeys, ContextValue, RequestContext};
pub use decide::{Combination, Decision, decide};
pub use evaluate::{CompiledPolicy, PolicyResult, PolicySet};
