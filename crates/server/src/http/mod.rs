//! HTTP: the listener, TLS, routes, limits and graceful shutdown.
//!
//! The only module that knows axum and hyper. Routes: `POST /` (the AWS
//! APIs and Tresor's signed operator actions), `GET /health`, the two
//! unauthenticated unseal routes (`GET /tresor/v1/seal-status`,
//! `POST /tresor/v1/unseal` — the shares are their own credential, as in
//! Vault) and `GET /metrics` (Prometheus; see `metrics`). Everything else
//! is a JSON 404.

mod api;
mod audit_draft;
mod metrics;
mod operator;
pub mod tls;
mod unseal;

pub use metrics::{Scrapers, router as metrics_router};

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::extract::connect_info::ConnectInfo;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::StatusCode;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::barrier::Barrier;

/// What every request handler shares.
pub struct AppState {
    pub barrier: Arc<Barrier>,
    /// Whether requests arrive over TLS (`aws:SecureTransport`).
    pub secure: bool,
    /// Who may scrape `/metrics` here; `None`: not served here.
    pub scrapers: Option<Scrapers>,
}

/// How long a client has to send its request headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// How long in-flight requests may take to finish after shutdown begins.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", post(api::handle).fallback(not_found))
        .route("/health", get(health))
        .route("/tresor/v1/seal-status", get(unseal::seal_status))
        .route("/tresor/v1/unseal", post(unseal::unseal))
        .route("/metrics", get(metrics::on_main))
        .fallback(not_found)
        .with_state(state)
}

/// 200 while requests can be served; 503 while the audit trail cannot
/// record (every request is refused then, so a load balancer should look
/// elsewhere). A sealed server reports itself sealed, still 200: it is up
/// and waiting for its operator.
async fn health(State(state): State<Arc<AppState>>) -> Response {
    let (status, body) = match state.barrier.active() {
        None => (StatusCode::OK, r#"{"status":"ok","sealed":true}"#),
        Some(active) if active.audit.is_failing() => (
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"status":"degraded","sealed":false,"audit":"failing"}"#,
        ),
        Some(_) => (
            StatusCode::OK,
            r#"{"status":"ok","sealed":false,"audit":"ok"}"#,
        ),
    };
    (
        status,
        [(http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(http::header::CONTENT_TYPE, "application/json")],
        r#"{"__type":"UnknownOperationException","message":"Tresor answers the AWS API at POST / and health checks at GET /health."}"#,
    )
        .into_response()
}

/// Accepts connections until `shutdown` resolves, then lets in-flight
/// requests finish (up to `DRAIN_TIMEOUT`).
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_app(listener, tls, router(state), shutdown).await
}

/// `serve` with any router (the metrics-only listener has its own).
pub async fn serve_app(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: back off, go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app
            .clone()
            .map_request(move |mut req: http::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req.map(axum::body::Body::new)
            });
        let service = TowerToHyperService::new(app);
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT);
        match &tls {
            None => {
                let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                let watcher = graceful.watcher();
                tokio::spawn(async move {
                    match tokio::time::timeout(HEADER_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls_stream)) => {
                            let conn = builder.serve_connection(TokioIo::new(tls_stream), service);
                            let _ = watcher.watch(conn).await;
                        }
                        Ok(Err(e)) => {
                            tracing::debug!(peer = %peer, error = %e, "TLS handshake failed")
                        }
                        Err(_) => tracing::debug!(peer = %peer, "TLS handshake timed out"),
                    }
                });
            }
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN_TIMEOUT) => {
            tracing::warn!("some connections were still open after {DRAIN_TIMEOUT:?}; closing them");
        }
    }
    Ok(())
}
