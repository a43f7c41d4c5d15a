//! Tresor's signed operator actions (`X-Amz-Target: TresorOperator.<Op>`,
//! signing name `tresor`): Seal, RotateRoot, RewrapDataKeys.
//!
//! They pass the same SigV4 authentication as every API call, and need
//! their own permission (`tresor:Seal`, `tresor:RotateRoot`,
//! `tresor:RewrapDataKeys` on `*`), which only the account root has unless
//! a policy grants it.

use tresor_wire::{AwsError, OperatorOperation};

use crate::barrier::Barrier;

pub async fn handle(barrier: &Barrier, op: OperatorOperation) -> Result<Vec<u8>, AwsError> {
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
    };
    Ok(serde_json::to_vec(&body).expect("JSON serialises"))
}
