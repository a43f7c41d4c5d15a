//! The agent's HTTP side, with the AWS Secrets Manager Agent's contract:
//! checks in its order (connection limit, then token — refusing any
//! `X-Forwarded-For` — then `GET` only), `/ping`, the two GetSecretValue
//! URL forms, its status codes and plain-text refusals; answers come from
//! the cache, the server, or — when the server is unreachable — the last
//! good value, marked `X-Tresor-Stale: true` with its `Age`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Method, Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use zeroize::Zeroizing;

use super::cache::{Cache, Entry, Key, Lookup};
use super::config::AgentConfig;
use super::follow::Follower;
use super::metrics::Metrics;
use super::request::{self, Query, Refusal};
use super::upstream::{self, Failure};
use crate::client::Endpoint;

/// The largest request head accepted.
const MAX_REQUEST_BYTES: usize = 64 * 1024;
/// An idle or slow connection is closed after this.
const HEADER_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Agent {
    pub config: AgentConfig,
    pub token: Zeroizing<String>,
    pub endpoint: Arc<Endpoint>,
    pub cache: Arc<Cache>,
    /// Answers from the disk cache the server has not confirmed yet.
    pub fallback: RwLock<HashMap<Key, Arc<Entry>>>,
    pub follower: Arc<Follower>,
    pub metrics: Arc<Metrics>,
    connections: AtomicUsize,
}

enum Served {
    Fresh(Arc<Entry>),
    Stale(Arc<Entry>),
}

impl Agent {
    pub fn new(
        config: AgentConfig,
        token: Zeroizing<String>,
        endpoint: Endpoint,
        fallback: HashMap<Key, Arc<Entry>>,
    ) -> Agent {
        Agent {
            cache: Arc::new(Cache::new(config.ttl, config.cache_size)),
            config,
            token,
            endpoint: Arc::new(endpoint),
            fallback: RwLock::new(fallback),
            follower: Arc::new(Follower::default()),
            metrics: Arc::new(Metrics::default()),
            connections: AtomicUsize::new(0),
        }
    }

    /// Accepts connections until `shutdown` resolves.
    pub async fn serve(
        self: Arc<Self>,
        listener: TcpListener,
        shutdown: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(shutdown);
        loop {
            let (stream, _) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                _ = &mut shutdown => return,
            };
            // Answers never leave the host: a packet routed anywhere dies.
            if let Err(e) = stream.set_ttl(1) {
                tracing::warn!(error = %e, "cannot set the socket TTL; connection refused");
                continue;
            }
            let _ = stream.set_nodelay(true);
            let agent = Arc::clone(&self);
            let open = agent.connections.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|req| {
                    let agent = Arc::clone(&agent);
                    async move { Ok::<_, std::convert::Infallible>(agent.answer(req, open).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .max_buf_size(MAX_REQUEST_BYTES)
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
                agent.connections.fetch_sub(1, Ordering::SeqCst);
            });
        }
    }

    async fn answer(&self, req: Request<Incoming>, open: usize) -> Response<Full<Bytes>> {
        match self.route(&req, open).await {
            Ok(response) => response,
            Err(Refusal(status, text)) => {
                self.metrics.error("request");
                plain(status, Bytes::from(text))
            }
        }
    }

    async fn route(
        &self,
        req: &Request<Incoming>,
        open: usize,
    ) -> Result<Response<Full<Bytes>>, Refusal> {
        let path = req.uri().path();
        let unguarded = path == "/ping" || (self.config.metrics && path == "/metrics");
        let limit = if unguarded {
            self.config.max_conn + 2
        } else {
            self.config.max_conn
        };
        if open > limit {
            return Err(Refusal(429, "Connection limit exceeded".into()));
        }
        if !unguarded {
            self.check_token(req)?;
        }
        if req.method() != Method::GET {
            return Err(Refusal(405, "Not allowed".into()));
        }
        let query = match path {
            "/ping" => return Ok(plain(200, Bytes::from_static(b"healthy"))),
            "/metrics" if self.config.metrics => {
                self.metrics.entries.set(self.cache.len() as i64);
                let mut response = plain(200, Bytes::from(self.metrics.encode()));
                response.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static(
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    ),
                );
                return Ok(response);
            }
            "/secretsmanager/get" => request::from_query(req.uri().query())?,
            p if p.starts_with(self.config.path_prefix.as_str()) => {
                request::from_path(p, &self.config.path_prefix, req.uri().query())?
            }
            _ => return Err(Refusal(404, "Not found".into())),
        };
        Ok(match self.read(&query).await {
            Ok(Served::Fresh(entry)) => plain(200, entry.body.to_bytes()),
            Ok(Served::Stale(entry)) => {
                let mut response = plain(200, entry.body.to_bytes());
                let headers = response.headers_mut();
                headers.insert("x-tresor-stale", http::HeaderValue::from_static("true"));
                headers.insert(
                    http::header::AGE,
                    http::HeaderValue::from(entry.age_seconds()),
                );
                response
            }
            Err(failure) => {
                self.metrics.error(failure.kind.label());
                plain(failure.status, Bytes::from(failure.body))
            }
        })
    }

    fn check_token(&self, req: &Request<Incoming>) -> Result<(), Refusal> {
        let headers = req.headers();
        if headers.contains_key("x-forwarded-for") {
            tracing::warn!("refused a request with X-Forwarded-For");
            return Err(Refusal(400, "Forwarded".into()));
        }
        let expected = self.token.as_bytes();
        let mut valid = false;
        for name in &self.config.ssrf_headers {
            for value in headers.get_all(name) {
                use subtle::ConstantTimeEq;
                valid |= bool::from(value.as_bytes().ct_eq(expected));
            }
        }
        if !valid {
            tracing::warn!("refused a request without the right SSRF token");
            return Err(Refusal(403, "Bad Token".into()));
        }
        Ok(())
    }

    /// The answer to a GetSecretValue request: cached if fresh, else from
    /// the server; when the server cannot be reached, the last good value.
    async fn read(&self, query: &Query) -> Result<Served, Failure> {
        let stand_in = if query.refresh_now {
            self.metrics.refreshes.inc();
            None
        } else {
            match self.cache.get(&query.key) {
                Lookup::Fresh(entry) => {
                    self.metrics.hits.inc();
                    return Ok(Served::Fresh(entry));
                }
                Lookup::Expired(entry) => {
                    self.metrics.refreshes.inc();
                    Some(entry)
                }
                Lookup::Missing => {
                    self.metrics.misses.inc();
                    self.fallback
                        .read()
                        .unwrap_or_else(|p| p.into_inner())
                        .get(&query.key)
                        .cloned()
                }
            }
        };
        let since = self.follower.mark();
        match upstream::get_secret_value(&self.endpoint, &query.key).await {
            Ok(entry) => {
                let entry = Arc::new(entry);
                let new_secret = self.cache.insert(query.key.clone(), Arc::clone(&entry));
                self.follower.joined(since, new_secret);
                self.forget_saved(&query.key);
                Ok(Served::Fresh(entry))
            }
            Err(failure) if failure.transient && self.config.ignore_transient_errors => {
                match stand_in {
                    Some(entry) => {
                        self.metrics.stale.inc();
                        Ok(Served::Stale(entry))
                    }
                    None => Err(failure),
                }
            }
            Err(failure) => {
                // The server says no (gone, denied): a saved answer must
                // not come back when it is away.
                if failure.kind == upstream::FailureKind::Service && !failure.transient {
                    self.forget_saved(&query.key);
                }
                Err(failure)
            }
        }
    }

    fn forget_saved(&self, key: &Key) {
        let removed = self
            .fallback
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
        if removed.is_some() {
            self.cache.touch();
        }
    }

    /// What the disk cache should hold: the cache, and the loaded answers
    /// not yet replaced.
    pub fn saved_entries(&self) -> Vec<(Key, Arc<Entry>)> {
        let mut entries = self.cache.snapshot();
        let fallback = self.fallback.read().unwrap_or_else(|p| p.into_inner());
        for (key, entry) in fallback.iter() {
            if !entries.iter().any(|(k, _)| k == key) {
                entries.push((key.clone(), Arc::clone(entry)));
            }
        }
        entries
    }
}

/// A response as the AWS agent sends it: the body and no content type.
fn plain(status: u16, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    response
}
