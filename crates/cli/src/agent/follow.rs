//! Keeping the cache true: one long poll of the server's change feed
//! (`WaitForSecretChanges`) follows every cached secret, and a reported
//! change drops that secret's answers within a second of the commit.
//!
//! No change may be missed between a fetch and the moment its secret joins
//! the poll, so every fetch records the feed's cursor before it starts
//! (`mark`), and the next poll asks from the oldest such cursor (`rewind`).
//! Cursors are `<epoch>.<seq>`; one the server does not know (another
//! process, or "reset") reports every followed secret as changed — a
//! needless refetch, never a stale answer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::Notify;

use super::cache::Cache;
use super::metrics::Metrics;
use crate::client::Endpoint;

/// How long one poll waits on the server.
const POLL_SECONDS: u64 = 20;
/// A cursor no server knows: the next poll reports everything changed.
const RESET: &str = "reset";

#[derive(Default)]
pub struct Follower {
    state: Mutex<State>,
    joined: Notify,
}

#[derive(Default)]
struct State {
    /// Where the feed has been read up to.
    cursor: Option<String>,
    /// An older cursor the next poll must start from (a secret joined).
    rewind: Option<String>,
}

impl Follower {
    /// The cursor to record before a fetch (`None`: no feed yet).
    pub fn mark(&self) -> Option<String> {
        self.lock().cursor.clone()
    }

    /// An answer fetched after `since` joined the cache. The poll restarts
    /// from no later than `since` to include it — unless its secret is
    /// already followed and the feed has not moved during the fetch (the
    /// running poll then covers every change after `since`).
    pub fn joined(&self, since: Option<String>, new_secret: bool) {
        {
            let mut state = self.lock();
            if !new_secret && since.is_some() && since == state.cursor {
                return;
            }
            let since = since.unwrap_or_else(|| RESET.to_string());
            state.rewind = Some(match state.rewind.take() {
                Some(earlier) => older(&earlier, &since),
                None => since,
            });
        }
        self.joined.notify_one();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Follows the cached secrets until the process ends.
    pub async fn run(
        self: Arc<Self>,
        endpoint: Arc<Endpoint>,
        cache: Arc<Cache>,
        metrics: Arc<Metrics>,
    ) {
        let mut backoff = Duration::from_millis(250);
        loop {
            if self.lock().cursor.is_none() {
                match poll(&endpoint, &[], None, 0).await {
                    Ok((cursor, _)) => {
                        self.lock().cursor = Some(cursor);
                        metrics.feed_up.set(1);
                        backoff = Duration::from_millis(250);
                    }
                    Err(e) => {
                        metrics.feed_up.set(0);
                        tracing::debug!(error = %e, "change feed unavailable");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(10));
                        continue;
                    }
                }
            }
            let arns = cache.arns();
            if arns.is_empty() {
                self.joined.notified().await;
                continue;
            }
            let since = {
                let mut state = self.lock();
                let cursor = state.cursor.clone().unwrap_or_else(|| RESET.into());
                match state.rewind.take() {
                    Some(rewind) => older(&rewind, &cursor),
                    None => cursor,
                }
            };
            tokio::select! {
                outcome = poll(&endpoint, &arns, Some(&since), POLL_SECONDS) => match outcome {
                    Ok((cursor, changed)) => {
                        metrics.feed_up.set(1);
                        backoff = Duration::from_millis(250);
                        // The cursor first: a refetch after the drop marks
                        // the new cursor and so does not restart the poll.
                        self.lock().cursor = Some(cursor);
                        if !changed.is_empty() {
                            let dropped = cache.invalidate(&changed);
                            metrics.invalidations.inc_by(dropped as u64);
                            tracing::debug!(secrets = changed.len(), answers = dropped, "secrets changed");
                        }
                    }
                    Err(Poll::Refused(why)) => {
                        // A followed secret went away or out of reach: we
                        // cannot tell which, so nothing cached is trusted.
                        let dropped = cache.clear();
                        metrics.invalidations.inc_by(dropped as u64);
                        tracing::info!(%why, answers = dropped, "change feed refused the followed set; cache cleared");
                        self.rewind_to(since);
                    }
                    Err(Poll::Unreachable(e)) => {
                        metrics.feed_up.set(0);
                        tracing::debug!(error = %format!("{e:#}"), "change feed unavailable");
                        self.rewind_to(since);
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(10));
                    }
                },
                _ = self.joined.notified() => {
                    // A new secret: gather any others arriving with it, then
                    // poll again with the larger set, from no later than now.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    self.rewind_to(since);
                }
            }
        }
    }

    fn rewind_to(&self, since: String) {
        let mut state = self.lock();
        state.rewind = Some(match state.rewind.take() {
            Some(other) => older(&other, &since),
            None => since,
        });
    }
}

/// The earlier of two cursors; when they come from different server
/// processes, one the server cannot know (so it reports everything).
fn older(a: &str, b: &str) -> String {
    let parse = |c: &str| {
        c.split_once('.')
            .and_then(|(epoch, seq)| Some((epoch.to_string(), seq.parse::<u64>().ok()?)))
    };
    match (parse(a), parse(b)) {
        (Some((ea, sa)), Some((eb, sb))) if ea == eb => {
            if sa <= sb {
                a.to_string()
            } else {
                b.to_string()
            }
        }
        _ => RESET.to_string(),
    }
}

enum Poll {
    /// The server answered with an error.
    Refused(String),
    /// The server did not answer.
    Unreachable(anyhow::Error),
}

impl std::fmt::Display for Poll {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Poll::Refused(why) => write!(f, "{why}"),
            Poll::Unreachable(e) => write!(f, "{e:#}"),
        }
    }
}

async fn poll(
    endpoint: &Endpoint,
    arns: &[String],
    since: Option<&str>,
    wait: u64,
) -> Result<(String, Vec<String>), Poll> {
    let mut body = json!({ "SecretIds": arns, "WaitSeconds": wait });
    if let Some(since) = since {
        body["Cursor"] = json!(since);
    }
    let call = endpoint.json_call_raw(
        "tresor",
        "TresorOperator.WaitForSecretChanges",
        serde_json::to_vec(&body).expect("JSON serialises"),
    );
    let timeout = Duration::from_secs(wait + 10);
    let (status, answer) = match tokio::time::timeout(timeout, call).await {
        Err(_) => {
            return Err(Poll::Unreachable(anyhow::anyhow!(
                "the change feed timed out"
            )));
        }
        Ok(Err(e)) => return Err(Poll::Unreachable(e)),
        Ok(Ok(answer)) => answer,
    };
    let answer: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
    if status != 200 {
        let why = crate::client::describe_error(status, &answer);
        return Err(if status >= 500 {
            Poll::Unreachable(anyhow::anyhow!(why))
        } else {
            Poll::Refused(why)
        });
    }
    let cursor = answer["Cursor"]
        .as_str()
        .ok_or_else(|| Poll::Refused("the change feed answered without a cursor".into()))?;
    let changed = answer["Changed"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    Ok((cursor.to_string(), changed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_older_cursor_wins_and_strangers_reset() {
        assert_eq!(older("7.3", "7.10"), "7.3");
        assert_eq!(older("7.10", "7.3"), "7.3");
        assert_eq!(older("7.3", "8.1"), RESET);
        assert_eq!(older(RESET, "7.1"), RESET);
    }

    #[test]
    fn a_secret_joining_before_the_feed_forces_a_reset() {
        let follower = Follower::default();
        follower.joined(None, true);
        assert_eq!(follower.lock().rewind.as_deref(), Some(RESET));
        let follower = Follower::default();
        follower.lock().cursor = Some("5.9".into());
        follower.joined(Some("5.9".into()), false);
        assert_eq!(follower.lock().rewind, None, "covered by the running poll");
        follower.joined(Some("5.4".into()), false);
        follower.joined(Some("5.9".into()), true);
        assert_eq!(follower.lock().rewind.as_deref(), Some("5.4"));
    }
}
