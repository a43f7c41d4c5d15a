//! Which operation a request asks for, from its `X-Amz-Target` header.
//!
//! awsJson 1.1 routes every call to `POST /`; the operation is named by
//! `X-Amz-Target: <targetPrefix>.<Operation>`. This module owns that mapping
//! for every service Tresor answers on its endpoint, and nothing else.

/// The AWS services Tresor answers on its one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    SecretsManager,
    Kms,
    /// Tresor's own operator actions (seal, root key rotation, re-wrap).
    Operator,
}

impl Service {
    /// The SigV4 signing name (the service in the credential scope).
    pub fn signing_name(self) -> &'static str {
        match self {
            Service::SecretsManager => "secretsmanager",
            Service::Kms => "kms",
            Service::Operator => "tresor",
        }
    }

    /// The `X-Amz-Target` prefix before the dot.
    pub fn target_prefix(self) -> &'static str {
        match self {
            Service::SecretsManager => "secretsmanager",
            Service::Kms => "TrentService",
            Service::Operator => "TresorOperator",
        }
    }

    /// The service whose SigV4 signing name this is.
    pub fn from_signing_name(name: &str) -> Option<Service> {
        match name {
            "secretsmanager" => Some(Service::SecretsManager),
            "kms" => Some(Service::Kms),
            "tresor" => Some(Service::Operator),
            _ => None,
        }
    }

    fn from_target_prefix(prefix: &str) -> Option<Service> {
        match prefix {
            "secretsmanager" => Some(Service::SecretsManager),
            "TrentService" => Some(Service::Kms),
            "TresorOperator" => Some(Service::Operator),
            _ => None,
        }
    }
}

/// What every service's operation enum offers.
pub trait ApiOperation: Copy + std::fmt::Debug + Send + 'static {
    fn service(self) -> Service;
    /// The operation name exactly as AWS spells it.
    fn name(self) -> &'static str;
}

macro_rules! operations {
    ($(#[$doc:meta])* $enum:ident, $service:expr, [$($op:ident),* $(,)?]) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $enum {
            $($op,)*
        }

        impl $enum {
            pub const ALL: &'static [$enum] = &[$($enum::$op,)*];

            /// The operation name exactly as AWS spells it.
            pub fn name(self) -> &'static str {
                match self {
                    $($enum::$op => stringify!($op),)*
                }
            }

            fn from_name(name: &str) -> Option<$enum> {
                match name {
                    $(stringify!($op) => Some($enum::$op),)*
                    _ => None,
                }
            }
        }

        impl ApiOperation for $enum {
            fn service(self) -> Service {
                $service
            }

            fn name(self) -> &'static str {
                $enum::name(self)
            }
        }
    };
}

operations!(
    /// The 23 operations of AWS Secrets Manager (API version 2017-10-17).
    Operation,
    Service::SecretsManager,
    [
        BatchGetSecretValue,
        CancelRotateSecret,
        CreateSecret,
        DeleteResourcePolicy,
        DeleteSecret,
        DescribeSecret,
        GetRandomPassword,
        GetResourcePolicy,
        GetSecretValue,
        ListSecretVersionIds,
        ListSecrets,
        PutResourcePolicy,
        PutSecretValue,
        RemoveRegionsFromReplication,
        ReplicateSecretToRegions,
        RestoreSecret,
        RotateSecret,
        StopReplicationToReplica,
        TagResource,
        UntagResource,
        UpdateSecret,
        UpdateSecretVersionStage,
        ValidateResourcePolicy,
    ]
);

operations!(
    /// Every operation of AWS KMS (API version 2014-11-01). Tresor serves
    /// the symmetric-key subset; the rest answer UnsupportedOperationException.
    KmsOperation,
    Service::Kms,
    [
    CancelKeyDeletion,
    ConnectCustomKeyStore,
    CreateAlias,
    CreateCustomKeyStore,
    CreateGrant,
    CreateKey,
    Decrypt,
    DeleteAlias,
    DeleteCustomKeyStore,
    DeleteImportedKeyMaterial,
    DeriveSharedSecret,
    DescribeCustomKeyStores,
    DescribeKey,
    DisableKey,
    DisableKeyRotation,
    DisconnectCustomKeyStore,
    EnableKey,
    EnableKeyRotation,
    Encrypt,
    GenerateDataKey,
    GenerateDataKeyPair,
    GenerateDataKeyPairWithoutPlaintext,
    GenerateDataKeyWithoutPlaintext,
    GenerateMac,
    GenerateRandom,
    GetKeyLastUsage,
    GetKeyPolicy,
    GetKeyRotationStatus,
    GetParametersForImport,
    GetPublicKey,
    ImportKeyMaterial,
    ListAliases,
    ListGrants,
    ListKeyPolicies,
    ListKeyRotations,
    ListKeys,
    ListResourceTags,
    ListRetirableGrants,
    PutKeyPolicy,
    ReEncrypt,
    ReplicateKey,
    RetireGrant,
    RevokeGrant,
    RotateKeyOnDemand,
    ScheduleKeyDeletion,
    Sign,
    TagResource,
    UntagResource,
    UpdateAlias,
    UpdateCustomKeyStore,
    UpdateKeyDescription,
    UpdatePrimaryRegion,
    Verify,
    VerifyMac,
    ]
);

operations!(
    /// Tresor's operator actions, signed like any API call (signing name
    /// `tresor`, target prefix `TresorOperator`). Not an AWS service.
    OperatorOperation,
    Service::Operator,
    [Seal, RotateRoot, RewrapDataKeys]
);

/// An operation of any service we answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    SecretsManager(Operation),
    Kms(KmsOperation),
    Operator(OperatorOperation),
}

impl Target {
    pub fn service(self) -> Service {
        match self {
            Target::SecretsManager(_) => Service::SecretsManager,
            Target::Kms(_) => Service::Kms,
            Target::Operator(_) => Service::Operator,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Target::SecretsManager(op) => op.name(),
            Target::Kms(op) => op.name(),
            Target::Operator(op) => op.name(),
        }
    }
}

impl ApiOperation for Target {
    fn service(self) -> Service {
        Target::service(self)
    }

    fn name(self) -> &'static str {
        Target::name(self)
    }
}

impl From<Operation> for Target {
    fn from(op: Operation) -> Target {
        Target::SecretsManager(op)
    }
}

impl From<KmsOperation> for Target {
    fn from(op: KmsOperation) -> Target {
        Target::Kms(op)
    }
}

/// Why an `X-Amz-Target` value names no operation we serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetError {
    /// No header, or not of the form `prefix.Operation`.
    Malformed,
    /// A known service prefix but no such operation.
    UnknownOperation,
    /// A service we do not serve.
    UnknownService,
}

/// Parses `X-Amz-Target`.
pub fn parse_target(target: &str) -> Result<Target, TargetError> {
    let (prefix, name) = target.split_once('.').ok_or(TargetError::Malformed)?;
    match Service::from_target_prefix(prefix).ok_or(TargetError::UnknownService)? {
        Service::SecretsManager => Operation::from_name(name).map(Target::SecretsManager),
        Service::Kms => KmsOperation::from_name(name).map(Target::Kms),
        Service::Operator => OperatorOperation::from_name(name).map(Target::Operator),
    }
    .ok_or(TargetError::UnknownOperation)
}

/// The service a target prefix belongs to, even when the operation is unknown.
pub fn target_service(target: &str) -> Option<Service> {
    target
        .split_once('.')
        .and_then(|(prefix, _)| Service::from_target_prefix(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_operation() {
        assert_eq!(Operation::ALL.len(), 23);
        for op in Operation::ALL {
            let target = format!("secretsmanager.{}", op.name());
            assert_eq!(parse_target(&target), Ok(Target::SecretsManager(*op)));
        }
        for op in KmsOperation::ALL {
            let target = format!("TrentService.{}", op.name());
            assert_eq!(parse_target(&target), Ok(Target::Kms(*op)));
        }
    }

    #[test]
    fn rejects_unknown_targets() {
        assert_eq!(
            parse_target("secretsmanager.GetSecret"),
            Err(TargetError::UnknownOperation)
        );
        assert_eq!(
            parse_target("secretsmanager.getsecretvalue"),
            Err(TargetError::UnknownOperation)
        );
        assert_eq!(
            parse_target("TrentService.GetSecretValue"),
            Err(TargetError::UnknownOperation)
        );
        assert_eq!(parse_target("GetSecretValue"), Err(TargetError::Malformed));
        assert_eq!(
            parse_target("dynamodb.GetItem"),
            Err(TargetError::UnknownService)
        );
    }
}
