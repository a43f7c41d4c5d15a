//! The change feed: which secrets changed since a cursor, waited for.
//!
//! Every committed change to a secret (a new value, a label moved, an
//! update, a deletion or restore, a purge) bumps a sequence number and
//! records it against the secret's ARN; watchers wait until one of the
//! secrets they follow changes after their cursor, or their wait ends.
//! Cursors are `<epoch>.<seq>`; the epoch is random per process, so a
//! cursor from before a restart (or from another node) reports every
//! followed secret as changed — a spurious wake-up, never a missed one.
//!
//! Memory is bounded: the feed remembers the last change of at most
//! `MAX_TRACKED` secrets. When it forgets the older half, a cursor from
//! before what it still knows reports every followed secret as changed,
//! like a cursor from another process.
//!
//! In-process only: a multi-node cluster needs PostgreSQL LISTEN/NOTIFY to
//! carry changes between nodes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::watch;

/// How many secrets' last changes the feed remembers (about 150 bytes
/// each); a store of a million secrets once grew this map by 185 MB.
const MAX_TRACKED: usize = 65_536;

pub struct Changes {
    epoch: u64,
    recent: Mutex<Recent>,
    seq: watch::Sender<u64>,
}

/// The last change of each recently changed secret, by ARN.
#[derive(Default)]
struct Recent {
    last: HashMap<String, u64>,
    /// Changes up to this sequence number may have been forgotten.
    floor: u64,
}

impl Recent {
    /// Forgets the older half once more than `max` secrets are tracked.
    fn bound(&mut self, max: usize) {
        if self.last.len() <= max {
            return;
        }
        let mut seqs: Vec<u64> = self.last.values().copied().collect();
        let middle = seqs.len() / 2;
        let (_, floor, _) = seqs.select_nth_unstable(middle);
        self.floor = *floor;
        let floor = self.floor;
        self.last.retain(|_, seq| *seq > floor);
    }
}

impl Default for Changes {
    fn default() -> Self {
        let mut epoch = [0u8; 8];
        aws_lc_rs::rand::fill(&mut epoch).expect("the system RNG does not fail");
        Changes {
            epoch: u64::from_be_bytes(epoch) >> 1,
            recent: Mutex::new(Recent::default()),
            seq: watch::Sender::new(0),
        }
    }
}

/// What a wait found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub cursor: String,
    /// The followed ARNs that changed after the cursor.
    pub changed: Vec<String>,
}

impl Changes {
    /// Records that these secrets changed (after their commit).
    pub fn note<'a>(&self, arns: impl IntoIterator<Item = &'a str>) {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        let next = *self.seq.borrow() + 1;
        let mut any = false;
        for arn in arns {
            recent.last.insert(arn.to_string(), next);
            any = true;
        }
        if any {
            recent.bound(MAX_TRACKED);
            // Sent under the lock, so sequence numbers reach the map in order.
            self.seq.send_replace(next);
        }
    }

    fn cursor(&self, seq: u64) -> String {
        format!("{}.{seq}", self.epoch)
    }

    /// The current cursor: the starting point of a new watcher.
    pub fn now(&self) -> String {
        self.cursor(*self.seq.borrow())
    }

    /// Waits up to `wait` for one of `arns` to change after `cursor`.
    pub async fn wait(&self, cursor: &str, arns: &[String], wait: Duration) -> Found {
        let since = match cursor.split_once('.') {
            Some((epoch, seq)) if epoch.parse() == Ok(self.epoch) => seq.parse::<u64>().ok(),
            _ => None,
        };
        let Some(since) = since else {
            // Another process's cursor: everything may have changed.
            return Found {
                cursor: self.now(),
                changed: arns.to_vec(),
            };
        };
        let mut rx = self.seq.subscribe();
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let seq = *rx.borrow_and_update();
            let changed = self.changed_since(since, arns);
            if !changed.is_empty() {
                return Found {
                    cursor: self.cursor(seq),
                    changed,
                };
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                return Found {
                    cursor: self.cursor(seq.max(since)),
                    changed: Vec::new(),
                };
            }
        }
    }

    fn changed_since(&self, since: u64, arns: &[String]) -> Vec<String> {
        let recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        if since < recent.floor {
            // What changed after `since` may have been forgotten.
            return arns.to_vec();
        }
        arns.iter()
            .filter(|arn| recent.last.get(*arn).is_some_and(|seq| *seq > since))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_change_wakes_its_watchers_only() {
        let changes = std::sync::Arc::new(Changes::default());
        let start = changes.now();
        let a = vec!["arn:a".to_string()];
        let quiet = changes.wait(&start, &a, Duration::from_millis(20)).await;
        assert!(quiet.changed.is_empty());
        changes.note(["arn:b"]);
        let still = changes.wait(&start, &a, Duration::from_millis(20)).await;
        assert!(
            still.changed.is_empty(),
            "another secret's change is not ours"
        );
        let waiter = {
            let changes = std::sync::Arc::clone(&changes);
            let cursor = still.cursor.clone();
            tokio::spawn(async move { changes.wait(&cursor, &a, Duration::from_secs(30)).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        changes.note(["arn:a"]);
        let woke = waiter.await.unwrap();
        assert_eq!(woke.changed, vec!["arn:a".to_string()]);
        // From the new cursor, nothing is new.
        let after = changes
            .wait(
                &woke.cursor,
                &["arn:a".to_string()],
                Duration::from_millis(20),
            )
            .await;
        assert!(after.changed.is_empty());
        // A cursor from another process reports everything.
        let foreign = changes
            .wait("1.5", &["arn:a".to_string()], Duration::from_millis(20))
            .await;
        assert_eq!(foreign.changed, vec!["arn:a".to_string()]);
    }

    #[tokio::test]
    async fn the_feed_forgets_old_changes_but_never_misses_one() {
        let changes = Changes::default();
        let start = changes.now();
        changes.note(["arn:old"]);
        let after_old = changes.now();
        for i in 0..MAX_TRACKED {
            changes.note([format!("arn:{i}").as_str()]);
        }
        {
            let recent = changes.recent.lock().unwrap();
            let tracked = recent.last.len();
            assert!(tracked <= MAX_TRACKED / 2 + 1, "the map stays bounded");
            assert!(!recent.last.contains_key("arn:old"));
        }
        let quick = Duration::from_millis(10);
        // From before the forgotten change: reported, though forgotten.
        let old = vec!["arn:old".to_string()];
        assert_eq!(changes.wait(&start, &old, quick).await.changed, old);
        // From after it, a cursor older than the floor still hears of
        // every followed secret (a spurious wake-up, not a miss).
        assert_eq!(changes.wait(&after_old, &old, quick).await.changed, old);
        // A cursor newer than the floor: only real changes.
        let now = changes.now();
        assert!(changes.wait(&now, &old, quick).await.changed.is_empty());
        let last = vec![format!("arn:{}", MAX_TRACKED - 1)];
        let before_last = format!("{}.{}", changes.epoch, *changes.seq.borrow() - 1);
        assert_eq!(changes.wait(&before_last, &last, quick).await.changed, last);
    }
}
