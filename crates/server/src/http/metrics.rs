//! `GET /metrics`: the Prometheus exposition, unauthenticated as Prometheus
//! expects, on the main listener (loopback peers only unless configured
//! otherwise) or on a plain-HTTP listener of its own.
//!
//! Owns who may scrape; what is exposed is `crate::metrics`'.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::extract::connect_info::ConnectInfo;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;

use super::AppState;
use crate::barrier::Barrier;

/// Who may scrape `/metrics` on the main listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scrapers {
    Loopback,
    Anyone,
}

/// `/metrics` on the main listener. A peer the configuration does not
/// admit gets a 403 that says how to admit it (no metrics are read).
pub async fn on_main(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    match state.scrapers {
        None => super::not_found().await,
        Some(Scrapers::Loopback) if !peer.ip().to_canonical().is_loopback() => (
            StatusCode::FORBIDDEN,
            [(http::header::CONTENT_TYPE, "application/json")],
            r#"{"__type":"AccessDeniedException","message":"/metrics answers loopback peers only. To let other hosts scrape it, set allow = \"any\" or listen = \"<address>\" in the [metrics] table of the configuration file (see docs/metrics.md)."}"#,
        )
            .into_response(),
        Some(_) => exposition(&state.barrier).await,
    }
}

/// The router of the metrics-only listener: `/metrics` to anyone who can
/// connect (its address is the access control), a JSON 404 for the rest.
pub fn router(barrier: Arc<Barrier>) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(barrier): State<Arc<Barrier>>| async move { exposition(&barrier).await }),
        )
        .fallback(|| async {
            (
                StatusCode::NOT_FOUND,
                [(http::header::CONTENT_TYPE, "application/json")],
                r#"{"__type":"UnknownOperationException","message":"This listener serves GET /metrics only."}"#,
            )
        })
        .with_state(barrier)
}

async fn exposition(barrier: &Barrier) -> Response {
    let text = barrier.metrics().render(barrier).await;
    (
        StatusCode::OK,
        [(http::header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        text,
    )
        .into_response()
}
