//! From per-kind results to a decision: how identity policies and a
//! resource policy combine (I2). Optional for the server — it may combine
//! `PolicyResult`s itself — but this is the rule written down once, with
//! tests for every quadrant.
//!
//! Inputs are the combined identity result (all identity policies of the
//! caller, e.g. `PolicySet::evaluate_identity`; session policies and
//! permission boundaries are further filters the server applies) and the
//! combined resource result (`NotApplicable` when the resource has no
//! policy). An explicit Deny in either always wins. Then, by `Combination`:
//!
//! | identity \ resource | Allow | AllowByAccount | NotApplicable |
//! |---|---|---|---|
//! | **SameAccount**: Allow | allow | allow | allow |
//! | **SameAccount**: NotApplicable | allow | implicit deny | implicit deny |
//! | **CrossAccount**: Allow | allow | allow | implicit deny |
//! | **CrossAccount**: NotApplicable | implicit deny | implicit deny | implicit deny |
//! | **ResourceRequired**: Allow | allow | allow | implicit deny |
//! | **ResourceRequired**: NotApplicable | allow | implicit deny | implicit deny |
//!
//! * `SameAccount` — Secrets Manager within one account: "an action is
//!   allowed by an identity-based policy, a resource-based policy, or both";
//!   a resource grant *by account* only delegates to identity policies.
//! * `CrossAccount` — the caller's account differs from the resource's: both
//!   sides must allow (a grant by account counts on the resource side; the
//!   rule is unverified against AWS, security.md I2).
//! * `ResourceRequired` — KMS key policies and role trust policies in the
//!   same account: the resource policy is authoritative; identity policies
//!   count only when it delegates to the account ("Enable IAM User
//!   Permissions"). Cross-account KMS or AssumeRole uses `CrossAccount`.
//!
//! An identity result of `AllowByAccount` cannot come from identity
//! policies; it is not counted as an allow.

use super::evaluate::PolicyResult;

/// The final answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    Allow,
    /// Some policy explicitly denies.
    ExplicitDeny,
    /// Nothing allows (AWS's "no identity-based policy allows ...").
    ImplicitDeny,
}

/// How identity and resource results combine; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Combination {
    SameAccount,
    CrossAccount,
    ResourceRequired,
}

/// Combines the identity and the resource result; see the module docs.
pub fn decide(identity: PolicyResult, resource: PolicyResult, how: Combination) -> Decision {
    use PolicyResult::*;
    if identity == ExplicitDeny || resource == ExplicitDeny {
        return Decision::ExplicitDeny;
    }
    let identity_allows = identity == Allow;
    let allowed = match how {
        Combination::SameAccount => identity_allows || resource == Allow,
        Combination::CrossAccount => identity_allows && matches!(resource, Allow | AllowByAccount),
        Combination::ResourceRequired => {
            resource == Allow || (resource == AllowByAccount && identity_allows)
        }
    };
    if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PolicyResult::*;

    /// Every quadrant of the table in the module docs, plus Deny on each
    /// side.
    #[test]
    fn table() {
        let rows: [(Combination, PolicyResult, [bool; 3]); 6] = [
            (Combination::SameAccount, Allow, [true, true, true]),
            (
                Combination::SameAccount,
                NotApplicable,
                [true, false, false],
            ),
            (Combination::CrossAccount, Allow, [true, true, false]),
            (
                Combination::CrossAccount,
                NotApplicable,
                [false, false, false],
            ),
            (Combination::ResourceRequired, Allow, [true, true, false]),
            (
                Combination::ResourceRequired,
                NotApplicable,
                [true, false, false],
            ),
        ];
        for (how, identity, want) in rows {
            for (resource, allowed) in [Allow, AllowByAccount, NotApplicable].into_iter().zip(want)
            {
                let expected = if allowed {
                    Decision::Allow
                } else {
                    Decision::ImplicitDeny
                };
                assert_eq!(
                    decide(identity, resource, how),
                    expected,
                    "{how:?} {identity:?} {resource:?}"
                );
            }
            assert_eq!(decide(identity, ExplicitDeny, how), Decision::ExplicitDeny);
            assert_eq!(decide(ExplicitDeny, Allow, how), Decision::ExplicitDeny);
            // An identity AllowByAccount is no allow.
            assert_eq!(
                decide(AllowByAccount, NotApplicable, how),
                Decision::ImplicitDeny
            );
        }
    }
}
