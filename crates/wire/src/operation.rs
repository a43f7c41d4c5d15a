//! Which operation a request asks for: from its `X-Amz-Target` header
//! (awsJson 1.1) or its `Action` form field (awsQuery).
//!
//! awsJson 1.1 routes every call to `POST /`; the operation is named by
//! `X-Amz-Target: <targetPrefix>.<Operation>`. awsQuery (IAM, STS) has no
//! such header: the form body names the operation (`Action=CreateUser`) and
//! the SigV4 credential scope names the service (`…/us-east-1/iam/…`). This
//! module owns both mappings for every service Tresor answers on its
//! endpoint, and nothing else.

/// CloudTrail's `X-Amz-Target` prefix.
const CLOUDTRAIL_TARGET_PREFIX: &str = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101";

/// The AWS services Tresor answers on its one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    SecretsManager,
    Kms,
    /// AWS IAM: awsQuery, global (signed for `us-east-1`).
    Iam,
    /// AWS STS: awsQuery, regional.
    Sts,
    /// Tresor's own operator actions (seal, root key rotation, re-wrap).
    Operator,
    /// AWS CloudTrail's event history (`LookupEvents`), over the audit
    /// trail.
    CloudTrail,
}

/// The wire protocol a service speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// JSON body, operation in `X-Amz-Target`, JSON errors.
    AwsJson11,
    /// Form body with `Action` and `Version`, XML responses and errors.
    AwsQuery,
}

impl Service {
    /// The SigV4 signing name (the service in the credential scope).
    pub fn signing_name(self) -> &'static str {
        match self {
            Service::SecretsManager => "secretsmanager",
            Service::Kms => "kms",
            Service::Iam => "iam",
            Service::Sts => "sts",
            Service::Operator => "tresor",
            Service::CloudTrail => "cloudtrail",
        }
    }

    /// The `X-Amz-Target` prefix before the dot; `None` for awsQuery
    /// services, which have no target header.
    pub fn target_prefix(self) -> Option<&'static str> {
        match self {
            Service::SecretsManager => Some("secretsmanager"),
            Service::Kms => Some("TrentService"),
            Service::Operator => Some("TresorOperator"),
            Service::CloudTrail => Some(CLOUDTRAIL_TARGET_PREFIX),
            Service::Iam | Service::Sts => None,
        }
    }

    pub fn protocol(self) -> Protocol {
        match self {
            Service::Iam | Service::Sts => Protocol::AwsQuery,
            Service::SecretsManager | Service::Kms | Service::Operator | Service::CloudTrail => {
                Protocol::AwsJson11
            }
        }
    }

    /// The service whose SigV4 signing name this is.
    pub fn from_signing_name(name: &str) -> Option<Service> {
        match name {
            "secretsmanager" => Some(Service::SecretsManager),
            "kms" => Some(Service::Kms),
            "iam" => Some(Service::Iam),
            "sts" => Some(Service::Sts),
            "tresor" => Some(Service::Operator),
            "cloudtrail" => Some(Service::CloudTrail),
            _ => None,
        }
    }

    fn from_target_prefix(prefix: &str) -> Option<Service> {
        match prefix {
            "secretsmanager" => Some(Service::SecretsManager),
            "TrentService" => Some(Service::Kms),
            "TresorOperator" => Some(Service::Operator),
            CLOUDTRAIL_TARGET_PREFIX => Some(Service::CloudTrail),
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
    /// Every operation of AWS IAM (API version 2010-05-08, awsQuery). Tresor
    /// serves users, groups, roles, access keys, inline and managed
    /// policies; the conformance tables list which.
    IamOperation,
    Service::Iam,
    [
        AcceptDelegationRequest,
        AddClientIDToOpenIDConnectProvider,
        AddRoleToInstanceProfile,
        AddUserToGroup,
        AssociateDelegationRequest,
        AttachGroupPolicy,
        AttachRolePolicy,
        AttachUserPolicy,
        ChangePassword,
        CreateAccessKey,
        CreateAccountAlias,
        CreateDelegationRequest,
        CreateGroup,
        CreateInstanceProfile,
        CreateLoginProfile,
        CreateOpenIDConnectProvider,
        CreatePolicy,
        CreatePolicyVersion,
        CreateRole,
        CreateSAMLProvider,
        CreateServiceLinkedRole,
        CreateServiceSpecificCredential,
        CreateUser,
        CreateVirtualMFADevice,
        DeactivateMFADevice,
        DeleteAccessKey,
        DeleteAccountAlias,
        DeleteAccountPasswordPolicy,
        DeleteGroup,
        DeleteGroupPolicy,
        DeleteInstanceProfile,
        DeleteLoginProfile,
        DeleteOpenIDConnectProvider,
        DeletePolicy,
        DeletePolicyVersion,
        DeleteRole,
        DeleteRolePermissionsBoundary,
        DeleteRolePolicy,
        DeleteSAMLProvider,
        DeleteSSHPublicKey,
        DeleteServerCertificate,
        DeleteServiceLinkedRole,
        DeleteServiceSpecificCredential,
        DeleteSigningCertificate,
        DeleteUser,
        DeleteUserPermissionsBoundary,
        DeleteUserPolicy,
        DeleteVirtualMFADevice,
        DetachGroupPolicy,
        DetachRolePolicy,
        DetachUserPolicy,
        DisableOrganizationsRootCredentialsManagement,
        DisableOrganizationsRootSessions,
        DisableOutboundWebIdentityFederation,
        EnableMFADevice,
        EnableOrganizationsRootCredentialsManagement,
        EnableOrganizationsRootSessions,
        EnableOutboundWebIdentityFederation,
        GenerateCredentialReport,
        GenerateOrganizationsAccessReport,
        GenerateServiceLastAccessedDetails,
        GetAccessKeyLastUsed,
        GetAccountAuthorizationDetails,
        GetAccountPasswordPolicy,
        GetAccountSummary,
        GetContextKeysForCustomPolicy,
        GetContextKeysForPrincipalPolicy,
        GetCredentialReport,
        GetDelegationRequest,
        GetGroup,
        GetGroupPolicy,
        GetHumanReadableSummary,
        GetInstanceProfile,
        GetLoginProfile,
        GetMFADevice,
        GetOpenIDConnectProvider,
        GetOrganizationsAccessReport,
        GetOutboundWebIdentityFederationInfo,
        GetPolicy,
        GetPolicyVersion,
        GetRole,
        GetRolePolicy,
        GetSAMLProvider,
        GetSSHPublicKey,
        GetServerCertificate,
        GetServiceLastAccessedDetails,
        GetServiceLastAccessedDetailsWithEntities,
        GetServiceLinkedRoleDeletionStatus,
        GetUser,
        GetUserPolicy,
        ListAccessKeys,
        ListAccountAliases,
        ListAttachedGroupPolicies,
        ListAttachedRolePolicies,
        ListAttachedUserPolicies,
        ListDelegationRequests,
        ListEntitiesForPolicy,
        ListGroupPolicies,
        ListGroups,
        ListGroupsForUser,
        ListInstanceProfileTags,
        ListInstanceProfiles,
        ListInstanceProfilesForRole,
        ListMFADeviceTags,
        ListMFADevices,
        ListOpenIDConnectProviderTags,
        ListOpenIDConnectProviders,
        ListOrganizationsFeatures,
        ListPolicies,
        ListPoliciesGrantingServiceAccess,
        ListPolicyTags,
        ListPolicyVersions,
        ListRolePolicies,
        ListRoleTags,
        ListRoles,
        ListSAMLProviderTags,
        ListSAMLProviders,
        ListSSHPublicKeys,
        ListServerCertificateTags,
        ListServerCertificates,
        ListServiceSpecificCredentials,
        ListSigningCertificates,
        ListUserPolicies,
        ListUserTags,
        ListUsers,
        ListVirtualMFADevices,
        PutGroupPolicy,
        PutRolePermissionsBoundary,
        PutRolePolicy,
        PutUserPermissionsBoundary,
        PutUserPolicy,
        RejectDelegationRequest,
        RemoveClientIDFromOpenIDConnectProvider,
        RemoveRoleFromInstanceProfile,
        RemoveUserFromGroup,
        ResetServiceSpecificCredential,
        ResyncMFADevice,
        SendDelegationToken,
        SetDefaultPolicyVersion,
        SetSecurityTokenServicePreferences,
        SimulateCustomPolicy,
        SimulatePrincipalPolicy,
        TagInstanceProfile,
        TagMFADevice,
        TagOpenIDConnectProvider,
        TagPolicy,
        TagRole,
        TagSAMLProvider,
        TagServerCertificate,
        TagUser,
        UntagInstanceProfile,
        UntagMFADevice,
        UntagOpenIDConnectProvider,
        UntagPolicy,
        UntagRole,
        UntagSAMLProvider,
        UntagServerCertificate,
        UntagUser,
        UpdateAccessKey,
        UpdateAccountPasswordPolicy,
        UpdateAssumeRolePolicy,
        UpdateDelegationRequest,
        UpdateGroup,
        UpdateLoginProfile,
        UpdateOpenIDConnectProviderThumbprint,
        UpdateRole,
        UpdateRoleDescription,
        UpdateSAMLProvider,
        UpdateSSHPublicKey,
        UpdateServerCertificate,
        UpdateServiceSpecificCredential,
        UpdateSigningCertificate,
        UpdateUser,
        UploadSSHPublicKey,
        UploadServerCertificate,
        UploadSigningCertificate,
    ]
);

operations!(
    /// Every operation of AWS STS (API version 2011-06-15, awsQuery).
    StsOperation,
    Service::Sts,
    [
        AssumeRole,
        AssumeRoleWithSAML,
        AssumeRoleWithWebIdentity,
        AssumeRoot,
        DecodeAuthorizationMessage,
        GetAccessKeyInfo,
        GetCallerIdentity,
        GetDelegatedAccessToken,
        GetFederationToken,
        GetSessionToken,
        GetWebIdentityToken,
    ]
);

operations!(
    /// Tresor's operator actions, signed like any API call (signing name
    /// `tresor`, target prefix `TresorOperator`). Not an AWS service.
    OperatorOperation,
    Service::Operator,
    [
        Seal,
        RotateRoot,
        RewrapDataKeys,
        GetAuditPublicKey,
        ExportAuditLog,
        VerifyAuditLog,
        PruneAuditLog,
        HashAuditValue,
        WaitForSecretChanges,
        CreateBackup,
    ]
);

operations!(
    /// The CloudTrail operations Tresor answers: the event history.
    CloudTrailOperation,
    Service::CloudTrail,
    [LookupEvents]
);

/// An operation of any service we answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    SecretsManager(Operation),
    Kms(KmsOperation),
    Iam(IamOperation),
    Sts(StsOperation),
    Operator(OperatorOperation),
    CloudTrail(CloudTrailOperation),
}

impl Target {
    pub fn service(self) -> Service {
        match self {
            Target::SecretsManager(_) => Service::SecretsManager,
            Target::Kms(_) => Service::Kms,
            Target::Iam(_) => Service::Iam,
            Target::Sts(_) => Service::Sts,
            Target::Operator(_) => Service::Operator,
            Target::CloudTrail(_) => Service::CloudTrail,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Target::SecretsManager(op) => op.name(),
            Target::Kms(op) => op.name(),
            Target::Iam(op) => op.name(),
            Target::Sts(op) => op.name(),
            Target::Operator(op) => op.name(),
            Target::CloudTrail(op) => op.name(),
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

impl From<IamOperation> for Target {
    fn from(op: IamOperation) -> Target {
        Target::Iam(op)
    }
}

impl From<StsOperation> for Target {
    fn from(op: StsOperation) -> Target {
        Target::Sts(op)
    }
}

/// Why an `X-Amz-Target` value or an `Action` names no operation we serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetError {
    /// No header, or not of the form `prefix.Operation`; an empty `Action`.
    Malformed,
    /// A known service prefix but no such operation.
    UnknownOperation,
    /// A service we do not serve.
    UnknownService,
}

/// Parses `X-Amz-Target`.
pub fn parse_target(target: &str) -> Result<Target, TargetError> {
    let (prefix, name) = target.rsplit_once('.').ok_or(TargetError::Malformed)?;
    match Service::from_target_prefix(prefix).ok_or(TargetError::UnknownService)? {
        Service::SecretsManager => Operation::from_name(name).map(Target::SecretsManager),
        Service::Kms => KmsOperation::from_name(name).map(Target::Kms),
        Service::Operator => OperatorOperation::from_name(name).map(Target::Operator),
        Service::CloudTrail => CloudTrailOperation::from_name(name).map(Target::CloudTrail),
        // No target prefix names them (`from_target_prefix`).
        Service::Iam | Service::Sts => None,
    }
    .ok_or(TargetError::UnknownOperation)
}

/// The operation an awsQuery request asks for: `service` from the SigV4
/// credential scope, `action` from the form's `Action` field (see
/// `query::query_action`). Names are matched exactly, as AWS does
/// (`createuser` is no operation). `UnknownService` for a service that does
/// not speak awsQuery.
pub fn query_target(service: Service, action: &str) -> Result<Target, TargetError> {
    if action.is_empty() {
        return Err(TargetError::Malformed);
    }
    match service {
        Service::Iam => IamOperation::from_name(action).map(Target::Iam),
        Service::Sts => StsOperation::from_name(action).map(Target::Sts),
        Service::SecretsManager | Service::Kms | Service::Operator | Service::CloudTrail => {
            return Err(TargetError::UnknownService);
        }
    }
    .ok_or(TargetError::UnknownOperation)
}

/// The service a target prefix belongs to, even when the operation is unknown.
pub fn target_service(target: &str) -> Option<Service> {
    target
        .rsplit_once('.')
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
    fn query_actions_name_operations_of_the_scoped_service() {
        assert_eq!(IamOperation::ALL.len(), 176);
        assert_eq!(StsOperation::ALL.len(), 11);
        for op in IamOperation::ALL {
            assert_eq!(query_target(Service::Iam, op.name()), Ok(Target::Iam(*op)));
            assert_eq!(Target::Iam(*op).service(), Service::Iam);
        }
        for op in StsOperation::ALL {
            assert_eq!(query_target(Service::Sts, op.name()), Ok(Target::Sts(*op)));
        }
        assert_eq!(
            query_target(Service::Iam, "AssumeRole"),
            Err(TargetError::UnknownOperation)
        );
        assert_eq!(
            query_target(Service::Sts, "createuser"),
            Err(TargetError::UnknownOperation)
        );
        assert_eq!(query_target(Service::Sts, ""), Err(TargetError::Malformed));
        assert_eq!(
            query_target(Service::SecretsManager, "GetSecretValue"),
            Err(TargetError::UnknownService)
        );
        // awsQuery services have no X-Amz-Target prefix.
        assert_eq!(
            parse_target("iam.CreateUser"),
            Err(TargetError::UnknownService)
        );
        assert_eq!(Service::Iam.target_prefix(), None);
        assert_eq!(Service::from_signing_name("sts"), Some(Service::Sts));
        assert_eq!(Service::Sts.protocol(), Protocol::AwsQuery);
        assert_eq!(Service::Kms.protocol(), Protocol::AwsJson11);
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
