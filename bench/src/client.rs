//! Where requests go and as whom, and one keep-alive HTTP/1.1 connection.

use std::net::SocketAddr;

use anyhow::{Context, anyhow};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

/// The server and the signing identity (the AWS environment by default).
#[derive(clap::Args, Debug, Clone)]
pub struct Target {
    /// The server's URL (http only).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint: String,
    #[arg(long, env = "AWS_ACCESS_KEY_ID", hide_env_values = true)]
    pub access_key_id: String,
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub secret_access_key: String,
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
}

impl Target {
    pub fn address(&self) -> anyhow::Result<(SocketAddr, String)> {
        let uri: http::Uri = self.endpoint.parse().context("invalid --endpoint")?;
        if uri.scheme_str() != Some("http") {
            return Err(anyhow!("only http:// endpoints are benchmarked"));
        }
        let authority = uri
            .authority()
            .context("--endpoint has no host")?
            .to_string();
        let address = std::net::ToSocketAddrs::to_socket_addrs(&authority)?
            .next()
            .context("--endpoint does not resolve")?;
        Ok((address, authority))
    }
}

/// One HTTP/1.1 connection, reopened when the server closed it between
/// requests (servers such as moto's answer `Connection: close`).
pub struct Connection {
    address: SocketAddr,
    sender: SendRequest<Full<Bytes>>,
}

impl Connection {
    pub async fn open(address: SocketAddr) -> anyhow::Result<Connection> {
        Ok(Connection {
            address,
            sender: handshake(address).await?,
        })
    }

    /// Sends one request; the status and the whole body.
    pub async fn send(
        &mut self,
        request: http::Request<Full<Bytes>>,
    ) -> anyhow::Result<(u16, Bytes)> {
        if self.sender.ready().await.is_err() {
            self.sender = handshake(self.address).await?;
        }
        let response = match self.sender.send_request(request).await {
            Ok(response) => response,
            Err(e) => {
                // Broken mid-request: the next request gets a new connection.
                if let Ok(sender) = handshake(self.address).await {
                    self.sender = sender;
                }
                return Err(e.into());
            }
        };
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }
}

async fn handshake(address: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = tokio::net::TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}
