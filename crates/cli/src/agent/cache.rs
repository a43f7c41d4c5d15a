//! The agent's in-memory cache: GetSecretValue answers keyed by what was
//! asked (secret id, version id, stage), each with a time to live, at most
//! `capacity` of them (the least recently used goes first), and indexed by
//! the secret's ARN so a change reported by the server's feed drops every
//! answer about that secret at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// What a request asks for, as it asked (a name and an ARN are two keys).
#[derive(Debug, Clone, Hash, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    pub secret_id: String,
    pub version_id: Option<String>,
    pub version_stage: Option<String>,
}

/// A response body holding a secret: wiped from memory when the last
/// response using it is gone.
#[derive(Clone)]
pub struct SecretBody(Arc<Zeroizing<Vec<u8>>>);

impl SecretBody {
    pub fn new(bytes: Zeroizing<Vec<u8>>) -> SecretBody {
        SecretBody(Arc::new(bytes))
    }

    /// The body for a response, without copying the secret.
    pub fn to_bytes(&self) -> Bytes {
        Bytes::from_owner(self.clone())
    }

    pub fn as_slice(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl AsRef<[u8]> for SecretBody {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// One cached answer.
pub struct Entry {
    pub arn: String,
    pub body: SecretBody,
    /// When the answer was fetched (for the TTL).
    pub fetched: Instant,
    /// The same, on the wall clock (for `Age` and the disk cache).
    pub fetched_at: SystemTime,
    last_used: AtomicU64,
}

impl Entry {
    pub fn new(arn: String, body: SecretBody, fetched_at: SystemTime) -> Entry {
        let age = SystemTime::now()
            .duration_since(fetched_at)
            .unwrap_or_default();
        Entry {
            arn,
            body,
            fetched: Instant::now().checked_sub(age).unwrap_or_else(Instant::now),
            fetched_at,
            last_used: AtomicU64::new(0),
        }
    }

    /// Whole seconds since the answer was fetched.
    pub fn age_seconds(&self) -> u64 {
        self.fetched.elapsed().as_secs()
    }
}

pub enum Lookup {
    Fresh(Arc<Entry>),
    /// Past its TTL: to be refreshed, or served if the server is away.
    Expired(Arc<Entry>),
    Missing,
}

pub struct Cache {
    entries: RwLock<HashMap<Key, Arc<Entry>>>,
    ttl: Duration,
    capacity: usize,
    clock: AtomicU64,
    /// Bumped by every insert and drop (the disk copy follows it).
    generation: AtomicU64,
}

impl Cache {
    pub fn new(ttl: Duration, capacity: usize) -> Cache {
        Cache {
            entries: RwLock::new(HashMap::new()),
            ttl,
            capacity: capacity.max(1),
            clock: AtomicU64::new(1),
            generation: AtomicU64::new(0),
        }
    }

    pub fn get(&self, key: &Key) -> Lookup {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let Some(entry) = entries.get(key) else {
            return Lookup::Missing;
        };
        entry.last_used.store(
            self.clock.fetch_add(1, Ordering::Relaxed),
            Ordering::Relaxed,
        );
        if entry.fetched.elapsed() < self.ttl {
            Lookup::Fresh(Arc::clone(entry))
        } else {
            Lookup::Expired(Arc::clone(entry))
        }
    }

    /// Caches an answer; when full, the least recently used one goes.
    /// Returns whether its ARN is new to the cache (to be followed).
    pub fn insert(&self, key: Key, entry: Arc<Entry>) -> bool {
        entry.last_used.store(
            self.clock.fetch_add(1, Ordering::Relaxed),
            Ordering::Relaxed,
        );
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        let new_arn = !entries.values().any(|e| e.arn == entry.arn);
        if !entries.contains_key(&key) && entries.len() >= self.capacity {
            let oldest = entries
                .iter()
                .min_by_key(|(_, e)| e.last_used.load(Ordering::Relaxed))
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                entries.remove(&oldest);
            }
        }
        entries.insert(key, entry);
        self.generation.fetch_add(1, Ordering::Relaxed);
        new_arn
    }

    /// Drops every answer about these secrets; returns how many.
    pub fn invalidate(&self, arns: &[String]) -> usize {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        let before = entries.len();
        entries.retain(|_, e| !arns.contains(&e.arn));
        self.generation.fetch_add(1, Ordering::Relaxed);
        before - entries.len()
    }

    /// Drops everything; returns how many.
    pub fn clear(&self) -> usize {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        let before = entries.len();
        entries.clear();
        self.generation.fetch_add(1, Ordering::Relaxed);
        before
    }

    /// The ARNs of the cached secrets, once each.
    pub fn arns(&self) -> Vec<String> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let mut arns: Vec<String> = entries.values().map(|e| e.arn.clone()).collect();
        arns.sort();
        arns.dedup();
        arns
    }

    /// Marks a change the disk copy must follow that is not in the map
    /// (a saved answer forgotten).
    pub fn touch(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    /// Changes whenever the cached answers do.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    pub fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn snapshot(&self) -> Vec<(Key, Arc<Entry>)> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        entries
            .iter()
            .map(|(k, e)| (k.clone(), Arc::clone(e)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> Key {
        Key {
            secret_id: id.into(),
            version_id: None,
            version_stage: None,
        }
    }

    fn entry(arn: &str) -> Arc<Entry> {
        let body = SecretBody::new(Zeroizing::new(arn.as_bytes().to_vec()));
        Arc::new(Entry::new(arn.into(), body, SystemTime::now()))
    }

    #[test]
    fn answers_live_for_the_ttl() {
        let cache = Cache::new(Duration::from_secs(60), 10);
        assert!(matches!(cache.get(&key("a")), Lookup::Missing));
        assert!(cache.insert(key("a"), entry("arn:a")));
        assert!(matches!(cache.get(&key("a")), Lookup::Fresh(_)));
        let zero = Cache::new(Duration::ZERO, 10);
        zero.insert(key("a"), entry("arn:a"));
        assert!(matches!(zero.get(&key("a")), Lookup::Expired(_)));
    }

    #[test]
    fn the_least_recently_used_answer_goes_when_full() {
        let cache = Cache::new(Duration::from_secs(60), 2);
        cache.insert(key("a"), entry("arn:a"));
        cache.insert(key("b"), entry("arn:b"));
        let _ = cache.get(&key("a"));
        cache.insert(key("c"), entry("arn:c"));
        assert!(matches!(cache.get(&key("b")), Lookup::Missing));
        assert!(matches!(cache.get(&key("a")), Lookup::Fresh(_)));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn a_change_drops_every_answer_about_the_secret() {
        let cache = Cache::new(Duration::from_secs(60), 10);
        cache.insert(key("name"), entry("arn:a"));
        let pinned = Key {
            version_stage: Some("AWSPREVIOUS".into()),
            ..key("name")
        };
        assert!(!cache.insert(pinned, entry("arn:a")), "same secret");
        cache.insert(key("other"), entry("arn:b"));
        assert_eq!(cache.invalidate(&["arn:a".to_string()]), 2);
        assert_eq!(cache.arns(), vec!["arn:b".to_string()]);
    }
}
