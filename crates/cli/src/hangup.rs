//! SIGHUP while `tresor server` runs: re-read the TLS certificate and key
//! (`systemctl reload tresor`, or a certificate renewal hook).
//!
//! A reload that fails leaves the server serving the certificate it had;
//! it never stops the server. Connections already open are not touched.

use tokio::signal::unix::{Signal, SignalKind, signal};
use tresor_server::TlsReloader;

use crate::sd_notify;
use crate::service_status::StatusLine;

/// The SIGHUP stream. Taken first thing: until a handler is installed,
/// SIGHUP's default action ends the process. A SIGHUP that comes before
/// the reload task runs is kept for it.
pub fn listen() -> anyhow::Result<Signal> {
    Ok(signal(SignalKind::hangup())?)
}

/// Reloads on every SIGHUP, forever; `status` makes the status line to
/// show once a reload is done.
pub async fn reload_on_hangup(mut hangups: Signal, tls: Option<TlsReloader>, status: StatusLine) {
    while hangups.recv().await.is_some() {
        let Some(tls) = &tls else {
            tracing::info!("SIGHUP: nothing to reload (TLS is not configured)");
            continue;
        };
        sd_notify::reloading();
        match tls.reload() {
            Ok(()) => tracing::info!(
                cert = %tls.files().cert.display(),
                key = %tls.files().key.display(),
                "SIGHUP: reloaded the TLS certificate and key; new connections use them"
            ),
            Err(e) => tracing::error!(
                error = %e,
                "SIGHUP: the TLS certificate was not reloaded; still serving the previous one"
            ),
        }
        sd_notify::ready(&status());
    }
}
