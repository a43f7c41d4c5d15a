//! Tresor's signed operator actions (`X-Amz-Target: TresorOperator.<Op>`,
//! signing name `tresor`): Seal, RotateRoot, RewrapDataKeys, and the audit
//! trail's GetAuditPublicKey, ExportAuditLog, VerifyAuditLog,
//! PruneAuditLog and HashAuditValue, and CreateBackup (whose answer is the
//! backup file itself).
//!
//! They pass the same SigV4 authentication as every API call, and need
//! their own permission (`tresor:<Op>` on `*`), which only the account root
//! has unless a policy grants it.

use serde::Deserialize;
use tresor_wire::{AwsError, ErrorCode, OperatorOperation};

use crate::barrier::Barrier;
use crate::metrics::BackupTrigger;

/// ExportAuditLog's input: the page after `AfterSeq`, at most `MaxItems`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct ExportRequest {
    #[serde(default)]
    after_seq: i64,
    max_items: Option<usize>,
}

/// PruneAuditLog's input: prune events older than this many seconds.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct PruneRequest {
    older_than_seconds: u64,
}

/// HashAuditValue's input: a value to match against `hmac-sha256:`
/// members of the trail (the operator API has no model, so its requests'
/// members are never recorded).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct HashRequest {
    value: tresor_wire::dto::SecretString,
}

/// What an action answers: JSON, or a file sent as the body.
pub enum Answer {
    Json(Vec<u8>),
    File(Attachment),
}

/// A file answered as the response body (`application/octet-stream`):
/// an unlinked temporary file, gone once sent or dropped.
pub struct Attachment {
    file: std::fs::File,
    len: u64,
}

impl Attachment {
    pub fn into_response(self) -> axum::response::Response {
        let stream = tokio_util::io::ReaderStream::with_capacity(
            tokio::fs::File::from_std(self.file),
            256 * 1024,
        );
        let mut response = axum::response::Response::new(axum::body::Body::from_stream(stream));
        let headers = response.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/octet-stream"),
        );
        headers.insert(http::header::CONTENT_LENGTH, self.len.into());
        response
    }
}

/// CreateBackup: a snapshot of the store in the backup format, staged in
/// an unlinked file in the data directory and answered as the body.
async fn create_backup(barrier: &Barrier) -> Result<Answer, AwsError> {
    use std::io::{Seek, Write};
    let active = barrier.active().ok_or_else(crate::barrier::sealed_error)?;
    // Sign the head first, so that the backup's whole trail is signed.
    active.audit.checkpoint_head().await?;
    let source = barrier.backup_source(&active);
    let now = active.audit.now_ms();
    let taken = tokio::task::spawn_blocking(move || {
        let file = tempfile::tempfile_in(&source.work_dir)
            .map_err(|e| format!("cannot stage the backup: {e}"))?;
        let mut out = std::io::BufWriter::new(file);
        let manifest = crate::backup::create(&source, &mut out, now)?;
        out.flush()
            .map_err(|e| format!("cannot stage the backup: {e}"))?;
        let mut file = out
            .into_inner()
            .map_err(|e| format!("cannot stage the backup: {e}"))?;
        file.rewind()
            .map_err(|e| format!("cannot stage the backup: {e}"))?;
        Ok::<_, String>((file, manifest))
    })
    .await
    .unwrap_or_else(|_| Err("the backup task panicked".into()));
    let backups = &barrier.metrics().backups;
    backups.taken(BackupTrigger::Request, taken.is_ok(), now);
    let (file, manifest) =
        taken.map_err(|e| crate::service::internal_error("taking a backup", &e))?;
    let len = file
        .metadata()
        .map_err(|e| crate::service::internal_error("taking a backup", &e))?
        .len();
    tracing::info!(
        bytes = len,
        secrets = manifest.contents.secrets,
        audit_head = ?manifest.contents.audit_head_seq,
        "took a backup on request"
    );
    Ok(Answer::File(Attachment { file, len }))
}

/// An action's JSON input; `usage` says what it takes.
fn input<T: serde::de::DeserializeOwned>(body: &[u8], usage: &str) -> Result<T, AwsError> {
    serde_json::from_slice(body).map_err(|_| AwsError::new(ErrorCode::ValidationException, usage))
}

pub async fn handle(
    barrier: &Barrier,
    op: OperatorOperation,
    body: &[u8],
) -> Result<Answer, AwsError> {
    let body = match op {
        OperatorOperation::CreateBackup => return create_backup(barrier).await,
        OperatorOperation::Seal => {
            barrier.seal();
            serde_json::json!({"Sealed": true})
        }
        OperatorOperation::RotateRoot => {
            let (materials, access_keys) = barrier.rotate_root().await?;
            tracing::info!(materials, access_keys, "rotated the root key");
            serde_json::json!({"KeyMaterials": materials, "AccessKeys": access_keys})
        }
        OperatorOperation::RewrapDataKeys => {
            let report = barrier.rewrap_data_keys().await?;
            tracing::info!(
                checked = report.checked,
                rewrapped = report.rewrapped,
                "re-wrapped data keys"
            );
            serde_json::to_value(report).expect("a report serialises")
        }
        OperatorOperation::GetAuditPublicKey => {
            let active = barrier.active().ok_or_else(crate::barrier::sealed_error)?;
            serde_json::json!({"PublicKey": hex::encode(active.audit.keys().public_key())})
        }
        OperatorOperation::ExportAuditLog => {
            let request: ExportRequest = input(
                body,
                "ExportAuditLog takes {\"AfterSeq\": n, \"MaxItems\": m}.",
            )?;
            let page = crate::audit::export_page(
                barrier.store(),
                request.after_seq,
                request.max_items.unwrap_or(1000),
            )
            .await?;
            serde_json::to_value(page).expect("a page serialises")
        }
        OperatorOperation::PruneAuditLog => {
            let active = barrier.active().ok_or_else(crate::barrier::sealed_error)?;
            let request: PruneRequest =
                input(body, "PruneAuditLog takes {\"OlderThanSeconds\": n}.")?;
            // Sign the head first, so that "older than now" can prune all.
            active.audit.checkpoint_head().await?;
            let before = active.audit.now_ms()
                - i64::try_from(request.older_than_seconds.saturating_mul(1000))
                    .unwrap_or(i64::MAX);
            let pruned = crate::audit::prune(
                &active.audit,
                barrier.account_id(),
                barrier.default_region(),
                before,
            )
            .await?;
            tracing::info!(?pruned, "pruned the audit trail on request");
            serde_json::json!({"Pruned": pruned})
        }
        OperatorOperation::HashAuditValue => {
            let active = barrier.active().ok_or_else(crate::barrier::sealed_error)?;
            let request: HashRequest = input(body, "HashAuditValue takes {\"Value\": \"…\"}.")?;
            serde_json::json!({"Hash": active.audit.keys().field_hmac(request.value.expose().as_bytes())})
        }
        // Authorised per secret by the service (see `api.rs`).
        OperatorOperation::WaitForSecretChanges => {
            return Err(AwsError::new(
                ErrorCode::UnknownOperationException,
                "WaitForSecretChanges is answered by the service.",
            ));
        }
        OperatorOperation::VerifyAuditLog => {
            let active = barrier.active().ok_or_else(crate::barrier::sealed_error)?;
            let report = crate::audit::verify_stored(&active.audit, barrier.store_arc()).await?;
            serde_json::to_value(report).expect("a report serialises")
        }
    };
    Ok(Answer::Json(
        serde_json::to_vec(&body).expect("JSON serialises"),
    ))
}
