//! The API endpoint: `POST /`, in two protocols.
//!
//! awsJson 1.1 (Secrets Manager, KMS, Tresor's operator actions) names the
//! operation in `X-Amz-Target`; awsQuery (IAM, STS) sends a form body with
//! `Action=…` and the service is the one in the SigV4 credential scope.
//!
//! Owns the order every API request goes through: buffer the body (capped),
//! authenticate (SigV4) before reading anything else, route, build the
//! caller's access, let the service run the operation, refuse an answer no
//! authorization decision stood behind, and answer in the protocol's shape
//! — with `x-amzn-RequestId` on every response, success or error. The one
//! unsigned API call, STS AssumeRoleWithWebIdentity (the web identity token
//! is the credential), takes its own path to `service::sts`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::Response;
use http::{HeaderValue, StatusCode};
use tresor_wire::operation::{TargetError, parse_target, query_target};
use tresor_wire::query::{
    XML_CONTENT_TYPE, encode_query_error, is_form_urlencoded, query_action, query_front_door_error,
};
use tresor_wire::{AwsError, ErrorCode, OperatorOperation, Service, StsOperation, Target};

use super::AppState;
use super::audit_draft::RequestFacts;
use super::operator::Answer;
use crate::audit::{AuditTrail, Draft, Outcome, RequestScope};
use crate::authz::{self, Resource, Transport};
use crate::service::Ctx;

/// Largest request body accepted. Secret values are at most 64 KiB; base64
/// and JSON around them stay well below this.
pub const MAX_BODY: usize = 1024 * 1024;
/// A client has this long to send its body.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// How a request is framed, from its headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Protocol {
    AwsJson,
    AwsQuery,
}

impl Protocol {
    fn of(headers: &http::HeaderMap) -> Protocol {
        let form = headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_form_urlencoded);
        if form && !headers.contains_key("x-amz-target") {
            Protocol::AwsQuery
        } else {
            Protocol::AwsJson
        }
    }
}

pub async fn handle(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let protocol = Protocol::of(&parts.headers);
    let unread = |e: AwsError| unreadable(&state, &parts, peer, &request_id, e);
    let outcome =
        match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY)).await {
            Err(_) => {
                unread(AwsError::new(
                    ErrorCode::SerializationException,
                    "Timed out reading the request body.",
                ))
                .await
            }
            Ok(Err(_)) => {
                unread(AwsError::new(
                    ErrorCode::RequestEntityTooLargeException,
                    format!("The request body must be at most {MAX_BODY} bytes."),
                ))
                .await
            }
            Ok(Ok(body)) => {
                let request = ApiRequest {
                    state: &state,
                    peer,
                    parts: &parts,
                    body: &body,
                    request_id: &request_id,
                };
                match protocol {
                    Protocol::AwsJson => request.json().await,
                    Protocol::AwsQuery => request.query().await,
                }
            }
        };
    let Handled {
        operation,
        principal,
        result,
        query_service,
        attachment,
    } = outcome;
    let (status, body, error) = match result {
        Ok(body) => (StatusCode::OK, body, None),
        Err(e) => {
            let body = match (protocol, query_service) {
                (Protocol::AwsQuery, Some(service)) => encode_query_error(service, &e, &request_id),
                // A query request that failed before its service was known.
                (Protocol::AwsQuery, None) => encode_query_error(Service::Sts, &e, &request_id),
                (Protocol::AwsJson, _) => e.to_json(),
            };
            (
                StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST),
                body,
                Some(e.code),
            )
        }
    };
    let took = started.elapsed();
    state
        .barrier
        .metrics()
        .requests
        .answered(operation, error, took);
    tracing::info!(
        request_id = %request_id,
        peer = %peer,
        operation = operation.map(|o| o.name()).unwrap_or("-"),
        principal = principal.as_deref().unwrap_or("-"),
        status = status.as_u16(),
        error = error.map(|e| e.as_str()).unwrap_or("-"),
        latency_us = took.as_micros() as u64,
        "request"
    );
    let mut response = match attachment {
        Some(file) if status == StatusCode::OK => file.into_response(),
        _ => {
            let mut response = Response::new(Body::from(body));
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static(match protocol {
                    Protocol::AwsJson => JSON_CONTENT_TYPE,
                    Protocol::AwsQuery => XML_CONTENT_TYPE,
                }),
            );
            response
        }
    };
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert("x-amzn-RequestId", v);
    }
    response
}

/// What the audit draft of a request is made from.
fn facts<'a>(
    state: &'a AppState,
    parts: &'a http::request::Parts,
    body: &'a [u8],
    peer: SocketAddr,
    request_id: &'a str,
) -> RequestFacts<'a> {
    RequestFacts {
        parts,
        body,
        peer,
        request_id,
        account_id: state.barrier.account_id(),
        secure: state.secure,
        query: Protocol::of(&parts.headers) == Protocol::AwsQuery,
    }
}

/// A request whose body could not be read: recorded, then refused.
async fn unreadable(
    state: &AppState,
    parts: &http::request::Parts,
    peer: SocketAddr,
    request_id: &str,
    e: AwsError,
) -> Handled {
    if let Some(active) = state.barrier.active() {
        let draft =
            facts(state, parts, &[], peer, request_id).draft(&active.audit, None, None, None);
        record_failure(&active.audit, &draft, &e).await;
    }
    Handled::failed(e)
}

/// What became of a request, as far as it got.
struct Handled {
    operation: Option<Target>,
    principal: Option<String>,
    result: Result<Vec<u8>, AwsError>,
    /// The awsQuery service that answers (its errors carry its namespace).
    query_service: Option<Service>,
    /// A file to send as the body instead of `result` (a backup).
    attachment: Option<super::operator::Attachment>,
}

impl Handled {
    fn failed(e: AwsError) -> Handled {
        Handled {
            operation: None,
            principal: None,
            result: Err(e),
            query_service: None,
            attachment: None,
        }
    }
}

/// One buffered request on its way through the front door.
struct ApiRequest<'a> {
    state: &'a Arc<AppState>,
    peer: SocketAddr,
    parts: &'a http::request::Parts,
    body: &'a bytes::Bytes,
    request_id: &'a str,
}

impl ApiRequest<'_> {
    fn facts(&self) -> RequestFacts<'_> {
        facts(
            self.state,
            self.parts,
            self.body,
            self.peer,
            self.request_id,
        )
    }

    /// awsJson: the operation is named by `X-Amz-Target`.
    async fn json(&self) -> Handled {
        let target = self
            .parts
            .headers
            .get("x-amz-target")
            .and_then(|t| t.to_str().ok())
            .unwrap_or_default();
        self.run(|_| {
            parse_target(target).map_err(|e| {
                let message = match e {
                    TargetError::Malformed | TargetError::UnknownService => {
                        "The X-Amz-Target header does not name an operation."
                    }
                    TargetError::UnknownOperation => {
                        "The operation named by X-Amz-Target does not exist."
                    }
                };
                AwsError::new(ErrorCode::UnknownOperationException, message)
            })
        })
        .await
    }

    /// awsQuery: `Action=…` of the service the request is signed for.
    async fn query(&self) -> Handled {
        let action = query_action(self.body).unwrap_or_default();
        let unsigned = !self.parts.headers.contains_key(http::header::AUTHORIZATION);
        if unsigned && action == StsOperation::AssumeRoleWithWebIdentity.name() {
            return self.web_identity().await;
        }
        let mut handled = self
            .run(|service| {
                query_target(service, &action).map_err(|e| match e {
                    TargetError::Malformed => AwsError::new(
                        ErrorCode::MissingAction,
                        "The request must contain the parameter Action.",
                    ),
                    _ => AwsError::new(
                        ErrorCode::InvalidAction,
                        format!(
                            "Could not find operation {action} for version {}",
                            service_version(service)
                        ),
                    ),
                })
            })
            .await;
        let service = handled.operation.map(Target::service).unwrap_or_else(|| {
            // Not routed: answer as the service the action names, if any.
            if query_target(Service::Sts, &action).is_ok() {
                Service::Sts
            } else {
                Service::Iam
            }
        });
        handled.query_service = Some(service);
        handled
    }

    /// Authenticates, routes with `route` (given the signing service),
    /// authorizes and runs one request.
    async fn run(&self, route: impl FnOnce(Service) -> Result<Target, AwsError>) -> Handled {
        let query = Protocol::of(&self.parts.headers) == Protocol::AwsQuery;
        let front_door = |service: Service, e: AwsError| {
            if query {
                query_front_door_error(service, e)
            } else {
                e
            }
        };
        let Some(active) = self.state.barrier.active() else {
            return Handled::failed(front_door(Service::Sts, crate::barrier::sealed_error()));
        };
        let caller = match active
            .auth
            .authenticate_request(self.parts, self.body)
            .await
        {
            Ok(caller) => caller,
            Err(rejection) => {
                let e = rejection.error;
                self.state
                    .barrier
                    .metrics()
                    .requests
                    .auth_failed(rejection.reason);
                tracing::debug!(
                    request_id = self.request_id,
                    error = e.code.as_str(),
                    "authentication failed"
                );
                let facts = self.facts();
                let draft = facts.draft(&active.audit, None, facts.named_target(), None);
                record_failure(&active.audit, &draft, &e).await;
                return Handled::failed(front_door(Service::Sts, e));
            }
        };
        tracing::debug!(
            request_id = self.request_id,
            access_key_id = %caller.access_key_id,
            region = %caller.region,
            service = caller.service.signing_name(),
            "authenticated"
        );
        let principal = Some(caller.principal.arn.clone());
        let op = match route(caller.service) {
            Ok(op) => op,
            Err(e) => {
                let draft = self.facts().draft(&active.audit, Some(&caller), None, None);
                record_failure(&active.audit, &draft, &e).await;
                return Handled {
                    operation: None,
                    principal,
                    result: Err(front_door(caller.service, e)),
                    query_service: None,
                    attachment: None,
                };
            }
        };
        let transport = Transport {
            source_ip: self.peer.ip(),
            secure: self.state.secure,
        };
        let access =
            match authz::request_access(&active.directory, &caller, op, self.body, transport).await
            {
                Ok(access) => Arc::new(access),
                Err(e) => {
                    let e = crate::service::internal_error("loading policies", &e);
                    let draft = self
                        .facts()
                        .draft(&active.audit, Some(&caller), Some(op), None);
                    record_failure(&active.audit, &draft, &e).await;
                    return Handled {
                        operation: Some(op),
                        principal,
                        result: Err(e),
                        query_service: None,
                        attachment: None,
                    };
                }
            };
        let scope = RequestScope::new(
            Arc::clone(&active.audit),
            self.facts()
                .draft(&active.audit, Some(&caller), Some(op), None),
            Arc::clone(&access),
        );
        // The change feed is authorised per secret like GetSecretValue, by
        // the service; every other operator action needs tresor:<Op>.
        if let Target::Operator(op) = op
            && op != OperatorOperation::WaitForSecretChanges
        {
            let (result, attachment) = match access.check(Resource::any()) {
                Ok(()) => match super::operator::handle(&self.state.barrier, op, self.body).await {
                    Ok(Answer::Json(json)) => (Ok(json), None),
                    Ok(Answer::File(file)) => (Ok(Vec::new()), Some(file)),
                    Err(e) => (Err(e), None),
                },
                Err(e) => (Err(e), None),
            };
            self.count_denials(Target::Operator(op), &access);
            let result = recorded(&scope, result).await;
            return Handled {
                operation: Some(Target::Operator(op)),
                principal,
                result,
                query_service: None,
                attachment,
            };
        }
        let ctx = Ctx {
            region: caller.region,
            account_id: self.state.barrier.account_id().to_string(),
            access: Arc::clone(&access),
            request_id: self.request_id.to_string(),
        };
        let service = active.service.clone();
        let body = self.body.clone();
        // Run the operation on its own task: should it ever panic, the
        // client still gets an AWS-shaped 500 instead of a dropped
        // connection.
        let task_scope = Arc::clone(&scope);
        let mut result = tokio::spawn(async move {
            task_scope
                .run(async { service.handle(&ctx, op, &body).await })
                .await
        })
        .await
        .unwrap_or_else(|_| {
            tracing::error!(operation = op.name(), "an operation panicked");
            Err(AwsError::internal())
        });
        // Fail closed: an answer no policy decision stood behind is not
        // given.
        if result.is_ok() && !access.was_checked() {
            tracing::error!(
                operation = op.name(),
                "an operation answered without an authorization check"
            );
            result = Err(front_door(
                op.service(),
                AwsError::new(
                    ErrorCode::AccessDeniedException,
                    format!("{} was not authorized.", op.name()),
                ),
            ));
        }
        self.count_denials(op, &access);
        let result = recorded(&scope, result).await;
        Handled {
            operation: Some(op),
            principal,
            result,
            query_service: None,
            attachment: None,
        }
    }

    fn count_denials(&self, op: Target, access: &authz::Access) {
        self.state
            .barrier
            .metrics()
            .requests
            .denied(op, access.denials());
    }

    /// STS AssumeRoleWithWebIdentity: unsigned; the token is the credential.
    async fn web_identity(&self) -> Handled {
        let op = Target::Sts(StsOperation::AssumeRoleWithWebIdentity);
        let result = match self.state.barrier.active() {
            None => Err(query_front_door_error(
                Service::Sts,
                crate::barrier::sealed_error(),
            )),
            Some(active) => {
                let facts = self.facts();
                let identity = serde_json::json!({"type": "WebIdentityUser"});
                let draft = facts.draft(&active.audit, None, Some(op), Some(identity));
                let result = active
                    .service
                    .assume_role_with_web_identity(self.body, self.request_id)
                    .await;
                let outcome = match &result {
                    Ok(_) => Outcome::Success {
                        response: serde_json::Value::Null,
                    },
                    Err(e) => failure(e),
                };
                let event = draft.finish(&outcome, &[]);
                match active.audit.record(event, true).await {
                    Ok(()) => result,
                    Err(audit) => result.and(Err(query_front_door_error(Service::Sts, audit))),
                }
            }
        };
        Handled {
            operation: Some(op),
            principal: None,
            result,
            query_service: Some(Service::Sts),
            attachment: None,
        }
    }
}

/// A failure; the scope notes whether it came after an authorization
/// decision (see `Outcome::Failure`).
fn failure(e: &AwsError) -> Outcome {
    Outcome::Failure {
        code: e.code.as_str().to_string(),
        message: e.message.clone(),
        decided: false,
    }
}

/// Records a request that failed before its operation ran. Its answer is
/// an error either way; a failure to record it is logged.
async fn record_failure(trail: &Arc<AuditTrail>, draft: &Draft, e: &AwsError) {
    let event = draft.finish(&failure(e), &[]);
    if trail.record(event, false).await.is_err() {
        tracing::error!(
            request_id = %draft.request_id,
            "a failed request could not be recorded in the audit trail"
        );
    }
}

/// Records the operation's outcome (unless its change already did) and
/// answers only if that worked: no audit, no answer.
async fn recorded(
    scope: &RequestScope,
    result: Result<Vec<u8>, AwsError>,
) -> Result<Vec<u8>, AwsError> {
    let outcome = match &result {
        Ok(_) => Outcome::Success {
            response: serde_json::Value::Null,
        },
        Err(e) => failure(e),
    };
    match scope.record_outcome(outcome).await {
        Ok(()) => result,
        Err(audit) => result.and(Err(audit)),
    }
}

/// The API version a query service's requests carry.
fn service_version(service: Service) -> &'static str {
    match service {
        Service::Iam => "2010-05-08",
        _ => "2011-06-15",
    }
}
