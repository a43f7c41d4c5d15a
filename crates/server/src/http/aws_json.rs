//! The awsJson 1.1 endpoint: `POST /` with `X-Amz-Target`.
//!
//! Owns the order every API request goes through: buffer the body (capped),
//! authenticate (SigV4) before reading anything else, route by target,
//! let the service run the operation, and answer in AWS's shape — with
//! `x-amzn-RequestId` on every response, success or error.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::Response;
use http::{HeaderValue, StatusCode};
use tresor_wire::operation::{TargetError, parse_target};
use tresor_wire::{AwsError, ErrorCode, Target};

use super::AppState;
use crate::authz::{self, Resource, Transport};
use crate::service::Ctx;

/// Largest request body accepted. Secret values are at most 64 KiB; base64
/// and JSON around them stay well below this.
pub const MAX_BODY: usize = 1024 * 1024;
/// A client has this long to send its body.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

pub async fn handle(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let outcome =
        match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY)).await {
            Err(_) => Handled::failed(AwsError::new(
                ErrorCode::SerializationException,
                "Timed out reading the request body.",
            )),
            Ok(Err(_)) => Handled::failed(AwsError::new(
                ErrorCode::RequestEntityTooLargeException,
                format!("The request body must be at most {MAX_BODY} bytes."),
            )),
            Ok(Ok(body)) => dispatch(&state, peer, &parts, &body, &request_id).await,
        };
    let Handled {
        operation,
        principal,
        result,
    } = outcome;
    let (status, body, error) = match result {
        Ok(body) => (StatusCode::OK, body, None),
        Err(e) => (
            StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
            e.to_json(),
            Some(e.code),
        ),
    };
    tracing::info!(
        request_id = %request_id,
        peer = %peer,
        operation = operation.map(|o| o.name()).unwrap_or("-"),
        principal = principal.as_deref().unwrap_or("-"),
        status = status.as_u16(),
        error = error.map(|e| e.as_str()).unwrap_or("-"),
        latency_us = started.elapsed().as_micros() as u64,
        "request"
    );
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(CONTENT_TYPE),
    );
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert("x-amzn-RequestId", v);
    }
    response
}

/// What became of a request, as far as it got.
struct Handled {
    operation: Option<Target>,
    principal: Option<String>,
    result: Result<Vec<u8>, AwsError>,
}

impl Handled {
    fn failed(e: AwsError) -> Handled {
        Handled {
            operation: None,
            principal: None,
            result: Err(e),
        }
    }
}

/// Authenticates, routes, authorizes and runs one request.
async fn dispatch(
    state: &Arc<AppState>,
    peer: SocketAddr,
    parts: &http::request::Parts,
    body: &bytes::Bytes,
    request_id: &str,
) -> Handled {
    let Some(active) = state.barrier.active() else {
        return Handled::failed(crate::barrier::sealed_error());
    };
    let caller = match active.auth.authenticate(parts, body).await {
        Ok(caller) => caller,
        Err(e) => {
            tracing::debug!(request_id, error = e.code.as_str(), "authentication failed");
            return Handled::failed(e);
        }
    };
    tracing::debug!(
        request_id,
        access_key_id = %caller.access_key_id,
        region = %caller.region,
        service = caller.service.signing_name(),
        "authenticated"
    );
    let principal = Some(caller.principal.arn.clone());
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|t| t.to_str().ok())
        .unwrap_or_default();
    let op = match parse_target(target) {
        Ok(op) => op,
        Err(e) => {
            let message = match e {
                TargetError::Malformed | TargetError::UnknownService => {
                    "The X-Amz-Target header does not name an operation."
                }
                TargetError::UnknownOperation => {
                    "The operation named by X-Amz-Target does not exist."
                }
            };
            return Handled {
                operation: None,
                principal,
                result: Err(AwsError::new(ErrorCode::UnknownOperationException, message)),
            };
        }
    };
    let transport = Transport {
        source_ip: peer.ip(),
        secure: state.secure,
    };
    let access = match authz::request_access(&active.directory, &caller, op, body, transport).await
    {
        Ok(access) => Arc::new(access),
        Err(e) => {
            return Handled {
                operation: Some(op),
                principal,
                result: Err(crate::service::internal_error("loading policies", &e)),
            };
        }
    };
    if let Target::Operator(op) = op {
        let result = match access.check(Resource::any()) {
            Ok(()) => super::operator::handle(&state.barrier, op).await,
            Err(e) => Err(e),
        };
        return Handled {
            operation: Some(Target::Operator(op)),
            principal,
            result,
        };
    }
    let ctx = Ctx {
        region: caller.region,
        account_id: state.barrier.account_id().to_string(),
        access: Arc::clone(&access),
        request_id: request_id.to_string(),
    };
    let service = active.service.clone();
    let body = body.clone();
    // Run the operation on its own task: should it ever panic, the client
    // still gets an AWS-shaped 500 instead of a dropped connection.
    let mut result = tokio::spawn(async move { service.handle(&ctx, op, &body).await })
        .await
        .unwrap_or_else(|_| {
            tracing::error!(operation = op.name(), "an operation panicked");
            Err(AwsError::internal())
        });
    // Fail closed: an answer no policy decision stood behind is not given.
    if result.is_ok() && !access.was_checked() {
        tracing::error!(
            operation = op.name(),
            "an operation answered without an authorization check"
        );
        result = Err(AwsError::new(
            ErrorCode::AccessDeniedException,
            format!("{} was not authorized.", op.name()),
        ));
    }
    Handled {
        operation: Some(op),
        principal,
        result,
    }
}
