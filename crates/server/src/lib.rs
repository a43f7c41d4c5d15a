//! The Tresor service as a library.
//!
//! `run(listener, config, shutdown)` serves the AWS Secrets Manager API on
//! `listener` until `shutdown` resolves. Module order follows the request:
//! `http` → `auth` → `service` → {`kms`, `store`, `audit`}.

pub mod audit;
pub mod auth;
pub mod authz;
pub mod backup;
pub mod barrier;
pub mod changes;
pub mod clock;
pub mod config;
pub mod config_check;
mod http;
pub mod identity;
pub mod init;
pub mod kms;
pub mod metrics;
pub mod service;
pub mod store;
pub mod value;

pub use config::{
    Config, DEFAULT_PORT, DEFAULT_REGION, DEFAULT_SEAL_KEY_ENV, DevCredentials, MetricsEndpoint,
    OidcProviderConfig, SealConfig, TlsFiles,
};

use std::future::Future;
use std::sync::Arc;

pub use http::tls::TlsReloader;

use auth::access_keys::AccessKey;
use barrier::Barrier;
use clock::{Clock, SystemClock};

/// Why the server could not start or stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{0}")]
    Startup(String),
    #[error("serving failed: {0}")]
    Io(#[from] std::io::Error),
}

/// An opened data directory, ready to serve (sealed or not).
pub struct Server {
    config: Config,
    barrier: Arc<Barrier>,
    initialized: Option<init::Initialized>,
    tls: Option<(tokio_rustls::TlsAcceptor, TlsReloader)>,
}

impl Server {
    /// Opens `config.data_dir` (initialising it on a first start in `file`
    /// mode) and unseals it if the configured seal supplies its key.
    pub async fn open(config: Config) -> Result<Server, ServerError> {
        // First: a bad certificate stops the start before anything is
        // created on disk.
        let tls = match &config.tls {
            Some(files) => Some(http::tls::load(files).map_err(ServerError::Startup)?),
            None => None,
        };
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let (dir, initialized) = init::open(&config, clock.now_ms()).await?;
        backup::remove_leftovers(&config.data_dir);
        // Checked now, so that a bad issuer or key file stops the start.
        let oidc = identity::oidc::OidcProviders::load(&config.oidc_providers, &dir.account_id)
            .map_err(ServerError::Startup)?;
        let barrier = Arc::new(Barrier::new(&dir, config.clone(), clock, Arc::new(oidc)));
        if let Some(sealer) = init::configured_sealer(&config)? {
            barrier.unseal_with(sealer).await.map_err(|e| {
                ServerError::Startup(format!("cannot unseal {}: {e}", config.data_dir.display()))
            })?;
        }
        Ok(Server {
            config,
            barrier,
            initialized,
            tls,
        })
    }

    /// The handle that re-reads the TLS certificate and key while serving
    /// (the CLI calls it on SIGHUP); `None` when serving plain HTTP.
    pub fn tls_reloader(&self) -> Option<TlsReloader> {
        self.tls.as_ref().map(|(_, reloader)| reloader.clone())
    }

    /// The administrator key to show the operator: made by this first
    /// start, or the fixed development key. Never logged.
    pub fn new_admin_key(&self) -> Option<AccessKey> {
        if let Some(dev) = &self.config.dev_credentials {
            return Some(AccessKey {
                access_key_id: dev.access_key_id.clone(),
                secret_access_key: zeroize::Zeroizing::new(
                    dev.secret_access_key.expose().to_string(),
                ),
            });
        }
        self.initialized.as_ref().map(|i| i.admin_key.clone())
    }

    pub fn account_id(&self) -> &str {
        self.barrier.account_id()
    }

    pub fn is_sealed(&self) -> bool {
        self.barrier.active().is_none()
    }

    /// Whether the server is sealed, asked again at every call and usable
    /// while it serves (the CLI keeps the service manager's status line in
    /// step with it).
    pub fn seal_probe(&self) -> impl Fn() -> bool + Send + Sync + 'static {
        let barrier = Arc::clone(&self.barrier);
        move || barrier.active().is_none()
    }

    /// Serves until `shutdown` resolves, then drains and returns.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let tls = self.tls.map(|(acceptor, _)| acceptor);
        let maintenance = tokio::spawn(maintenance_loop(
            Arc::clone(&self.barrier),
            self.config.purge_interval,
        ));
        let checkpoints = tokio::spawn(checkpoint_loop(Arc::clone(&self.barrier)));
        let mirrors = tokio::spawn(mirror_loop(
            Arc::clone(&self.barrier),
            self.config.audit.mirrors.clone(),
        ));
        let backups =
            self.config.backup.clone().map(|schedule| {
                tokio::spawn(backup::backup_loop(Arc::clone(&self.barrier), schedule))
            });
        let (metrics_listener, scrapers) = match self.config.metrics {
            MetricsEndpoint::Off => (None, None),
            MetricsEndpoint::Main { any_peer: false } => (None, Some(http::Scrapers::Loopback)),
            MetricsEndpoint::Main { any_peer: true } => (None, Some(http::Scrapers::Anyone)),
            MetricsEndpoint::Listen(addr) => {
                let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
                    ServerError::Startup(format!("cannot listen for /metrics on {addr}: {e}"))
                })?;
                (Some(listener), None)
            }
        };
        let (stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
        let metrics = match metrics_listener {
            Some(listener) => {
                if let Ok(addr) = listener.local_addr() {
                    tracing::info!(endpoint = %format!("http://{addr}/metrics"), "serving metrics");
                }
                let app = http::metrics_router(Arc::clone(&self.barrier));
                Some(tokio::spawn(http::serve_app(listener, None, app, async {
                    let _ = metrics_stopped.await;
                })))
            }
            None => None,
        };
        let state = Arc::new(http::AppState {
            barrier: self.barrier,
            secure: tls.is_some(),
            scrapers,
        });
        let served = http::serve(listener, tls, state, shutdown).await;
        maintenance.abort();
        checkpoints.abort();
        mirrors.abort();
        if let Some(backups) = backups {
            backups.abort();
        }
        // Metrics stay up while the API drains, then stop too.
        let _ = stop_metrics.send(());
        if let Some(metrics) = metrics {
            let _ = metrics.await;
        }
        Ok(served?)
    }
}

/// Every `interval`, while unsealed: removes secrets whose recovery window
/// has ended, deletes KMS keys whose waiting period has ended, rotates
/// keys whose automatic rotation is due, prunes audit events past their
/// retention, and forgets expired STS sessions.
async fn maintenance_loop(barrier: Arc<Barrier>, interval: std::time::Duration) {
    let mut ticker = tokio::time::interval(interval);
    loop {
        ticker.tick().await;
        let Some(active) = barrier.active() else {
            continue;
        };
        match service::purge_due(&active.service).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(count = n, "purged secrets whose recovery window ended"),
            Err(e) => tracing::warn!(error = %e, "purging deleted secrets failed; will retry"),
        }
        match service::maintain_keys(&active.service).await {
            Ok((0, 0)) => {}
            Ok((deleted, rotated)) => tracing::info!(deleted, rotated, "KMS key maintenance"),
            Err(e) => tracing::warn!(error = %e, "KMS key maintenance failed; will retry"),
        }
        if let Some(keep) = active.audit.settings().retention {
            let before = active.audit.now_ms() - keep.as_millis() as i64;
            match audit::prune(
                &active.audit,
                barrier.account_id(),
                barrier.default_region(),
                before,
            )
            .await
            {
                Ok(None) => {}
                Ok(Some(p)) => tracing::info!(
                    events = p.events,
                    through = p.through_seq,
                    "pruned audit events past their retention"
                ),
                Err(e) => tracing::warn!(error = %e, "pruning the audit trail failed; will retry"),
            }
        }
        match service::forget_expired_sessions(&active.service).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(count = n, "forgot expired STS sessions"),
            Err(e) => tracing::warn!(error = %e, "forgetting expired STS sessions failed"),
        }
    }
}

/// Signs the head of the audit chain when events came after the last
/// checkpoint, so an idle trail's tail is signed within about a minute.
async fn checkpoint_loop(barrier: Arc<Barrier>) {
    let every = std::time::Duration::from_millis(audit::chain::CHECKPOINT_AFTER_MS as u64 / 2);
    let mut ticker = tokio::time::interval(every);
    loop {
        ticker.tick().await;
        if let Some(active) = barrier.active()
            && let Err(e) = active.audit.checkpoint_head().await
        {
            tracing::warn!(error = %e, "signing an audit checkpoint failed; will retry");
        }
    }
}

/// Every second, while unsealed: delivers new audit events to the
/// configured mirrors (a file, stdout). A failing mirror is retried; it
/// never holds up a request.
async fn mirror_loop(barrier: Arc<Barrier>, targets: Vec<audit::MirrorTarget>) {
    if targets.is_empty() {
        return;
    }
    let mut ticker = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        ticker.tick().await;
        if barrier.active().is_none() {
            continue;
        }
        for target in &targets {
            loop {
                match audit::mirror_step(barrier.store(), target).await {
                    Ok(1000..) => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "mirroring the audit trail failed; will retry");
                        break;
                    }
                }
            }
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
