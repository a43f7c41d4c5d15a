//! STS's tables: the 4 operations Tresor serves (GetCallerIdentity,
//! AssumeRole, AssumeRoleWithWebIdentity, GetSessionToken), and the
//! 7 it does not (SAML, root and federation tokens, …), which have
//! no DTOs.

use super::Api;
use crate::dto::sts::*;
use crate::operation::{Service, StsOperation, Target};

pub(super) fn api() -> Api {
    Api {
        service: Service::Sts,
        all_operations: StsOperation::ALL
            .iter()
            .copied()
            .map(Target::from)
            .collect(),
        // A row without a response type: the model has no output shape, and
        // AWS answers with only the response metadata.
        operations: operation_table!(StsOperation {
            GetCallerIdentity => GetCallerIdentityRequest, GetCallerIdentityResponse;
            AssumeRole => AssumeRoleRequest, AssumeRoleResponse;
            AssumeRoleWithWebIdentity => AssumeRoleWithWebIdentityRequest, AssumeRoleWithWebIdentityResponse;
            GetSessionToken => GetSessionTokenRequest, GetSessionTokenResponse;
        }),
        unserved: [
            StsOperation::AssumeRoleWithSAML,
            StsOperation::AssumeRoot,
            StsOperation::DecodeAuthorizationMessage,
            StsOperation::GetAccessKeyInfo,
            StsOperation::GetDelegatedAccessToken,
            StsOperation::GetFederationToken,
            StsOperation::GetWebIdentityToken,
        ]
        .into_iter()
        .map(Target::from)
        .collect(),
        // Every structure reachable from a served input or output; ours keep
        // the model's names.
        nested: vec![
            ("AssumedRoleUser", dto!(AssumedRoleUser)),
            ("Credentials", dto!(Credentials)),
            ("PolicyDescriptorType", dto!(PolicyDescriptorType)),
            ("ProvidedContext", dto!(ProvidedContext)),
            ("Tag", dto!(Tag)),
        ],
        source: include_str!("../sts.rs"),
    }
}

#[test]
fn serves_4_operations_and_lists_the_other_7() {
    let api = api();
    assert_eq!(api.operations.len(), 4);
    assert_eq!(api.unserved.len(), 7);
    let without_output = api.operations.iter().filter(|r| r.response.is_none());
    assert_eq!(without_output.count(), 0);
}
