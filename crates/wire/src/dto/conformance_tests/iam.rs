//! IAM's tables: the 56 operations Tresor serves (users, access keys,
//! groups, roles, inline and managed policies and their attachments), and
//! the 120 it does not (login profiles, MFA, certificates, SAML and
//! OIDC providers, instance profiles, service-linked roles, reports,
//! organizations features, simulation …), which have no DTOs.

use super::Api;
use crate::dto::iam::*;
use crate::operation::{IamOperation, Service, Target};

pub(super) fn api() -> Api {
    Api {
        service: Service::Iam,
        all_operations: IamOperation::ALL
            .iter()
            .copied()
            .map(Target::from)
            .collect(),
        // A row without a response type: the model has no output shape, and
        // AWS answers with only the response metadata.
        operations: operation_table!(IamOperation {
            CreateUser => CreateUserRequest, CreateUserResponse;
            GetUser => GetUserRequest, GetUserResponse;
            ListUsers => ListUsersRequest, ListUsersResponse;
            DeleteUser => DeleteUserRequest;
            TagUser => TagUserRequest;
            UntagUser => UntagUserRequest;
            ListUserTags => ListUserTagsRequest, ListUserTagsResponse;
            CreateAccessKey => CreateAccessKeyRequest, CreateAccessKeyResponse;
            ListAccessKeys => ListAccessKeysRequest, ListAccessKeysResponse;
            UpdateAccessKey => UpdateAccessKeyRequest;
            DeleteAccessKey => DeleteAccessKeyRequest;
            CreateGroup => CreateGroupRequest, CreateGroupResponse;
            GetGroup => GetGroupRequest, GetGroupResponse;
            ListGroups => ListGroupsRequest, ListGroupsResponse;
            DeleteGroup => DeleteGroupRequest;
            AddUserToGroup => AddUserToGroupRequest;
            RemoveUserFromGroup => RemoveUserFromGroupRequest;
            ListGroupsForUser => ListGroupsForUserRequest, ListGroupsForUserResponse;
            CreateRole => CreateRoleRequest, CreateRoleResponse;
            GetRole => GetRoleRequest, GetRoleResponse;
            ListRoles => ListRolesRequest, ListRolesResponse;
            DeleteRole => DeleteRoleRequest;
            UpdateAssumeRolePolicy => UpdateAssumeRolePolicyRequest;
            TagRole => TagRoleRequest;
            UntagRole => UntagRoleRequest;
            ListRoleTags => ListRoleTagsRequest, ListRoleTagsResponse;
            PutUserPolicy => PutUserPolicyRequest;
            GetUserPolicy => GetUserPolicyRequest, GetUserPolicyResponse;
            ListUserPolicies => ListUserPoliciesRequest, ListUserPoliciesResponse;
            DeleteUserPolicy => DeleteUserPolicyRequest;
            PutGroupPolicy => PutGroupPolicyRequest;
            GetGroupPolicy => GetGroupPolicyRequest, GetGroupPolicyResponse;
            ListGroupPolicies => ListGroupPoliciesRequest, ListGroupPoliciesResponse;
            DeleteGroupPolicy => DeleteGroupPolicyRequest;
            PutRolePolicy => PutRolePolicyRequest;
            GetRolePolicy => GetRolePolicyRequest, GetRolePolicyResponse;
            ListRolePolicies => ListRolePoliciesRequest, ListRolePoliciesResponse;
            DeleteRolePolicy => DeleteRolePolicyRequest;
            CreatePolicy => CreatePolicyRequest, CreatePolicyResponse;
            GetPolicy => GetPolicyRequest, GetPolicyResponse;
            ListPolicies => ListPoliciesRequest, ListPoliciesResponse;
            DeletePolicy => DeletePolicyRequest;
            CreatePolicyVersion => CreatePolicyVersionRequest, CreatePolicyVersionResponse;
            GetPolicyVersion => GetPolicyVersionRequest, GetPolicyVersionResponse;
            ListPolicyVersions => ListPolicyVersionsRequest, ListPolicyVersionsResponse;
            DeletePolicyVersion => DeletePolicyVersionRequest;
            SetDefaultPolicyVersion => SetDefaultPolicyVersionRequest;
            AttachUserPolicy => AttachUserPolicyRequest;
            DetachUserPolicy => DetachUserPolicyRequest;
            ListAttachedUserPolicies => ListAttachedUserPoliciesRequest, ListAttachedUserPoliciesResponse;
            AttachGroupPolicy => AttachGroupPolicyRequest;
            DetachGroupPolicy => DetachGroupPolicyRequest;
            ListAttachedGroupPolicies => ListAttachedGroupPoliciesRequest, ListAttachedGroupPoliciesResponse;
            AttachRolePolicy => AttachRolePolicyRequest;
            DetachRolePolicy => DetachRolePolicyRequest;
            ListAttachedRolePolicies => ListAttachedRolePoliciesRequest, ListAttachedRolePoliciesResponse;
        }),
        unserved: [
            IamOperation::AcceptDelegationRequest,
            IamOperation::AddClientIDToOpenIDConnectProvider,
            IamOperation::AddRoleToInstanceProfile,
            IamOperation::AssociateDelegationRequest,
            IamOperation::ChangePassword,
            IamOperation::CreateAccountAlias,
            IamOperation::CreateDelegationRequest,
            IamOperation::CreateInstanceProfile,
            IamOperation::CreateLoginProfile,
            IamOperation::CreateOpenIDConnectProvider,
            IamOperation::CreateSAMLProvider,
            IamOperation::CreateServiceLinkedRole,
            IamOperation::CreateServiceSpecificCredential,
            IamOperation::CreateVirtualMFADevice,
            IamOperation::DeactivateMFADevice,
            IamOperation::DeleteAccountAlias,
            IamOperation::DeleteAccountPasswordPolicy,
            IamOperation::DeleteInstanceProfile,
            IamOperation::DeleteLoginProfile,
            IamOperation::DeleteOpenIDConnectProvider,
            IamOperation::DeleteRolePermissionsBoundary,
            IamOperation::DeleteSAMLProvider,
            IamOperation::DeleteSSHPublicKey,
            IamOperation::DeleteServerCertificate,
            IamOperation::DeleteServiceLinkedRole,
            IamOperation::DeleteServiceSpecificCredential,
            IamOperation::DeleteSigningCertificate,
            IamOperation::DeleteUserPermissionsBoundary,
            IamOperation::DeleteVirtualMFADevice,
            IamOperation::DisableOrganizationsRootCredentialsManagement,
            IamOperation::DisableOrganizationsRootSessions,
            IamOperation::DisableOutboundWebIdentityFederation,
            IamOperation::EnableMFADevice,
            IamOperation::EnableOrganizationsRootCredentialsManagement,
            IamOperation::EnableOrganizationsRootSessions,
            IamOperation::EnableOutboundWebIdentityFederation,
            IamOperation::GenerateCredentialReport,
            IamOperation::GenerateOrganizationsAccessReport,
            IamOperation::GenerateServiceLastAccessedDetails,
            IamOperation::GetAccessKeyLastUsed,
            IamOperation::GetAccountAuthorizationDetails,
            IamOperation::GetAccountPasswordPolicy,
            IamOperation::GetAccountSummary,
            IamOperation::GetContextKeysForCustomPolicy,
            IamOperation::GetContextKeysForPrincipalPolicy,
            IamOperation::GetCredentialReport,
            IamOperation::GetDelegationRequest,
            IamOperation::GetHumanReadableSummary,
            IamOperation::GetInstanceProfile,
            IamOperation::GetLoginProfile,
            IamOperation::GetMFADevice,
            IamOperation::GetOpenIDConnectProvider,
            IamOperation::GetOrganizationsAccessReport,
            IamOperation::GetOutboundWebIdentityFederationInfo,
            IamOperation::GetSAMLProvider,
            IamOperation::GetSSHPublicKey,
            IamOperation::GetServerCertificate,
            IamOperation::GetServiceLastAccessedDetails,
            IamOperation::GetServiceLastAccessedDetailsWithEntities,
            IamOperation::GetServiceLinkedRoleDeletionStatus,
            IamOperation::ListAccountAliases,
            IamOperation::ListDelegationRequests,
            IamOperation::ListEntitiesForPolicy,
            IamOperation::ListInstanceProfileTags,
            IamOperation::ListInstanceProfiles,
            IamOperation::ListInstanceProfilesForRole,
            IamOperation::ListMFADeviceTags,
            IamOperation::ListMFADevices,
            IamOperation::ListOpenIDConnectProviderTags,
            IamOperation::ListOpenIDConnectProviders,
            IamOperation::ListOrganizationsFeatures,
            IamOperation::ListPoliciesGrantingServiceAccess,
            IamOperation::ListPolicyTags,
            IamOperation::ListSAMLProviderTags,
            IamOperation::ListSAMLProviders,
            IamOperation::ListSSHPublicKeys,
            IamOperation::ListServerCertificateTags,
            IamOperation::ListServerCertificates,
            IamOperation::ListServiceSpecificCredentials,
            IamOperation::ListSigningCertificates,
            IamOperation::ListVirtualMFADevices,
            IamOperation::PutRolePermissionsBoundary,
            IamOperation::PutUserPermissionsBoundary,
            IamOperation::RejectDelegationRequest,
            IamOperation::RemoveClientIDFromOpenIDConnectProvider,
            IamOperation::RemoveRoleFromInstanceProfile,
            IamOperation::ResetServiceSpecificCredential,
            IamOperation::ResyncMFADevice,
            IamOperation::SendDelegationToken,
            IamOperation::SetSecurityTokenServicePreferences,
            IamOperation::SimulateCustomPolicy,
            IamOperation::SimulatePrincipalPolicy,
            IamOperation::TagInstanceProfile,
            IamOperation::TagMFADevice,
            IamOperation::TagOpenIDConnectProvider,
            IamOperation::TagPolicy,
            IamOperation::TagSAMLProvider,
            IamOperation::TagServerCertificate,
            IamOperation::UntagInstanceProfile,
            IamOperation::UntagMFADevice,
            IamOperation::UntagOpenIDConnectProvider,
            IamOperation::UntagPolicy,
            IamOperation::UntagSAMLProvider,
            IamOperation::UntagServerCertificate,
            IamOperation::UpdateAccountPasswordPolicy,
            IamOperation::UpdateDelegationRequest,
            IamOperation::UpdateGroup,
            IamOperation::UpdateLoginProfile,
            IamOperation::UpdateOpenIDConnectProviderThumbprint,
            IamOperation::UpdateRole,
            IamOperation::UpdateRoleDescription,
            IamOperation::UpdateSAMLProvider,
            IamOperation::UpdateSSHPublicKey,
            IamOperation::UpdateServerCertificate,
            IamOperation::UpdateServiceSpecificCredential,
            IamOperation::UpdateSigningCertificate,
            IamOperation::UpdateUser,
            IamOperation::UploadSSHPublicKey,
            IamOperation::UploadServerCertificate,
            IamOperation::UploadSigningCertificate,
        ]
        .into_iter()
        .map(Target::from)
        .collect(),
        // Every structure reachable from a served input or output; ours keep
        // the model's names.
        nested: vec![
            ("AccessKey", dto!(AccessKey)),
            ("AccessKeyMetadata", dto!(AccessKeyMetadata)),
            (
                "AttachedPermissionsBoundary",
                dto!(AttachedPermissionsBoundary),
            ),
            ("AttachedPolicy", dto!(AttachedPolicy)),
            ("Group", dto!(Group)),
            ("Policy", dto!(Policy)),
            ("PolicyVersion", dto!(PolicyVersion)),
            ("Role", dto!(Role)),
            ("RoleLastUsed", dto!(RoleLastUsed)),
            ("Tag", dto!(Tag)),
            ("User", dto!(User)),
        ],
        source: include_str!("../iam.rs"),
    }
}

#[test]
fn serves_56_operations_and_lists_the_other_120() {
    let api = api();
    assert_eq!(api.operations.len(), 56);
    assert_eq!(api.unserved.len(), 120);
    let without_output = api.operations.iter().filter(|r| r.response.is_none());
    assert_eq!(without_output.count(), 27);
}
