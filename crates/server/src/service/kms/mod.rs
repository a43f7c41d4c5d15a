//! The AWS KMS API (`TrentService`): symmetric customer managed keys,
//! aliases, cryptographic operations, rotation, tags and key policies.
//!
//! Operations outside that subset (asymmetric and HMAC keys, grants,
//! custom key stores, imported material, multi-Region keys) answer
//! UnsupportedOperationException, after the request passed model validation.

mod aliases;
pub mod authorize;
mod crypto;
mod keys;
mod paging;
mod policy;
pub mod resolve;
mod rotation;
mod tags;

pub use keys::maintain_keys;

use tresor_wire::request::decode;
use tresor_wire::{AwsError, ErrorCode, KmsOperation};

use super::{Ctx, Service, encode};

pub async fn handle(
    svc: &Service,
    ctx: &Ctx,
    op: KmsOperation,
    body: &[u8],
) -> Result<Vec<u8>, AwsError> {
    macro_rules! call {
        ($handler:path) => {
            encode(&$handler(svc, ctx, decode(op, body)?).await?)
        };
    }
    use KmsOperation::*;
    Ok(match op {
        CancelKeyDeletion => call!(keys::cancel_key_deletion),
        CreateAlias => call!(aliases::create_alias),
        CreateKey => call!(keys::create_key),
        Decrypt => call!(crypto::decrypt),
        DeleteAlias => call!(aliases::delete_alias),
        DescribeKey => call!(keys::describe_key),
        DisableKey => call!(keys::disable_key),
        DisableKeyRotation => call!(rotation::disable_key_rotation),
        EnableKey => call!(keys::enable_key),
        EnableKeyRotation => call!(rotation::enable_key_rotation),
        Encrypt => call!(crypto::encrypt),
        GenerateDataKey => call!(crypto::generate_data_key),
        GenerateDataKeyWithoutPlaintext => call!(crypto::generate_data_key_without_plaintext),
        GenerateRandom => call!(crypto::generate_random),
        GetKeyPolicy => call!(policy::get_key_policy),
        GetKeyRotationStatus => call!(rotation::get_key_rotation_status),
        ListAliases => call!(aliases::list_aliases),
        ListKeyPolicies => call!(policy::list_key_policies),
        ListKeyRotations => call!(rotation::list_key_rotations),
        ListKeys => call!(keys::list_keys),
        ListResourceTags => call!(tags::list_resource_tags),
        PutKeyPolicy => call!(policy::put_key_policy),
        ReEncrypt => call!(crypto::re_encrypt),
        RotateKeyOnDemand => call!(rotation::rotate_key_on_demand),
        ScheduleKeyDeletion => call!(keys::schedule_key_deletion),
        TagResource => call!(tags::tag_resource),
        UntagResource => call!(tags::untag_resource),
        UpdateAlias => call!(aliases::update_alias),
        UpdateKeyDescription => call!(keys::update_key_description),
        other => {
            // Still a well-formed request of the service: validate it like
            // any other, then say plainly that it is not built.
            tresor_wire::validate::validate_request(
                other,
                &tresor_wire::json::parse_strict(body).unwrap_or_default(),
            )?;
            // Callers who may not use it at all learn that first.
            ctx.check(crate::authz::Resource::any())?;
            return Err(AwsError::new(
                ErrorCode::UnsupportedOperationException,
                format!(
                    "{} is not supported: Tresor's KMS serves symmetric encryption keys only.",
                    other.name()
                ),
            ));
        }
    })
}
