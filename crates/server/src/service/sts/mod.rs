//! STS: who am I, and temporary credentials for roles.
//!
//! GetCallerIdentity (needs no permission, as on AWS), AssumeRole (the
//! caller's identity policies and the role's trust policy decide, as IAM
//! does within one account) and AssumeRoleWithWebIdentity (unsigned: an
//! OIDC token from a configured issuer is the credential, and the trust
//! policy must name its provider), GetSessionToken (a user's own
//! temporary credentials). Credentials are issued by `session`. Other STS
//! operations answer UnsupportedOperation.

mod assume_role;
mod get_session_token;
mod session;
mod web_identity;

use tresor_wire::dto::sts::{GetCallerIdentityRequest, GetCallerIdentityResponse};
use tresor_wire::query::{decode_query, encode_query_response};
use tresor_wire::{AwsError, ErrorCode, StsOperation};

use super::{Ctx, Service};

pub async fn handle(
    svc: &Service,
    ctx: &Ctx,
    op: StsOperation,
    body: &[u8],
) -> Result<Vec<u8>, AwsError> {
    Ok(match op {
        StsOperation::GetCallerIdentity => {
            let _: GetCallerIdentityRequest = decode_query(op, body)?;
            encode_query_response(op, &caller_identity(ctx), &ctx.request_id)
        }
        StsOperation::AssumeRole => {
            let response = assume_role::assume_role(svc, ctx, decode_query(op, body)?).await?;
            encode_query_response(op, &response, &ctx.request_id)
        }
        StsOperation::GetSessionToken => {
            let request = decode_query(op, body)?;
            let response = get_session_token::get_session_token(svc, ctx, request).await?;
            encode_query_response(op, &response, &ctx.request_id)
        }
        other => {
            // Say plainly that it is not built; callers who may not use it
            // learn that first.
            ctx.check(crate::authz::Resource::any())?;
            return Err(AwsError::new(
                ErrorCode::UnsupportedOperation,
                format!("{} is not supported by Tresor.", other.name()),
            ));
        }
    })
}

/// Forgets temporary credentials that expired (they are refused anyway;
/// this keeps the store small). Returns how many.
pub async fn forget_expired_sessions(svc: &Service) -> Result<usize, AwsError> {
    let now = svc.now();
    svc.write(move |_, txn| Ok(txn.delete_sts_sessions_before(now)?))
        .await
}

/// Who the caller is. AWS answers it whatever the caller's policies say.
fn caller_identity(ctx: &Ctx) -> GetCallerIdentityResponse {
    ctx.access.needs_no_permission();
    let principal = ctx.access.principal();
    GetCallerIdentityResponse {
        user_id: Some(principal.user_id()),
        account: Some(principal.account_id.clone()),
        arn: Some(principal.arn.clone()),
    }
}
