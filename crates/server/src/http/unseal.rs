//! The unauthenticated unseal routes: seal status and entering a share.
//!
//! They cannot require a signature — while sealed no access key can be
//! read — so a share is its own credential. Bodies are small JSON; the
//! share is never logged or echoed.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Deserialize;
use tresor_wire::{AwsError, ErrorCode};

use super::AppState;

fn json(status: StatusCode, body: Vec<u8>) -> Response {
    (
        status,
        [(http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

fn error(e: AwsError) -> Response {
    json(
        StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
        e.to_json(),
    )
}

pub async fn seal_status(State(state): State<Arc<AppState>>) -> Response {
    let status = state.barrier.status().await;
    json(
        StatusCode::OK,
        serde_json::to_vec(&status).expect("a status serialises"),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnsealRequest {
    share: Option<tresor_wire::dto::SecretString>,
    #[serde(default)]
    reset: bool,
}

pub async fn unseal(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    if body.len() > 8 * 1024 {
        return error(AwsError::new(
            ErrorCode::SerializationException,
            "The request is too large.",
        ));
    }
    let Ok(request) = serde_json::from_slice::<UnsealRequest>(&body) else {
        return error(AwsError::new(
            ErrorCode::SerializationException,
            r#"Expected {"share": "<unseal share>"} or {"reset": true}."#,
        ));
    };
    if request.reset {
        state.barrier.reset_unseal();
        return seal_status(State(state)).await;
    }
    let Some(share) = request.share else {
        return error(AwsError::new(
            ErrorCode::ValidationException,
            "The request names no share.",
        ));
    };
    match state.barrier.submit_share(share.expose()).await {
        Ok(status) => json(
            StatusCode::OK,
            serde_json::to_vec(&status).expect("a status serialises"),
        ),
        Err(e) => {
            tracing::warn!(error = e.code.as_str(), "an unseal share was refused");
            error(e)
        }
    }
}
