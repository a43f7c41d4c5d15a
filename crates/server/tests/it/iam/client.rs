//! A minimal IAM client for the tests: form bodies as botocore sends them
//! (`Action=…&Version=2010-05-08&…`, values percent-encoded), and just
//! enough XML reading to find elements in the answers. Every successful
//! call is checked to have made an authorization decision.

use tempfile::TempDir;
use tresor_server::service::Ctx;
use tresor_wire::{AwsError, ErrorCode, IamOperation, Target};

use crate::harness::Harness;

pub const ACCOUNT: &str = "111122223333";

pub struct Iam {
    pub h: Harness,
    _dir: TempDir,
}

/// Percent-encodes as botocore does (RFC 3986 unreserved characters stay).
fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn form(op: IamOperation, params: &[(&str, &str)]) -> Vec<u8> {
    let mut body = format!("Action={}&Version=2010-05-08", op.name());
    for (name, value) in params {
        body.push_str(&format!("&{}={}", encode(name), encode(value)));
    }
    body.into_bytes()
}

/// The text of the first `<tag>` element, unescaped.
pub fn text(xml: &str, tag: &str) -> Option<String> {
    all(xml, tag).into_iter().next()
}

/// The texts of every `<tag>` element, in order, unescaped.
pub fn all(xml: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else {
            break;
        };
        out.push(
            after[..end]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&"),
        );
        rest = &after[end + close.len()..];
    }
    out
}

/// Reverses the URL encoding IAM applies to policy documents.
pub fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

impl Iam {
    pub async fn new() -> Iam {
        let dir = tempfile::tempdir().unwrap();
        let h = Harness::open(dir.path()).await;
        Iam { h, _dir: dir }
    }

    /// As the account root.
    pub async fn call(
        &self,
        op: IamOperation,
        params: &[(&str, &str)],
    ) -> Result<String, AwsError> {
        let target = Target::Iam(op);
        let ctx = self.h.ctx(target);
        let bytes = self
            .h
            .service
            .handle(&ctx, target, &form(op, params))
            .await?;
        decided(&ctx, op);
        Ok(String::from_utf8(bytes).expect("XML is UTF-8"))
    }

    pub async fn ok(&self, op: IamOperation, params: &[(&str, &str)]) -> String {
        match self.call(op, params).await {
            Ok(xml) => xml,
            Err(e) => panic!("{} {params:?} failed: {e}", op.name()),
        }
    }

    pub async fn err(&self, op: IamOperation, params: &[(&str, &str)]) -> AwsError {
        match self.call(op, params).await {
            Ok(xml) => panic!("{} {params:?} succeeded: {xml}", op.name()),
            Err(e) => e,
        }
    }

    /// As the holder of `access_key_id`.
    pub async fn call_as(
        &self,
        access_key_id: &str,
        op: IamOperation,
        params: &[(&str, &str)],
    ) -> Result<String, AwsError> {
        let target = Target::Iam(op);
        let ctx = self.h.ctx_for_key(access_key_id, target).await;
        let bytes = self
            .h
            .service
            .handle(&ctx, target, &form(op, params))
            .await?;
        decided(&ctx, op);
        Ok(String::from_utf8(bytes).expect("XML is UTF-8"))
    }

    /// Creates a user with an access key; returns the key's id.
    pub async fn user_with_key(&self, name: &str) -> String {
        self.ok(IamOperation::CreateUser, &[("UserName", name)])
            .await;
        let xml = self
            .ok(IamOperation::CreateAccessKey, &[("UserName", name)])
            .await;
        text(&xml, "AccessKeyId").unwrap()
    }

    /// Gives `user` an inline policy allowing `actions` on `resource`.
    pub async fn allow(&self, user: &str, actions: &[&str], resource: &str) {
        let actions: Vec<String> = actions.iter().map(|a| format!("\"{a}\"")).collect();
        let document = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{}],"Resource":"{resource}"}}]}}"#,
            actions.join(",")
        );
        self.ok(
            IamOperation::PutUserPolicy,
            &[
                ("UserName", user),
                ("PolicyName", "allow"),
                ("PolicyDocument", &document),
            ],
        )
        .await;
    }
}

/// Every answer must stand on an authorization decision (the HTTP layer
/// refuses one that does not).
fn decided(ctx: &Ctx, op: IamOperation) {
    assert!(
        ctx.access.was_checked(),
        "{} answered without an authorization decision",
        op.name()
    );
}

/// Asserts an error's code and message.
pub fn assert_error(e: &AwsError, code: ErrorCode, message: &str) {
    assert_eq!((e.code, e.message.as_str()), (code, message), "{e}");
}

#[test]
fn helpers_read_what_the_codec_writes() {
    assert_eq!(
        all("<a><m>x&amp;y</m><m>z</m></a>", "m"),
        vec!["x&y".to_string(), "z".to_string()]
    );
    assert_eq!(url_decode("%7B%22a%22%3A1%7D"), r#"{"a":1}"#);
    assert_eq!(
        String::from_utf8(form(IamOperation::GetUser, &[("UserName", "a+b@c")])).unwrap(),
        "Action=GetUser&Version=2010-05-08&UserName=a%2Bb%40c"
    );
}
