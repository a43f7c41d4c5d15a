//! A read transaction answered from the row cache alone, on the caller's
//! thread (`Store::read_from_memory`): no reader-thread hand-off, no
//! SQLite transaction. Any read the cache cannot answer marks the attempt
//! as missed and fails; the caller then runs the job on the reader pool.

use std::cell::Cell;

use super::row_cache::CacheView;
use crate::store::*;

pub struct MemoryTxn<'c> {
    view: CacheView<'c>,
    missed: Cell<bool>,
}

impl<'c> MemoryTxn<'c> {
    pub fn new(view: CacheView<'c>) -> MemoryTxn<'c> {
        MemoryTxn {
            view,
            missed: Cell::new(false),
        }
    }

    /// Whether some read had to go to storage.
    pub fn missed(&self) -> bool {
        self.missed.get()
    }

    fn miss<T>(&self) -> StoreResult<T> {
        self.missed.set(true);
        Err(StoreError::not_in_memory())
    }
}

/// The reads only storage can answer.
macro_rules! storage_only {
    ($(fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        $(fn $name(&self $(, $arg: $ty)*) -> $ret {
            $(let _ = $arg;)*
            self.miss()
        })*
    };
}

impl ReadTxn for MemoryTxn<'_> {
    fn secret_by_name(&self, region: &str, name: &str) -> StoreResult<Option<SecretRow>> {
        self.view
            .secret_by_name(region, name, || self.miss(), |_| self.miss())
    }

    fn secret_by_id(&self, id: SecretKey) -> StoreResult<Option<SecretRow>> {
        self.view.secret_by_id(id, || self.miss(), |_| self.miss())
    }

    fn versions(&self, secret: SecretKey) -> StoreResult<Vec<VersionRow>> {
        self.view.versions(secret, || self.miss())
    }

    fn sealed_value(
        &self,
        secret: SecretKey,
        version_id: &str,
    ) -> StoreResult<Option<SealedValue>> {
        self.view.sealed_value(secret, version_id, || self.miss())
    }

    fn kms_key(&self, key_id: &str) -> StoreResult<Option<KmsKeyRow>> {
        self.view.kms_key(key_id, || self.miss())
    }

    fn key_materials(&self, key_id: &str) -> StoreResult<Vec<KeyMaterialRow>> {
        self.view.key_materials(key_id, || self.miss())
    }

    storage_only! {
        fn meta(&self, key: &str) -> StoreResult<Option<String>>;
        fn secrets_in_region(&self, region: &str) -> StoreResult<Vec<SecretRow>>;
        fn secrets_with_name_prefix(&self, region: &str, prefix: &str) -> StoreResult<Vec<SecretRow>>;
        fn secrets_due_for_purge(&self, now: Millis, limit: usize) -> StoreResult<Vec<SecretKey>>;
        fn secret_counts(&self) -> StoreResult<SecretCounts>;
        fn access_key(&self, access_key_id: &str) -> StoreResult<Option<AccessKeyRow>>;
        fn access_keys(&self) -> StoreResult<Vec<AccessKeyRow>>;
        fn iam_entity(&self, kind: &str, name_key: &str) -> StoreResult<Option<IamEntityRow>>;
        fn iam_entity_by_id(&self, id: &str) -> StoreResult<Option<IamEntityRow>>;
        fn iam_entity_by_arn(&self, arn: &str) -> StoreResult<Option<IamEntityRow>>;
        fn iam_entities(&self, kind: &str) -> StoreResult<Vec<IamEntityRow>>;
        fn iam_documents(&self, owner: &str) -> StoreResult<Vec<IamDocumentRow>>;
        fn iam_links_from(&self, kind: &str, from: &str) -> StoreResult<Vec<String>>;
        fn iam_links_to(&self, kind: &str, to: &str) -> StoreResult<Vec<String>>;
        fn sts_session(&self, access_key_id: &str) -> StoreResult<Option<StsSessionRow>>;
        fn sts_sessions(&self) -> StoreResult<Vec<StsSessionRow>>;
        fn kms_keys(&self, region: &str) -> StoreResult<Vec<KmsKeyRow>>;
        fn kms_keys_due(&self, now: Millis) -> StoreResult<Vec<KmsKeyRow>>;
        fn kms_alias(&self, region: &str, name: &str) -> StoreResult<Option<KmsAliasRow>>;
        fn kms_aliases(&self, region: &str) -> StoreResult<Vec<KmsAliasRow>>;
        fn all_key_materials(&self) -> StoreResult<Vec<KeyMaterialRow>>;
        fn stored_values_after(&self, after: Option<(SecretKey, String)>, limit: usize) -> StoreResult<Vec<StoredValue>>;
        fn audit_head(&self) -> StoreResult<Option<(i64, Vec<u8>)>>;
        fn audit_events_after(&self, seq: i64, limit: usize) -> StoreResult<Vec<AuditEventRow>>;
        fn lookup_audit_events(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEventRow>>;
        fn last_audit_checkpoint(&self) -> StoreResult<Option<AuditCheckpointRow>>;
        fn audit_checkpoint_at(&self, seq: i64) -> StoreResult<Option<AuditCheckpointRow>>;
        fn audit_checkpoint_before(&self, time: Millis) -> StoreResult<Option<AuditCheckpointRow>>;
        fn first_audit_seq(&self) -> StoreResult<Option<i64>>;
        fn audit_checkpoints_after(&self, seq: i64, limit: usize) -> StoreResult<Vec<AuditCheckpointRow>>;
    }
}
