//! The Tresor service as a library.
//!
//! `run(listener, config, shutdown)` serves the AWS Secrets Manager API on
//! `listener` until `shutdown` resolves. Module order follows the request:
//! `http` → `auth` → `service` → {`kms`, `store`}.

pub mod config;

/// The operations. Placeholder: the integrator merges this with the real
/// `service` module.
pub mod service {
    pub mod filters;
    pub mod password;
}

pub use config::{Config, DEFAULT_PORT, DEFAULT_REGION, DevCredentials, TlsFiles};

use std::future::Future;

/// Why the server could not start or stopped abnormally.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{0}")]
    Startup(String),
}

/// Serves on `listener` until `shutdown` resolves, then drains in-flight
/// requests and returns.
pub async fn run(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let _ = (listener, config, shutdown);
    Err(ServerError::Startup("the server is being built".into()))
}
