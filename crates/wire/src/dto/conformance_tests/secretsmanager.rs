//! Secrets Manager's tables: Tresor serves all 23 operations.

use super::Api;
use crate::dto::*;
use crate::operation::{Operation, Service, Target};

pub(super) fn api() -> Api {
    Api {
        service: Service::SecretsManager,
        all_operations: Operation::ALL.iter().copied().map(Target::from).collect(),
        operations: operation_table!(Operation {
            BatchGetSecretValue => BatchGetSecretValueRequest, BatchGetSecretValueResponse;
            CancelRotateSecret => CancelRotateSecretRequest, CancelRotateSecretResponse;
            CreateSecret => CreateSecretRequest, CreateSecretResponse;
            DeleteResourcePolicy => DeleteResourcePolicyRequest, DeleteResourcePolicyResponse;
            DeleteSecret => DeleteSecretRequest, DeleteSecretResponse;
            DescribeSecret => DescribeSecretRequest, DescribeSecretResponse;
            GetRandomPassword => GetRandomPasswordRequest, GetRandomPasswordResponse;
            GetResourcePolicy => GetResourcePolicyRequest, GetResourcePolicyResponse;
            GetSecretValue => GetSecretValueRequest, GetSecretValueResponse;
            ListSecretVersionIds => ListSecretVersionIdsRequest, ListSecretVersionIdsResponse;
            ListSecrets => ListSecretsRequest, ListSecretsResponse;
            PutResourcePolicy => PutResourcePolicyRequest, PutResourcePolicyResponse;
            PutSecretValue => PutSecretValueRequest, PutSecretValueResponse;
            RemoveRegionsFromReplication => RemoveRegionsFromReplicationRequest, RemoveRegionsFromReplicationResponse;
            ReplicateSecretToRegions => ReplicateSecretToRegionsRequest, ReplicateSecretToRegionsResponse;
            RestoreSecret => RestoreSecretRequest, RestoreSecretResponse;
            RotateSecret => RotateSecretRequest, RotateSecretResponse;
            StopReplicationToReplica => StopReplicationToReplicaRequest, StopReplicationToReplicaResponse;
            // No output shape: AWS answers with an empty body.
            TagResource => TagResourceRequest;
            UntagResource => UntagResourceRequest;
            UpdateSecret => UpdateSecretRequest, UpdateSecretResponse;
            UpdateSecretVersionStage => UpdateSecretVersionStageRequest, UpdateSecretVersionStageResponse;
            ValidateResourcePolicy => ValidateResourcePolicyRequest, ValidateResourcePolicyResponse;
        }),
        unserved: Vec::new(),
        // Some of our names drop the model's `Type` suffix.
        nested: vec![
            ("APIErrorType", dto!(ApiError)),
            (
                "ExternalSecretRotationMetadataItem",
                dto!(ExternalSecretRotationMetadataItem),
            ),
            ("Filter", dto!(Filter)),
            ("ReplicaRegionType", dto!(ReplicaRegion)),
            ("ReplicationStatusType", dto!(ReplicationStatus)),
            ("RotationRulesType", dto!(RotationRules)),
            ("SecretListEntry", dto!(SecretListEntry)),
            ("SecretValueEntry", dto!(SecretValueEntry)),
            ("SecretVersionsListEntry", dto!(SecretVersionsListEntry)),
            ("Tag", dto!(Tag)),
            ("ValidationErrorsEntry", dto!(ValidationErrorsEntry)),
        ],
        source: include_str!("../secretsmanager.rs"),
    }
}

#[test]
fn every_operation_is_served() {
    let api = api();
    assert_eq!(api.operations.len(), 23);
    assert!(api.unserved.is_empty());
}
