//! Raw awsJson 1.1 requests signed with `aws-sigv4` directly and sent over
//! a plain `TcpStream` with a minimal HTTP/1.1 writer.
//!
//! For what the SDK cannot show or will not do: the exact JSON on the wire
//! (absent vs `null`, `Message` vs `message`), requests without a
//! `ClientRequestToken`, and deliberately broken signatures (tampered body,
//! skewed clock, unsigned `X-Amz-Target`).

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

#[derive(Clone)]
pub struct RawClient {
    addr: SocketAddr,
    access_key: String,
    secret_key: String,
    region: String,
}

/// One request to build, sign and send.
pub struct RawRequest<'a> {
    client: &'a RawClient,
    target: String,
    body: Vec<u8>,
    skew_secs: i64,
    sign_target: bool,
    signing_service: String,
    signed: bool,
    session_token: Option<String>,
    /// Sent instead of `body` after signing `body`.
    tampered_body: Option<Vec<u8>>,
    /// Sent as `X-Amz-Target` after signing the real target.
    tampered_target: Option<String>,
    /// Drops the `Signature=` part of the Authorization header.
    drop_signature: bool,
}

#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as a JSON object (an empty body counts as `{}`).
    pub fn json(&self) -> serde_json::Map<String, serde_json::Value> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return serde_json::Map::new();
        }
        match serde_json::from_slice(&self.body) {
            Ok(serde_json::Value::Object(map)) => map,
            other => panic!(
                "body is not a JSON object: {other:?}: {}",
                String::from_utf8_lossy(&self.body)
            ),
        }
    }

    /// Member names of the JSON body, sorted.
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.json().keys().cloned().collect();
        keys.sort();
        keys
    }

    /// `__type` of an error body.
    pub fn error_type(&self) -> String {
        self.json()
            .get("__type")
            .and_then(|t| t.as_str())
            .unwrap_or_else(|| panic!("no __type: {self:?}"))
            .to_string()
    }
}

impl RawClient {
    pub fn new(addr: SocketAddr, access_key: &str, secret_key: &str, region: &str) -> RawClient {
        RawClient {
            addr,
            access_key: access_key.into(),
            secret_key: secret_key.into(),
            region: region.into(),
        }
    }

    /// `secretsmanager.<operation>` with `body`, correctly signed unless
    /// told otherwise.
    pub fn request(&self, operation: &str, body: serde_json::Value) -> RawRequest<'_> {
        RawRequest {
            client: self,
            target: format!("secretsmanager.{operation}"),
            body: serde_json::to_vec(&body).expect("JSON"),
            skew_secs: 0,
            sign_target: true,
            signing_service: "secretsmanager".into(),
            signed: true,
            session_token: None,
            tampered_body: None,
            tampered_target: None,
            drop_signature: false,
        }
    }
}

impl RawRequest<'_> {
    /// Signs as if this machine's clock were `secs` ahead (negative: behind).
    pub fn skew(mut self, secs: i64) -> Self {
        self.skew_secs = secs;
        self
    }

    /// Sends `X-Amz-Target` but leaves it out of the signature.
    pub fn unsigned_target(mut self) -> Self {
        self.sign_target = false;
        self
    }

    /// Sends no Authorization header at all.
    pub fn unsigned(mut self) -> Self {
        self.signed = false;
        self
    }

    /// Signs for another service's signing name.
    pub fn signing_service(mut self, name: &str) -> Self {
        self.signing_service = name.into();
        self
    }

    /// Signs with temporary credentials (adds a signed security token).
    pub fn session_token(mut self, token: &str) -> Self {
        self.session_token = Some(token.into());
        self
    }

    /// Signs the real body but sends `body` instead.
    pub fn tamper_body(mut self, body: serde_json::Value) -> Self {
        self.tampered_body = Some(serde_json::to_vec(&body).expect("JSON"));
        self
    }

    /// Signs the real target but sends `secretsmanager.<operation>`.
    pub fn tamper_target(mut self, operation: &str) -> Self {
        self.tampered_target = Some(format!("secretsmanager.{operation}"));
        self
    }

    /// Sends an Authorization header without its `Signature=` parameter.
    pub fn without_signature_parameter(mut self) -> Self {
        self.drop_signature = true;
        self
    }

    /// Replaces the body with raw bytes (signed as sent).
    pub fn raw_body(mut self, body: &[u8]) -> Self {
        self.body = body.to_vec();
        self
    }

    pub async fn send(self) -> RawResponse {
        let c = self.client;
        let host = c.addr.to_string();
        let mut headers: Vec<(String, String)> = vec![
            ("host".into(), host.clone()),
            ("content-type".into(), CONTENT_TYPE.into()),
        ];
        if self.sign_target {
            headers.push(("x-amz-target".into(), self.target.clone()));
        }
        if self.signed {
            let time = if self.skew_secs >= 0 {
                SystemTime::now() + Duration::from_secs(self.skew_secs as u64)
            } else {
                SystemTime::now() - Duration::from_secs(self.skew_secs.unsigned_abs())
            };
            let identity: Identity = Credentials::new(
                &c.access_key,
                &c.secret_key,
                self.session_token.clone(),
                None,
                "raw",
            )
            .into();
            let params = v4::SigningParams::builder()
                .identity(&identity)
                .region(&c.region)
                .name(&self.signing_service)
                .time(time)
                .settings(SigningSettings::default())
                .build()
                .expect("signing params")
                .into();
            let signable = SignableRequest::new(
                "POST",
                format!("http://{host}/"),
                headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
                SignableBody::Bytes(&self.body),
            )
            .expect("signable request");
            let (instructions, _signature) = sign(signable, &params)
                .expect("signing succeeds")
                .into_parts();
            for (name, value) in instructions.headers() {
                headers.push((name.to_string(), value.to_string()));
            }
        }
        if !self.sign_target {
            headers.push(("x-amz-target".into(), self.target.clone()));
        }
        if self.drop_signature {
            for (name, value) in &mut headers {
                if name.eq_ignore_ascii_case("authorization") {
                    let cut = value.find(", Signature=").expect("a signature");
                    value.truncate(cut);
                }
            }
        }
        if let Some(target) = self.tampered_target {
            for (name, value) in &mut headers {
                if name == "x-amz-target" {
                    *value = target.clone();
                }
            }
        }
        let body = self.tampered_body.unwrap_or(self.body);
        send_http(c.addr, &headers, &body).await
    }
}

/// Writes one `POST /` with `Connection: close` and reads the whole answer.
async fn send_http(addr: SocketAddr, headers: &[(String, String)], body: &[u8]) -> RawResponse {
    let mut request = String::from("POST / HTTP/1.1\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);

    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(&bytes).await.expect("write request");
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .await
        .expect("read response");
    parse_response(&answer)
}

fn parse_response(answer: &[u8]) -> RawResponse {
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end: {}", String::from_utf8_lossy(answer)));
    let head = std::str::from_utf8(&answer[..split]).expect("ASCII head");
    let rest = &answer[split + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    let body = if chunked {
        dechunk(rest)
    } else {
        let len = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(rest.len());
        rest[..len.min(rest.len())].to_vec()
    };
    RawResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = data.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size_text = std::str::from_utf8(&data[..eol]).expect("chunk size");
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .expect("hex chunk size");
        if size == 0 {
            return out;
        }
        let start = eol + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
}
