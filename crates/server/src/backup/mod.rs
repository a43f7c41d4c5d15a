//! Backups: consistent online snapshots of a serving store in a checked
//! file format, on request (`TresorOperator.CreateBackup`) or on a
//! schedule, and their verification and restore.
//!
//! A backup holds the database as stored: secret values, key material and
//! access keys stay encrypted under the key hierarchy, and the seal key
//! (or unseal shares) is never in it — a restored server unseals the way
//! the original did. Names, tags, policies and the audit trail are in it
//! as they are in the database.

mod create;
pub mod format;
mod restore;
mod schedule;

pub use create::{BackupSource, create, remove_leftovers};
pub use format::Manifest;
pub use restore::{Verified, restore, verify};
pub use schedule::{BackupSchedule, backup_loop};

use crate::barrier::{Active, Barrier};

impl Barrier {
    /// What a backup of this server is made from.
    pub fn backup_source(&self, active: &Active) -> BackupSource {
        BackupSource {
            store: std::sync::Arc::clone(self.store_arc()),
            work_dir: self.data_dir().to_path_buf(),
            account_id: self.account_id().to_string(),
            seal: self.seal_kind().as_str().to_string(),
            audit_public_key: active.audit.keys().public_key(),
        }
    }
}
