//! An issuer's JSON Web Key Set (RFC 7517): its public signing keys, the
//! choice of the one a token names, and the signature check with it.
//!
//! Owns which JWKs are usable (RSA of 2048–8192 bits, EC on P-256/P-384,
//! meant for signatures) and the rule that a key serves only the algorithms
//! of its type (and its own `alg`, when it states one), so that no
//! algorithm confusion is possible. Where a JWKS comes from is `fetch`'s
//! and the provider's business.

use jsonwebtoken::DecodingKey;
use serde_json::Value;

use super::token::{Alg, Jws};

/// The usable keys of one issuer.
#[derive(Debug)]
pub struct KeySet {
    keys: Vec<Key>,
}

#[derive(Debug)]
pub struct Key {
    kid: Option<String>,
    /// The JWK's own `alg`, if it states one: then it serves only that.
    alg: Option<String>,
    family: Family,
    decoding: DecodingKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Rsa,
    P256,
    P384,
}

impl Key {
    fn fits(&self, alg: Alg) -> bool {
        let family = matches!(
            (self.family, alg),
            (Family::Rsa, Alg::RS256 | Alg::RS384 | Alg::RS512)
                | (Family::P256, Alg::ES256)
                | (Family::P384, Alg::ES384)
        );
        family && self.alg.as_deref().is_none_or(|a| a == alg.name())
    }
}

/// Which key a token's header leads to.
#[derive(Debug)]
pub enum Selection<'a> {
    Key(&'a Key),
    /// No key has the token's `kid`, or (without a `kid`) none fits its
    /// `alg`: the issuer may have rotated its keys.
    Unknown,
    /// The key with that `kid` is not one for the token's `alg`.
    Unfit,
    /// No `kid`, and several keys fit.
    Ambiguous,
}

impl KeySet {
    /// Parses a JWKS document. Keys of other types (`oct`, `OKP`, other
    /// curves) or for encryption are skipped; a malformed or too weak RSA/EC
    /// key is skipped with a warning. A set with no usable key is an error.
    pub fn parse(bytes: &[u8]) -> Result<KeySet, String> {
        let doc: Value =
            serde_json::from_slice(bytes).map_err(|e| format!("not a JWKS (invalid JSON: {e})"))?;
        let Some(Value::Array(entries)) = doc.get("keys") else {
            return Err("not a JWKS: no \"keys\" array".to_string());
        };
        let mut keys = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            match parse_key(entry) {
                Ok(Some(key)) => keys.push(key),
                Ok(None) => {}
                Err(why) => tracing::warn!(index = i, reason = %why, "skipping a JWKS key"),
            }
        }
        if keys.is_empty() {
            return Err(
                "the JWKS holds no usable signing key (RSA ≥ 2048 bits, or EC P-256/P-384)"
                    .to_string(),
            );
        }
        Ok(KeySet { keys })
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// The key for a token with this `alg` and `kid`. Without a `kid`, the
    /// only key that fits `alg`, if there is exactly one.
    pub fn select(&self, alg: Alg, kid: Option<&str>) -> Selection<'_> {
        match kid {
            Some(kid) => {
                let mut named = self
                    .keys
                    .iter()
                    .filter(|k| k.kid.as_deref() == Some(kid))
                    .peekable();
                if named.peek().is_none() {
                    return Selection::Unknown;
                }
                named
                    .find(|k| k.fits(alg))
                    .map_or(Selection::Unfit, Selection::Key)
            }
            None => {
                let mut fitting = self.keys.iter().filter(|k| k.fits(alg));
                match (fitting.next(), fitting.next()) {
                    (Some(key), None) => Selection::Key(key),
                    (None, _) => Selection::Unknown,
                    (Some(_), Some(_)) => Selection::Ambiguous,
                }
            }
        }
    }
}

/// Whether `jws`'s signature verifies under `key` (aws-lc-rs, through
/// jsonwebtoken). `key` must have come from [`KeySet::select`] for
/// `jws.alg`.
pub fn verify(key: &Key, jws: &Jws<'_>) -> bool {
    debug_assert!(key.fits(jws.alg));
    let algorithm = match jws.alg {
        Alg::RS256 => jsonwebtoken::Algorithm::RS256,
        Alg::RS384 => jsonwebtoken::Algorithm::RS384,
        Alg::RS512 => jsonwebtoken::Algorithm::RS512,
        Alg::ES256 => jsonwebtoken::Algorithm::ES256,
        Alg::ES384 => jsonwebtoken::Algorithm::ES384,
    };
    jsonwebtoken::crypto::verify(
        jws.signature,
        jws.signing_input.as_bytes(),
        &key.decoding,
        algorithm,
    )
    .unwrap_or(false)
}

/// `Ok(None)`: a key we do not use. `Err`: a key we would use, but broken.
fn parse_key(entry: &Value) -> Result<Option<Key>, String> {
    let Value::Object(jwk) = entry else {
        return Err("not a JSON object".to_string());
    };
    let text = |name: &str| -> Result<Option<&str>, String> {
        match jwk.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(format!("{name} is not a string")),
        }
    };
    if text("use")?.is_some_and(|u| u != "sig") {
        return Ok(None);
    }
    if let Some(ops) = jwk.get("key_ops")
        && !ops
            .as_array()
            .is_some_and(|ops| ops.iter().any(|op| op == "verify"))
    {
        return Ok(None);
    }
    let required = |name: &str| -> Result<Vec<u8>, String> {
        let value = text(name)?.ok_or_else(|| format!("no {name}"))?;
        b64url_lenient(value).ok_or_else(|| format!("{name} is not base64url"))
    };
    let (family, decoding) = match text("kty")? {
        Some("RSA") => {
            let n = required("n")?;
            let e = required("e")?;
            let n_trimmed = trim_leading_zeros(&n);
            let bits = n_trimmed.len() * 8;
            if !(2048..=8192).contains(&bits) {
                return Err(format!(
                    "an RSA modulus of about {bits} bits (2048–8192 accepted)"
                ));
            }
            if trim_leading_zeros(&e).is_empty() {
                return Err("an RSA exponent of zero".to_string());
            }
            (
                Family::Rsa,
                DecodingKey::from_rsa_raw_components(n_trimmed, &e),
            )
        }
        Some("EC") => {
            let (family, len) = match text("crv")? {
                Some("P-256") => (Family::P256, 32),
                Some("P-384") => (Family::P384, 48),
                _ => return Ok(None),
            };
            let (x, y) = (required("x")?, required("y")?);
            if x.len() != len || y.len() != len {
                return Err(format!("EC coordinates must be {len} bytes"));
            }
            let mut point = Vec::with_capacity(1 + 2 * len);
            point.push(0x04);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            (family, DecodingKey::from_ec_der(&point))
        }
        _ => return Ok(None),
    };
    Ok(Some(Key {
        kid: text("kid")?.map(str::to_string),
        alg: text("alg")?.map(str::to_string),
        family,
        decoding,
    }))
}

fn trim_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// JWK members are base64url without padding (RFC 7518 §6), but some
/// issuers pad them; the key set is trusted input, so both are read.
fn b64url_lenient(value: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    ENGINE.decode(value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rsa_jwk(bits: usize) -> Value {
        let mut n = vec![0xC3u8; bits / 8];
        n[0] = 0xF1;
        json!({"kty": "RSA", "n": b64(&n), "e": "AQAB"})
    }

    fn b64(bytes: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    fn ec_jwk(crv: &str, len: usize) -> Value {
        json!({"kty": "EC", "crv": crv, "x": b64(&vec![1; len]), "y": b64(&vec![2; len])})
    }

    fn set(keys: Vec<Value>) -> Result<KeySet, String> {
        KeySet::parse(json!({ "keys": keys }).to_string().as_bytes())
    }

    #[test]
    fn keeps_only_signature_keys_of_supported_types() {
        let mut enc = rsa_jwk(2048);
        enc["use"] = json!("enc");
        let mut wrap = rsa_jwk(2048);
        wrap["key_ops"] = json!(["wrapKey"]);
        let keys = set(vec![
            rsa_jwk(2048),
            ec_jwk("P-256", 32),
            ec_jwk("P-384", 48),
            ec_jwk("P-521", 66),
            json!({"kty": "oct", "k": "c2VjcmV0"}),
            json!({"kty": "OKP", "crv": "Ed25519", "x": b64(&[1; 32])}),
            enc,
            wrap,
            rsa_jwk(1024),
            ec_jwk("P-256", 31),
            json!("not a key"),
        ])
        .unwrap();
        assert_eq!(keys.len(), 3);
    }

    #[test]
    fn refuses_a_set_without_usable_keys() {
        for doc in [
            "[]",
            "{}",
            r#"{"keys": {}}"#,
            r#"{"keys": [{"kty":"oct","k":"c2VjcmV0"}]}"#,
            "not json",
        ] {
            assert!(KeySet::parse(doc.as_bytes()).is_err(), "{doc}");
        }
    }

    #[test]
    fn selection_by_kid_and_type() {
        let mut a = rsa_jwk(2048);
        a["kid"] = json!("a");
        let mut b = ec_jwk("P-256", 32);
        b["kid"] = json!("b");
        let mut c = rsa_jwk(2048);
        c["kid"] = json!("c");
        c["alg"] = json!("RS512");
        let keys = set(vec![a, b, c]).unwrap();
        assert!(
            matches!(keys.select(Alg::RS256, Some("a")), Selection::Key(k) if k.kid.as_deref() == Some("a"))
        );
        assert!(matches!(
            keys.select(Alg::ES256, Some("b")),
            Selection::Key(_)
        ));
        assert!(matches!(
            keys.select(Alg::ES384, Some("b")),
            Selection::Unfit
        ));
        assert!(matches!(
            keys.select(Alg::ES256, Some("a")),
            Selection::Unfit
        ));
        assert!(matches!(
            keys.select(Alg::RS256, Some("c")),
            Selection::Unfit
        ));
        assert!(matches!(
            keys.select(Alg::RS512, Some("c")),
            Selection::Key(_)
        ));
        assert!(matches!(
            keys.select(Alg::RS256, Some("z")),
            Selection::Unknown
        ));
        // Without a kid: exactly one fitting key, or nothing.
        assert!(matches!(keys.select(Alg::ES256, None), Selection::Key(_)));
        assert!(matches!(
            keys.select(Alg::RS512, None),
            Selection::Ambiguous
        ));
        assert!(
            matches!(keys.select(Alg::RS256, None), Selection::Key(k) if k.kid.as_deref() == Some("a"))
        );
        assert!(matches!(keys.select(Alg::ES384, None), Selection::Unknown));
    }
}
