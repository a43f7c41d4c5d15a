//! The policy document as a whole: size limit, top-level members, `Version`,
//! the `Statement` list, and what holds across statements (unique `Sid`s,
//! checked where a kind of policy requires it).
//!
//! Owns `parse`, the entry point from text to a validated `PolicyDocument`,
//! and the checks that depend on where a policy is attached
//! (`check_resource_policy`). Statement-level grammar lives in `statement`.

use std::collections::HashSet;

use crate::error::{PolicyError, quote};
use crate::json::{self, Json};
use crate::statement::{self, Statement};

/// Secrets Manager's limit on a resource policy, in characters.
pub const MAX_POLICY_CHARS: usize = 20_480;

/// A parsed, validated IAM policy document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PolicyDocument {
    pub version: Version,
    pub id: Option<String>,
    /// In document order; never empty. Order has no meaning for evaluation
    /// (I1).
    pub statements: Vec<Statement>,
}

/// The policy language version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `"2012-10-17"`: policy variables such as `${aws:username}` are
    /// substituted.
    V2012_10_17,
    /// `"2008-10-17"`, and what a document without `Version` means (as in
    /// IAM): `${...}` is literal text (I14).
    V2008_10_17,
}

impl Version {
    /// The value as written in a policy.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2012_10_17 => "2012-10-17",
            Version::V2008_10_17 => "2008-10-17",
        }
    }

    /// Are `${...}` policy variables substituted under this version?
    pub fn has_policy_variables(self) -> bool {
        self == Version::V2012_10_17
    }
}

/// Parses and validates an IAM policy document. Every deviation from the
/// grammar is an error; nothing unknown is ignored (I17).
pub fn parse(text: &str) -> Result<PolicyDocument, PolicyError> {
    let chars = text.chars().count();
    if chars > MAX_POLICY_CHARS {
        return Err(PolicyError::new(format!(
            "Policy is {chars} characters long; the limit is {MAX_POLICY_CHARS}"
        )));
    }
    let Json::Object(members) = json::parse_strict(text)? else {
        return Err(PolicyError::new("Policy must be a JSON object"));
    };
    let mut version = None;
    let mut id = None;
    let mut statement = None;
    for (name, value) in &members {
        match name.as_str() {
            "Version" => version = Some(parse_version(value)?),
            "Id" => match value {
                Json::String(s) => id = Some(s.clone()),
                other => {
                    return Err(PolicyError::new(format!(
                        "Id must be a string, not {}",
                        other.kind()
                    )));
                }
            },
            "Statement" => statement = Some(value),
            other => {
                return Err(PolicyError::new(format!(
                    "unknown top-level element {} (expected Version, Id, Statement)",
                    quote(other)
                )));
            }
        }
    }
    // Version is read first whatever the member order, since it decides how
    // statements read `${...}`.
    let version = version.unwrap_or(Version::V2008_10_17);
    let statements = parse_statements(statement, version)?;
    Ok(PolicyDocument {
        version,
        id,
        statements,
    })
}

fn parse_version(value: &Json) -> Result<Version, PolicyError> {
    match value {
        Json::String(s) if s == "2012-10-17" => Ok(Version::V2012_10_17),
        Json::String(s) if s == "2008-10-17" => Ok(Version::V2008_10_17),
        _ => Err(PolicyError::new(
            "Version must be \"2012-10-17\" or \"2008-10-17\"",
        )),
    }
}

fn parse_statements(value: Option<&Json>, version: Version) -> Result<Vec<Statement>, PolicyError> {
    let items: Vec<&Json> = match value {
        None => return Err(PolicyError::new("Statement is required")),
        Some(Json::Array(items)) if items.is_empty() => {
            return Err(PolicyError::new("Statement must not be an empty array"));
        }
        Some(Json::Array(items)) => items.iter().collect(),
        Some(one @ Json::Object(_)) => vec![one],
        Some(other) => {
            return Err(PolicyError::new(format!(
                "Statement must be an object or an array of objects, not {}",
                other.kind()
            )));
        }
    };
    let mut statements = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let place = format!("Statement {}", i + 1);
        statements.push(statement::parse(item, version).map_err(|e| e.at(&place))?);
    }
    Ok(statements)
}

impl PolicyDocument {
    /// IAM and Secrets Manager want each `Sid` used once per document.
    pub fn check_unique_sids(&self) -> Result<(), PolicyError> {
        let mut sids = HashSet::new();
        for (i, statement) in self.statements.iter().enumerate() {
            if let Some(sid) = &statement.sid
                && !sids.insert(sid.as_str())
            {
                return Err(PolicyError::new(format!(
                    "Sid {} is used by another statement",
                    quote(sid)
                ))
                .at(&format!("Statement {}", i + 1)));
            }
        }
        Ok(())
    }

    /// Checks what an IAM identity policy (user, group, role, managed or
    /// session policy) needs beyond the grammar: no `Principal`, a
    /// `Resource` or `NotResource` in every statement, unique `Sid`s of
    /// "basic alphanumeric characters (A-Z,a-z,0-9)".
    pub fn check_identity_policy(&self) -> Result<(), PolicyError> {
        self.check_unique_sids()?;
        for (i, statement) in self.statements.iter().enumerate() {
            let place = format!("Statement {}", i + 1);
            if let Some(sid) = &statement.sid
                && !sid.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return Err(PolicyError::new(format!(
                    "Statement {}: Sid {} must be one or more letters (A-Z, a-z) and digits (0-9)",
                    i + 1,
                    crate::error::quote(sid)
                )));
            }
            // An identity policy applies to whoever holds it: naming a
            // principal is an error, and it must say on what it acts.
            if statement.principal.is_some() {
                return Err(
                    PolicyError::new("Policy document should not specify a principal.").at(&place),
                );
            }
            if statement.resource.is_none() {
                return Err(PolicyError::new("Policy statement must contain resources.").at(&place));
            }
        }
        Ok(())
    }

    /// Checks what a resource policy (one attached to a secret) needs beyond
    /// the grammar: unique `Sid`s, and every statement names a `Principal`
    /// or `NotPrincipal` and a `Resource` or `NotResource` (IAM grammar
    /// notes: "The principal_block element is required in resource-based
    /// policies").
    pub fn check_resource_policy(&self) -> Result<(), PolicyError> {
        self.check_unique_sids()?;
        self.check_key_policy()
    }

    /// A KMS key policy: a resource policy whose `Sid`s need not be unique
    /// (AWS's own managed-key policies repeat one).
    pub fn check_key_policy(&self) -> Result<(), PolicyError> {
        for (i, statement) in self.statements.iter().enumerate() {
            let place = format!("Statement {}", i + 1);
            if statement.principal.is_none() {
                return Err(PolicyError::new(
                    "Principal or NotPrincipal is required in a resource policy",
                )
                .at(&place));
            }
            if statement.resource.is_none() {
                return Err(PolicyError::new(
                    "Resource or NotResource is required in a resource policy",
                )
                .at(&place));
            }
        }
        Ok(())
    }
}
