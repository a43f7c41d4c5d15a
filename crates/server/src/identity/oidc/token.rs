//! An identity token as text: the compact JWS form (RFC 7515 §7.1) taken
//! apart, and the claim checks (RFC 7519 §4.1) that follow a verified
//! signature.
//!
//! Owns the size limit, the accepted `alg`s, strict base64url and JSON
//! decoding, and the `exp`/`nbf`/`iat`/`aud`/`sub` rules. Holds no keys and
//! does no cryptography (`jwks` does). No error message quotes the token.

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};
use tresor_wire::error::{AwsError, ErrorCode};

/// STS's limit on `WebIdentityToken` (its model's `clientTokenType`).
pub const MAX_TOKEN_CHARS: usize = 20_000;

/// How far in the future `nbf` and `iat` may be: a token used the moment
/// it is issued (a Kubernetes projected token) must not fail because our
/// clock is a little behind the issuer's. `exp` gets no such grace: the
/// token is refused from its expiry second on, as AWS's message
/// ("current date/time … must be before the expiration date/time …") says.
pub const CLOCK_SKEW_MS: i64 = 60_000;

/// The audience accepted when a provider lists none: what AWS's own
/// tooling (EKS pod identity webhook, GitHub's AWS action) asks for.
pub const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";

/// The signature algorithms accepted: what OIDC issuers use (RSA PKCS#1
/// v1.5 and ECDSA on P-256/P-384). Never `none`, never an HMAC (an issuer's
/// public key must not become a shared secret), and nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    RS256,
    RS384,
    RS512,
    ES256,
    ES384,
}

impl Alg {
    fn parse(name: &str) -> Option<Alg> {
        Some(match name {
            "RS256" => Alg::RS256,
            "RS384" => Alg::RS384,
            "RS512" => Alg::RS512,
            "ES256" => Alg::ES256,
            "ES384" => Alg::ES384,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Alg::RS256 => "RS256",
            Alg::RS384 => "RS384",
            Alg::RS512 => "RS512",
            Alg::ES256 => "ES256",
            Alg::ES384 => "ES384",
        }
    }
}

/// A token taken apart; nothing in it is trusted yet.
#[derive(Debug)]
pub struct Jws<'a> {
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'a str,
    /// The third part, base64url (checked to decode).
    pub signature: &'a str,
    pub alg: Alg,
    pub kid: Option<String>,
    pub claims: Map<String, Value>,
}

/// What the claim checks establish.
#[derive(Debug)]
pub struct CheckedClaims {
    pub subject: String,
    pub audience: Vec<String>,
    pub expires_ms: i64,
}

pub fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::new(ErrorCode::InvalidIdentityToken, message)
}

fn not_a_jwt(why: &str) -> AwsError {
    invalid(format!("The ID Token provided is not a valid JWT: {why}"))
}

/// Splits and decodes `token`. Refuses an oversize token before looking at
/// it, an `alg` outside [`Alg`], and a `crit` header (no extension is
/// understood, so RFC 7515 §4.1.11 says reject). Header keys such as `jwk`,
/// `jku` and `x5u` are ignored: keys come only from the configuration.
pub fn parse(token: &str) -> Result<Jws<'_>, AwsError> {
    if token.len() > MAX_TOKEN_CHARS {
        return Err(not_a_jwt("it is longer than 20000 characters"));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(not_a_jwt("it must have three dot-separated parts"));
    };
    let header = json_object(&b64url(header, "header")?, "header")?;
    let alg = match header.get("alg") {
        Some(Value::String(name)) => {
            Alg::parse(name).ok_or_else(|| not_a_jwt("unsupported signing algorithm"))?
        }
        _ => return Err(not_a_jwt("the header has no alg")),
    };
    if header.contains_key("crit") {
        return Err(not_a_jwt("critical header extensions are not supported"));
    }
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err(not_a_jwt("kid must be a string")),
    };
    let claims = json_object(&b64url(payload, "payload")?, "payload")?;
    if b64url(signature, "signature")?.is_empty() {
        return Err(not_a_jwt("the signature is empty"));
    }
    Ok(Jws {
        signing_input: &token[..token.len() - signature.len() - 1],
        signature,
        alg,
        kid,
        claims,
    })
}

/// Base64url without padding, canonical (RFC 7515 §2).
fn b64url(part: &str, what: &str) -> Result<Vec<u8>, AwsError> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| not_a_jwt(&format!("the {what} is not base64url")))
}

/// A JSON object whose top-level member names are unique: RFC 7515 §5.2
/// lets a parser reject duplicates, and accepting them would let two
/// parsers disagree on which `iss` or `alg` a token has.
fn json_object(bytes: &[u8], what: &str) -> Result<Map<String, Value>, AwsError> {
    serde_json::from_slice::<UniqueObject>(bytes)
        .map(|o| o.0)
        .map_err(|_| not_a_jwt(&format!("the {what} is not a JSON object")))
}

struct UniqueObject(Map<String, Value>);

impl<'de> Deserialize<'de> for UniqueObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = UniqueObject;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<UniqueObject, A::Error> {
                let mut map = Map::new();
                while let Some(key) = access.next_key::<String>()? {
                    if map.contains_key(&key) {
                        return Err(de::Error::custom("duplicate member"));
                    }
                    map.insert(key, access.next_value()?);
                }
                Ok(UniqueObject(map))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// The `iss` claim, which picks the provider (and so the keys).
pub fn issuer(claims: &Map<String, Value>) -> Result<&str, AwsError> {
    match claims.get("iss") {
        Some(Value::String(iss)) => Ok(iss),
        _ => Err(missing("iss")),
    }
}

fn missing(claim: &str) -> AwsError {
    invalid(format!("Missing a required claim: {claim}"))
}

/// Checks a signed token's claims at `now_ms`: `exp` required and in the
/// future, `nbf`/`iat` not beyond [`CLOCK_SKEW_MS`] ahead, `aud` holding
/// one of `audiences` ([`DEFAULT_AUDIENCE`] when empty), `sub` a non-empty
/// string.
pub fn check_claims(
    claims: &Map<String, Value>,
    audiences: &[String],
    now_ms: i64,
) -> Result<CheckedClaims, AwsError> {
    let expires_ms = numeric_date_ms(claims, "exp")?.ok_or_else(|| missing("exp"))?;
    if now_ms >= expires_ms {
        return Err(AwsError::new(
            ErrorCode::ExpiredTokenException,
            format!(
                "Token expired: current date/time {} must be before the expiration date/time {}",
                now_ms.div_euclid(1000),
                expires_ms.div_euclid(1000)
            ),
        ));
    }
    for claim in ["nbf", "iat"] {
        if let Some(at) = numeric_date_ms(claims, claim)?
            && at > now_ms.saturating_add(CLOCK_SKEW_MS)
        {
            return Err(invalid(format!(
                "The token's {claim} is in the future: it is not valid yet"
            )));
        }
    }
    let audience = match claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .map(|a| a.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| invalid("Incorrect token audience"))?,
        None => return Err(missing("aud")),
        Some(_) => return Err(invalid("Incorrect token audience")),
    };
    let accepted = |aud: &String| {
        if audiences.is_empty() {
            aud == DEFAULT_AUDIENCE
        } else {
            audiences.contains(aud)
        }
    };
    if !audience.iter().any(accepted) {
        return Err(invalid("Incorrect token audience"));
    }
    let subject = match claims.get("sub") {
        Some(Value::String(sub)) if !sub.is_empty() => sub.clone(),
        _ => return Err(missing("sub")),
    };
    Ok(CheckedClaims {
        subject,
        audience,
        expires_ms,
    })
}

/// A NumericDate claim (seconds, integer or not) in epoch milliseconds.
fn numeric_date_ms(claims: &Map<String, Value>, claim: &str) -> Result<Option<i64>, AwsError> {
    let Some(value) = claims.get(claim) else {
        return Ok(None);
    };
    let ms = if let Some(secs) = value.as_i64() {
        secs.saturating_mul(1000)
    } else if let Some(secs) = value.as_f64().filter(|f| f.is_finite()) {
        // `as` saturates; a u64 beyond i64 lands here too.
        (secs * 1000.0).floor() as i64
    } else {
        return Err(not_a_jwt(&format!("{claim} is not a number")));
    };
    Ok(Some(ms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use serde_json::json;

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    fn token(header: &str, payload: &str) -> String {
        format!(
            "{}.{}.{}",
            b64(header.as_bytes()),
            b64(payload.as_bytes()),
            b64(b"sig")
        )
    }

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    const NOW: i64 = 1_700_000_000_000;

    #[test]
    fn parses_the_three_parts() {
        let t = token(
            r#"{"alg":"ES256","kid":"k1","typ":"JWT"}"#,
            r#"{"iss":"x"}"#,
        );
        let jws = parse(&t).unwrap();
        assert_eq!(jws.alg, Alg::ES256);
        assert_eq!(jws.kid.as_deref(), Some("k1"));
        assert_eq!(issuer(&jws.claims).unwrap(), "x");
        assert_eq!(format!("{}.{}", jws.signing_input, jws.signature), t);
    }

    #[test]
    fn refuses_algorithms_outside_the_list() {
        for alg in ["none", "HS256", "HS512", "PS256", "EdDSA", "rs256", ""] {
            let t = token(&format!(r#"{{"alg":"{alg}"}}"#), "{}");
            assert_eq!(parse(&t).unwrap_err().code, ErrorCode::InvalidIdentityToken);
        }
        let t = token(r#"{"alg":256}"#, "{}");
        assert!(parse(&t).is_err());
    }

    #[test]
    fn refuses_malformed_forms() {
        let good = token(r#"{"alg":"RS256"}"#, "{}");
        let (h, rest) = good.split_once('.').unwrap();
        let cases = [
            format!("{h}.{}", rest.split('.').next().unwrap()),
            format!("{good}.extra"),
            format!("{h}=.{rest}"),
            format!("*{h}.{rest}"),
            format!("{}.{rest}", b64(b"not json")),
            token(r#"{"alg":"RS256"}"#, "[1,2]"),
            token(r#"{"alg":"RS256"}"#, r#"{"iss":"a","iss":"b"}"#),
            token(r#"{"alg":"RS256","alg":"RS256"}"#, "{}"),
            token(r#"{"alg":"RS256","crit":["b64"]}"#, "{}"),
            token(r#"{"alg":"RS256","kid":7}"#, "{}"),
            format!("{h}.{}.", rest.split('.').next().unwrap()),
            String::new(),
        ];
        for t in cases {
            let e = parse(&t).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidIdentityToken, "{t}");
            assert!(
                e.message
                    .starts_with("The ID Token provided is not a valid JWT")
            );
        }
    }

    #[test]
    fn refuses_an_oversize_token_before_parsing() {
        let e = parse(&"a".repeat(MAX_TOKEN_CHARS + 1)).unwrap_err();
        assert!(e.message.contains("longer than 20000"), "{}", e.message);
    }

    #[test]
    fn expiry_is_strict() {
        let c = claims(json!({"exp": NOW / 1000, "aud": "sts.amazonaws.com", "sub": "s"}));
        let e = check_claims(&c, &[], NOW).unwrap_err();
        assert_eq!(e.code, ErrorCode::ExpiredTokenException);
        assert_eq!(
            e.message,
            "Token expired: current date/time 1700000000 must be before the expiration date/time 1700000000"
        );
        assert!(check_claims(&c, &[], NOW - 1).is_ok());
    }

    #[test]
    fn nbf_and_iat_get_the_skew() {
        for claim in ["nbf", "iat"] {
            let at = |secs: i64| {
                claims(json!({"exp": NOW / 1000 + 600, claim: NOW / 1000 + secs,
                              "aud": "sts.amazonaws.com", "sub": "s"}))
            };
            assert!(check_claims(&at(60), &[], NOW).is_ok());
            let e = check_claims(&at(61), &[], NOW).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidIdentityToken);
        }
    }

    #[test]
    fn numeric_dates_may_be_fractional_but_must_be_numbers() {
        let c = claims(json!({"exp": 1_700_000_000.5, "aud": "sts.amazonaws.com", "sub": "s"}));
        assert_eq!(check_claims(&c, &[], NOW).unwrap().expires_ms, NOW + 500);
        let c = claims(json!({"exp": "1700000600", "aud": "sts.amazonaws.com", "sub": "s"}));
        assert!(check_claims(&c, &[], NOW).is_err());
        let c = claims(json!({"exp": u64::MAX, "aud": "sts.amazonaws.com", "sub": "s"}));
        assert!(check_claims(&c, &[], NOW).is_ok());
    }

    #[test]
    fn audience_rules() {
        let with = |aud: Value| claims(json!({"exp": NOW / 1000 + 600, "aud": aud, "sub": "s"}));
        let mine = vec!["my-app".to_string()];
        assert_eq!(
            check_claims(&with(json!(["x", "my-app"])), &mine, NOW)
                .unwrap()
                .audience,
            vec!["x", "my-app"]
        );
        assert!(check_claims(&with(json!("sts.amazonaws.com")), &[], NOW).is_ok());
        for (aud, configured) in [
            (json!("sts.amazonaws.com"), &mine),
            (json!("other"), &vec![]),
            (json!([]), &mine),
            (json!([1]), &mine),
            (json!(7), &mine),
        ] {
            let e = check_claims(&with(aud), configured, NOW).unwrap_err();
            assert_eq!(e.message, "Incorrect token audience");
        }
        let c = claims(json!({"exp": NOW / 1000 + 600, "sub": "s"}));
        assert_eq!(
            check_claims(&c, &[], NOW).unwrap_err().message,
            "Missing a required claim: aud"
        );
    }

    #[test]
    fn subject_is_required() {
        for sub in [None, Some(json!("")), Some(json!(5))] {
            let mut c = claims(json!({"exp": NOW / 1000 + 600, "aud": "sts.amazonaws.com"}));
            if let Some(sub) = sub {
                c.insert("sub".into(), sub);
            }
            assert_eq!(
                check_claims(&c, &[], NOW).unwrap_err().message,
                "Missing a required claim: sub"
            );
        }
    }
}
