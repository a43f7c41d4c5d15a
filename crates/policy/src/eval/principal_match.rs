//! Does a statement's `Principal` or `NotPrincipal` apply to the caller?
//!
//! `Principal` (I5, I19):
//!
//! * `"*"` and `{"AWS": "*"}` name everyone, anonymous callers included.
//! * An account, written `"111122223333"` or
//!   `"arn:aws:iam::111122223333:root"` (the two are one principal after
//!   canonicalisation), names the caller's **account**: a grant through it is
//!   `Grant::Account` — in IAM it delegates to the account's own policies —
//!   even when the caller is the root user itself. The partition of a root
//!   ARN is not compared (Tresor serves one partition).
//! * Any other `AWS` entry (user, role, assumed-role session, unique ID) is
//!   compared exactly, case-sensitively, with each of the caller's `arns`.
//! * `Service` and `Federated` entries are compared exactly with the
//!   caller's `service` and `federated`. `CanonicalUser` names no Tresor
//!   caller.
//!
//! `NotPrincipal` applies to every caller it does not exclude. Which callers
//! a list excludes is not fully specified by AWS (which now supports
//! `NotPrincipal` only with Deny); we resolve it towards denial *(choice)*:
//!
//! * With **Deny**, as AWS documents — the caller is checked as a chain
//!   (account, then role or user, then session) and is excluded only when
//!   the chain is covered: its account is listed **and** one of its ARNs is
//!   (role ARN or session ARN; the account alone suffices for the root).
//!   Listing a user without its account leaves the user denied, as on AWS.
//!   A service or web-identity caller is excluded when its service or
//!   provider is listed; a caller with several of these must have each
//!   covered.
//! * With **Allow** (unsupported by AWS, accepted by the parser), the
//!   caller is excluded as soon as **any** of its identities is listed, so
//!   the grant reaches as few callers as possible.
//! * A list naming everyone excludes everyone; anonymous callers are never
//!   excluded by anything else.

use super::context::CallerPrincipal;
use crate::principal::{Principal, PrincipalKind, PrincipalSet, PrincipalSpec};
use crate::resource::split_arn;
use crate::statement::Effect;

/// How a statement's principal element reached the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Grant {
    /// Through the caller's account (root ARN or account ID).
    Account,
    /// The caller itself, everyone, or everyone but a `NotPrincipal` list.
    Direct,
}

/// Does `spec` apply to `caller`, and how?
pub(crate) fn applies(
    spec: &PrincipalSpec,
    effect: Effect,
    caller: Option<&CallerPrincipal>,
) -> Option<Grant> {
    if spec.negated {
        (!excluded(&spec.set, effect, caller)).then_some(Grant::Direct)
    } else {
        named(&spec.set, caller)
    }
}

/// The best grant any entry of a `Principal` gives the caller.
fn named(set: &PrincipalSet, caller: Option<&CallerPrincipal>) -> Option<Grant> {
    let list = match set {
        PrincipalSet::Everyone => return Some(Grant::Direct),
        PrincipalSet::Listed(list) => list,
    };
    if list.iter().any(Principal::is_everyone) {
        return Some(Grant::Direct);
    }
    let caller = caller?;
    let mut best = None;
    for entry in list {
        let grant = match entry.kind {
            PrincipalKind::Aws if names_account(&entry.id, &caller.account) => Some(Grant::Account),
            PrincipalKind::Aws if root_account(&entry.id).is_some() => None,
            PrincipalKind::Aws => caller.arns.contains(&entry.id).then_some(Grant::Direct),
            PrincipalKind::Service => {
                (caller.service.as_deref() == Some(entry.id.as_str())).then_some(Grant::Direct)
            }
            PrincipalKind::Federated => {
                (caller.federated.as_deref() == Some(entry.id.as_str())).then_some(Grant::Direct)
            }
            PrincipalKind::CanonicalUser => None,
        };
        best = best.max(grant);
    }
    best
}

/// Does a `NotPrincipal` list exclude the caller? See the module docs.
fn excluded(set: &PrincipalSet, effect: Effect, caller: Option<&CallerPrincipal>) -> bool {
    let list = match set {
        PrincipalSet::Everyone => return true,
        PrincipalSet::Listed(list) => list,
    };
    if list.iter().any(Principal::is_everyone) {
        return true;
    }
    let Some(caller) = caller else {
        return false;
    };
    let aws = || list.iter().filter(|p| p.kind == PrincipalKind::Aws);
    let account_listed = aws().any(|p| names_account(&p.id, &caller.account));
    let arn_listed = aws().any(|p| root_account(&p.id).is_none() && caller.arns.contains(&p.id));
    let is_root = caller
        .arns
        .iter()
        .any(|arn| root_account(arn) == Some(caller.account.as_str()));
    let listed = |kind: PrincipalKind, id: &Option<String>| {
        id.as_deref()
            .is_some_and(|id| list.iter().any(|p| p.kind == kind && p.id == id))
    };
    let service_listed = listed(PrincipalKind::Service, &caller.service);
    let federated_listed = listed(PrincipalKind::Federated, &caller.federated);
    match effect {
        Effect::Allow => account_listed || arn_listed || service_listed || federated_listed,
        Effect::Deny => {
            // (present, covered) for each identity the caller has.
            let chain = [
                (
                    !caller.arns.is_empty(),
                    account_listed && (arn_listed || is_root),
                ),
                (caller.service.is_some(), service_listed),
                (caller.federated.is_some(), federated_listed),
            ];
            chain.iter().any(|(present, _)| *present)
                && chain.iter().all(|(present, covered)| !present || *covered)
        }
    }
}

/// Does this `AWS` principal name `account`, as an account ID or its root
/// ARN?
fn names_account(id: &str, account: &str) -> bool {
    !account.is_empty() && (id == account || root_account(id) == Some(account))
}

/// The account of `arn:<partition>:iam::<account>:root`, if `id` is one.
pub(crate) fn root_account(id: &str) -> Option<&str> {
    match split_arn(id)? {
        ["arn", _, "iam", "", account, "root"]
            if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some(account)
        }
        _ => None,
    }
}
