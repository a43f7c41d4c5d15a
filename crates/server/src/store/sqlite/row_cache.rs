//! The secrets read most recently, kept decoded in memory: their row,
//! versions with labels, and sealed values (still encrypted — the cache
//! never holds a secret in clear); and the KMS keys and key materials
//! (wrapped under the root key) that opening them needs.
//!
//! Why: in WAL mode every commit — and every request commits its audit
//! event — empties the other connections' page caches, so each read job
//! would otherwise fetch and decode the same pages again.
//!
//! Coherence: read jobs only (a write job reads SQLite, so it sees its own
//! changes and the latest commit). Every write method that changes a
//! secret, its versions, labels or values names the secret (and every one
//! that changes a KMS key or its materials names the key); after the
//! batch commits, and before any of its callers hears back, the writer
//! drops those secrets here and moves the generation on. A read job
//! installs what it loaded only if the generation is still the one it saw
//! before it began, so a snapshot older than a commit is never installed
//! after that commit's drop. A read that runs between a commit and its drop
//! may still see the previous state: the change is not acknowledged yet.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::metrics::{CacheKind, StoreMetrics};
use crate::store::{
    KeyMaterialRow, KmsKeyRow, SealedValue, SecretKey, SecretRow, StoreResult, VersionRow,
};

/// Secrets kept at most by default (`[store] cache_secrets`).
pub const DEFAULT_CAPACITY: usize = 10_000;

pub struct RowCache {
    inner: RwLock<Inner>,
    generation: AtomicU64,
    /// Secrets kept at most (the least useful guess goes first: any), and
    /// KMS key rows and materials.
    capacity: usize,
    /// Where hits and misses are counted.
    metrics: Arc<StoreMetrics>,
}

impl Default for RowCache {
    fn default() -> Self {
        RowCache::with_capacity(DEFAULT_CAPACITY)
    }
}

#[derive(Default)]
struct Inner {
    /// Region → name → id (looked up by `&str`, without allocating).
    by_name: HashMap<String, HashMap<String, SecretKey>>,
    secrets: HashMap<SecretKey, Arc<Cached>>,
    /// By key id.
    keys: HashMap<String, KmsKeyRow>,
    /// By key id.
    materials: HashMap<String, Vec<KeyMaterialRow>>,
}

impl Inner {
    /// Drops a secret and its name (found through its row: no scan).
    fn forget(&mut self, id: SecretKey) {
        let Some(cached) = self.secrets.remove(&id) else {
            return;
        };
        let row = &cached.row;
        if let Some(names) = self.by_name.get_mut(row.region.as_str())
            && names.get(row.name.as_str()) == Some(&id)
        {
            names.remove(row.name.as_str());
        }
    }
}

struct Cached {
    row: SecretRow,
    versions: Vec<VersionRow>,
    /// Sealed values read so far, by version id.
    values: Mutex<HashMap<String, Option<SealedValue>>>,
}

impl RowCache {
    /// A cache counting nowhere (a snapshot's, a test's).
    pub fn with_capacity(capacity: usize) -> RowCache {
        RowCache::new(capacity, Arc::default())
    }

    pub fn new(capacity: usize, metrics: Arc<StoreMetrics>) -> RowCache {
        RowCache {
            inner: RwLock::default(),
            generation: AtomicU64::new(0),
            capacity: capacity.max(1),
            metrics,
        }
    }

    /// A read job's view: what it may use, and install, until it ends.
    pub fn view(&self) -> CacheView<'_> {
        CacheView {
            cache: self,
            seen: self.generation.load(Ordering::SeqCst),
        }
    }

    /// Drops these secrets and KMS keys (committed changes); call before
    /// the writers of the change hear back.
    pub fn invalidate(&self, ids: &[SecretKey], key_ids: &[String]) {
        if ids.is_empty() && key_ids.is_empty() {
            return;
        }
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        self.generation.fetch_add(1, Ordering::SeqCst);
        for id in ids {
            inner.forget(*id);
        }
        for key_id in key_ids {
            inner.keys.remove(key_id);
            inner.materials.remove(key_id);
        }
    }

    /// Keeps a loaded key row or materials unless a commit dropped
    /// anything since `seen`.
    fn install_key(&self, seen: u64, keep: impl FnOnce(&mut Inner)) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if self.generation.load(Ordering::SeqCst) != seen {
            return;
        }
        if inner.keys.len() + inner.materials.len() >= self.capacity {
            inner.keys.clear();
            inner.materials.clear();
        }
        keep(&mut inner);
    }

    fn get(&self, id: SecretKey) -> Option<Arc<Cached>> {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        inner.secrets.get(&id).cloned()
    }

    fn id_of(&self, region: &str, name: &str) -> Option<SecretKey> {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        inner.by_name.get(region)?.get(name).copied()
    }

    /// Keeps a loaded secret, unless a commit dropped anything since
    /// `seen` (the load may predate it).
    fn install(&self, seen: u64, row: SecretRow, versions: Vec<VersionRow>) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if self.generation.load(Ordering::SeqCst) != seen {
            return;
        }
        if inner.secrets.len() >= self.capacity
            && let Some(&evicted) = inner.secrets.keys().next()
        {
            inner.forget(evicted);
        }
        let id = row.id;
        inner
            .by_name
            .entry(row.region.clone())
            .or_default()
            .insert(row.name.clone(), id);
        inner.secrets.insert(
            id,
            Arc::new(Cached {
                row,
                versions,
                values: Mutex::new(HashMap::new()),
            }),
        );
    }
}

/// The cache as one read job sees it.
pub struct CacheView<'c> {
    cache: &'c RowCache,
    seen: u64,
}

impl CacheView<'_> {
    pub fn secret_by_name(
        &self,
        region: &str,
        name: &str,
        load: impl FnOnce() -> StoreResult<Option<SecretRow>>,
        load_versions: impl FnOnce(SecretKey) -> StoreResult<Vec<VersionRow>>,
    ) -> StoreResult<Option<SecretRow>> {
        let cached = self
            .cache
            .id_of(region, name)
            .and_then(|id| self.cache.get(id));
        self.cache
            .metrics
            .cache_lookup(CacheKind::Secret, cached.is_some());
        if let Some(cached) = cached {
            return Ok(Some(cached.row.clone()));
        }
        self.load_and_keep(load()?, load_versions)
    }

    pub fn secret_by_id(
        &self,
        id: SecretKey,
        load: impl FnOnce() -> StoreResult<Option<SecretRow>>,
        load_versions: impl FnOnce(SecretKey) -> StoreResult<Vec<VersionRow>>,
    ) -> StoreResult<Option<SecretRow>> {
        let cached = self.cache.get(id);
        self.cache
            .metrics
            .cache_lookup(CacheKind::Secret, cached.is_some());
        if let Some(cached) = cached {
            return Ok(Some(cached.row.clone()));
        }
        self.load_and_keep(load()?, load_versions)
    }

    fn load_and_keep(
        &self,
        row: Option<SecretRow>,
        load_versions: impl FnOnce(SecretKey) -> StoreResult<Vec<VersionRow>>,
    ) -> StoreResult<Option<SecretRow>> {
        if let Some(row) = &row {
            let versions = load_versions(row.id)?;
            self.cache.install(self.seen, row.clone(), versions);
        }
        Ok(row)
    }

    pub fn versions(
        &self,
        id: SecretKey,
        load: impl FnOnce() -> StoreResult<Vec<VersionRow>>,
    ) -> StoreResult<Vec<VersionRow>> {
        match self.cache.get(id) {
            Some(cached) => Ok(cached.versions.clone()),
            None => load(),
        }
    }

    pub fn kms_key(
        &self,
        key_id: &str,
        load: impl FnOnce() -> StoreResult<Option<KmsKeyRow>>,
    ) -> StoreResult<Option<KmsKeyRow>> {
        {
            let inner = self.cache.inner.read().unwrap_or_else(|p| p.into_inner());
            let key = inner.keys.get(key_id);
            self.cache
                .metrics
                .cache_lookup(CacheKind::KmsKey, key.is_some());
            if let Some(key) = key {
                return Ok(Some(key.clone()));
            }
        }
        let key = load()?;
        if let Some(key) = &key {
            self.cache.install_key(self.seen, |inner| {
                inner.keys.insert(key.key_id.clone(), key.clone());
            });
        }
        Ok(key)
    }

    pub fn key_materials(
        &self,
        key_id: &str,
        load: impl FnOnce() -> StoreResult<Vec<KeyMaterialRow>>,
    ) -> StoreResult<Vec<KeyMaterialRow>> {
        {
            let inner = self.cache.inner.read().unwrap_or_else(|p| p.into_inner());
            if let Some(materials) = inner.materials.get(key_id) {
                return Ok(materials.clone());
            }
        }
        let materials = load()?;
        self.cache.install_key(self.seen, |inner| {
            inner
                .materials
                .insert(key_id.to_string(), materials.clone());
        });
        Ok(materials)
    }

    pub fn sealed_value(
        &self,
        id: SecretKey,
        version_id: &str,
        load: impl FnOnce() -> StoreResult<Option<SealedValue>>,
    ) -> StoreResult<Option<SealedValue>> {
        let Some(cached) = self.cache.get(id) else {
            self.cache.metrics.cache_lookup(CacheKind::Value, false);
            return load();
        };
        if let Some(value) = cached
            .values
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(version_id)
        {
            self.cache.metrics.cache_lookup(CacheKind::Value, true);
            return Ok(value.clone());
        }
        self.cache.metrics.cache_lookup(CacheKind::Value, false);
        let value = load()?;
        // Kept only if the entry is still the one of this generation.
        let values = cached.values.lock();
        let mut values = values.unwrap_or_else(|p| p.into_inner());
        if self.cache.generation.load(Ordering::SeqCst) == self.seen {
            values.insert(version_id.to_string(), value.clone());
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: SecretKey, name: &str) -> SecretRow {
        SecretRow {
            id,
            ..crate::store::conformance::sample_secret("us-east-1", name)
        }
    }

    #[test]
    fn a_load_older_than_a_drop_is_not_kept() {
        let cache = RowCache::default();
        let before = cache.view();
        cache.invalidate(&[1], &[]);
        before
            .secret_by_name("us-east-1", "a", || Ok(Some(row(1, "a"))), |_| Ok(vec![]))
            .unwrap();
        assert!(cache.get(1).is_none(), "loaded before the drop: not kept");
        let after = cache.view();
        after
            .secret_by_name("us-east-1", "a", || Ok(Some(row(1, "a"))), |_| Ok(vec![]))
            .unwrap();
        assert!(cache.get(1).is_some());
        // Served from memory now: the loader is not called.
        let hit = cache
            .view()
            .secret_by_name("us-east-1", "a", || panic!("not loaded"), |_| panic!())
            .unwrap();
        assert_eq!(hit.unwrap().name, "a");
        cache.invalidate(&[1], &[]);
        assert!(cache.get(1).is_none() && cache.id_of("us-east-1", "a").is_none());
    }

    #[test]
    fn a_full_cache_evicts_a_secret_with_its_name() {
        let cache = RowCache::default();
        for id in 0..DEFAULT_CAPACITY as SecretKey + 10 {
            let name = format!("s{id}");
            cache
                .view()
                .secret_by_name(
                    "us-east-1",
                    &name,
                    || Ok(Some(row(id, &name))),
                    |_| Ok(vec![]),
                )
                .unwrap();
        }
        let inner = cache.inner.read().unwrap();
        assert_eq!(inner.secrets.len(), DEFAULT_CAPACITY);
        let names = &inner.by_name["us-east-1"];
        assert_eq!(names.len(), DEFAULT_CAPACITY, "no name outlives its secret");
        assert!(names.values().all(|id| inner.secrets.contains_key(id)));
    }

    #[test]
    fn sealed_values_are_kept_per_version_within_a_generation() {
        let cache = RowCache::default();
        let view = cache.view();
        view.secret_by_id(7, || Ok(Some(row(7, "b"))), |_| Ok(vec![]))
            .unwrap();
        let sealed = SealedValue {
            kind: crate::store::ValueKind::String,
            kms_key_id: "k".into(),
            wrapped_key: vec![1],
            ciphertext: vec![2],
        };
        let loaded = view
            .sealed_value(7, "v1", || Ok(Some(sealed.clone())))
            .unwrap();
        assert_eq!(loaded, Some(sealed.clone()));
        let again = cache
            .view()
            .sealed_value(7, "v1", || panic!("not loaded"))
            .unwrap();
        assert_eq!(again, Some(sealed));
    }
}
