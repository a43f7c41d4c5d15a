//! Tokens signed here with fresh aws-lc-rs keys, checked end to end
//! through `OidcProviders::verify`, with key files and a JWKS served on
//! 127.0.0.1. Time is passed in, never waited for.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair, RsaPublicKeyComponents};
use base64::Engine;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tresor_wire::error::ErrorCode;

use super::*;

const ACCOUNT: &str = "123456789012";
const ISSUER: &str = "https://oidc.example.test/id/ABC";
const NOW: i64 = 1_700_000_000_000;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

enum Pair {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

struct TestKey {
    kid: &'static str,
    pair: Pair,
}

impl TestKey {
    fn rsa(kid: &'static str) -> TestKey {
        TestKey {
            kid,
            pair: Pair::Rsa(RsaKeyPair::generate(KeySize::Rsa2048).unwrap()),
        }
    }

    fn p256(kid: &'static str) -> TestKey {
        TestKey {
            kid,
            pair: Pair::Ec(
                EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING).unwrap(),
            ),
        }
    }

    fn alg(&self) -> &'static str {
        match self.pair {
            Pair::Rsa(_) => "RS256",
            Pair::Ec(_) => "ES256",
        }
    }

    /// The public JWK, as an issuer publishes it.
    fn jwk(&self) -> Value {
        match &self.pair {
            Pair::Rsa(pair) => {
                let c = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public_key());
                json!({"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256",
                       "n": b64(&c.n), "e": b64(&c.e)})
            }
            Pair::Ec(pair) => {
                let point = pair.public_key().as_ref();
                json!({"kty": "EC", "kid": self.kid, "crv": "P-256",
                       "x": b64(&point[1..33]), "y": b64(&point[33..])})
            }
        }
    }

    fn sign(&self, alg: &str, input: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match &self.pair {
            Pair::Rsa(pair) => {
                let padding: &'static dyn signature::RsaEncoding = match alg {
                    "RS384" => &signature::RSA_PKCS1_SHA384,
                    "RS512" => &signature::RSA_PKCS1_SHA512,
                    _ => &signature::RSA_PKCS1_SHA256,
                };
                let mut sig = vec![0; pair.public_modulus_len()];
                pair.sign(padding, &rng, input, &mut sig).unwrap();
                sig
            }
            Pair::Ec(pair) => pair.sign(&rng, input).unwrap().as_ref().to_vec(),
        }
    }

    /// A token with this header and these claims, signed by this key.
    fn token_with(&self, header: Value, claims: Value) -> String {
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let alg = header["alg"].as_str().unwrap_or("RS256");
        format!("{input}.{}", b64(&self.sign(alg, input.as_bytes())))
    }

    fn token(&self, claims: Value) -> String {
        self.token_with(
            json!({"alg": self.alg(), "kid": self.kid, "typ": "JWT"}),
            claims,
        )
    }
}

static RSA: LazyLock<TestKey> = LazyLock::new(|| TestKey::rsa("rsa-1"));
static RSA_OTHER: LazyLock<TestKey> = LazyLock::new(|| TestKey::rsa("rsa-1"));
static EC: LazyLock<TestKey> = LazyLock::new(|| TestKey::p256("ec-1"));

fn claims() -> Value {
    json!({
        "iss": ISSUER,
        "sub": "system:serviceaccount:apps:billing",
        "aud": ["sts.amazonaws.com"],
        "iat": NOW / 1000 - 10,
        "nbf": NOW / 1000 - 10,
        "exp": NOW / 1000 + 600,
        "kubernetes.io": {"namespace": "apps"},
    })
}

fn claims_with(key: &str, value: Value) -> Value {
    let mut c = claims();
    c[key] = value;
    c
}

fn jwks(keys: &[&TestKey]) -> String {
    json!({"keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>()}).to_string()
}

fn jwks_file(keys: &[&TestKey]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(jwks(keys).as_bytes()).unwrap();
    file
}

fn file_provider(file: &tempfile::NamedTempFile, audiences: &[&str]) -> OidcProviderConfig {
    OidcProviderConfig {
        issuer: ISSUER.to_string(),
        jwks_file: Some(file.path().to_path_buf()),
        jwks_url: None,
        audiences: audiences.iter().map(|a| a.to_string()).collect(),
    }
}

/// Providers trusting `ISSUER` with RSA and EC keys from a file.
fn providers() -> (OidcProviders, tempfile::NamedTempFile) {
    let file = jwks_file(&[&RSA, &EC]);
    let providers = OidcProviders::load(&[file_provider(&file, &[])], ACCOUNT).unwrap();
    (providers, file)
}

/// Asserts the refusal's code and that it does not quote the token.
async fn refused(providers: &OidcProviders, token: &str, code: ErrorCode) -> String {
    let e = providers.verify(token, NOW).await.unwrap_err();
    assert_eq!(e.code, code, "{}", e.message);
    if token.len() > 20 {
        for part in token.split('.').filter(|p| p.len() > 20) {
            assert!(!e.message.contains(part), "the message quotes the token");
        }
    }
    e.message
}

#[test]
fn provider_arn_is_awss_form() {
    assert_eq!(
        provider_arn(ACCOUNT, "https://oidc.eks.us-east-1.amazonaws.com/id/ABC"),
        "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
    );
    assert_eq!(
        provider_arn(ACCOUNT, "https://token.actions.githubusercontent.com/"),
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    );
}

#[tokio::test]
async fn a_valid_rs256_token_verifies() {
    let (providers, _file) = providers();
    let v = providers.verify(&RSA.token(claims()), NOW).await.unwrap();
    assert_eq!(
        v.provider_arn,
        "arn:aws:iam::123456789012:oidc-provider/oidc.example.test/id/ABC"
    );
    assert_eq!(v.issuer_host, "oidc.example.test/id/ABC");
    assert_eq!(v.subject, "system:serviceaccount:apps:billing");
    assert_eq!(v.audience, vec!["sts.amazonaws.com"]);
    assert_eq!(v.expires_ms, NOW + 600_000);
    assert_eq!(v.claims["kubernetes.io"]["namespace"], "apps");
    assert_eq!(Value::Object(v.claims), claims());
}

#[tokio::test]
async fn a_valid_es256_token_verifies() {
    let (providers, _file) = providers();
    let v = providers.verify(&EC.token(claims()), NOW).await.unwrap();
    assert_eq!(v.subject, "system:serviceaccount:apps:billing");
}

#[tokio::test]
async fn rs384_and_rs512_verify_with_a_key_that_states_no_alg() {
    let mut jwk = RSA.jwk();
    jwk.as_object_mut().unwrap().remove("alg");
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(json!({ "keys": [jwk] }).to_string().as_bytes())
        .unwrap();
    let providers = OidcProviders::load(&[file_provider(&file, &[])], ACCOUNT).unwrap();
    for alg in ["RS256", "RS384", "RS512"] {
        let t = RSA.token_with(json!({"alg": alg, "kid": "rsa-1"}), claims());
        providers.verify(&t, NOW).await.unwrap();
    }
}

#[tokio::test]
async fn the_issuers_trailing_slash_does_not_matter() {
    let file = jwks_file(&[&RSA]);
    let mut config = file_provider(&file, &[]);
    config.issuer = format!("{ISSUER}/");
    let providers = OidcProviders::load(&[config], ACCOUNT).unwrap();
    for iss in [ISSUER.to_string(), format!("{ISSUER}/")] {
        let v = providers
            .verify(&RSA.token(claims_with("iss", json!(iss))), NOW)
            .await
            .unwrap();
        assert_eq!(v.issuer_host, "oidc.example.test/id/ABC");
    }
}

#[tokio::test]
async fn without_a_kid_the_only_key_of_the_type_is_used() {
    let (providers, _file) = providers();
    let t = RSA.token_with(json!({"alg": "RS256"}), claims());
    providers.verify(&t, NOW).await.unwrap();

    let file = jwks_file(&[&RSA, &TestKey::rsa("rsa-2")]);
    let two = OidcProviders::load(&[file_provider(&file, &[])], ACCOUNT).unwrap();
    let m = refused(&two, &t, ErrorCode::InvalidIdentityToken).await;
    assert!(m.contains("several keys"), "{m}");
}

#[tokio::test]
async fn a_wrong_signature_is_refused() {
    let (providers, _file) = providers();
    // Same kid, another key.
    refused(
        &providers,
        &RSA_OTHER.token(claims()),
        ErrorCode::InvalidIdentityToken,
    )
    .await;
    // A signature of other content.
    let good = RSA.token(claims());
    let other = RSA.token(claims_with("sub", json!("x")));
    let forged = format!(
        "{}.{}",
        good.rsplit_once('.').unwrap().0,
        other.rsplit_once('.').unwrap().1
    );
    let m = refused(&providers, &forged, ErrorCode::InvalidIdentityToken).await;
    assert_eq!(
        m,
        "The ID Token provided is not a valid JWT: its signature does not verify"
    );
}

#[tokio::test]
async fn a_tampered_payload_is_refused() {
    let (providers, _file) = providers();
    let token = RSA.token(claims());
    let parts: Vec<&str> = token.split('.').collect();
    let tampered = b64(
        claims_with("sub", json!("system:serviceaccount:kube-system:admin"))
            .to_string()
            .as_bytes(),
    );
    let forged = format!("{}.{tampered}.{}", parts[0], parts[2]);
    let m = refused(&providers, &forged, ErrorCode::InvalidIdentityToken).await;
    assert!(m.ends_with("its signature does not verify"), "{m}");
}

#[tokio::test]
async fn alg_none_is_refused() {
    let (providers, _file) = providers();
    let header = b64(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = b64(claims().to_string().as_bytes());
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}.{}", b64(b"x")),
    ] {
        let m = refused(&providers, &token, ErrorCode::InvalidIdentityToken).await;
        assert!(m.contains("unsupported signing algorithm"), "{m}");
    }
}

#[tokio::test]
async fn hs256_with_the_rsa_public_key_as_secret_is_refused() {
    let (providers, _file) = providers();
    let Pair::Rsa(pair) = &RSA.pair else {
        unreachable!()
    };
    let public = pair.public_key().as_ref().to_vec();
    let jwk_n = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public_key()).n;
    for secret in [public, jwk_n, RSA.jwk().to_string().into_bytes()] {
        let input = format!(
            "{}.{}",
            b64(br#"{"alg":"HS256","kid":"rsa-1"}"#),
            b64(claims().to_string().as_bytes())
        );
        let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &secret);
        let tag = aws_lc_rs::hmac::sign(&key, input.as_bytes());
        let token = format!("{input}.{}", b64(tag.as_ref()));
        let m = refused(&providers, &token, ErrorCode::InvalidIdentityToken).await;
        assert!(m.contains("unsupported signing algorithm"), "{m}");
    }
}

#[tokio::test]
async fn a_key_of_the_wrong_type_or_alg_is_refused() {
    let (providers, _file) = providers();
    // ES256 naming the RSA key, RS256 naming the EC key.
    let t = EC.token_with(json!({"alg": "ES256", "kid": "rsa-1"}), claims());
    let m = refused(&providers, &t, ErrorCode::InvalidIdentityToken).await;
    assert!(m.contains("not for its alg"), "{m}");
    let t = RSA.token_with(json!({"alg": "RS256", "kid": "ec-1"}), claims());
    refused(&providers, &t, ErrorCode::InvalidIdentityToken).await;
    // The JWK says RS256; the token says RS512.
    let t = RSA.token_with(json!({"alg": "RS512", "kid": "rsa-1"}), claims());
    refused(&providers, &t, ErrorCode::InvalidIdentityToken).await;
}

#[tokio::test]
async fn an_unknown_kid_is_refused() {
    let (providers, _file) = providers();
    let t = RSA.token_with(json!({"alg": "RS256", "kid": "rotated"}), claims());
    let m = refused(&providers, &t, ErrorCode::InvalidIdentityToken).await;
    assert!(m.contains("matches its kid"), "{m}");
}

#[tokio::test]
async fn an_unknown_issuer_is_refused() {
    let (providers, _file) = providers();
    for iss in [
        "https://evil.example.test",
        "https://oidc.example.test/id/ABCD",
    ] {
        let t = RSA.token(claims_with("iss", json!(iss)));
        let m = refused(&providers, &t, ErrorCode::InvalidIdentityToken).await;
        assert_eq!(
            m,
            format!("No OpenIDConnect provider found in your account for {iss}")
        );
    }
    let mut c = claims();
    c.as_object_mut().unwrap().remove("iss");
    let m = refused(&providers, &RSA.token(c), ErrorCode::InvalidIdentityToken).await;
    assert_eq!(m, "Missing a required claim: iss");
}

#[tokio::test]
async fn a_wrong_audience_is_refused() {
    let (providers, _file) = providers();
    let t = RSA.token(claims_with("aud", json!("my-app")));
    let m = refused(&providers, &t, ErrorCode::InvalidIdentityToken).await;
    assert_eq!(m, "Incorrect token audience");

    let file = jwks_file(&[&RSA]);
    let mine = OidcProviders::load(&[file_provider(&file, &["my-app"])], ACCOUNT).unwrap();
    mine.verify(&t, NOW).await.unwrap();
    refused(&mine, &RSA.token(claims()), ErrorCode::InvalidIdentityToken).await;
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let (providers, _file) = providers();
    let t = RSA.token(claims_with("exp", json!(NOW / 1000 - 1)));
    let m = refused(&providers, &t, ErrorCode::ExpiredTokenException).await;
    assert_eq!(
        m,
        "Token expired: current date/time 1700000000 must be before the expiration date/time 1699999999"
    );
    let mut c = claims();
    c.as_object_mut().unwrap().remove("exp");
    let m = refused(&providers, &RSA.token(c), ErrorCode::InvalidIdentityToken).await;
    assert_eq!(m, "Missing a required claim: exp");
}

#[tokio::test]
async fn a_token_not_yet_valid_is_refused() {
    let (providers, _file) = providers();
    for claim in ["nbf", "iat"] {
        let t = RSA.token(claims_with(claim, json!(NOW / 1000 + 120)));
        refused(&providers, &t, ErrorCode::InvalidIdentityToken).await;
        let t = RSA.token(claims_with(claim, json!(NOW / 1000 + 30)));
        providers.verify(&t, NOW).await.unwrap();
    }
}

#[tokio::test]
async fn a_token_without_sub_is_refused() {
    let (providers, _file) = providers();
    let mut c = claims();
    c.as_object_mut().unwrap().remove("sub");
    let m = refused(&providers, &RSA.token(c), ErrorCode::InvalidIdentityToken).await;
    assert_eq!(m, "Missing a required claim: sub");
}

#[tokio::test]
async fn malformed_tokens_are_refused() {
    let (providers, _file) = providers();
    let good = RSA.token(claims());
    let parts: Vec<&str> = good.split('.').collect();
    let cases = [
        format!("{}.{}", parts[0], parts[1]),
        format!("{}.{}.{}.{}", parts[0], parts[1], parts[2], parts[2]),
        format!("{}.{}!.{}", parts[0], parts[1], parts[2]),
        format!("{}.{}", b64(b"{not json"), parts[1..].join(".")),
        format!("{}.{}.{}", parts[0], b64(b"not json"), parts[2]),
        format!("{}.{}.{}", parts[0], b64(b"\"a string\""), parts[2]),
        "".to_string(),
        "...".to_string(),
        "not a token".to_string(),
    ];
    for token in cases {
        let m = refused(&providers, &token, ErrorCode::InvalidIdentityToken).await;
        assert!(
            m.starts_with("The ID Token provided is not a valid JWT"),
            "{m}"
        );
    }
}

#[tokio::test]
async fn an_oversize_token_is_refused_before_parsing() {
    let (providers, _file) = providers();
    // Validly signed, but too long.
    let t = RSA.token(claims_with("pad", json!("x".repeat(MAX_TOKEN_CHARS))));
    assert!(t.len() > MAX_TOKEN_CHARS);
    let m = refused(&providers, &t, ErrorCode::InvalidIdentityToken).await;
    assert!(m.contains("longer than 20000"), "{m}");
}

#[test]
fn load_refuses_bad_configurations() {
    let file = jwks_file(&[&RSA]);
    let good = file_provider(&file, &[]);
    let with = |f: &dyn Fn(&mut OidcProviderConfig)| {
        let mut c = good.clone();
        f(&mut c);
        OidcProviders::load(&[c], ACCOUNT).unwrap_err()
    };
    let e = with(&|c| c.jwks_url = Some("https://x.test/keys".into()));
    assert!(e.contains("exactly one of jwks_file and jwks_url"), "{e}");
    let e = with(&|c| c.jwks_file = None);
    assert!(e.contains("exactly one of jwks_file and jwks_url"), "{e}");
    let e = with(&|c| c.jwks_file = Some("/nonexistent/oidc/jwks.json".into()));
    assert!(e.contains("/nonexistent/oidc/jwks.json"), "{e}");
    for issuer in [
        "http://oidc.example.test",
        "oidc.example.test",
        "https://",
        "https://oidc.example.test:8443",
        "https://oidc.example.test/a?b=c",
        "https://oidc.example.test/a#b",
        "https://oidc.example.test//a",
        "https://user@oidc.example.test",
    ] {
        let e = with(&|c| c.issuer = issuer.to_string());
        assert!(e.contains(issuer), "{e}");
    }
    let e = with(&|c| c.audiences = vec![String::new()]);
    assert!(e.contains("audience"), "{e}");
    let e = OidcProviders::load(&[good.clone(), good.clone()], ACCOUNT).unwrap_err();
    assert!(e.contains("twice"), "{e}");

    let mut bad = tempfile::NamedTempFile::new().unwrap();
    bad.write_all(br#"{"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}"#)
        .unwrap();
    let mut c = good.clone();
    c.jwks_file = Some(bad.path().to_path_buf());
    let e = OidcProviders::load(&[c], ACCOUNT).unwrap_err();
    assert!(e.contains(&bad.path().display().to_string()), "{e}");
    assert!(e.contains("no usable signing key"), "{e}");
}

#[tokio::test]
async fn no_providers_trust_nothing() {
    let providers = OidcProviders::load(&[], ACCOUNT).unwrap();
    assert!(providers.is_empty());
    refused(
        &providers,
        &RSA.token(claims()),
        ErrorCode::InvalidIdentityToken,
    )
    .await;
}

/// A JWKS served over HTTP on 127.0.0.1, counting the requests it answers.
struct JwksServer {
    url: String,
    response: Arc<Mutex<(u16, String)>>,
    hits: Arc<AtomicUsize>,
}

impl JwksServer {
    async fn start(body: String) -> JwksServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/keys", listener.local_addr().unwrap());
        let response = Arc::new(Mutex::new((200, body)));
        let hits = Arc::new(AtomicUsize::new(0));
        let (r, h) = (Arc::clone(&response), Arc::clone(&hits));
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                assert!(request.starts_with(b"GET /keys HTTP/1.1\r\n"));
                h.fetch_add(1, Ordering::SeqCst);
                let (status, body) = r.lock().unwrap().clone();
                let reply = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes()).await;
                let _ = stream.shutdown().await;
            }
        });
        JwksServer {
            url,
            response,
            hits,
        }
    }

    fn set(&self, status: u16, body: String) {
        *self.response.lock().unwrap() = (status, body);
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn provider(&self) -> OidcProviderConfig {
        OidcProviderConfig {
            issuer: ISSUER.to_string(),
            jwks_file: None,
            jwks_url: Some(self.url.clone()),
            audiences: vec![],
        }
    }
}

/// A token for `key` valid around `at_ms`.
fn token_at(key: &TestKey, at_ms: i64) -> String {
    key.token(claims_with("exp", json!(at_ms / 1000 + 600)))
}

#[tokio::test]
async fn a_jwks_url_is_fetched_on_first_use_and_refreshed_for_an_unknown_kid() {
    let server = JwksServer::start(jwks(&[&RSA])).await;
    let providers = OidcProviders::load(&[server.provider()], ACCOUNT).unwrap();
    assert_eq!(server.hits(), 0, "nothing is fetched at startup");

    providers.verify(&token_at(&RSA, NOW), NOW).await.unwrap();
    assert_eq!(server.hits(), 1);
    providers
        .verify(&token_at(&RSA, NOW), NOW + 1000)
        .await
        .unwrap();
    assert_eq!(server.hits(), 1, "the keys are cached");

    // The issuer adds a key. Within a minute of the last fetch, a token
    // naming it is refused without asking again.
    let ec = TestKey::p256("ec-new");
    server.set(200, jwks(&[&RSA, &ec]));
    let t = token_at(&ec, NOW);
    refused(&providers, &t, ErrorCode::InvalidIdentityToken).await;
    assert_eq!(server.hits(), 1);
    // A minute later the unknown kid triggers a fetch.
    let later = NOW + fetch::MIN_INTERVAL_MS;
    providers.verify(&t, later).await.unwrap();
    assert_eq!(server.hits(), 2);
    // Another unknown kid right after: refused, no fetch.
    let t = token_at(&TestKey::p256("ec-other"), later);
    let e = providers.verify(&t, later + 1).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidIdentityToken);
    assert_eq!(server.hits(), 2);

    // An hour after the last fetch the keys are fetched again: the
    // withdrawn RSA key stops working.
    server.set(200, jwks(&[&ec]));
    let hour = later + fetch::REFRESH_MS;
    let e = providers
        .verify(&token_at(&RSA, hour), hour)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidIdentityToken);
    assert_eq!(server.hits(), 3);
    providers.verify(&token_at(&ec, hour), hour).await.unwrap();
}

#[tokio::test]
async fn a_failed_fetch_is_an_invalid_token_not_a_crash() {
    let server = JwksServer::start(String::new()).await;
    for (status, body) in [(500, jwks(&[&RSA])), (200, "<html>".to_string())] {
        server.set(status, body);
        let providers = OidcProviders::load(&[server.provider()], ACCOUNT).unwrap();
        let m = refused(
            &providers,
            &token_at(&RSA, NOW),
            ErrorCode::InvalidIdentityToken,
        )
        .await;
        assert!(m.starts_with("Couldn't retrieve verification key"), "{m}");
    }

    // Nothing listens there.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let mut config = server.provider();
    config.jwks_url = Some(format!("http://{addr}/keys"));
    let providers = OidcProviders::load(&[config], ACCOUNT).unwrap();
    refused(
        &providers,
        &token_at(&RSA, NOW),
        ErrorCode::InvalidIdentityToken,
    )
    .await;
}

#[tokio::test]
async fn the_last_keys_serve_while_the_issuer_is_down_for_up_to_a_day() {
    let server = JwksServer::start(jwks(&[&RSA])).await;
    let providers = OidcProviders::load(&[server.provider()], ACCOUNT).unwrap();
    providers.verify(&token_at(&RSA, NOW), NOW).await.unwrap();
    server.set(503, String::new());

    let hour = NOW + fetch::REFRESH_MS;
    providers.verify(&token_at(&RSA, hour), hour).await.unwrap();
    assert_eq!(server.hits(), 2, "the refresh was tried");

    let day = NOW + fetch::MAX_STALE_MS;
    let e = providers
        .verify(&token_at(&RSA, day), day)
        .await
        .unwrap_err();
    assert!(e.message.starts_with("Couldn't retrieve verification key"));
    server.set(200, jwks(&[&RSA]));
    let later = day + fetch::MIN_INTERVAL_MS;
    providers
        .verify(&token_at(&RSA, later), later)
        .await
        .unwrap();
}
