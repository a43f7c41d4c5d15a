//! The rows the store keeps, shared by every backend and the service.
//!
//! Plain data: no behaviour, no SQL. Times are epoch milliseconds. Secret
//! values only ever appear here sealed (`SealedValue`); names, descriptions
//! and tags are metadata and stored in clear, as on AWS.

use serde::{Deserialize, Serialize};

/// A secret's internal row id. Never reused (SQLite AUTOINCREMENT).
pub type SecretKey = i64;

/// Epoch milliseconds.
pub type Millis = i64;

#[derive(Debug, Clone, PartialEq)]
pub struct SecretRow {
    /// 0 until inserted.
    pub id: SecretKey,
    pub region: String,
    pub name: String,
    pub arn: String,
    pub description: Option<String>,
    /// The KMS key as the caller named it; `None` is the default key.
    pub kms_key_id: Option<String>,
    pub secret_type: Option<String>,
    /// `None` until tags were ever set; `Some(empty)` after all were removed.
    pub tags: Option<Vec<(String, String)>>,
    pub resource_policy: Option<String>,
    pub rotation: Option<Rotation>,
    pub created: Millis,
    pub last_changed: Millis,
    /// Midnight UTC of the last read (AWS reports the day only).
    pub last_accessed: Option<Millis>,
    /// When DeleteSecret was called (reported as `DeletedDate`).
    pub deleted: Option<Millis>,
    /// When the background purge removes it for good.
    pub deletion_date: Option<Millis>,
    /// Set on replicated primaries and on replicas.
    pub primary_region: Option<String>,
    /// On a primary: its replicas.
    pub replicas: Vec<Replica>,
    pub owning_service: Option<String>,
}

impl SecretRow {
    pub fn is_scheduled_for_deletion(&self) -> bool {
        self.deleted.is_some()
    }

    /// A replica is a read-only copy whose primary lives in another region.
    pub fn is_replica(&self) -> bool {
        self.primary_region
            .as_deref()
            .is_some_and(|primary| primary != self.region)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rotation {
    pub enabled: bool,
    pub lambda_arn: Option<String>,
    pub automatically_after_days: Option<i64>,
    pub duration: Option<String>,
    pub schedule_expression: Option<String>,
    pub last_rotated: Option<Millis>,
    pub next_rotation: Option<Millis>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replica {
    pub region: String,
    /// As the caller named it; `None` is the region's default key.
    pub kms_key_id: Option<String>,
    pub status: String,
    pub status_message: Option<String>,
}

/// A version's metadata. Its value is fetched separately.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRow {
    pub version_id: String,
    pub created: Millis,
    pub last_accessed: Option<Millis>,
    /// Staging labels on this version (from the stages table).
    pub stages: Vec<String>,
    /// The KMS key (internal id) that wraps this version's data key.
    pub kms_key_id: Option<String>,
    /// False for the empty AWSPENDING placeholder RotateSecret creates.
    pub has_value: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    String,
    Binary,
}

/// A secret value as stored: encrypted under a fresh data key, which is
/// itself wrapped under a KMS key.
#[derive(Clone, PartialEq)]
pub struct SealedValue {
    pub kind: ValueKind,
    pub kms_key_id: String,
    pub wrapped_key: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for SealedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealedValue")
            .field("kind", &self.kind)
            .field("kms_key_id", &self.kms_key_id)
            .finish_non_exhaustive()
    }
}

/// A KMS key: the AWS managed `aws/secretsmanager` key of a region, or a
/// customer managed key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KmsKeyRow {
    pub key_id: String,
    pub region: String,
    pub arn: String,
    pub description: String,
    /// `AWS` or `CUSTOMER`.
    pub key_manager: String,
    /// `Enabled`, `Disabled` or `PendingDeletion`.
    pub state: String,
    pub created: Millis,
    pub deletion_date: Option<Millis>,
    pub pending_window_days: Option<i64>,
    pub policy: String,
    pub tags: Vec<(String, String)>,
    /// Set while automatic rotation is enabled.
    pub rotation_period_days: Option<i64>,
    pub next_rotation: Option<Millis>,
}

/// An alias (`alias/…`) naming a key in one region.
#[derive(Debug, Clone, PartialEq)]
pub struct KmsAliasRow {
    pub region: String,
    pub name: String,
    pub target_key_id: String,
    pub created: Millis,
    pub updated: Millis,
}

/// One generation of a KMS key's material, wrapped under the root key.
#[derive(Clone, PartialEq)]
pub struct KeyMaterialRow {
    pub key_id: String,
    pub version: u32,
    pub wrapped: Vec<u8>,
    pub created: Millis,
    /// `AUTOMATIC` or `ON_DEMAND` for generations made by rotation.
    pub rotation_type: Option<String>,
}

impl std::fmt::Debug for KeyMaterialRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyMaterialRow")
            .field("key_id", &self.key_id)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// A stored secret value with what identifies it (for re-wrapping).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredValue {
    pub secret: SecretKey,
    pub arn: String,
    pub version_id: String,
    pub value: SealedValue,
}

/// An access key: the secret half is stored wrapped under the root key.
#[derive(Clone, PartialEq)]
pub struct AccessKeyRow {
    pub access_key_id: String,
    pub principal_arn: String,
    pub wrapped_secret: Vec<u8>,
    pub created: Millis,
    pub active: bool,
    /// The IAM user that owns it; `None` for the account root.
    pub user_id: Option<String>,
}

/// An IAM user, group, role or managed policy. The body is the service's
/// JSON; the store only keeps it and indexes kind, name and ARN.
#[derive(Debug, Clone, PartialEq)]
pub struct IamEntityRow {
    pub id: String,
    /// `user`, `group`, `role` or `policy`.
    pub kind: String,
    /// The name, lowercased (IAM names are unique without regard to case).
    pub name_key: String,
    pub arn: String,
    pub body: String,
}

/// A policy document owned by an IAM entity: an inline policy (by name) or
/// a managed policy's version (by version id).
#[derive(Debug, Clone, PartialEq)]
pub struct IamDocumentRow {
    pub owner: String,
    pub name: String,
    pub document: String,
    pub created: Millis,
}

/// Temporary credentials issued by STS.
#[derive(Clone, PartialEq)]
pub struct StsSessionRow {
    pub access_key_id: String,
    pub wrapped_secret: Vec<u8>,
    /// SHA-256 of the session token.
    pub token_hash: Vec<u8>,
    /// The session as the service's JSON.
    pub principal: String,
    pub expires: Millis,
    pub created: Millis,
}

impl std::fmt::Debug for StsSessionRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StsSessionRow")
            .field("access_key_id", &self.access_key_id)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for AccessKeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessKeyRow")
            .field("access_key_id", &self.access_key_id)
            .field("principal_arn", &self.principal_arn)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// One audited event, chained to the one before it (see `audit::chain`).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEventRow {
    /// 1, 2, 3, … with no gaps; 0 is the (virtual) genesis.
    pub seq: i64,
    pub event_id: String,
    pub event_time: Millis,
    pub event_name: String,
    pub event_source: String,
    pub username: Option<String>,
    pub access_key_id: Option<String>,
    pub read_only: bool,
    /// The resources' ARNs, as a JSON array of `{type, name}` objects.
    pub resources: String,
    /// The CloudTrail-shaped record, exactly the bytes that were hashed.
    pub record: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
    pub mac: Vec<u8>,
}

/// A signed statement that the event at `seq` had `hash`.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditCheckpointRow {
    pub seq: i64,
    pub hash: Vec<u8>,
    pub time: Millis,
    pub signature: Vec<u8>,
}

/// Which events `lookup_audit_events` returns: newest first, within
/// `[start, end]`, below `before_seq` (paging), matching one attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditQuery {
    pub start: Millis,
    pub end: Millis,
    pub before_seq: Option<i64>,
    /// A `LookupEvents` attribute: `(AttributeKey, AttributeValue)`.
    pub attribute: Option<(String, String)>,
    pub limit: usize,
}
