//! Temporary credentials live as long as STS said: signed requests with
//! them authenticate until the expiry, then get ExpiredTokenException; a
//! wrong session token is refused like an unknown key. The clock is moved,
//! not waited for.

use tresor_wire::sigv4::{SigningParams, sign_parts};
use tresor_wire::{ErrorCode, StsOperation, Target};

use crate::harness::{Harness, REGION};

struct Temporary {
    access_key_id: String,
    secret: String,
    token: String,
}

/// The text of the first `<tag>` in an XML answer.
fn xml_text(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{tag}> in {xml}"))
        + open.len();
    let end = start + xml[start..].find('<').expect("a closing tag");
    xml[start..end].to_string()
}

async fn session_token(h: &Harness, seconds: u32) -> Temporary {
    let op = Target::Sts(StsOperation::GetSessionToken);
    let body = format!("Action=GetSessionToken&Version=2011-06-15&DurationSeconds={seconds}");
    let xml = h
        .service
        .handle(&h.ctx(op), op, body.as_bytes())
        .await
        .expect("GetSessionToken as the root");
    let xml = String::from_utf8(xml).unwrap();
    Temporary {
        access_key_id: xml_text(&xml, "AccessKeyId"),
        secret: xml_text(&xml, "SecretAccessKey"),
        token: xml_text(&xml, "SessionToken"),
    }
}

/// A GetCallerIdentity request signed with `creds` at the harness's time.
fn signed(h: &Harness, creds: &Temporary, token: &str) -> (http::request::Parts, Vec<u8>) {
    let body = b"Action=GetCallerIdentity&Version=2011-06-15".to_vec();
    let (mut parts, ()) = http::Request::builder()
        .method("POST")
        .uri("http://127.0.0.1/")
        .header("host", "127.0.0.1")
        .header(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .body(())
        .unwrap()
        .into_parts();
    sign_parts(
        &mut parts,
        &body,
        &SigningParams {
            access_key_id: &creds.access_key_id,
            secret_access_key: &creds.secret,
            session_token: Some(token),
            region: REGION,
            service: "sts",
            time: tresor_server::clock::Clock::now_ms(&*h.clock) / 1000,
        },
    )
    .expect("signing works");
    (parts, body)
}

#[tokio::test]
async fn temporary_credentials_work_until_they_expire() {
    let dir = tempfile::tempdir().unwrap();
    let h = Harness::open(dir.path()).await;
    let creds = session_token(&h, 900).await;
    assert!(creds.access_key_id.starts_with("ASIA"));

    let (parts, body) = signed(&h, &creds, &creds.token);
    let caller = h
        .active
        .auth
        .authenticate(&parts, &body)
        .await
        .expect("valid until expiry");
    assert_eq!(
        caller.principal.arn,
        format!("arn:aws:iam::{}:root", h.account_id)
    );

    let (parts, body) = signed(&h, &creds, "not-the-token");
    let refused = h.active.auth.authenticate(&parts, &body).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::UnrecognizedClientException);

    h.clock.advance_ms(899_000);
    let (parts, body) = signed(&h, &creds, &creds.token);
    assert!(h.active.auth.authenticate(&parts, &body).await.is_ok());

    h.clock.advance_ms(1_000);
    let (parts, body) = signed(&h, &creds, &creds.token);
    let expired = h.active.auth.authenticate(&parts, &body).await.unwrap_err();
    assert_eq!(expired.code, ErrorCode::ExpiredTokenException);
}
