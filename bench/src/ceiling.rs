//! The reference ceiling: bare hyper, every request answered with the same
//! 250-byte body, nothing else done — what HTTP/1.1 on this machine, with
//! the load generator beside it, can carry at all.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

const BODY: &[u8; 250] = br#"{"ARN":"arn:aws:secretsmanager:us-east-1:000000000000:secret:bench/s/000001-AbCdEf","Name":"bench/s/000001","VersionId":"5f1e7a2c-0b6e-4b57-9a1c-3f2d8e4b6c7a","SecretString":"{\"password\":\"0123\"}","VersionStages":["AWSCURRENT"],"CreatedDate":17e8}"#;

pub async fn serve(listen: SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    eprintln!("ceiling listening on {}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(
                |request: hyper::Request<hyper::body::Incoming>| async move {
                    // Read the request as a real server would.
                    let _ = request.into_body().collect().await;
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                        Bytes::from_static(BODY),
                    )))
                },
            );
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
