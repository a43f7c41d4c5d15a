//! The status line a service manager shows for `tresor server`
//! (`systemctl status tresor`), kept in step with the seal: a server that
//! starts sealed is up and waiting for its operator, and says so until it
//! is unsealed.

use std::sync::Arc;
use std::time::Duration;

use crate::sd_notify;

/// Makes the current status line.
pub type StatusLine = Arc<dyn Fn() -> String + Send + Sync>;

/// How often the seal is looked at for the status line; only while a
/// service manager listens.
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

pub fn status_line(
    endpoint: String,
    sealed: impl Fn() -> bool + Send + Sync + 'static,
) -> StatusLine {
    Arc::new(move || {
        if sealed() {
            format!("Sealed: serving {endpoint}, waiting for `tresor operator unseal`")
        } else {
            format!("Serving {endpoint}")
        }
    })
}

/// Sends a new status line whenever it changes; `sent` is the one the
/// service manager has now. Returns at once without a service manager.
pub async fn follow(status: StatusLine, mut sent: String) {
    if !sd_notify::enabled() {
        return;
    }
    let mut ticker = tokio::time::interval(FOLLOW_EVERY);
    loop {
        ticker.tick().await;
        let now = status();
        if now != sent {
            sd_notify::status(&now);
            sent = now;
        }
    }
}
