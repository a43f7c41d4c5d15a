//! Durable state: the `Store` trait every backend implements.
//!
//! Owns persistence and nothing else: no crypto (values arrive sealed), no
//! AWS semantics. The service reads and writes through transactions:
//!
//! * `write` jobs run one at a time on the backend's writer, each inside its
//!   own savepoint; a backend may commit several jobs together (group
//!   commit). A job's caller hears back only once its commit is durable.
//! * `read` jobs run on a pool against committed data.
//!
//! Jobs are synchronous closures run off the async runtime: the SQLite
//! backend runs them on its own threads, a PostgreSQL backend would run them
//! on a blocking pool. Only this module and its backends know SQL.

pub mod conformance;
mod conformance_audit;
mod conformance_iam;
mod rows;
pub mod sqlite;

pub use rows::*;

use tokio::sync::oneshot;

/// A storage failure. Never carries secret material.
#[derive(Debug, Clone, thiserror::Error)]
#[error("storage error: {0}")]
pub struct StoreError(pub String);

pub type StoreResult<T> = Result<T, StoreError>;

const NOT_IN_MEMORY: &str = "not in memory";

impl StoreError {
    /// What a memory-only read (`Store::read_from_memory`) answers when
    /// storage would have to: not a failure — the read reruns against
    /// storage — so it is never logged as one.
    pub fn not_in_memory() -> StoreError {
        StoreError(NOT_IN_MEMORY.into())
    }

    pub fn is_not_in_memory(&self) -> bool {
        self.0 == NOT_IN_MEMORY
    }
}

/// Reads against committed state (or, inside a write job, the job's own
/// uncommitted state).
pub trait ReadTxn {
    fn meta(&self, key: &str) -> StoreResult<Option<String>>;
    fn secret_by_name(&self, region: &str, name: &str) -> StoreResult<Option<SecretRow>>;
    fn secret_by_id(&self, id: SecretKey) -> StoreResult<Option<SecretRow>>;
    /// Every secret in `region`, including those scheduled for deletion,
    /// oldest first.
    fn secrets_in_region(&self, region: &str) -> StoreResult<Vec<SecretRow>>;
    /// The secrets in `region` whose names start with `prefix` (those
    /// scheduled for deletion included), oldest first — found by range,
    /// not by reading every secret.
    fn secrets_with_name_prefix(&self, region: &str, prefix: &str) -> StoreResult<Vec<SecretRow>>;
    /// A secret's versions with their staging labels, oldest first.
    fn versions(&self, secret: SecretKey) -> StoreResult<Vec<VersionRow>>;
    fn sealed_value(&self, secret: SecretKey, version_id: &str)
    -> StoreResult<Option<SealedValue>>;
    /// Up to `limit` secrets whose deletion date is at or before `now`,
    /// the longest due first.
    fn secrets_due_for_purge(&self, now: Millis, limit: usize) -> StoreResult<Vec<SecretKey>>;
    /// How many secrets are stored, and how many of them are scheduled
    /// for deletion — counted, not listed (the metrics ask on every scrape).
    fn secret_counts(&self) -> StoreResult<SecretCounts>;
    fn access_key(&self, access_key_id: &str) -> StoreResult<Option<AccessKeyRow>>;
    fn access_keys(&self) -> StoreResult<Vec<AccessKeyRow>>;
    fn iam_entity(&self, kind: &str, name_key: &str) -> StoreResult<Option<IamEntityRow>>;
    fn iam_entity_by_id(&self, id: &str) -> StoreResult<Option<IamEntityRow>>;
    fn iam_entity_by_arn(&self, arn: &str) -> StoreResult<Option<IamEntityRow>>;
    /// Every entity of a kind, by name.
    fn iam_entities(&self, kind: &str) -> StoreResult<Vec<IamEntityRow>>;
    /// The documents an entity owns, by name.
    fn iam_documents(&self, owner: &str) -> StoreResult<Vec<IamDocumentRow>>;
    /// `to` ids linked from `from` by `kind`.
    fn iam_links_from(&self, kind: &str, from: &str) -> StoreResult<Vec<String>>;
    /// `from` ids linked to `to` by `kind`.
    fn iam_links_to(&self, kind: &str, to: &str) -> StoreResult<Vec<String>>;
    fn sts_session(&self, access_key_id: &str) -> StoreResult<Option<StsSessionRow>>;
    /// Every unexpired-or-not session (for re-wrapping under a new root).
    fn sts_sessions(&self) -> StoreResult<Vec<StsSessionRow>>;
    fn kms_key(&self, key_id: &str) -> StoreResult<Option<KmsKeyRow>>;
    /// A region's keys, oldest first.
    fn kms_keys(&self, region: &str) -> StoreResult<Vec<KmsKeyRow>>;
    /// Keys (any region) whose rotation or deletion date is at or before `now`.
    fn kms_keys_due(&self, now: Millis) -> StoreResult<Vec<KmsKeyRow>>;
    fn kms_alias(&self, region: &str, name: &str) -> StoreResult<Option<KmsAliasRow>>;
    /// A region's aliases, by name.
    fn kms_aliases(&self, region: &str) -> StoreResult<Vec<KmsAliasRow>>;
    /// A key's material generations, oldest first.
    fn key_materials(&self, key_id: &str) -> StoreResult<Vec<KeyMaterialRow>>;
    /// Every key's material generations (for re-wrapping under a new root).
    fn all_key_materials(&self) -> StoreResult<Vec<KeyMaterialRow>>;
    /// Stored values after `after` (secret id, version id), in that order,
    /// at most `limit` (for re-wrapping data keys in resumable batches).
    fn stored_values_after(
        &self,
        after: Option<(SecretKey, String)>,
        limit: usize,
    ) -> StoreResult<Vec<StoredValue>>;
    /// `(seq, hash)` of the newest audit event: the head of the chain.
    fn audit_head(&self) -> StoreResult<Option<(i64, Vec<u8>)>>;
    /// Audit events after `seq`, oldest first, at most `limit`.
    fn audit_events_after(&self, seq: i64, limit: usize) -> StoreResult<Vec<AuditEventRow>>;
    fn lookup_audit_events(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEventRow>>;
    fn last_audit_checkpoint(&self) -> StoreResult<Option<AuditCheckpointRow>>;
    fn audit_checkpoint_at(&self, seq: i64) -> StoreResult<Option<AuditCheckpointRow>>;
    /// The newest checkpoint made at or before `time`.
    fn audit_checkpoint_before(&self, time: Millis) -> StoreResult<Option<AuditCheckpointRow>>;
    /// The oldest stored event's seq (above 1 once the trail was pruned).
    fn first_audit_seq(&self) -> StoreResult<Option<i64>>;
    /// Checkpoints after `seq`, oldest first, at most `limit`.
    fn audit_checkpoints_after(
        &self,
        seq: i64,
        limit: usize,
    ) -> StoreResult<Vec<AuditCheckpointRow>>;
}

/// Changes, visible to later reads in the same job and committed with it.
pub trait WriteTxn: ReadTxn {
    fn set_meta(&mut self, key: &str, value: &str) -> StoreResult<()>;
    /// Inserts a secret and returns its new id (`row.id` is ignored).
    fn insert_secret(&mut self, row: &SecretRow) -> StoreResult<SecretKey>;
    fn update_secret(&mut self, row: &SecretRow) -> StoreResult<()>;
    /// Deletes a secret with all its versions and labels.
    fn delete_secret(&mut self, id: SecretKey) -> StoreResult<()>;
    /// Inserts a version; its `stages` are ignored (see `set_stages`).
    fn insert_version(
        &mut self,
        secret: SecretKey,
        version: &VersionRow,
        value: Option<&SealedValue>,
    ) -> StoreResult<()>;
    /// Gives a value to a version that had none (a rotation's AWSPENDING).
    fn set_version_value(
        &mut self,
        secret: SecretKey,
        version_id: &str,
        value: &SealedValue,
    ) -> StoreResult<()>;
    fn delete_version(&mut self, secret: SecretKey, version_id: &str) -> StoreResult<()>;
    fn set_version_accessed(
        &mut self,
        secret: SecretKey,
        version_id: &str,
        day: Millis,
    ) -> StoreResult<()>;
    /// Replaces every staging label of a secret: `(label, version_id)`.
    /// A label may appear once; every version must exist.
    fn set_stages(&mut self, secret: SecretKey, stages: &[(String, String)]) -> StoreResult<()>;
    fn insert_access_key(&mut self, row: &AccessKeyRow) -> StoreResult<()>;
    /// Replaces a version's wrapped data key (same value, same ciphertext).
    fn set_wrapped_key(
        &mut self,
        secret: SecretKey,
        version_id: &str,
        wrapped_key: &[u8],
    ) -> StoreResult<()>;
    fn update_access_key(&mut self, row: &AccessKeyRow) -> StoreResult<()>;
    fn delete_access_key(&mut self, access_key_id: &str) -> StoreResult<()>;
    /// Creates or replaces an entity (by id).
    fn put_iam_entity(&mut self, row: &IamEntityRow) -> StoreResult<()>;
    /// Deletes an entity with its documents and links.
    fn delete_iam_entity(&mut self, id: &str) -> StoreResult<()>;
    /// Creates or replaces a document (by owner and name).
    fn put_iam_document(&mut self, row: &IamDocumentRow) -> StoreResult<()>;
    fn delete_iam_document(&mut self, owner: &str, name: &str) -> StoreResult<()>;
    fn link_iam(&mut self, kind: &str, from: &str, to: &str) -> StoreResult<()>;
    fn unlink_iam(&mut self, kind: &str, from: &str, to: &str) -> StoreResult<()>;
    /// Creates or replaces a session (by access key id).
    fn put_sts_session(&mut self, row: &StsSessionRow) -> StoreResult<()>;
    /// Forgets sessions that expired before `now`; returns how many.
    fn delete_sts_sessions_before(&mut self, now: Millis) -> StoreResult<usize>;
    fn insert_kms_key(&mut self, row: &KmsKeyRow) -> StoreResult<()>;
    fn update_kms_key(&mut self, row: &KmsKeyRow) -> StoreResult<()>;
    /// Deletes a key with its material and aliases.
    fn delete_kms_key(&mut self, key_id: &str) -> StoreResult<()>;
    /// Creates or repoints an alias.
    fn put_kms_alias(&mut self, row: &KmsAliasRow) -> StoreResult<()>;
    fn delete_kms_alias(&mut self, region: &str, name: &str) -> StoreResult<()>;
    fn insert_key_material(&mut self, row: &KeyMaterialRow) -> StoreResult<()>;
    fn update_key_material(&mut self, row: &KeyMaterialRow) -> StoreResult<()>;
    /// Appends an event; its `seq` must follow the last one's.
    fn append_audit_event(&mut self, row: &AuditEventRow) -> StoreResult<()>;
    fn put_audit_checkpoint(&mut self, row: &AuditCheckpointRow) -> StoreResult<()>;
    /// Deletes the events up to `seq` and the checkpoints before it; the
    /// checkpoint at `seq` stays as the anchor of what remains. Returns
    /// how many events went.
    fn prune_audit_through(&mut self, seq: i64) -> StoreResult<usize>;
}

/// What `ReadTxn::secret_counts` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretCounts {
    /// Every region, those scheduled for deletion included.
    pub stored: u64,
    pub pending_deletion: u64,
}

/// Called once the job's transaction has committed durably (`Ok`) or failed
/// to commit (`Err`).
pub type Completion = Box<dyn FnOnce(StoreResult<()>) + Send>;

/// What a write job decided: keep or discard its changes, and whom to tell.
pub struct JobOutcome {
    pub commit: bool,
    pub completion: Completion,
}

/// The longest a relaxed write (`Store::submit_relaxed_write`) stays
/// unsynced.
pub const RELAXED_SYNC_WITHIN: std::time::Duration = std::time::Duration::from_millis(50);

pub type WriteJob = Box<dyn FnOnce(&mut dyn WriteTxn) -> JobOutcome + Send>;
pub type ReadJob = Box<dyn FnOnce(&dyn ReadTxn) + Send>;

/// A storage backend.
pub trait Store: Send + Sync {
    /// Queues a write job. The backend must eventually call the job's
    /// completion exactly once (with an error if the job never ran).
    fn submit_write(&self, job: WriteJob);
    /// Queues a write whose caller accepts "written now, durable within
    /// `RELAXED_SYNC_WITHIN`" (the audit events of reads): its completion
    /// runs once its commit is written (it survives a crash of the process)
    /// but before it is synced (a power loss may lose it until then). A
    /// backend without the distinction makes it durable.
    fn submit_relaxed_write(&self, job: WriteJob) {
        self.submit_write(job);
    }
    /// Queues a read job; the job reports its own result.
    fn submit_read(&self, job: ReadJob);
    /// Runs `job` on the caller's thread from what the backend keeps in
    /// memory; `false` — the job's result to be discarded — if some read
    /// had to go to storage. A backend that keeps nothing says `false`.
    fn read_from_memory(&self, _job: &mut dyn FnMut(&dyn ReadTxn)) -> bool {
        false
    }
    /// Writes a consistent copy of everything stored into the new file
    /// `dest` while serving goes on (blocking: call it off the async
    /// threads). A backend that cannot says so.
    fn snapshot_to(&self, _dest: &std::path::Path) -> StoreResult<()> {
        Err(StoreError("this store cannot take snapshots".into()))
    }
    /// What the backend counts about itself (`/metrics`), if anything.
    fn metrics(&self) -> Option<std::sync::Arc<crate::metrics::StoreMetrics>> {
        None
    }
}

/// Runs `f` in a write transaction; resolves once its effects are durable.
/// If `f` fails, its changes are rolled back and its error returned.
pub async fn write<T, E, F>(store: &dyn Store, f: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
    F: FnOnce(&mut dyn WriteTxn) -> Result<T, E> + Send + 'static,
{
    let (tx, rx) = oneshot::channel::<Result<T, E>>();
    store.submit_write(Box::new(move |txn| {
        let result = f(txn);
        let commit = result.is_ok();
        JobOutcome {
            commit,
            completion: Box::new(move |durable| {
                let outcome = match (result, durable) {
                    (Ok(value), Ok(())) => Ok(value),
                    (Ok(_), Err(e)) => Err(E::from(e)),
                    (Err(e), _) => Err(e),
                };
                let _ = tx.send(outcome);
            }),
        }
    }));
    rx.await
        .unwrap_or_else(|_| Err(E::from(StoreError("the writer stopped".into()))))
}

/// Runs `f` against committed state.
/// [`read`], answered on the caller's thread when the backend holds all
/// that `f` reads in memory; otherwise `f` runs again on the read pool.
pub async fn read_fast<T, E, F>(store: &dyn Store, f: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
    F: Fn(&dyn ReadTxn) -> Result<T, E> + Send + 'static,
{
    let mut answer = None;
    if store.read_from_memory(&mut |txn| answer = Some(f(txn)))
        && let Some(answer) = answer
    {
        return answer;
    }
    read(store, move |txn| f(txn)).await
}

pub async fn read<T, E, F>(store: &dyn Store, f: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<StoreError> + Send + 'static,
    F: FnOnce(&dyn ReadTxn) -> Result<T, E> + Send + 'static,
{
    let (tx, rx) = oneshot::channel::<Result<T, E>>();
    store.submit_read(Box::new(move |txn| {
        let _ = tx.send(f(txn));
    }));
    rx.await
        .unwrap_or_else(|_| Err(E::from(StoreError("the reader stopped".into()))))
}
