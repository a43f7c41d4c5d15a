//! AssumeRoleWithWebIdentity: a workload trades an OIDC token — a
//! Kubernetes service-account token, a CI job's token — for a role's
//! temporary credentials, with no stored secret. The request is unsigned:
//! the token, verified against the issuers Tresor is configured with
//! (`identity::oidc`), is the credential. The role's trust policy must
//! allow the token's provider (`"Federated": "arn:aws:iam::<acct>:
//! oidc-provider/<issuer>"`), usually with conditions on the token's
//! claims (`<issuer>:sub`, `<issuer>:aud`).

use tresor_policy::{CallerPrincipal, ContextKeys, PolicyResult, RequestContext};
use tresor_wire::dto::sts::{AssumeRoleWithWebIdentityRequest, AssumeRoleWithWebIdentityResponse};
use tresor_wire::query::{decode_query, encode_query_response};
use tresor_wire::{AwsError, ErrorCode, StsOperation};

use super::session::{self, SessionStart};
use crate::authz::global_keys::iso8601;
use crate::identity::oidc::VerifiedToken;
use crate::service::Service;

const ACTION: &str = "sts:AssumeRoleWithWebIdentity";

impl Service {
    /// The whole unsigned request: decode, verify the token, decide, issue.
    pub async fn assume_role_with_web_identity(
        &self,
        body: &[u8],
        request_id: &str,
    ) -> Result<Vec<u8>, AwsError> {
        let op = StsOperation::AssumeRoleWithWebIdentity;
        let req: AssumeRoleWithWebIdentityRequest = decode_query(op, body)?;
        let now = self.now();
        let token = self
            .oidc
            .verify(req.web_identity_token.expose(), now)
            .await?;
        let response = self
            .write(move |svc, txn| {
                let denied = || {
                    AwsError::new(
                        ErrorCode::AccessDenied,
                        format!("Not authorized to perform {ACTION}"),
                    )
                };
                let role = session::find_role(txn, &req.role_arn)?.ok_or_else(denied)?;
                let trust = svc
                    .directory
                    .compiled(&role.body.trust_policy)
                    .map_err(|e| crate::service::internal_error("a trust policy", &e))?;
                let request = trust_request(&role.arn, &req, &token, now);
                if trust.evaluate_resource(&request) != PolicyResult::Allow {
                    return Err(denied());
                }
                let duration_secs =
                    session::duration_secs(req.duration_seconds, &role.body, false)?;
                let session_policies = session::session_policies(
                    txn,
                    req.policy.as_deref(),
                    req.policy_arns.as_deref(),
                )?;
                let issued = session::issue(
                    svc,
                    txn,
                    SessionStart {
                        role: &role,
                        session_name: &req.role_session_name,
                        duration_secs,
                        session_policies,
                        tags: Vec::new(),
                        federated_provider: Some(token.provider_arn.clone()),
                    },
                    now,
                )?;
                Ok(AssumeRoleWithWebIdentityResponse {
                    credentials: Some(issued.credentials),
                    subject_from_web_identity_token: Some(token.subject.clone()),
                    assumed_role_user: Some(issued.user),
                    packed_policy_size: None,
                    // AWS: "the value of the iss field".
                    provider: token
                        .claims
                        .get("iss")
                        .and_then(|v| v.as_str())
                        .map(str::to_string)
                        .or_else(|| Some(token.issuer_host.clone())),
                    audience: token.audience.first().cloned(),
                    source_identity: None,
                })
            })
            .await?;
        Ok(encode_query_response(op, &response, request_id))
    }
}

/// The trust decision's input: the token's provider as the caller, and
/// its claims as the condition keys AWS documents (`<issuer>:sub`,
/// `<issuer>:aud`, `<issuer>:oaud`, `<issuer>:amr`) plus the request's.
fn trust_request(
    role_arn: &str,
    req: &AssumeRoleWithWebIdentityRequest,
    token: &VerifiedToken,
    now: i64,
) -> RequestContext {
    let mut keys = ContextKeys::new();
    let prefix = &token.issuer_host;
    keys.set(&format!("{prefix}:sub"), token.subject.as_str());
    let audience = |keys: &mut ContextKeys, key: &str| match token.audience.as_slice() {
        [one] => keys.set(key, one.as_str()),
        many => keys.set_multi(key, many.to_vec()),
    };
    // As AWS does: with an `azp` claim (the party the token was issued
    // to), `:aud` is that and the token's audience is `:oaud`.
    match token.claims.get("azp").and_then(|v| v.as_str()) {
        Some(azp) => {
            keys.set(&format!("{prefix}:aud"), azp);
            audience(&mut keys, &format!("{prefix}:oaud"));
        }
        None => audience(&mut keys, &format!("{prefix}:aud")),
    }
    if let Some(amr) = token.claims.get("amr") {
        let values = match amr {
            serde_json::Value::Array(items) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            serde_json::Value::String(s) => vec![s.clone()],
            _ => Vec::new(),
        };
        keys.set_multi(&format!("{prefix}:amr"), values);
    }
    keys.set("aws:FederatedProvider", token.provider_arn.as_str());
    keys.set("sts:RoleSessionName", req.role_session_name.as_str());
    keys.set("aws:CurrentTime", iso8601(now));
    keys.set("aws:EpochTime", (now / 1000).to_string());
    RequestContext {
        action: ACTION.to_string(),
        resource: role_arn.to_string(),
        principal: Some(CallerPrincipal {
            arns: Vec::new(),
            account: String::new(),
            federated: Some(token.provider_arn.clone()),
            service: None,
        }),
        keys,
    }
}
