//! The AWS KMS API (`TrentService`): symmetric customer managed keys,
//! aliases, cryptographic operations, rotation, tags and key policies.

use tresor_wire::{AwsError, ErrorCode, KmsOperation};

use super::{Ctx, Service};

pub async fn handle(
    svc: &Service,
    ctx: &Ctx,
    op: KmsOperation,
    body: &[u8],
) -> Result<Vec<u8>, AwsError> {
    let _ = (svc, ctx, body);
    Err(AwsError::new(
        ErrorCode::UnsupportedOperationException,
        format!("{} is not supported by Tresor.", op.name()),
    ))
}
