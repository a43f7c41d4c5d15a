//! Authentication: every request's SigV4 signature, before anything else.
//!
//! Owns the checks around the pure verifier in `tresor_wire::sigv4`: which
//! services and regions we serve, the clock window, looking up the access
//! key or STS session (through `identity::Directory`), and caching derived
//! signing keys. What the caller may do is `authz`'s question.

pub mod access_keys;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tresor_wire::operation::target_service;
use tresor_wire::sigv4::{self, SigningKey};
use tresor_wire::{AwsError, ErrorCode, Service as AwsService};

use crate::clock::Clock;
use crate::identity::{Directory, Principal};
use tresor_policy::PolicySet;

/// The region global services (IAM, STS) are signed for.
const GLOBAL_REGION: &str = "us-east-1";

/// Derived signing keys kept at most (they change daily per key/region).
const SIGNING_KEY_CACHE: usize = 10_000;

/// Who a verified request comes from, and where it is addressed.
#[derive(Debug, Clone)]
pub struct Caller {
    pub access_key_id: String,
    pub principal: Arc<Principal>,
    /// A role session's session policy.
    pub session_policy: Option<Arc<PolicySet>>,
    pub region: String,
    pub service: AwsService,
}

/// A request authentication refused: the error it is answered with, and
/// which check refused it.
#[derive(Debug)]
pub struct Rejection {
    pub reason: AuthFailure,
    pub error: AwsError,
}

/// Why authentication failed, as the metrics count it. Never carries what
/// the request sent (no key id, no signature).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No Authorization header or presigned query at all.
    Missing,
    /// A signature that is incomplete or malformed, an unsigned or
    /// mismatching payload hash, a credential date that is not the
    /// request's.
    Malformed,
    /// Signed for a service or region this server does not answer.
    Scope,
    /// `X-Amz-Date` outside the allowed clock skew.
    ClockSkew,
    /// An access key or session token this server does not know.
    UnknownKey,
    /// Temporary credentials past their expiry.
    ExpiredToken,
    /// Everything checks out but the signature itself.
    BadSignature,
    /// The credentials could not be looked up.
    Internal,
}

impl AuthFailure {
    pub const ALL: [AuthFailure; 8] = [
        AuthFailure::Missing,
        AuthFailure::Malformed,
        AuthFailure::Scope,
        AuthFailure::ClockSkew,
        AuthFailure::UnknownKey,
        AuthFailure::ExpiredToken,
        AuthFailure::BadSignature,
        AuthFailure::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuthFailure::Missing => "missing",
            AuthFailure::Malformed => "malformed",
            AuthFailure::Scope => "scope",
            AuthFailure::ClockSkew => "clock_skew",
            AuthFailure::UnknownKey => "unknown_key",
            AuthFailure::ExpiredToken => "expired_token",
            AuthFailure::BadSignature => "bad_signature",
            AuthFailure::Internal => "internal",
        }
    }
}

pub struct Authenticator {
    directory: Arc<Directory>,
    clock: Arc<dyn Clock>,
    skew_secs: i64,
    allowed_regions: Option<Vec<String>>,
    signing_keys: Mutex<HashMap<(String, String, String, String), SigningKey>>,
}

/// Region names as AWS spells them: `us-east-1`, `eu-central-2`, …
pub fn is_valid_region(region: &str) -> bool {
    let Some((prefix, number)) = region.rsplit_once('-') else {
        return false;
    };
    !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && prefix
            .split('-')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase()))
}

impl Authenticator {
    pub fn new(
        directory: Arc<Directory>,
        clock: Arc<dyn Clock>,
        skew_secs: i64,
        allowed_regions: Option<Vec<String>>,
    ) -> Authenticator {
        Authenticator {
            directory,
            clock,
            skew_secs,
            allowed_regions,
            signing_keys: Mutex::new(HashMap::new()),
        }
    }

    /// Verifies the request's signature and says who sent it.
    pub async fn authenticate(
        &self,
        parts: &http::request::Parts,
        body: &[u8],
    ) -> Result<Caller, AwsError> {
        self.authenticate_request(parts, body)
            .await
            .map_err(|r| r.error)
    }

    /// `authenticate`, saying which check refused the request (for the
    /// metrics: the error code alone does not tell a bad signature from a
    /// clock out of the window).
    pub async fn authenticate_request(
        &self,
        parts: &http::request::Parts,
        body: &[u8],
    ) -> Result<Caller, Rejection> {
        let presented = sigv4::inspect(parts, body).map_err(|error| {
            let reason = if error.code == ErrorCode::MissingAuthenticationTokenException {
                AuthFailure::Missing
            } else {
                AuthFailure::Malformed
            };
            Rejection { reason, error }
        })?;
        let credential = &presented.credential;
        let scope = |error| Rejection {
            reason: AuthFailure::Scope,
            error,
        };

        let Some(service) = AwsService::from_signing_name(&credential.service) else {
            let expected = parts
                .headers
                .get("x-amz-target")
                .and_then(|t| t.to_str().ok())
                .and_then(target_service)
                .unwrap_or(AwsService::SecretsManager);
            return Err(scope(sigv4::wrong_service(expected.signing_name())));
        };
        if let Some(target) = parts
            .headers
            .get("x-amz-target")
            .and_then(|t| t.to_str().ok())
            && let Some(addressed) = target_service(target)
            && addressed != service
        {
            return Err(scope(sigv4::wrong_service(addressed.signing_name())));
        }
        // IAM and STS are global: clients sign them for us-east-1 whatever
        // regions the server serves.
        let global = matches!(service, AwsService::Iam | AwsService::Sts)
            && credential.region == GLOBAL_REGION;
        if !is_valid_region(&credential.region)
            || (!global
                && self
                    .allowed_regions
                    .as_ref()
                    .is_some_and(|allowed| !allowed.contains(&credential.region)))
        {
            return Err(scope(sigv4::wrong_region(&credential.region)));
        }
        sigv4::check_clock(
            &presented.amz_date,
            self.clock.now_ms() / 1000,
            self.skew_secs,
        )
        .map_err(|error| Rejection {
            reason: AuthFailure::ClockSkew,
            error,
        })?;

        let invalid = || Rejection {
            reason: AuthFailure::UnknownKey,
            error: AwsError::new(
                ErrorCode::UnrecognizedClientException,
                "The security token included in the request is invalid.",
            ),
        };
        let known = self
            .directory
            .credentials(&credential.access_key_id)
            .await
            .map_err(|e| Rejection {
                reason: AuthFailure::Internal,
                error: crate::service::internal_error("access key lookup", &e),
            })?
            .ok_or_else(invalid)?;
        // A session token must come with temporary credentials and match
        // theirs; long-term keys take none.
        match (&known.session, &presented.security_token) {
            (None, None) => {}
            (Some(session), Some(token)) => {
                if !session_token_matches(&session.token_hash, token) {
                    return Err(invalid());
                }
                if session.expires_ms <= self.clock.now_ms() {
                    return Err(Rejection {
                        reason: AuthFailure::ExpiredToken,
                        error: AwsError::new(
                            ErrorCode::ExpiredTokenException,
                            "The security token included in the request is expired",
                        ),
                    });
                }
            }
            _ => return Err(invalid()),
        }
        let key = self.signing_key(
            &credential.access_key_id,
            &known.secret,
            &credential.date,
            &credential.region,
            &credential.service,
        );
        sigv4::verify(&presented, parts, body, &key).map_err(|error| Rejection {
            reason: AuthFailure::BadSignature,
            error,
        })?;
        Ok(Caller {
            access_key_id: credential.access_key_id.clone(),
            session_policy: known.session.and_then(|s| s.policy),
            principal: known.principal,
            region: credential.region.clone(),
            service,
        })
    }

    fn signing_key(
        &self,
        access_key_id: &str,
        secret: &[u8],
        date: &str,
        region: &str,
        service: &str,
    ) -> SigningKey {
        let cache_key = (
            access_key_id.to_string(),
            date.to_string(),
            region.to_string(),
            service.to_string(),
        );
        let mut cache = self.signing_keys.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(k) = cache.get(&cache_key) {
            return k.clone();
        }
        if cache.len() >= SIGNING_KEY_CACHE {
            cache.clear();
        }
        let key = sigv4::signing_key(secret, date, region, service);
        cache.insert(cache_key, key.clone());
        key
    }
}

/// The session token's hash, compared in constant time.
fn session_token_matches(expected_hash: &[u8], token: &str) -> bool {
    use subtle::ConstantTimeEq;
    let hash = crate::identity::ids::token_hash(token);
    bool::from(hash.as_slice().ct_eq(expected_hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for ok in [
            "us-east-1",
            "eu-central-2",
            "ap-southeast-10",
            "us-gov-west-1",
        ] {
            assert!(is_valid_region(ok), "{ok}");
        }
        for bad in [
            "",
            "us",
            "us-east",
            "US-EAST-1",
            "us-east-1a",
            "-1",
            "us--east-1",
            "us_east-1",
        ] {
            assert!(!is_valid_region(bad), "{bad}");
        }
    }
}
