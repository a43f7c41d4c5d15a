//! IAM's errors, in IAM's words.
//!
//! One constructor per situation so every operation says the same thing.
//! The wording follows what IAM answers (and what clients and tools match
//! on); where AWS's text is not known, the message says plainly what the
//! rule is. Names in messages passed the model's name pattern; ARNs are
//! echoed only when they are plain printable text.

use tresor_wire::{AwsError, ErrorCode};

/// The kinds of IAM entity, as messages name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Group,
    Role,
}

impl Kind {
    /// `user`, `group`, `role`: the stored kind and the word in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::User => crate::identity::entities::USER,
            Kind::Group => crate::identity::entities::GROUP,
            Kind::Role => crate::identity::entities::ROLE,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Kind::User => "User",
            Kind::Group => "Group",
            Kind::Role => "Role",
        }
    }
}

/// An ARN from a request, fit to repeat: printable ASCII, not too long.
pub fn shown(arn: &str) -> &str {
    let plain =
        !arn.is_empty() && arn.len() <= 2048 && arn.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if plain { arn } else { "(not shown)" }
}

pub fn no_such_entity(kind: Kind, name: &str) -> AwsError {
    AwsError::new(
        ErrorCode::NoSuchEntity,
        format!("The {} with name {name} cannot be found.", kind.as_str()),
    )
}

pub fn already_exists(kind: Kind, name: &str) -> AwsError {
    AwsError::new(
        ErrorCode::EntityAlreadyExists,
        format!("{} with name {name} already exists.", kind.title()),
    )
}

pub fn no_such_inline_policy(kind: Kind, policy_name: &str) -> AwsError {
    AwsError::new(
        ErrorCode::NoSuchEntity,
        format!(
            "The {} policy with name {policy_name} cannot be found.",
            kind.as_str()
        ),
    )
}

pub fn policy_exists(name: &str) -> AwsError {
    AwsError::new(
        ErrorCode::EntityAlreadyExists,
        format!("A policy called {name} already exists. Duplicate names are not allowed."),
    )
}

/// GetPolicy, DeletePolicy, DetachXPolicy: no such policy (or not
/// attached).
pub fn policy_not_found(arn: &str) -> AwsError {
    AwsError::new(
        ErrorCode::NoSuchEntity,
        format!("Policy {} was not found.", shown(arn)),
    )
}

/// AttachXPolicy naming a policy that is not there.
pub fn not_attachable(arn: &str) -> AwsError {
    AwsError::new(
        ErrorCode::NoSuchEntity,
        format!("Policy {} does not exist or is not attachable.", shown(arn)),
    )
}

pub fn no_such_version(arn: &str, version_id: &str) -> AwsError {
    AwsError::new(
        ErrorCode::NoSuchEntity,
        format!(
            "Policy {} version {version_id} does not exist or is not attachable.",
            shown(arn)
        ),
    )
}

pub fn no_such_access_key(access_key_id: &str) -> AwsError {
    AwsError::new(
        ErrorCode::NoSuchEntity,
        format!("The Access Key with id {access_key_id} cannot be found"),
    )
}

pub fn invalid_arn(arn: &str) -> AwsError {
    AwsError::new(
        ErrorCode::InvalidInput,
        format!("ARN {} is not valid.", shown(arn)),
    )
}

pub fn delete_conflict(message: &str) -> AwsError {
    AwsError::new(ErrorCode::DeleteConflict, message)
}

pub fn limit_exceeded(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::LimitExceeded, message)
}

pub fn quota(name: &str, limit: usize) -> AwsError {
    limit_exceeded(format!("Cannot exceed quota for {name}: {limit}"))
}

pub fn malformed(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::MalformedPolicyDocument, message)
}

pub fn invalid_input(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::InvalidInput, message)
}

/// Acting on "yourself" (no UserName) as something that is no IAM user.
pub fn needs_user_name() -> AwsError {
    AwsError::new(
        ErrorCode::ValidationError,
        "Must specify userName when calling with non-User credentials",
    )
}

/// Permissions boundaries are not enforced by Tresor: accepting one and
/// ignoring it would grant more than the caller meant, so it is refused.
pub fn boundaries_unsupported() -> AwsError {
    AwsError::new(
        ErrorCode::InvalidInput,
        "Tresor does not support permissions boundaries; create the entity without PermissionsBoundary.",
    )
}

/// Changing an AWS managed policy: IAM refuses it as a denial.
pub fn aws_managed_read_only(caller_arn: &str, action: &str, arn: &str) -> AwsError {
    AwsError::new(
        ErrorCode::AccessDenied,
        format!(
            "User: {caller_arn} is not authorized to perform: {action} on resource: policy {arn} because AWS managed policies cannot be changed or deleted"
        ),
    )
}
