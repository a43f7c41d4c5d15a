//! Evaluating documents: which statements apply to a request, and what one
//! document (or a set of them) says about it.
//!
//! A statement applies when all of these hold:
//!
//! * **Principal** — identity policies: the statement has no `Principal` /
//!   `NotPrincipal` (one that has is skipped; IAM refuses such identity
//!   policies at write time). Resource policies (secret policies, key
//!   policies, trust policies): it has one and it applies to the caller
//!   (`principal_match`); a statement without one is skipped.
//! * **Action** — some pattern matches the action, case-insensitively
//!   (I9); with `NotAction`, none does (I3).
//! * **Resource** — some pattern matches the resource ARN (`arn`); with
//!   `NotResource`, none does (I4). A statement with neither applies to
//!   every resource (trust policies have none).
//! * **Conditions** — all hold (`conditions`; I13).
//!
//! Then, per document: an applying Deny → `ExplicitDeny`; else an applying
//! Allow that reached the caller directly → `Allow`; else one that reached
//! it only through its account → `AllowByAccount`; else `NotApplicable`.
//! Statement order never matters (I1): every statement is looked at, a
//! Deny ends the search.
//!
//! `CompiledPolicy` does the per-document work once (lower-cased actions,
//! parsed condition values, split ARN patterns); `PolicyDocument::evaluate_*`
//! compile on the fly. `PolicySet` holds several compiled documents of one
//! kind and combines their results.

use std::collections::BTreeSet;

use super::arn::ArnPattern;
use super::conditions::CompiledCondition;
use super::context::RequestContext;
use super::principal_match::{self, Grant};
use super::wildcard::{Tok, matches, pattern_tokens};
use crate::document::PolicyDocument;
use crate::principal::PrincipalSpec;
use crate::statement::{Effect, Statement};

/// The outcome of one policy document (or set) for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyResult {
    /// A Deny statement applies.
    ExplicitDeny,
    /// Allowed by a statement whose principal matched the caller directly
    /// (or by an identity policy, which has no Principal).
    Allow,
    /// Allowed only by statements that name the caller's ACCOUNT (Principal
    /// `arn:aws:iam::ACCT:root` or `ACCT`). In AWS this delegates to the
    /// account's IAM policies; the caller (server) decides what that means
    /// (see `decide`).
    AllowByAccount,
    /// No statement applies: an implicit deny, as far as this document goes.
    NotApplicable,
}

impl PolicyResult {
    /// The result of two documents of the same kind together: a Deny wins,
    /// then `Allow`, then `AllowByAccount`.
    pub fn combine(self, other: PolicyResult) -> PolicyResult {
        if self.rank() >= other.rank() {
            self
        } else {
            other
        }
    }

    /// Combines any number of results; none is `NotApplicable`.
    pub fn combine_all(results: impl IntoIterator<Item = PolicyResult>) -> PolicyResult {
        results
            .into_iter()
            .fold(PolicyResult::NotApplicable, PolicyResult::combine)
    }

    fn rank(self) -> u8 {
        match self {
            PolicyResult::NotApplicable => 0,
            PolicyResult::AllowByAccount => 1,
            PolicyResult::Allow => 2,
            PolicyResult::ExplicitDeny => 3,
        }
    }
}

impl PolicyDocument {
    /// Evaluates this document as an identity policy (attached to a user,
    /// group or role, or a session policy): statements must not have a
    /// Principal; any that do are not applicable. Never `AllowByAccount`.
    pub fn evaluate_identity(&self, ctx: &RequestContext) -> PolicyResult {
        CompiledPolicy::new(self).evaluate_identity(ctx)
    }

    /// Evaluates this document as a resource policy (a secret's resource
    /// policy, a KMS key policy, a role trust policy): statements apply only
    /// when their Principal/NotPrincipal matches `ctx.principal`.
    pub fn evaluate_resource(&self, ctx: &RequestContext) -> PolicyResult {
        CompiledPolicy::new(self).evaluate_resource(ctx)
    }
}

/// One document, prepared for repeated evaluation. Immutable; cheap to
/// share between threads.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledPolicy {
    statements: Vec<CompiledStatement>,
}

#[derive(Debug, Clone, PartialEq)]
struct CompiledStatement {
    effect: Effect,
    principal: Option<PrincipalSpec>,
    not_action: bool,
    /// Lower-cased.
    actions: Vec<Vec<Tok>>,
    /// `(NotResource, patterns)`; `None` when the statement has neither.
    resources: Option<(bool, Vec<ArnPattern>)>,
    conditions: Vec<CompiledCondition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Identity,
    Resource,
}

impl CompiledPolicy {
    pub fn new(doc: &PolicyDocument) -> Self {
        let variables = doc.version.has_policy_variables();
        let statements = doc
            .statements
            .iter()
            .map(|s| CompiledStatement::compile(s, variables))
            .collect();
        CompiledPolicy { statements }
    }

    /// See `PolicyDocument::evaluate_identity`.
    pub fn evaluate_identity(&self, ctx: &RequestContext) -> PolicyResult {
        self.evaluate(ctx, Kind::Identity)
    }

    /// See `PolicyDocument::evaluate_resource`.
    pub fn evaluate_resource(&self, ctx: &RequestContext) -> PolicyResult {
        self.evaluate(ctx, Kind::Resource)
    }

    /// Every condition key this document can read, lower-cased: condition
    /// keys and the keys of policy variables (in resources and condition
    /// values). The result of an evaluation depends on the context keys
    /// only through these, so a decision cache keys on their values (I20).
    pub fn context_keys(&self) -> BTreeSet<String> {
        let mut keys = BTreeSet::new();
        for s in &self.statements {
            for c in &s.conditions {
                keys.extend(c.keys().map(str::to_owned));
            }
            for p in s.resources.iter().flat_map(|(_, p)| p) {
                for t in p.templates() {
                    keys.extend(t.variable_keys().map(str::to_owned));
                }
            }
        }
        keys
    }

    fn evaluate(&self, ctx: &RequestContext, kind: Kind) -> PolicyResult {
        let action = ctx.action.to_ascii_lowercase();
        let mut best: Option<Grant> = None;
        for s in &self.statements {
            let grant = match (kind, &s.principal) {
                (Kind::Identity, None) => Grant::Direct,
                (Kind::Identity, Some(_)) | (Kind::Resource, None) => continue,
                (Kind::Resource, Some(spec)) => {
                    match principal_match::applies(spec, s.effect, ctx.principal.as_ref()) {
                        Some(grant) => grant,
                        None => continue,
                    }
                }
            };
            if !s.applies(&action, ctx) {
                continue;
            }
            match s.effect {
                Effect::Deny => return PolicyResult::ExplicitDeny,
                Effect::Allow => best = best.max(Some(grant)),
            }
        }
        match best {
            Some(Grant::Direct) => PolicyResult::Allow,
            Some(Grant::Account) => PolicyResult::AllowByAccount,
            None => PolicyResult::NotApplicable,
        }
    }
}

impl From<&PolicyDocument> for CompiledPolicy {
    fn from(doc: &PolicyDocument) -> Self {
        CompiledPolicy::new(doc)
    }
}

impl CompiledStatement {
    fn compile(s: &Statement, variables: bool) -> Self {
        CompiledStatement {
            effect: s.effect,
            principal: s.principal.clone(),
            not_action: s.action.negated,
            actions: s
                .action
                .patterns
                .iter()
                .map(|p| pattern_tokens(&p.as_str().to_ascii_lowercase()))
                .collect(),
            resources: s.resource.as_ref().map(|r| {
                let patterns = r
                    .patterns
                    .iter()
                    .map(|p| ArnPattern::compile(p.as_str(), variables))
                    .collect();
                (r.negated, patterns)
            }),
            conditions: s
                .conditions
                .iter()
                .map(|c| CompiledCondition::compile(c, variables))
                .collect(),
        }
    }

    /// Action, resource and conditions (the principal is checked first, by
    /// the caller). `action` is already lower-cased.
    fn applies(&self, action: &str, ctx: &RequestContext) -> bool {
        let action_hit = self.actions.iter().any(|p| matches(p, action));
        if action_hit == self.not_action {
            return false;
        }
        if let Some((not_resource, patterns)) = &self.resources {
            let hit = patterns.iter().any(|p| p.matches(&ctx.resource, &ctx.keys));
            if hit == *not_resource {
                return false;
            }
        }
        self.conditions.iter().all(|c| c.holds(&ctx.keys))
    }
}

/// Several documents of one kind (all identity policies of a principal, or
/// the resource policies that guard one resource), compiled once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicySet {
    policies: Vec<CompiledPolicy>,
}

impl PolicySet {
    /// An empty set; it evaluates to `NotApplicable`.
    pub fn new() -> Self {
        PolicySet::default()
    }

    pub fn push(&mut self, doc: &PolicyDocument) {
        self.policies.push(CompiledPolicy::new(doc));
    }

    pub fn len(&self) -> usize {
        self.policies.len()
    }

    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// The combined identity-policy result (a Deny in any document wins).
    pub fn evaluate_identity(&self, ctx: &RequestContext) -> PolicyResult {
        self.combine(|p| p.evaluate_identity(ctx))
    }

    /// The combined resource-policy result.
    pub fn evaluate_resource(&self, ctx: &RequestContext) -> PolicyResult {
        self.combine(|p| p.evaluate_resource(ctx))
    }

    /// The union of the documents' `CompiledPolicy::context_keys`.
    pub fn context_keys(&self) -> BTreeSet<String> {
        self.policies
            .iter()
            .flat_map(CompiledPolicy::context_keys)
            .collect()
    }

    fn combine(&self, eval: impl Fn(&CompiledPolicy) -> PolicyResult) -> PolicyResult {
        let mut result = PolicyResult::NotApplicable;
        for p in &self.policies {
            result = result.combine(eval(p));
            if result == PolicyResult::ExplicitDeny {
                break;
            }
        }
        result
    }
}

impl<'a> FromIterator<&'a PolicyDocument> for PolicySet {
    fn from_iter<I: IntoIterator<Item = &'a PolicyDocument>>(docs: I) -> Self {
        PolicySet {
            policies: docs.into_iter().map(CompiledPolicy::new).collect(),
        }
    }
}
