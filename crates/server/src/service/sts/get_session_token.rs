//! GetSessionToken: an IAM user (or the root) gets temporary credentials
//! that act as itself — for a machine that should not hold the long-term
//! key. Needs no permission, as on AWS; refused to session credentials.

use tresor_wire::dto::sts::{GetSessionTokenRequest, GetSessionTokenResponse};
use tresor_wire::{AwsError, ErrorCode};

use super::session;
use crate::identity::PrincipalKind;
use crate::identity::principal::{StoredSession, UserSession};
use crate::service::{Ctx, Service};

/// AWS's default and maximum for users, and the root's maximum.
const DEFAULT_SECS: i64 = 43_200;
const USER_MAX_SECS: i64 = 129_600;
const ROOT_MAX_SECS: i64 = 3_600;

pub async fn get_session_token(
    svc: &Service,
    ctx: &Ctx,
    req: GetSessionTokenRequest,
) -> Result<GetSessionTokenResponse, AwsError> {
    let principal = ctx.access.principal();
    let session_credentials = || {
        AwsError::new(
            ErrorCode::AccessDenied,
            "Cannot call GetSessionToken with session credentials",
        )
    };
    if principal.session_issued_ms.is_some() {
        return Err(session_credentials());
    }
    let (user_id, max) = match &principal.kind {
        PrincipalKind::Root => (None, ROOT_MAX_SECS),
        PrincipalKind::User { user_id, .. } => (Some(user_id.clone()), USER_MAX_SECS),
        PrincipalKind::AssumedRole(_) => return Err(session_credentials()),
    };
    if req.serial_number.is_some() || req.token_code.is_some() {
        return Err(AwsError::new(
            ErrorCode::AccessDenied,
            "MFA is not supported by Tresor: call GetSessionToken without SerialNumber and TokenCode.",
        ));
    }
    let secs = req
        .duration_seconds
        .map_or(DEFAULT_SECS.min(max), i64::from);
    if secs > max {
        return Err(AwsError::new(
            ErrorCode::ValidationError,
            format!(
                "1 validation error detected: Value '{secs}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to {max}"
            ),
        ));
    }
    ctx.access.needs_no_permission();
    let now = svc.now();
    let expires = now + secs * 1000;
    let stored = StoredSession::User(UserSession {
        user_id,
        issued_ms: now,
        expires_ms: expires,
    });
    let credentials = svc
        .write(move |svc, txn| session::store(svc, txn, &stored, expires, now))
        .await?;
    Ok(GetSessionTokenResponse {
        credentials: Some(credentials),
    })
}
