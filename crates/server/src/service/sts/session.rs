//! Issuing temporary credentials for a role session, and what every way
//! of getting one checks the same way: the session name, the duration
//! against the role's maximum, session policies and session tags.

use tresor_wire::dto::SecretString;
use tresor_wire::dto::Timestamp;
use tresor_wire::dto::sts::{AssumedRoleUser, Credentials, PolicyDescriptorType, Tag};
use tresor_wire::{AwsError, ErrorCode};

use crate::identity::RoleSession;
use crate::identity::entities::{Entity, PolicyBody, RoleBody};
use crate::identity::ids::{self, IdKind};
use crate::identity::principal::StoredSession;
use crate::identity::principal::session_arn;
use crate::service::Service;
use crate::store::{ReadTxn, StsSessionRow, WriteTxn};

/// Default session length (AWS: one hour).
pub const DEFAULT_DURATION_SECS: i64 = 3600;
/// A session started from another role session lasts at most an hour.
pub const CHAINED_MAX_SECS: i64 = 3600;
/// Session policies together, as AWS packs them.
const MAX_SESSION_POLICY_CHARS: usize = 2048;
const MAX_SESSION_TAGS: usize = 50;
const MAX_POLICY_ARNS: usize = 10;

fn validation(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::ValidationError, message)
}

/// How long the session lasts: the requested duration (default one hour)
/// within the role's maximum, and an hour at most when chained.
pub fn duration_secs(
    requested: Option<i32>,
    role: &RoleBody,
    chained: bool,
) -> Result<i64, AwsError> {
    let requested = requested.map_or(DEFAULT_DURATION_SECS, i64::from);
    if chained && requested > CHAINED_MAX_SECS {
        return Err(validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        ));
    }
    if requested > role.max_session_secs {
        return Err(validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }
    Ok(requested)
}

/// The session policies: the inline `Policy` and the managed policies
/// named by `PolicyArns` (their default versions), each a valid identity
/// policy.
pub fn session_policies(
    txn: &dyn ReadTxn,
    inline: Option<&str>,
    arns: Option<&[PolicyDescriptorType]>,
) -> Result<Vec<String>, AwsError> {
    let malformed = |e: tresor_policy::PolicyError| {
        AwsError::new(ErrorCode::MalformedPolicyDocument, e.to_string())
    };
    let mut policies = Vec::new();
    if let Some(text) = inline {
        if text.len() > MAX_SESSION_POLICY_CHARS {
            return Err(AwsError::new(
                ErrorCode::PackedPolicyTooLarge,
                "Packed size of consumed session policies exceeds the maximum allowed size.",
            ));
        }
        tresor_policy::parse(text)
            .and_then(|d| d.check_identity_policy().map(|()| d))
            .map_err(malformed)?;
        policies.push(text.to_string());
    }
    let arns = arns.unwrap_or_default();
    if arns.len() > MAX_POLICY_ARNS {
        return Err(validation(
            "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10",
        ));
    }
    for arn in arns.iter().filter_map(|d| d.arn.as_deref()) {
        let not_found = || {
            AwsError::new(
                ErrorCode::MalformedPolicyDocument,
                format!("Policy {arn} does not exist or is not attachable."),
            )
        };
        let row = txn.iam_entity_by_arn(arn)?.ok_or_else(not_found)?;
        if row.kind != crate::identity::entities::POLICY {
            return Err(not_found());
        }
        let policy = Entity::<PolicyBody>::decode(row)?;
        let document = txn
            .iam_documents(&policy.id)?
            .into_iter()
            .find(|d| d.name == policy.body.default_version)
            .ok_or_else(not_found)?;
        policies.push(document.document);
    }
    Ok(policies)
}

/// Session tags: at most 50, keys unique without regard to case.
pub fn session_tags(tags: Option<&[Tag]>) -> Result<Vec<(String, String)>, AwsError> {
    let tags = tags.unwrap_or_default();
    if tags.len() > MAX_SESSION_TAGS {
        return Err(validation(
            "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
        ));
    }
    let mut out: Vec<(String, String)> = Vec::with_capacity(tags.len());
    for tag in tags {
        if out.iter().any(|(k, _)| k.eq_ignore_ascii_case(&tag.key)) {
            return Err(validation(format!(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive: {}",
                tag.key
            )));
        }
        out.push((tag.key.clone(), tag.value.clone()));
    }
    Ok(out)
}

/// A new session of `role`, stored; what the caller gets back.
pub struct Issued {
    pub credentials: Credentials,
    pub user: AssumedRoleUser,
}

/// The session's role, as the request names it.
pub struct SessionStart<'a> {
    pub role: &'a Entity<RoleBody>,
    pub session_name: &'a str,
    pub duration_secs: i64,
    pub session_policies: Vec<String>,
    pub tags: Vec<(String, String)>,
    pub federated_provider: Option<String>,
}

pub fn issue(
    svc: &Service,
    txn: &mut dyn WriteTxn,
    start: SessionStart,
    now: i64,
) -> Result<Issued, AwsError> {
    let expires = now + start.duration_secs * 1000;
    let session = RoleSession {
        role_id: start.role.id.clone(),
        role_arn: start.role.arn.clone(),
        role_name: start.role.body.common.name.clone(),
        session_name: start.session_name.to_string(),
        session_policies: start.session_policies,
        tags: start.tags,
        federated_provider: start.federated_provider,
        issued_ms: now,
        expires_ms: expires,
    };
    let user = AssumedRoleUser {
        assumed_role_id: format!("{}:{}", session.role_id, session.session_name),
        arn: session_arn(
            svc.keyring.account_id(),
            &session.role_name,
            &session.session_name,
        ),
    };
    let credentials = store(svc, txn, &StoredSession::Role(session), expires, now)?;
    Ok(Issued { credentials, user })
}

/// Stores a new session standing for `stored`; its credentials, given
/// out once (the store keeps the secret wrapped and only a hash of the
/// token).
pub fn store(
    svc: &Service,
    txn: &mut dyn WriteTxn,
    stored: &StoredSession,
    expires: i64,
    now: i64,
) -> Result<Credentials, AwsError> {
    let access_key_id = ids::new_id(IdKind::TemporaryAccessKey);
    let secret = zeroize::Zeroizing::new(ids::new_secret_access_key());
    let token = zeroize::Zeroizing::new(ids::new_session_token());
    let principal = serde_json::to_string(stored)
        .map_err(|e| crate::service::internal_error("encoding a session", &e))?;
    txn.put_sts_session(&StsSessionRow {
        access_key_id: access_key_id.clone(),
        wrapped_secret: svc.keyring.wrap_access_secret(&access_key_id, &secret),
        token_hash: ids::token_hash(&token),
        principal,
        expires,
        created: now,
    })?;
    Ok(Credentials {
        access_key_id,
        secret_access_key: SecretString::new(secret.to_string()),
        session_token: SecretString::new(token.to_string()),
        expiration: Timestamp(expires),
    })
}

/// The role a `RoleArn` names, if it is a role of this account.
pub fn find_role(txn: &dyn ReadTxn, role_arn: &str) -> Result<Option<Entity<RoleBody>>, AwsError> {
    match txn.iam_entity_by_arn(role_arn)? {
        Some(row) if row.kind == crate::identity::entities::ROLE => Ok(Some(Entity::decode(row)?)),
        _ => Ok(None),
    }
}
