//! KMS's tables: the 29 operations of symmetric customer managed keys that
//! Tresor serves, and the 25 it answers with UnsupportedOperationException
//! (custom key stores, grants, imported key material, asymmetric and HMAC
//! keys, multi-Region replication), which have no DTOs.

use super::Api;
use crate::dto::kms::*;
use crate::operation::{KmsOperation, Service, Target};

pub(super) fn api() -> Api {
    Api {
        service: Service::Kms,
        all_operations: KmsOperation::ALL
            .iter()
            .copied()
            .map(Target::from)
            .collect(),
        // A row without a response type: the model has no output shape, and
        // AWS answers with an empty body.
        operations: operation_table!(KmsOperation {
            CancelKeyDeletion => CancelKeyDeletionRequest, CancelKeyDeletionResponse;
            CreateAlias => CreateAliasRequest;
            CreateKey => CreateKeyRequest, CreateKeyResponse;
            Decrypt => DecryptRequest, DecryptResponse;
            DeleteAlias => DeleteAliasRequest;
            DescribeKey => DescribeKeyRequest, DescribeKeyResponse;
            DisableKey => DisableKeyRequest;
            DisableKeyRotation => DisableKeyRotationRequest;
            EnableKey => EnableKeyRequest;
            EnableKeyRotation => EnableKeyRotationRequest;
            Encrypt => EncryptRequest, EncryptResponse;
            GenerateDataKey => GenerateDataKeyRequest, GenerateDataKeyResponse;
            GenerateDataKeyWithoutPlaintext => GenerateDataKeyWithoutPlaintextRequest, GenerateDataKeyWithoutPlaintextResponse;
            GenerateRandom => GenerateRandomRequest, GenerateRandomResponse;
            GetKeyPolicy => GetKeyPolicyRequest, GetKeyPolicyResponse;
            GetKeyRotationStatus => GetKeyRotationStatusRequest, GetKeyRotationStatusResponse;
            ListAliases => ListAliasesRequest, ListAliasesResponse;
            ListKeyPolicies => ListKeyPoliciesRequest, ListKeyPoliciesResponse;
            ListKeyRotations => ListKeyRotationsRequest, ListKeyRotationsResponse;
            ListKeys => ListKeysRequest, ListKeysResponse;
            ListResourceTags => ListResourceTagsRequest, ListResourceTagsResponse;
            PutKeyPolicy => PutKeyPolicyRequest;
            ReEncrypt => ReEncryptRequest, ReEncryptResponse;
            RotateKeyOnDemand => RotateKeyOnDemandRequest, RotateKeyOnDemandResponse;
            ScheduleKeyDeletion => ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse;
            TagResource => TagResourceRequest;
            UntagResource => UntagResourceRequest;
            UpdateAlias => UpdateAliasRequest;
            UpdateKeyDescription => UpdateKeyDescriptionRequest;
        }),
        unserved: [
            KmsOperation::ConnectCustomKeyStore,
            KmsOperation::CreateCustomKeyStore,
            KmsOperation::CreateGrant,
            KmsOperation::DeleteCustomKeyStore,
            KmsOperation::DeleteImportedKeyMaterial,
            KmsOperation::DeriveSharedSecret,
            KmsOperation::DescribeCustomKeyStores,
            KmsOperation::DisconnectCustomKeyStore,
            KmsOperation::GenerateDataKeyPair,
            KmsOperation::GenerateDataKeyPairWithoutPlaintext,
            KmsOperation::GenerateMac,
            KmsOperation::GetKeyLastUsage,
            KmsOperation::GetParametersForImport,
            KmsOperation::GetPublicKey,
            KmsOperation::ImportKeyMaterial,
            KmsOperation::ListGrants,
            KmsOperation::ListRetirableGrants,
            KmsOperation::ReplicateKey,
            KmsOperation::RetireGrant,
            KmsOperation::RevokeGrant,
            KmsOperation::Sign,
            KmsOperation::UpdateCustomKeyStore,
            KmsOperation::UpdatePrimaryRegion,
            KmsOperation::Verify,
            KmsOperation::VerifyMac,
        ]
        .into_iter()
        .map(Target::from)
        .collect(),
        // Every structure reachable from a served input or output; ours keep
        // the model's names.
        nested: vec![
            ("AliasListEntry", dto!(AliasListEntry)),
            ("KeyListEntry", dto!(KeyListEntry)),
            ("KeyMetadata", dto!(KeyMetadata)),
            ("MultiRegionConfiguration", dto!(MultiRegionConfiguration)),
            ("MultiRegionKey", dto!(MultiRegionKey)),
            ("RecipientInfo", dto!(RecipientInfo)),
            ("RotationsListEntry", dto!(RotationsListEntry)),
            ("Tag", dto!(Tag)),
            ("XksKeyConfigurationType", dto!(XksKeyConfigurationType)),
        ],
        source: include_str!("../kms.rs"),
    }
}

#[test]
fn serves_29_operations_and_lists_the_other_25() {
    let api = api();
    assert_eq!(api.operations.len(), 29);
    assert_eq!(api.unserved.len(), 25);
    assert_eq!(KmsOperation::ALL.len(), 54);
    let without_output = api.operations.iter().filter(|r| r.response.is_none());
    assert_eq!(without_output.count(), 11);
}
