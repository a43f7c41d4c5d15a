//! Tresor's signed operator actions (`X-Amz-Target: TresorOperator.<Op>`,
//! signing name `tresor`): Seal, RotateRoot, RewrapDataKeys, and the audit
//! trail's GetAuditPublicKey, ExportAuditLog, VerifyAuditLog,
//! PruneAuditLog and HashAuditValue.
//!
//! They pass the same SigV4 authentication as every API call, and need
//! their own permission (`tresor:<Op>` on `*`), which only the account root
//! has unless a policy grants it.

use serde::Deserialize;
use tresor_wire::{AwsError, ErrorCode, OperatorOperation};

use crate::barrier::Barrier;

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

/// An action's JSON input; `usage` says what it takes.
fn input<T: serde::de::DeserializeOwned>(body: &[u8], usage: &str) -> Result<T, AwsError> {
    serde_json::from_slice(body).map_err(|_| AwsError::new(ErrorCode::ValidationException, usage))
}

pub async fn handle(
    barrier: &Barrier,
    op: OperatorOperation,
    body: &[u8],
) -> Result<Vec<u8>, AwsError> {
    let body = match op {
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
    Ok(serde_json::to_vec(&body).expect("JSON serialises"))
}
