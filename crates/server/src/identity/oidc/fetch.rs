//! A JWKS served at a URL: one HTTP(S) GET, and the cache that decides when
//! to repeat it.
//!
//! Owns the fetch (hyper HTTP/1.1 over TCP or rustls with the system's CA
//! certificates; no redirects, a size cap and a timeout) and the refresh
//! policy: fetch on first use, again when the keys are an hour old or a
//! token names a key we do not have, but never more than once a minute
//! per provider. A failed fetch keeps the last keys for up to a day. The
//! URL comes only from the configuration, never from a token.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::Mutex;

use super::jwks::KeySet;

/// Keys older than this are fetched again.
pub const REFRESH_MS: i64 = 60 * 60 * 1000;
/// At most one fetch per provider in this time, whatever triggers it.
pub const MIN_INTERVAL_MS: i64 = 60 * 1000;
/// Keys are not used longer than this after their fetch, even when every
/// fetch since has failed: a key the issuer withdrew must stop working.
pub const MAX_STALE_MS: i64 = 24 * 60 * 60 * 1000;
/// The whole fetch: connect, TLS, request, body.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// A JWKS is a few KiB; more is not a JWKS.
const MAX_BODY_BYTES: usize = 1 << 20;

/// The keys at one URL, fetched when needed.
#[derive(Debug)]
pub struct RemoteJwks {
    url: String,
    uri: http::Uri,
    cache: Mutex<Cache>,
}

#[derive(Debug, Default)]
struct Cache {
    keys: Option<Arc<KeySet>>,
    fetched_ms: i64,
    last_attempt_ms: Option<i64>,
}

impl Cache {
    fn may_fetch(&self, now_ms: i64) -> bool {
        // A clock that went back counts as time passed.
        self.last_attempt_ms
            .is_none_or(|t| now_ms < t || now_ms - t >= MIN_INTERVAL_MS)
    }

    fn usable(&self, now_ms: i64) -> Option<Arc<KeySet>> {
        self.keys
            .clone()
            .filter(|_| now_ms - self.fetched_ms < MAX_STALE_MS)
    }
}

impl RemoteJwks {
    /// Checks `url` (`https://` or `http://`, a host, no user info); fetches
    /// nothing yet.
    pub fn new(url: &str) -> Result<RemoteJwks, String> {
        let uri: http::Uri = url
            .parse()
            .map_err(|_| format!("jwks_url {url:?} is not a URL"))?;
        let authority = uri.authority().map(|a| a.as_str()).unwrap_or("");
        if !matches!(uri.scheme_str(), Some("https" | "http"))
            || uri.host().is_none_or(str::is_empty)
            || authority.contains('@')
        {
            return Err(format!(
                "jwks_url {url:?} must be an https:// (or http://) URL with a host and no user info"
            ));
        }
        if uri.scheme_str() == Some("http") {
            tracing::warn!(
                url,
                "jwks_url is plain HTTP: its keys can be forged on the way"
            );
        }
        Ok(RemoteJwks {
            url: url.to_string(),
            uri,
            cache: Mutex::new(Cache::default()),
        })
    }

    /// The keys to check a token with: fetched now if there are none yet or
    /// they are [`REFRESH_MS`] old (and the last attempt is a minute past).
    /// `None` when no usable keys could be had.
    pub async fn current(&self, now_ms: i64) -> Option<Arc<KeySet>> {
        let mut cache = self.cache.lock().await;
        let due = cache.keys.is_none() || now_ms - cache.fetched_ms >= REFRESH_MS;
        if due && cache.may_fetch(now_ms) {
            self.fetch_into(&mut cache, now_ms).await;
        }
        cache.usable(now_ms)
    }

    /// After a token named a key `seen` lacks: newer keys, if another
    /// request already fetched them or a fetch is allowed now and succeeds.
    pub async fn refresh(&self, seen: &Arc<KeySet>, now_ms: i64) -> Option<Arc<KeySet>> {
        let mut cache = self.cache.lock().await;
        let newer = |cache: &Cache| cache.usable(now_ms).filter(|keys| !Arc::ptr_eq(keys, seen));
        if let Some(keys) = newer(&cache) {
            return Some(keys);
        }
        if cache.may_fetch(now_ms) {
            self.fetch_into(&mut cache, now_ms).await;
        }
        newer(&cache)
    }

    async fn fetch_into(&self, cache: &mut Cache, now_ms: i64) {
        cache.last_attempt_ms = Some(now_ms);
        match fetch(&self.uri).await {
            Ok(keys) => {
                tracing::info!(url = %self.url, keys = keys.len(), "fetched the JWKS");
                cache.keys = Some(Arc::new(keys));
                cache.fetched_ms = now_ms;
            }
            Err(why) => {
                tracing::warn!(url = %self.url, error = %why, "cannot fetch the JWKS; will retry")
            }
        }
    }
}

/// One GET of `uri`, parsed as a JWKS.
async fn fetch(uri: &http::Uri) -> Result<KeySet, String> {
    let body = tokio::time::timeout(FETCH_TIMEOUT, get(uri))
        .await
        .map_err(|_| format!("no answer within {} s", FETCH_TIMEOUT.as_secs()))??;
    KeySet::parse(&body)
}

async fn get(uri: &http::Uri) -> Result<Bytes, String> {
    let https = uri.scheme_str() == Some("https");
    // `Uri::host` keeps an IPv6 literal's brackets.
    let host = uri
        .host()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let tcp = TcpStream::connect((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    let request = http::Request::get(
        uri.path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
            .to_string(),
    )
    .header(
        http::header::HOST,
        uri.authority().map(|a| a.as_str()).unwrap_or_default(),
    )
    .header(http::header::ACCEPT, "application/json")
    .header(
        http::header::USER_AGENT,
        concat!("tresor/", env!("CARGO_PKG_VERSION")),
    )
    .body(Empty::<Bytes>::new())
    .map_err(|e| format!("cannot build the request: {e}"))?;
    if https {
        let name = rustls_pki_types::ServerName::try_from(host)
            .map_err(|_| "not a valid TLS server name".to_string())?;
        let tls = tokio_rustls::TlsConnector::from(tls_config()?)
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS handshake failed: {e}"))?;
        exchange(TokioIo::new(tls), request).await
    } else {
        exchange(TokioIo::new(tcp), request).await
    }
}

async fn exchange<I>(io: I, request: http::Request<Empty<Bytes>>) -> Result<Bytes, String>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| format!("HTTP handshake failed: {e}"))?;
    let connection = tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status();
    if status != http::StatusCode::OK {
        connection.abort();
        return Err(format!("HTTP status {}", status.as_u16()));
    }
    let body = Limited::new(response.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
        .map_err(|e| format!("cannot read the body (at most {MAX_BODY_BYTES} bytes): {e}"))?
        .to_bytes();
    connection.abort();
    Ok(body)
}

/// rustls with aws-lc-rs, trusting the system's CA certificates (loaded
/// once).
fn tls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let found = rustls_native_certs::load_native_certs();
            let mut roots = rustls::RootCertStore::empty();
            let (added, _ignored) = roots.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(format!(
                    "no CA certificates found on this system ({} errors)",
                    found.errors.len()
                ));
            }
            let config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
            Ok(Arc::new(config))
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_checks() {
        for ok in [
            "https://issuer.example/keys",
            "http://127.0.0.1:8080/jwks.json",
            "https://[::1]/k",
        ] {
            assert!(RemoteJwks::new(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ftp://x/keys",
            "issuer.example/keys",
            "https://user:pw@issuer.example/keys",
            "https:///keys",
            "not a url",
        ] {
            assert!(RemoteJwks::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fetch_pacing() {
        let mut cache = Cache::default();
        assert!(cache.may_fetch(0));
        cache.last_attempt_ms = Some(1_000_000);
        assert!(!cache.may_fetch(1_000_000 + MIN_INTERVAL_MS - 1));
        assert!(cache.may_fetch(1_000_000 + MIN_INTERVAL_MS));
        assert!(cache.may_fetch(999_999), "a clock that went back");
    }
}
