//! The typed row of every served operation: decode its request into the
//! DTO and back to JSON, encode a response DTO given as JSON.

use serde_json::Value;
use tresor_wire::dto::{iam::*, sts::*};
use tresor_wire::query::{decode_query, encode_query_response};
use tresor_wire::{AwsError, IamOperation, StsOperation, Target};

pub struct Row {
    pub target: Target,
    /// The body decoded into the request DTO, serialised back to JSON.
    pub decode: fn(&[u8]) -> Result<Value, AwsError>,
    /// A response DTO given as JSON, as XML (`None`: no output shape).
    pub encode: Option<fn(&Value, &str) -> Vec<u8>>,
}

macro_rules! rows {
    ($enum:ident { $($op:ident => $req:ty $(, $resp:ty)?;)* }) => {
        vec![$(Row {
            target: Target::from($enum::$op),
            decode: |body| {
                let request: $req = decode_query($enum::$op, body)?;
                Ok(serde_json::to_value(&request).expect("a DTO serialises"))
            },
            encode: rows!(@encode $enum::$op $(, $resp)?),
        },)*]
    };
    (@encode $op:expr) => {
        None
    };
    (@encode $op:expr, $resp:ty) => {
        Some(|value: &Value, request_id: &str| {
            let response: $resp =
                serde_json::from_value(value.clone()).expect("the sample fits the DTO");
            encode_query_response($op, &response, request_id)
        })
    };
}

pub fn rows() -> Vec<Row> {
    let mut rows = rows!(IamOperation {
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
    });
    rows.extend(rows!(StsOperation {
        GetCallerIdentity => GetCallerIdentityRequest, GetCallerIdentityResponse;
        AssumeRole => AssumeRoleRequest, AssumeRoleResponse;
        AssumeRoleWithWebIdentity => AssumeRoleWithWebIdentityRequest, AssumeRoleWithWebIdentityResponse;
        GetSessionToken => GetSessionTokenRequest, GetSessionTokenResponse;
    }));
    rows
}

pub fn row(service: &str, operation: &str) -> &'static Row {
    static ROWS: std::sync::OnceLock<Vec<Row>> = std::sync::OnceLock::new();
    ROWS.get_or_init(rows)
        .iter()
        .find(|r| r.target.service().signing_name() == service && r.target.name() == operation)
        .unwrap_or_else(|| panic!("{service} {operation} is not served"))
}
