//! The Tresor service as a library.
//!
//! `run(listener, config, shutdown)` serves the AWS Secrets Manager API on
//! `listener` until `shutdown` resolves. Module order follows the request:
//! `http` → `auth` → `service` → {`kms`, `store`}.

pub mod auth;
pub mod clock;
pub mod config;
mod http;
pub mod init;
pub mod kms;
pub mod service;
pub mod store;
pub mod value;

pub use config::{Config, DEFAULT_PORT, DEFAULT_REGION, DevCredentials, TlsFiles};

use std::future::Future;
use std::sync::Arc;

use auth::Authenticator;
use auth::access_keys::{AccessKey, AccessKeys};
use clock::{Clock, SystemClock};
use service::Service;

/// Why the server could not start or stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{0}")]
    Startup(String),
    #[error("serving failed: {0}")]
    Io(#[from] std::io::Error),
}

/// An opened data directory, ready to serve.
pub struct Server {
    config: Config,
    service: Service,
    account_id: String,
    store: Arc<dyn store::Store>,
    keyring: Arc<kms::Keyring>,
    clock: Arc<dyn Clock>,
    new_admin_key: Option<AccessKey>,
}

impl Server {
    /// Opens `config.data_dir`, initialising it on first start.
    pub async fn open(config: Config) -> Result<Server, ServerError> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let opened = init::open(&config, clock.now_ms()).await?;
        let service = Service::new(
            Arc::clone(&opened.store),
            Arc::clone(&opened.keyring),
            Arc::clone(&clock),
            config.allowed_regions.clone(),
        );
        Ok(Server {
            config,
            service,
            account_id: opened.account_id,
            store: opened.store,
            keyring: opened.keyring,
            clock,
            new_admin_key: opened.new_admin_key,
        })
    }

    /// The administrator key made by this start (first start, or dev mode).
    /// Its secret is shown to the operator once and never logged.
    pub fn new_admin_key(&self) -> Option<&AccessKey> {
        self.new_admin_key.as_ref()
    }

    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// Serves until `shutdown` resolves, then drains and returns.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let tls = match &self.config.tls {
            Some(files) => {
                Some(http::tls_acceptor(&files.cert, &files.key).map_err(ServerError::Startup)?)
            }
            None => None,
        };
        let auth = Authenticator::new(
            AccessKeys::new(Arc::clone(&self.store), Arc::clone(&self.keyring)),
            Arc::clone(&self.clock),
            self.config.clock_skew.as_secs() as i64,
            self.config.allowed_regions.clone(),
        );
        let maintenance = tokio::spawn(maintenance_loop(
            self.service.clone(),
            self.config.purge_interval,
        ));
        let state = Arc::new(http::AppState {
            service: self.service,
            auth,
            account_id: self.account_id,
        });
        let served = http::serve(listener, tls, state, shutdown).await;
        maintenance.abort();
        Ok(served?)
    }
}

/// Every `interval`: removes secrets whose recovery window has ended,
/// deletes KMS keys whose waiting period has ended, and rotates keys whose
/// automatic rotation is due.
async fn maintenance_loop(service: Service, interval: std::time::Duration) {
    let mut ticker = tokio::time::interval(interval);
    loop {
        ticker.tick().await;
        match service::purge_due(&service).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "purged secrets whose recovery window ended"),
            Err(e) => tracing::warn!(error = %e, "purging deleted secrets failed; will retry"),
        }
        match service::maintain_keys(&service).await {
            Ok((0, 0)) => {}
            Ok((deleted, rotated)) => tracing::info!(deleted, rotated, "KMS key maintenance"),
            Err(e) => tracing::warn!(error = %e, "KMS key maintenance failed; will retry"),
        }
    }
}

/// Opens the data directory and serves on `listener` until `shutdown`
/// resolves.
pub async fn run(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    Server::open(config).await?.serve(listener, shutdown).await
}
