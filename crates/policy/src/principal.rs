//! The `Principal` and `NotPrincipal` elements: who a statement is about.
//!
//! Owns the element's shape (`"*"` or a map from principal type to one or
//! more identifiers) and the syntax of each identifier. Wildcards are
//! rejected inside identifiers: IAM: "you can use * only to specify
//! everyone/anonymous. You cannot use it to specify part of a name or ARN."
//! `NotPrincipal` is kept in the model with a flag (I5: support, not
//! silently ignore); its evaluation comes with the evaluator.

use crate::error::{PolicyError, quote};
use crate::json::{Json, string_list};
use crate::resource::split_arn;

/// A statement's `Principal` (or, with `negated`, `NotPrincipal`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PrincipalSpec {
    /// `NotPrincipal`: the statement applies to everyone *except* `set`.
    pub negated: bool,
    pub set: PrincipalSet,
}

/// Who is named.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrincipalSet {
    /// `"*"`: everyone, including anonymous callers.
    Everyone,
    /// A principal map, flattened in document order; never empty.
    /// `{"AWS": "*"}` is kept as written (an `Aws` entry with id `"*"`).
    Listed(Vec<Principal>),
}

/// One identifier from a principal map.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Principal {
    pub kind: PrincipalKind,
    /// As written: `"*"`, an account ID, an ARN, a service name, ...
    pub id: String,
}

/// The key of a principal map entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalKind {
    /// `"AWS"`: `"*"`, a 12-digit account ID, an IAM or STS ARN, or a unique
    /// principal ID (`AIDA…`, `AROA…`; IAM shows these for deleted users
    /// and roles).
    Aws,
    /// `"Service"`: a service principal such as `secretsmanager.amazonaws.com`.
    Service,
    /// `"Federated"`: a web identity provider host name or a SAML/OIDC
    /// provider ARN.
    Federated,
    /// `"CanonicalUser"`: a 64-hex-digit canonical user ID.
    CanonicalUser,
}

impl PrincipalKind {
    /// The map key as written in a policy.
    pub fn name(self) -> &'static str {
        match self {
            PrincipalKind::Aws => "AWS",
            PrincipalKind::Service => "Service",
            PrincipalKind::Federated => "Federated",
            PrincipalKind::CanonicalUser => "CanonicalUser",
        }
    }

    fn from_name(name: &str) -> Option<PrincipalKind> {
        [
            PrincipalKind::Aws,
            PrincipalKind::Service,
            PrincipalKind::Federated,
            PrincipalKind::CanonicalUser,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }
}

impl Principal {
    /// Is this `{"AWS": "*"}`, which names every principal?
    pub fn is_everyone(&self) -> bool {
        self.kind == PrincipalKind::Aws && self.id == "*"
    }
}

impl PrincipalSet {
    /// Does this set name every principal (`"*"` or an `{"AWS": "*"}` entry)?
    pub fn is_everyone(&self) -> bool {
        match self {
            PrincipalSet::Everyone => true,
            PrincipalSet::Listed(list) => list.iter().any(Principal::is_everyone),
        }
    }
}

/// Parses the value of a `Principal` (`negated == false`) or `NotPrincipal`
/// element.
pub(crate) fn parse(value: &Json, negated: bool) -> Result<PrincipalSpec, PolicyError> {
    let element = if negated { "NotPrincipal" } else { "Principal" };
    let set = match value {
        Json::String(s) if s == "*" => PrincipalSet::Everyone,
        Json::Object(entries) if entries.is_empty() => {
            return Err(PolicyError::new(format!(
                "{element} must name at least one principal"
            )));
        }
        Json::Object(entries) => {
            let mut list = Vec::new();
            for (name, ids) in entries {
                let kind = PrincipalKind::from_name(name).ok_or_else(|| {
                    PolicyError::new(format!(
                        "{element}: unknown principal type {} (expected AWS, Service, Federated or CanonicalUser)",
                        quote(name)
                    ))
                })?;
                let place = format!("{element} {}", kind.name());
                for id in string_list(ids, &place)? {
                    check_id(kind, id).map_err(|e| e.at(&place))?;
                    list.push(Principal {
                        kind,
                        id: id.to_owned(),
                    });
                }
            }
            PrincipalSet::Listed(list)
        }
        other => {
            return Err(PolicyError::new(format!(
                "{element} must be \"*\" or an object such as {{\"AWS\": ...}}, not {}",
                describe(other)
            )));
        }
    };
    Ok(PrincipalSpec { negated, set })
}

fn describe(value: &Json) -> String {
    match value {
        Json::String(s) => quote(s),
        other => other.kind().to_owned(),
    }
}

fn check_id(kind: PrincipalKind, id: &str) -> Result<(), PolicyError> {
    if id != "*" && (id.contains('*') || id.contains('?')) {
        return Err(PolicyError::new(format!(
            "{} must not contain a wildcard (\"*\" alone means everyone)",
            quote(id)
        )));
    }
    let (ok, expected) = match kind {
        PrincipalKind::Aws => (
            id == "*" || is_account_id(id) || is_iam_arn(id, &["iam", "sts"]) || is_unique_id(id),
            "\"*\", an account ID, an IAM or STS ARN, or a unique ID",
        ),
        PrincipalKind::Service => (
            is_host_name(id),
            "a service name such as \"secretsmanager.amazonaws.com\"",
        ),
        PrincipalKind::Federated => (
            is_host_name(id) || is_iam_arn(id, &["iam"]),
            "an identity provider host name or ARN",
        ),
        PrincipalKind::CanonicalUser => (
            id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
            "a canonical user ID (64 hex digits)",
        ),
    };
    if ok {
        Ok(())
    } else {
        Err(PolicyError::new(format!("{} is not {expected}", quote(id))))
    }
}

fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// `arn:<partition>:<service>::<account>:<resource>` with one of `services`,
/// no region, a 12-digit account and a printable resource.
fn is_iam_arn(id: &str, services: &[&str]) -> bool {
    let Some([arn, partition, service, region, account, resource]) = split_arn(id) else {
        return false;
    };
    arn == "arn"
        && !partition.is_empty()
        && partition
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'-')
        && services.contains(&service)
        && region.is_empty()
        && is_account_id(account)
        && !resource.is_empty()
        && !resource
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
}

/// IAM unique IDs: `A` and upper-case letters or digits (`AIDAJQABLZS4A3QDU576Q`).
fn is_unique_id(id: &str) -> bool {
    (16..=128).contains(&id.len())
        && id.starts_with('A')
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// A DNS-style name with at least one dot: lower-case letters, digits,
/// hyphens; no empty labels.
fn is_host_name(id: &str) -> bool {
    id.contains('.')
        && id.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}
