//! Finding a secret from a `SecretId`, and a secret with its versions.
//!
//! `SecretId` resolution follows AWS (API reference §3.3): a name (exact,
//! case-sensitive), a full ARN (`…-XXXXXX`: exactly that incarnation, no
//! fallback to the name), or a partial ARN (the name). ARNs of another
//! region or account find nothing.

use tresor_wire::AwsError;
use tresor_wire::arn::{PARTITION, SecretRef};

use super::errors;
use super::labels::Labels;
use super::{Ctx, authorize};
use crate::store::{ReadTxn, SecretKey, SecretRow, VersionRow, WriteTxn};

/// Characters AWS allows in secret names.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_+=.@-".contains(&b))
}

/// Looks a secret up; `None` if there is no such secret.
pub fn find(txn: &dyn ReadTxn, ctx: &Ctx, secret_id: &str) -> Result<Option<SecretRow>, AwsError> {
    match SecretRef::parse(secret_id) {
        SecretRef::Name(name) => {
            if !is_valid_name(&name) {
                return Err(errors::invalid_name());
            }
            Ok(txn.secret_by_name(&ctx.region, &name)?)
        }
        SecretRef::PartialArn {
            region,
            account,
            name,
        } => {
            if region != ctx.region || account != ctx.account_id {
                return Ok(None);
            }
            Ok(txn.secret_by_name(&region, &name)?)
        }
        SecretRef::FullArn {
            region,
            account,
            name,
            suffix,
        } => {
            if region != ctx.region
                || account != ctx.account_id
                || !secret_id.starts_with(&format!("arn:{PARTITION}:"))
            {
                return Ok(None);
            }
            Ok(txn
                .secret_by_name(&region, &name)?
                .filter(|s| s.arn.ends_with(&format!("-{suffix}"))))
        }
        SecretRef::NotASecretArn => Ok(None),
    }
}

/// Looks a secret up and decides the request's action on it;
/// `ResourceNotFoundException` if there is none (and the caller may know).
pub fn resolve(txn: &dyn ReadTxn, ctx: &Ctx, secret_id: &str) -> Result<SecretRow, AwsError> {
    match find(txn, ctx, secret_id)? {
        Some(row) => {
            authorize::secret(ctx, &row)?;
            Ok(row)
        }
        None => {
            authorize::missing_secret(ctx, secret_id)?;
            Err(errors::secret_not_found())
        }
    }
}

/// Like `resolve`, but refuses secrets scheduled for deletion.
pub fn resolve_live(txn: &dyn ReadTxn, ctx: &Ctx, secret_id: &str) -> Result<SecretRow, AwsError> {
    let row = resolve(txn, ctx, secret_id)?;
    if row.is_scheduled_for_deletion() {
        return Err(errors::marked_for_deletion());
    }
    Ok(row)
}

/// Like `resolve_live`, for operations that change a secret: replicas are
/// read-only copies of their primary.
pub fn resolve_writable(
    txn: &dyn ReadTxn,
    ctx: &Ctx,
    secret_id: &str,
) -> Result<SecretRow, AwsError> {
    let row = resolve_live(txn, ctx, secret_id)?;
    if row.is_replica() {
        return Err(errors::replica_read_only());
    }
    Ok(row)
}

/// A secret with its versions and labels, loaded for a change.
pub struct SecretState {
    pub row: SecretRow,
    pub versions: Vec<VersionRow>,
    pub labels: Labels,
}

impl SecretState {
    pub fn load(txn: &dyn ReadTxn, row: SecretRow) -> Result<SecretState, AwsError> {
        let versions = txn.versions(row.id)?;
        let labels = labels_of(&versions);
        Ok(SecretState {
            row,
            versions,
            labels,
        })
    }

    pub fn version(&self, version_id: &str) -> Option<&VersionRow> {
        self.versions.iter().find(|v| v.version_id == version_id)
    }

    /// Writes the label map back (the versions must already exist).
    pub fn save_labels(&self, txn: &mut dyn WriteTxn) -> Result<(), AwsError> {
        save_labels(txn, self.row.id, &self.labels)
    }
}

pub fn labels_of(versions: &[VersionRow]) -> Labels {
    versions
        .iter()
        .flat_map(|v| {
            v.stages
                .iter()
                .map(move |s| (s.clone(), v.version_id.clone()))
        })
        .collect()
}

pub fn save_labels(
    txn: &mut dyn WriteTxn,
    secret: SecretKey,
    labels: &Labels,
) -> Result<(), AwsError> {
    let pairs: Vec<(String, String)> = labels.iter().map(|(l, v)| (l.clone(), v.clone())).collect();
    Ok(txn.set_stages(secret, &pairs)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_valid_name("prod/db-1_a+b=c.d@e"));
        assert!(!is_valid_name("Inv Name"));
        assert!(!is_valid_name(" Inv*Name? "));
        assert!(!is_valid_name("a!b"));
        assert!(!is_valid_name("é"));
        assert!(!is_valid_name(""));
    }
}
