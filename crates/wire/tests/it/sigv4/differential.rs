//! Differential test against AWS's signer: requests signed by `aws-sigv4`
//! (the SDK's own signing code) must pass `inspect` + `check_clock` +
//! `verify`; the same requests with one thing changed must not, and must get
//! the error code for what was changed.

use std::time::{Duration, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use http::HeaderValue;
use http::request::Parts;
use tresor_wire::ErrorCode;
use tresor_wire::sigv4::AmzDate;

use super::cases::{Case, OPERATIONS, Rng, assert_no_leak, authenticate, copy};

const CASES: u64 = 3000;

/// Signs `case` with aws-sigv4, header form, as the Rust SDK does.
fn aws_signed(case: &Case) -> (Parts, Vec<u8>) {
    let mut request = case.request();
    let identity = Credentials::new(
        &case.access_key_id,
        &case.secret,
        case.token.clone(),
        None,
        "differential-test",
    )
    .into();
    let mut settings = SigningSettings::default();
    if case.content_sha256 {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&case.region)
        .name(&case.service)
        .time(UNIX_EPOCH + Duration::from_secs(case.time as u64))
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let instructions = {
        let headers: Vec<(&str, &str)> = request
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str(), v.to_str().unwrap()))
            .collect();
        let signable = SignableRequest::new(
            "POST",
            format!("https://{}/", case.host),
            headers.into_iter(),
            SignableBody::Bytes(request.body()),
        )
        .unwrap();
        sign(signable, &params).unwrap().into_parts().0
    };
    instructions.apply_to_request_http1x(&mut request);
    let (parts, body) = request.into_parts();
    (parts, body)
}

#[test]
fn everything_aws_sigv4_signs_verifies() {
    let mut with_token = 0;
    let mut with_sha = 0;
    let mut query = 0;
    for seed in 0..CASES {
        let case = Case::random(seed);
        let (parts, body) = aws_signed(&case);
        let skew = Rng::new(!seed).below(599) as i64 - 299;
        let presented = authenticate(&parts, &body, &case.secret, case.time + skew)
            .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{:?}", parts.headers));
        assert_eq!(presented.credential.access_key_id, case.access_key_id);
        assert_eq!(presented.credential.region, case.region);
        assert_eq!(presented.credential.service, case.service);
        assert_eq!(presented.amz_date.epoch_seconds(), case.time);
        assert_eq!(presented.security_token, case.token);
        with_token += usize::from(case.token.is_some());
        with_sha += usize::from(parts.headers.contains_key("x-amz-content-sha256"));
        query += usize::from(!parts.headers.contains_key("x-amz-target"));
    }
    // The generator really covers both credential kinds, payload modes and
    // protocols.
    assert!(
        with_token > 1000 && with_sha > 500 && query > 600,
        "{with_token} {with_sha} {query}"
    );
}

struct Mutant {
    what: String,
    parts: Parts,
    body: Vec<u8>,
    secret: String,
    now: i64,
    expect: ErrorCode,
}

fn set(parts: &mut Parts, name: &'static str, value: &str) {
    parts
        .headers
        .insert(name, HeaderValue::from_str(value).unwrap());
}

fn edit_auth(parts: &mut Parts, edit: impl FnOnce(&str) -> String) {
    let new = edit(parts.headers["authorization"].to_str().unwrap());
    set(parts, "authorization", &new);
}

/// Every single-point change of a signed request we check, with the code
/// each must get.
fn mutants(case: &Case, parts: &Parts, body: &[u8]) -> Vec<Mutant> {
    use ErrorCode::{
        IncompleteSignatureException as Incomplete, InvalidSignatureException as Invalid,
    };
    let mut r = Rng::new(case.seed.wrapping_mul(31) ^ 0xdead_beef);
    let mut out = Vec::new();
    let mut add = |what: &str, expect: ErrorCode, f: &mut dyn FnMut(&mut Mutant)| {
        let mut m = Mutant {
            what: what.to_owned(),
            parts: copy(parts),
            body: body.to_vec(),
            secret: case.secret.clone(),
            now: case.time,
            expect,
        };
        f(&mut m);
        out.push(m);
    };
    let auth = parts.headers["authorization"].to_str().unwrap().to_owned();
    let signature = auth.rsplit_once("Signature=").unwrap().1.to_owned();
    let scope = format!(
        "/{}/{}/{}/aws4_request",
        &AmzDate::from_epoch_seconds(case.time).unwrap().date(),
        case.region,
        case.service
    );
    assert!(auth.contains(&scope), "{auth}");

    add("one body byte", Invalid, &mut |m| {
        if m.body.is_empty() {
            m.body.push(b' ');
        } else {
            let i = r.below(m.body.len() as u64) as usize;
            m.body[i] ^= 1 << r.below(8);
        }
    });
    // Another operation: a changed signed header; on an awsQuery request,
    // an added unsigned one.
    let target_change = if case.target.is_some() {
        Invalid
    } else {
        Incomplete
    };
    add("target", target_change, &mut |m| {
        let other = OPERATIONS
            .iter()
            .map(|op| format!("secretsmanager.{op}"))
            .find(|t| Some(t) != case.target.as_ref())
            .unwrap();
        set(&mut m.parts, "x-amz-target", &other);
    });
    for delta in [1, -1, 86_400] {
        add(&format!("date {delta:+}s"), Invalid, &mut |m| {
            let t = AmzDate::from_epoch_seconds(case.time + delta).unwrap();
            set(&mut m.parts, "x-amz-date", t.as_str());
            m.now = case.time + delta;
        });
    }
    add("scope region", Invalid, &mut |m| {
        let region = format!("{}x", case.region);
        let new_scope = scope.replacen(&format!("/{}/", case.region), &format!("/{region}/"), 1);
        edit_auth(&mut m.parts, |a| a.replace(&scope, &new_scope));
    });
    add("scope service", Invalid, &mut |m| {
        let other = if case.service == "iam" { "sts" } else { "iam" };
        let new_scope = scope.replace(
            &format!("/{}/aws4", case.service),
            &format!("/{other}/aws4"),
        );
        edit_auth(&mut m.parts, |a| a.replace(&scope, &new_scope));
    });
    let signed: Vec<String> = auth
        .split("SignedHeaders=")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .split(';')
        .filter(|h| *h != "x-amz-date")
        .map(str::to_owned)
        .collect();
    let victim = r.pick(&signed).clone();
    add(
        &format!("value of signed header {victim}"),
        Invalid,
        &mut |m| {
            let old = m.parts.headers[victim.as_str()]
                .to_str()
                .unwrap()
                .to_owned();
            let new = if victim == "x-amz-content-sha256" {
                let flipped = if old.starts_with('0') { "1" } else { "0" };
                format!("{flipped}{}", &old[1..])
            } else {
                format!("{old}x")
            };
            m.parts.headers.insert(
                http::HeaderName::from_bytes(victim.as_bytes()).unwrap(),
                HeaderValue::from_str(&new).unwrap(),
            );
        },
    );
    add("one signature digit", Invalid, &mut |m| {
        let i = r.below(64) as usize;
        let old = signature.as_bytes()[i];
        let new = *r.pick(
            &b"0123456789abcdef"
                .iter()
                .filter(|&&c| c != old)
                .copied()
                .collect::<Vec<_>>(),
        );
        let mut forged = signature.clone().into_bytes();
        forged[i] = new;
        let forged = String::from_utf8(forged).unwrap();
        edit_auth(&mut m.parts, |a| a.replace(&signature, &forged));
    });
    add("signature not lowercase hex", Invalid, &mut |m| {
        let forged = format!("{}G", &signature[..63]);
        edit_auth(&mut m.parts, |a| a.replace(&signature, &forged));
    });
    add("unsigned x-amz header", Incomplete, &mut |m| {
        set(&mut m.parts, "x-amz-unsigned-extra", "1");
    });
    let mut critical = vec!["authorization", "x-amz-date", "host", "content-type"];
    if case.target.is_some() {
        critical.push("x-amz-target");
    }
    if case.token.is_some() {
        critical.push("x-amz-security-token");
    }
    for name in critical {
        add(&format!("duplicate {name}"), Incomplete, &mut |m| {
            let copy = m.parts.headers[name].clone();
            m.parts.headers.append(name, copy);
        });
    }
    add("content-type unsigned", Incomplete, &mut |m| {
        edit_auth(&mut m.parts, |a| a.replacen("content-type;", "", 1));
    });
    match &case.token {
        Some(token) => {
            add("token changed", Invalid, &mut |m| {
                set(&mut m.parts, "x-amz-security-token", &format!("{token}A"));
            });
            add("token removed", Invalid, &mut |m| {
                m.parts.headers.remove("x-amz-security-token");
            });
        }
        None => add("token added unsigned", Incomplete, &mut |m| {
            set(&mut m.parts, "x-amz-security-token", "AQoDYXdzEJr");
        }),
    }
    add("wrong secret", Invalid, &mut |m| m.secret.push('x'));
    add("method", Invalid, &mut |m| {
        m.parts.method = http::Method::PUT
    });
    add("path", Incomplete, &mut |m| {
        m.parts.uri = "/x".parse().unwrap()
    });
    add("query", Incomplete, &mut |m| {
        m.parts.uri = "/?a=b".parse().unwrap()
    });
    add("clock +301s", Invalid, &mut |m| m.now = case.time + 301);
    add("clock -301s", Invalid, &mut |m| m.now = case.time - 301);
    add(
        "no authorization",
        ErrorCode::MissingAuthenticationTokenException,
        &mut |m| {
            m.parts.headers.remove("authorization");
        },
    );
    out
}

#[test]
fn every_single_change_is_rejected_with_the_right_code() {
    let mut checked = 0;
    for seed in 0..CASES {
        let case = Case::random(seed);
        let (parts, body) = aws_signed(&case);
        for m in mutants(&case, &parts, &body) {
            let e = authenticate(&m.parts, &m.body, &m.secret, m.now)
                .err()
                .unwrap_or_else(|| panic!("seed {seed}: accepted after changing {}", m.what));
            assert_eq!(e.code, m.expect, "seed {seed}, {}: {}", m.what, e.message);
            assert_no_leak(&e.message, &m.parts, &case.secret, case.token.as_deref());
            checked += 1;
        }
    }
    assert!(checked > CASES as usize * 20, "{checked}");
}

/// Our signer against AWS's: whenever both sign the same header set (ours
/// signs `host`, `content-type` and `x-amz-*`; aws-sigv4 everything but a few
/// hop-by-hop or proxy-rewritten headers), the Authorization headers must be
/// byte-identical.
#[test]
fn our_signer_writes_what_aws_sigv4_writes() {
    use tresor_wire::sigv4::{SigningParams, payload_hash, sign as our_sign};
    let mut compared = 0;
    for seed in 0..CASES {
        let case = Case::random(seed);
        let same_set = case
            .extra
            .iter()
            .all(|(n, _)| n.starts_with("x-amz-") || n == "user-agent" || n == "x-amzn-trace-id");
        if !same_set {
            continue;
        }
        let (theirs, _) = aws_signed(&case);
        let mut ours = case.request();
        if case.content_sha256 {
            let hash = payload_hash(&case.body);
            ours.headers_mut()
                .insert("x-amz-content-sha256", hash.parse().unwrap());
        }
        let params = SigningParams {
            access_key_id: &case.access_key_id,
            secret_access_key: &case.secret,
            session_token: case.token.as_deref(),
            region: &case.region,
            service: &case.service,
            time: case.time,
        };
        our_sign(&mut ours, &params).unwrap();
        for name in ["authorization", "x-amz-date", "x-amz-security-token"] {
            assert_eq!(
                ours.headers().get(name),
                theirs.headers.get(name),
                "seed {seed}: {name}"
            );
        }
        compared += 1;
    }
    assert!(compared > CASES as usize / 4, "{compared}");
}
