//! One policy statement: its members, which may appear, which must, and
//! which exclude each other.
//!
//! Owns the statement grammar: members only `Sid`, `Effect`, `Principal` /
//! `NotPrincipal`, `Action` / `NotAction`, `Resource` / `NotResource`,
//! `Condition`; `Effect` required and exactly `Allow` or `Deny` (case
//! sensitive, as IAM documents); exactly one of `Action` / `NotAction`; at
//! most one of each other pair; `Sid` letters and digits. Each member's own
//! syntax lives in its module. Whether `Principal` / `Resource` are required
//! depends on the kind of policy, see `PolicyDocument::check_resource_policy`.

use crate::action::{self, ActionSpec};
use crate::condition::{self, Condition};
use crate::document::Version;
use crate::error::{PolicyError, quote};
use crate::json::Json;
use crate::principal::{self, PrincipalSpec};
use crate::resource::{self, ResourceSpec};

/// One statement of a policy document.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Statement {
    /// Letters and digits only; unique within the document.
    pub sid: Option<String>,
    pub effect: Effect,
    /// `Principal` or `NotPrincipal`; absent in identity policies.
    pub principal: Option<PrincipalSpec>,
    /// `Action` or `NotAction`; always present.
    pub action: ActionSpec,
    /// `Resource` or `NotResource`.
    pub resource: Option<ResourceSpec>,
    /// AND'ed; empty when the statement has no `Condition` element.
    pub conditions: Vec<Condition>,
}

/// What a matching statement does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Effect {
    Allow,
    Deny,
}

/// Parses one element of the `Statement` array. Errors name the member but
/// not the statement; the caller adds "Statement N".
pub(crate) fn parse(value: &Json, version: Version) -> Result<Statement, PolicyError> {
    let Json::Object(members) = value else {
        return Err(PolicyError::new(format!(
            "must be an object, not {}",
            value.kind()
        )));
    };
    let mut sid = None;
    let mut effect = None;
    let mut principal = None;
    let mut action = None;
    let mut resource = None;
    let mut conditions = Vec::new();
    for (name, value) in members {
        match name.as_str() {
            "Sid" => sid = Some(parse_sid(value)?),
            "Effect" => effect = Some(parse_effect(value)?),
            "Principal" | "NotPrincipal" => {
                exclusive(principal.is_some(), "Principal", "NotPrincipal")?;
                principal = Some(principal::parse(value, name == "NotPrincipal")?);
            }
            "Action" | "NotAction" => {
                exclusive(action.is_some(), "Action", "NotAction")?;
                action = Some(action::parse(value, name == "NotAction")?);
            }
            "Resource" | "NotResource" => {
                exclusive(resource.is_some(), "Resource", "NotResource")?;
                resource = Some(resource::parse(value, name == "NotResource")?);
            }
            "Condition" => conditions = condition::parse_block(value, version)?,
            other => {
                return Err(PolicyError::new(format!(
                    "unknown element {}",
                    quote(other)
                )));
            }
        }
    }
    let effect = effect.ok_or_else(|| PolicyError::new("Effect is required"))?;
    let action = action.ok_or_else(|| PolicyError::new("Action or NotAction is required"))?;
    Ok(Statement {
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

fn exclusive(already: bool, a: &str, b: &str) -> Result<(), PolicyError> {
    if already {
        Err(PolicyError::new(format!(
            "{a} and {b} cannot both be present"
        )))
    } else {
        Ok(())
    }
}

/// Resource policies (KMS key policies, S3 bucket policies) accept any
/// text as a Sid — AWS's own default key policy uses "Enable IAM User
/// Permissions" — so parsing only refuses empty Sids and control
/// characters; `PolicyDocument::check_identity_policy` applies IAM's
/// stricter alphanumeric rule.
fn parse_sid(value: &Json) -> Result<String, PolicyError> {
    match value {
        Json::String(s) if !s.is_empty() && !s.chars().any(char::is_control) => Ok(s.clone()),
        Json::String(s) => Err(PolicyError::new(format!(
            "Sid {} must be a non-empty text without control characters",
            quote(s)
        ))),
        other => Err(PolicyError::new(format!(
            "Sid must be a string, not {}",
            other.kind()
        ))),
    }
}

fn parse_effect(value: &Json) -> Result<Effect, PolicyError> {
    match value {
        Json::String(s) if s == "Allow" => Ok(Effect::Allow),
        Json::String(s) if s == "Deny" => Ok(Effect::Deny),
        _ => Err(PolicyError::new("Effect must be \"Allow\" or \"Deny\"")),
    }
}
