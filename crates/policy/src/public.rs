//! Does a policy grant access to everyone? The check behind
//! `BlockPublicPolicy` (PutResourcePolicy) and the public-access result of
//! ValidateResourcePolicy.
//!
//! AWS answers this with Zelkova, an SMT-based analysis of the whole policy.
//! This is a syntactic rule instead, built to err towards "public": it may
//! call a policy public that AWS would accept, never the reverse for the
//! cases it covers. The rule:
//!
//! A document is public when **some** statement is public. A statement is
//! public when all three hold:
//!
//! 1. `Effect` is `Allow`. (Deny statements are ignored: they never grant,
//!    and we do not credit them with narrowing an Allow either.)
//! 2. It admits every caller: `Principal` is `"*"` or has an `{"AWS": "*"}`
//!    entry; or it uses `NotPrincipal`, unless that `NotPrincipal` itself
//!    names everyone (then it admits no one). A statement with neither
//!    names no outside caller (identity-policy form) and is not public.
//! 3. None of its conditions *pins the caller*. A condition pins the caller
//!    when all of:
//!    * its key is, case-insensitively, one of `aws:PrincipalAccount`,
//!      `aws:PrincipalArn`, `aws:PrincipalOrgID`, `aws:SourceAccount`,
//!      `aws:SourceArn`, `aws:SourceOwner`, `aws:SourceOrgID`,
//!      `aws:SourceVpc`, `aws:SourceVpce`;
//!    * its operator is `StringEquals`, `StringEqualsIgnoreCase`,
//!      `StringLike`, `ArnEquals` or `ArnLike`, with no `IfExists` (true when
//!      the key is absent) and no `ForAllValues:` (true when the key is
//!      absent or empty); `ForAnyValue:` is fine;
//!    * every value is fixed: it holds no `*`, `?` or `${` (a policy
//!      variable could make it match the caller's own value), except that
//!      for `aws:PrincipalArn` / `aws:SourceArn` under `StringLike` /
//!      `ArnLike` a value may use wildcards in its resource part as long as
//!      its `arn`, partition, service, region and account segments are
//!      wildcard-free and the account is 12 digits
//!      (`arn:aws:iam::123456789012:role/app-*` pins an account).
//!
//! Limits (each makes the answer "public" more often, not less):
//! `Action` and `Resource` are not considered (a public grant of any action
//! on any resource counts); `aws:SourceIp` and other network or request
//! conditions do not pin; negated operators (`StringNotEquals` ...) never
//! pin; an explicit Deny that cancels a public Allow is not recognised;
//! literal `*` in an `…Equals` value is treated as a wildcard.

use crate::operator::{OperatorKind, SetQualifier};
use crate::principal::PrincipalSpec;
use crate::resource::split_arn;
use crate::{Condition, Effect, PolicyDocument, Statement};

/// Keys whose fixed value restricts who can make the call.
const PINNING_KEYS: [&str; 9] = [
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalOrgID",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOwner",
    "aws:SourceOrgID",
    "aws:SourceVpc",
    "aws:SourceVpce",
];

/// Keys whose values are ARNs, for which a wildcard after a fixed account
/// still pins the caller.
const ARN_KEYS: [&str; 2] = ["aws:PrincipalArn", "aws:SourceArn"];

impl PolicyDocument {
    /// Does an Allow statement grant access to everyone, with no condition
    /// that restricts the caller? See the module documentation of
    /// `public.rs` for the exact rule and its limits (it is not Zelkova).
    pub fn grants_public_access(&self) -> bool {
        self.statements.iter().any(Statement::grants_public_access)
    }
}

impl Statement {
    /// Is this statement public by the rule of `PolicyDocument::grants_public_access`?
    pub fn grants_public_access(&self) -> bool {
        self.effect == Effect::Allow
            && self.principal.as_ref().is_some_and(admits_everyone)
            && !self.conditions.iter().any(pins_caller)
    }
}

fn admits_everyone(spec: &PrincipalSpec) -> bool {
    // `NotPrincipal` admits everyone but the listed, unless the list is
    // everyone.
    spec.set.is_everyone() != spec.negated
}

fn pins_caller(condition: &Condition) -> bool {
    let Some(key) = PINNING_KEYS
        .iter()
        .find(|k| k.eq_ignore_ascii_case(&condition.key))
    else {
        return false;
    };
    let op = condition.operator;
    let like = matches!(op.kind, OperatorKind::StringLike | OperatorKind::ArnLike);
    let positive = like
        || matches!(
            op.kind,
            OperatorKind::StringEquals
                | OperatorKind::StringEqualsIgnoreCase
                | OperatorKind::ArnEquals
        );
    if !positive || op.if_exists || op.qualifier == Some(SetQualifier::ForAllValues) {
        return false;
    }
    let arn_key = ARN_KEYS.contains(key);
    condition.values.iter().all(|value| {
        if value.contains("${") {
            false
        } else if !value.contains(['*', '?']) {
            true
        } else {
            like && arn_key && arn_pins_account(value)
        }
    })
}

/// Are the first five segments of this ARN pattern free of wildcards, with
/// a 12-digit account?
fn arn_pins_account(value: &str) -> bool {
    let Some(parts) = split_arn(value) else {
        return false;
    };
    let account = parts[4];
    parts[0] == "arn"
        && parts[..5].iter().all(|p| !p.contains(['*', '?']))
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
}
