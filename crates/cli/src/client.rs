//! A small signed HTTP client for the client commands (operator, admin,
//! audit, exec).
//!
//! Finds the endpoint, region and credentials the AWS way (`aws_config`),
//! signs with SigV4, and speaks HTTP/1.1 over TCP or TLS (trusting
//! `--ca-cert` or `AWS_CA_BUNDLE`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, anyhow, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::aws_config::{ClientConfig, ConnectionFlags, ProcessEnv};

/// Where the client commands send their requests, and as whom (see
/// `aws_config` for how the AWS settings are found).
#[derive(clap::Args, Debug, Default)]
pub struct RemoteArgs {
    /// The server's URL [default: $AWS_ENDPOINT_URL, the profile's endpoint_url].
    #[arg(long, alias = "endpoint")]
    endpoint_url: Option<String>,
    /// The AWS profile to use [default: $AWS_PROFILE, else `default`].
    #[arg(long)]
    profile: Option<String>,
    /// The region to sign for [default: $AWS_REGION, the profile's region, us-east-1].
    #[arg(long)]
    region: Option<String>,
    /// PEM certificate(s) to trust for an https endpoint [default: $AWS_CA_BUNDLE].
    #[arg(long)]
    ca_cert: Option<PathBuf>,
}

impl RemoteArgs {
    /// Uses `region` unless `--region` was given.
    pub fn default_region(&mut self, region: Option<String>) {
        if self.region.is_none() {
            self.region = region;
        }
    }

    pub fn endpoint(&self) -> anyhow::Result<Endpoint> {
        let flags = ConnectionFlags {
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
        };
        Endpoint::new(
            ClientConfig::resolve(&flags, &ProcessEnv)?,
            self.ca_cert.clone(),
        )
    }
}

pub struct Endpoint {
    pub url: http::Uri,
    pub ca: Option<PathBuf>,
    config: ClientConfig,
}

impl Endpoint {
    pub fn new(config: ClientConfig, ca: Option<PathBuf>) -> anyhow::Result<Endpoint> {
        let raw = config.endpoint_url.clone();
        let url: http::Uri = raw
            .parse()
            .with_context(|| format!("invalid endpoint {raw:?}"))?;
        if !matches!(url.scheme_str(), Some("http" | "https")) || url.host().is_none() {
            bail!("the endpoint must be an http:// or https:// URL, not {raw:?}");
        }
        let ca = ca.or_else(|| std::env::var_os("AWS_CA_BUNDLE").map(PathBuf::from));
        Ok(Endpoint { url, ca, config })
    }

    fn authority(&self) -> String {
        self.url
            .authority()
            .map(|a| a.to_string())
            .unwrap_or_default()
    }

    /// Sends one request; returns status and body.
    pub async fn send(&self, request: Request<Full<Bytes>>) -> anyhow::Result<(u16, Bytes)> {
        let response = self.send_streaming(request).await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }

    /// Sends one request; the response's body arrives as it is read.
    pub async fn send_streaming(
        &self,
        request: Request<Full<Bytes>>,
    ) -> anyhow::Result<hyper::Response<hyper::body::Incoming>> {
        let host = self.url.host().unwrap_or_default().to_string();
        let https = self.url.scheme_str() == Some("https");
        let port = self.url.port_u16().unwrap_or(if https { 443 } else { 80 });
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .with_context(|| format!("cannot connect to {}", self.url))?;
        if https {
            let connector =
                tokio_rustls::TlsConnector::from(Arc::new(tls_config(self.ca.as_deref())?));
            let name = rustls_pki_types::ServerName::try_from(host.clone())
                .map_err(|_| anyhow!("invalid TLS server name {host:?}"))?;
            let tls = connector
                .connect(name, tcp)
                .await
                .context("TLS handshake failed")?;
            exchange(TokioIo::new(tls), request).await
        } else {
            exchange(TokioIo::new(tcp), request).await
        }
    }

    /// A request to `path` on this endpoint.
    pub fn request(&self, method: http::Method, path: &str, body: Vec<u8>) -> Request<Full<Bytes>> {
        let uri: http::Uri = format!(
            "{}://{}{path}",
            self.url.scheme_str().unwrap_or("http"),
            self.authority()
        )
        .parse()
        .expect("an endpoint URL with a path is a URI");
        let mut request = Request::new(Full::new(Bytes::from(body)));
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        request.headers_mut().insert(
            http::header::HOST,
            http::HeaderValue::from_str(&self.authority()).expect("an authority is a header value"),
        );
        request
    }

    /// A signed awsJson call of Tresor's operator API.
    pub async fn operator_call(&self, operation: &str) -> anyhow::Result<serde_json::Value> {
        self.json_call(
            "tresor",
            &format!("TresorOperator.{operation}"),
            "{}".into(),
        )
        .await
    }

    /// A signed awsJson call: `target` (`X-Amz-Target`) of the service
    /// signed as `service`, with `body`; the answer, or the service's error.
    pub async fn json_call(
        &self,
        service: &str,
        target: &str,
        body: serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        let (status, body) = self
            .json_call_raw(
                service,
                target,
                serde_json::to_vec(&body).expect("JSON serialises"),
            )
            .await?;
        let value: serde_json::Value =
            serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
        if status != 200 {
            bail!("{}", describe_error(status, &value));
        }
        Ok(value)
    }

    /// A signed awsJson call whose answer is the caller's to read: the
    /// HTTP status and body, whatever they are. Errors are the transport's
    /// (and missing credentials).
    pub async fn json_call_raw(
        &self,
        service: &str,
        target: &str,
        body: Vec<u8>,
    ) -> anyhow::Result<(u16, Bytes)> {
        let region = self.config.region.clone();
        let request = self.signed_request(
            service,
            &region,
            "application/x-amz-json-1.1",
            Some(target),
            body,
        )?;
        self.send(request).await
    }

    /// A signed awsQuery call (IAM, STS): `Action` with `params`; the XML
    /// answer, or the service's error as `Code (HTTP n): message`.
    pub async fn query_call(
        &self,
        service: &str,
        version: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> anyhow::Result<String> {
        let mut form = format!("Action={action}&Version={version}");
        for (name, value) in params {
            form.push('&');
            form.push_str(name);
            form.push('=');
            form.extend(percent_encoding::utf8_percent_encode(value, FORM_VALUE));
        }
        // IAM and STS are global: signed for us-east-1.
        let request = self.signed_request(
            service,
            "us-east-1",
            "application/x-www-form-urlencoded; charset=utf-8",
            None,
            form.into_bytes(),
        )?;
        let (status, body) = self.send(request).await?;
        let text = String::from_utf8_lossy(&body).into_owned();
        if status != 200 {
            let code = xml_values(&text, "Code")
                .pop()
                .unwrap_or_else(|| "Error".into());
            let message = xml_values(&text, "Message").pop().unwrap_or_default();
            bail!("{code} (HTTP {status}): {message}");
        }
        Ok(text)
    }

    /// A signed awsJson call of Tresor's operator API whose answer is
    /// streamed (a backup); the caller reads the body.
    pub async fn operator_download(
        &self,
        operation: &str,
    ) -> anyhow::Result<hyper::Response<hyper::body::Incoming>> {
        let request = self.signed_request(
            "tresor",
            &self.config.region,
            "application/x-amz-json-1.1",
            Some(&format!("TresorOperator.{operation}")),
            b"{}".to_vec(),
        )?;
        self.send_streaming(request).await
    }

    /// `body` as a request signed with the caller's AWS credentials.
    fn signed_request(
        &self,
        service: &str,
        region: &str,
        content_type: &'static str,
        target: Option<&str>,
        body: Vec<u8>,
    ) -> anyhow::Result<Request<Full<Bytes>>> {
        let credentials = self
            .config
            .credentials
            .as_ref()
            .map_err(|why| anyhow!("{why}"))?;
        let mut request = self.request(http::Method::POST, "/", body.clone());
        let headers = request.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static(content_type),
        );
        if let Some(target) = target {
            headers.insert(
                "x-amz-target",
                http::HeaderValue::from_str(target).context("an invalid operation name")?,
            );
        }
        let (mut parts, full) = request.into_parts();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        tresor_wire::sigv4::sign_parts(
            &mut parts,
            &body,
            &tresor_wire::sigv4::SigningParams {
                access_key_id: &credentials.access_key_id,
                secret_access_key: &credentials.secret_access_key,
                session_token: credentials.session_token.as_deref().map(|t| t.as_str()),
                region,
                service,
                time: now,
            },
        )
        .map_err(|e| anyhow!("cannot sign the request: {e:?}"))?;
        Ok(Request::from_parts(parts, full))
    }
}

/// Form values are percent-encoded except RFC 3986's unreserved characters.
const FORM_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The text of every `<tag>…</tag>` in an XML answer, unescaped. IAM's
/// answers are flat enough that this is all the CLI needs of them.
pub fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else {
            break;
        };
        out.push(unescape(&after[..end]));
        rest = &after[end + close.len()..];
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#13;", "\r")
        .replace("&amp;", "&")
}

/// "Code: message" from an AWS-shaped error body.
pub fn describe_error(status: u16, body: &serde_json::Value) -> String {
    let code = body["__type"].as_str().unwrap_or("Error");
    let message = body["message"]
        .as_str()
        .or(body["Message"].as_str())
        .unwrap_or("");
    format!("{code} (HTTP {status}): {message}")
}

async fn exchange<I>(
    io: I,
    request: Request<Full<Bytes>>,
) -> anyhow::Result<hyper::Response<hyper::body::Incoming>>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender.send_request(request).await?)
}

fn tls_config(ca: Option<&Path>) -> anyhow::Result<rustls::ClientConfig> {
    use rustls_pki_types::CertificateDer;
    use rustls_pki_types::pem::PemObject;
    let Some(ca) = ca else {
        bail!(
            "an https endpoint needs the certificate to trust: pass --ca-cert or set AWS_CA_BUNDLE"
        );
    };
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca)
        .with_context(|| format!("cannot read {}", ca.display()))?
    {
        roots
            .add(cert.with_context(|| format!("{} holds an invalid certificate", ca.display()))?)
            .context("an unusable CA certificate")?;
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth())
}
