//! OpenID Connect identity tokens: which issuers are trusted, and whether a
//! token from one of them is genuine and current — what
//! `AssumeRoleWithWebIdentity` needs before it looks at a role.
//!
//! Owns the providers built from the configuration ([`OidcProviders`]),
//! the provider ARN and condition-key prefix of an issuer, and the order of
//! the checks: parse (`token`), issuer, key (`jwks`, fetched by `fetch`
//! for a `jwks_url`), signature, then claims. Role trust policies, session
//! names and credentials belong to the STS operation, not here.
//!
//! Decisions, following AWS STS where it is documented:
//! - algorithms RS256/384/512 and ES256/384 only (`token::Alg`);
//! - `exp` is strict, `nbf`/`iat` may be up to 60 s ahead
//!   (`token::CLOCK_SKEW_MS`);
//! - a provider with no `audiences` accepts `sts.amazonaws.com` only;
//! - the issuer must be `https://` with no port, query or fragment (as
//!   IAM requires), and `https://x/` and `https://x` are the same issuer;
//! - keys come from the configured JWKS only; the token's `iss` is never
//!   used to find keys (no discovery), and header keys (`jwk`, `jku`,
//!   `x5u`) are ignored.

mod fetch;
mod jwks;
mod token;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use serde_json::{Map, Value};
use tresor_wire::error::AwsError;

pub use crate::config::OidcProviderConfig;
pub use token::{CLOCK_SKEW_MS, DEFAULT_AUDIENCE, MAX_TOKEN_CHARS};

use fetch::RemoteJwks;
use jwks::{KeySet, Selection};
use token::invalid;

/// A token that verified: who it names and what else it claims.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedToken {
    /// `arn:aws:iam::<account>:oidc-provider/<issuer_host>`.
    pub provider_arn: String,
    /// The issuer without `https://` or a trailing slash: the prefix of the
    /// IAM condition keys (`<issuer_host>:sub`, `<issuer_host>:aud`).
    pub issuer_host: String,
    pub subject: String,
    pub audience: Vec<String>,
    /// Every claim of the token, as signed.
    pub claims: Map<String, Value>,
    /// `exp`, in epoch milliseconds.
    pub expires_ms: i64,
}

/// The trusted issuers, built once at startup.
#[derive(Debug, Default)]
pub struct OidcProviders {
    providers: Vec<Provider>,
}

#[derive(Debug)]
struct Provider {
    /// Without the trailing slash.
    issuer: String,
    issuer_host: String,
    arn: String,
    audiences: Vec<String>,
    keys: Keys,
}

#[derive(Debug)]
enum Keys {
    File(Arc<KeySet>),
    Url(RemoteJwks),
}

/// IAM's ARN of the OIDC provider for `issuer`.
pub fn provider_arn(account_id: &str, issuer: &str) -> String {
    format!(
        "arn:aws:iam::{account_id}:oidc-provider/{}",
        issuer_host(issuer)
    )
}

fn issuer_host(issuer: &str) -> &str {
    let rest = issuer.strip_prefix("https://").unwrap_or(issuer);
    rest.strip_suffix('/').unwrap_or(rest)
}

/// `https://x/` and `https://x` name the same issuer.
fn same_issuer(a: &str, b: &str) -> bool {
    a.strip_suffix('/').unwrap_or(a) == b.strip_suffix('/').unwrap_or(b)
}

impl OidcProviders {
    /// Checks every provider and reads each `jwks_file` now: a bad issuer,
    /// a provider with both or neither of `jwks_file`/`jwks_url`, a
    /// duplicate issuer or an unreadable or empty key file is an error that
    /// names it. `jwks_url`s are fetched on first use.
    pub fn load(configs: &[OidcProviderConfig], account_id: &str) -> Result<OidcProviders, String> {
        let mut providers: Vec<Provider> = Vec::with_capacity(configs.len());
        for config in configs {
            let issuer = check_issuer(&config.issuer)?;
            if providers.iter().any(|p| same_issuer(&p.issuer, &issuer)) {
                return Err(format!(
                    "OIDC provider {:?} is configured twice",
                    config.issuer
                ));
            }
            if config.audiences.iter().any(|a| a.is_empty()) {
                return Err(format!(
                    "OIDC provider {:?}: an audience is empty",
                    config.issuer
                ));
            }
            let keys = match (&config.jwks_file, &config.jwks_url) {
                (Some(path), None) => {
                    let bytes = std::fs::read(path).map_err(|e| {
                        format!(
                            "OIDC provider {:?}: cannot read jwks_file {}: {e}",
                            config.issuer,
                            path.display()
                        )
                    })?;
                    let keys = KeySet::parse(&bytes).map_err(|e| {
                        format!(
                            "OIDC provider {:?}: jwks_file {}: {e}",
                            config.issuer,
                            path.display()
                        )
                    })?;
                    Keys::File(Arc::new(keys))
                }
                (None, Some(url)) => Keys::Url(
                    RemoteJwks::new(url)
                        .map_err(|e| format!("OIDC provider {:?}: {e}", config.issuer))?,
                ),
                _ => {
                    return Err(format!(
                        "OIDC provider {:?} needs exactly one of jwks_file and jwks_url",
                        config.issuer
                    ));
                }
            };
            providers.push(Provider {
                issuer_host: issuer_host(&issuer).to_string(),
                arn: provider_arn(account_id, &issuer),
                issuer,
                audiences: config.audiences.clone(),
                keys,
            });
        }
        Ok(OidcProviders { providers })
    }

    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    /// The ARNs of the configured providers.
    pub fn provider_arns(&self) -> impl Iterator<Item = &str> {
        self.providers.iter().map(|p| p.arn.as_str())
    }

    /// Verifies `token` at `now_ms` (epoch milliseconds). Errors are STS's:
    /// `ExpiredTokenException` for a token past its `exp`,
    /// `InvalidIdentityToken` for everything else, including keys that
    /// could not be fetched. No message contains the token.
    pub async fn verify(&self, token: &str, now_ms: i64) -> Result<VerifiedToken, AwsError> {
        let jws = token::parse(token)?;
        let iss = token::issuer(&jws.claims)?;
        let Some(provider) = self.providers.iter().find(|p| same_issuer(&p.issuer, iss)) else {
            return Err(invalid(format!(
                "No OpenIDConnect provider found in your account for {}",
                printable(iss)
            )));
        };
        let keys = provider.keys(now_ms).await?;
        let verified = match keys.select(jws.alg, jws.kid.as_deref()) {
            Selection::Key(key) => jwks::verify(key, &jws),
            Selection::Unknown => match provider.refreshed_keys(&keys, now_ms).await {
                Some(newer) => match newer.select(jws.alg, jws.kid.as_deref()) {
                    Selection::Key(key) => jwks::verify(key, &jws),
                    other => return Err(unusable(&other)),
                },
                None => return Err(unusable(&Selection::Unknown)),
            },
            other => return Err(unusable(&other)),
        };
        if !verified {
            return Err(invalid(
                "The ID Token provided is not a valid JWT: its signature does not verify",
            ));
        }
        let checked = token::check_claims(&jws.claims, &provider.audiences, now_ms)?;
        Ok(VerifiedToken {
            provider_arn: provider.arn.clone(),
            issuer_host: provider.issuer_host.clone(),
            subject: checked.subject,
            audience: checked.audience,
            expires_ms: checked.expires_ms,
            claims: jws.claims,
        })
    }
}

impl Provider {
    async fn keys(&self, now_ms: i64) -> Result<Arc<KeySet>, AwsError> {
        match &self.keys {
            Keys::File(keys) => Ok(Arc::clone(keys)),
            Keys::Url(remote) => remote.current(now_ms).await.ok_or_else(unretrievable),
        }
    }

    /// Keys newer than `seen`, for a `jwks_url` whose keys lack the token's.
    async fn refreshed_keys(&self, seen: &Arc<KeySet>, now_ms: i64) -> Option<Arc<KeySet>> {
        match &self.keys {
            Keys::File(_) => None,
            Keys::Url(remote) => remote.refresh(seen, now_ms).await,
        }
    }
}

/// AWS's words when the issuer's keys cannot be had.
fn unretrievable() -> AwsError {
    invalid(
        "Couldn't retrieve verification key from your identity provider, please reference \
         AssumeRoleWithWebIdentity documentation for requirements",
    )
}

fn unusable(selection: &Selection<'_>) -> AwsError {
    invalid(match selection {
        Selection::Unknown => {
            "The ID Token provided is not a valid JWT: no key of the identity provider matches its kid"
        }
        Selection::Unfit => {
            "The ID Token provided is not a valid JWT: the key its kid names is not for its alg"
        }
        Selection::Ambiguous | Selection::Key(_) => {
            "The ID Token provided is not a valid JWT: it names no kid and the identity provider has several keys"
        }
    })
}

/// `iss` as quoted back: it is the caller's text, so bounded and without
/// control characters.
fn printable(iss: &str) -> String {
    const MAX: usize = 200;
    let mut out: String = iss.chars().take(MAX).filter(|c| !c.is_control()).collect();
    if iss.chars().count() > MAX {
        out.push('…');
    }
    out
}

/// `issuer` normalised (no trailing slash) once it is an `https://` URL
/// with a host and no port, user info, query or fragment.
fn check_issuer(issuer: &str) -> Result<String, String> {
    let bad = |why: &str| Err(format!("OIDC provider issuer {issuer:?} {why}"));
    let Some(rest) = issuer.strip_prefix("https://") else {
        return bad("must start with https://");
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() {
        return bad("has no host");
    }
    if rest
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '@'))
    {
        return bad("must not contain spaces, user info, a query or a fragment");
    }
    // IAM refuses ports; a colon would also make `<host>:sub` ambiguous.
    if host.contains(':') {
        return bad("must not contain a port");
    }
    if rest.split('/').skip(1).any(str::is_empty) {
        return bad("has an empty path segment");
    }
    Ok(format!("https://{rest}"))
}
