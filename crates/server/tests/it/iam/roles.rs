//! Roles: trust policies as IAM validates them, session durations, tags,
//! inline policies and what blocks DeleteRole.

use tresor_wire::ErrorCode;
use tresor_wire::IamOperation::*;

use super::client::{Iam, all, assert_error, text, url_decode};

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#;

#[tokio::test]
async fn roles_keep_their_trust_policy() {
    let iam = Iam::new().await;
    let xml = iam
        .ok(
            CreateRole,
            &[
                ("RoleName", "reader"),
                ("Path", "/apps/"),
                ("AssumeRolePolicyDocument", TRUST),
                ("Description", "reads things"),
                ("Tags.member.1.Key", "team"),
                ("Tags.member.1.Value", "a"),
            ],
        )
        .await;
    assert_eq!(
        text(&xml, "Arn").unwrap(),
        "arn:aws:iam::111122223333:role/apps/reader"
    );
    assert!(text(&xml, "RoleId").unwrap().starts_with("AROA"));
    assert_eq!(text(&xml, "MaxSessionDuration").unwrap(), "3600");
    // IAM sends policy documents URL-encoded.
    assert_eq!(
        url_decode(&text(&xml, "AssumeRolePolicyDocument").unwrap()),
        TRUST
    );
    assert_eq!(text(&xml, "Description").unwrap(), "reads things");

    let got = iam.ok(GetRole, &[("RoleName", "READER")]).await;
    assert_eq!(text(&got, "RoleName").unwrap(), "reader");
    assert!(got.contains("<RoleLastUsed></RoleLastUsed>"), "{got}");
    assert_eq!(text(&got, "Key").unwrap(), "team");
    let listed = iam.ok(ListRoles, &[]).await;
    assert_eq!(all(&listed, "RoleName"), vec!["reader"]);
    assert!(!listed.contains("RoleLastUsed") && !listed.contains("<Tags>"));

    let dup = iam
        .err(
            CreateRole,
            &[("RoleName", "Reader"), ("AssumeRolePolicyDocument", TRUST)],
        )
        .await;
    assert_error(
        &dup,
        ErrorCode::EntityAlreadyExists,
        "Role with name Reader already exists.",
    );

    let long = iam
        .ok(
            CreateRole,
            &[
                ("RoleName", "long"),
                ("AssumeRolePolicyDocument", TRUST),
                ("MaxSessionDuration", "43200"),
            ],
        )
        .await;
    assert_eq!(text(&long, "MaxSessionDuration").unwrap(), "43200");
    let too_long = iam
        .err(
            CreateRole,
            &[
                ("RoleName", "longer"),
                ("AssumeRolePolicyDocument", TRUST),
                ("MaxSessionDuration", "43201"),
            ],
        )
        .await;
    assert_eq!(too_long.code, ErrorCode::ValidationError);

    let web = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"]}]}"#;
    iam.ok(
        UpdateAssumeRolePolicy,
        &[("RoleName", "reader"), ("PolicyDocument", web)],
    )
    .await;
    let got = iam.ok(GetRole, &[("RoleName", "reader")]).await;
    assert_eq!(
        url_decode(&text(&got, "AssumeRolePolicyDocument").unwrap()),
        web
    );

    iam.ok(
        TagRole,
        &[
            ("RoleName", "reader"),
            ("Tags.member.1.Key", "env"),
            ("Tags.member.1.Value", "x"),
        ],
    )
    .await;
    iam.ok(
        UntagRole,
        &[("RoleName", "reader"), ("TagKeys.member.1", "TEAM")],
    )
    .await;
    let tags = iam.ok(ListRoleTags, &[("RoleName", "reader")]).await;
    assert_eq!(all(&tags, "Key"), vec!["env"]);
}

#[tokio::test]
async fn trust_policies_are_validated_as_iam_does() {
    let iam = Iam::new().await;
    let cases = [
        (
            TRUST.replace(
                r#""Principal":{"AWS":"arn:aws:iam::111122223333:root"},"#,
                "",
            ),
            "Missing required field Principal",
        ),
        (
            TRUST.replace(r#""Action""#, r#""Resource":"*","Action""#),
            "Has prohibited field Resource",
        ),
        (
            TRUST.replace("sts:AssumeRole", "secretsmanager:GetSecretValue"),
            "AssumeRole policy may only specify STS AssumeRole actions.",
        ),
    ];
    for (document, message) in &cases {
        let e = iam
            .err(
                CreateRole,
                &[("RoleName", "r"), ("AssumeRolePolicyDocument", document)],
            )
            .await;
        assert_error(&e, ErrorCode::MalformedPolicyDocument, message);
    }
    let e = iam
        .err(
            CreateRole,
            &[("RoleName", "r"), ("AssumeRolePolicyDocument", "{not json")],
        )
        .await;
    assert_eq!(e.code, ErrorCode::MalformedPolicyDocument);
    assert!(all(&iam.ok(ListRoles, &[]).await, "RoleName").is_empty());

    iam.ok(
        CreateRole,
        &[("RoleName", "r"), ("AssumeRolePolicyDocument", TRUST)],
    )
    .await;
    let e = iam
        .err(
            UpdateAssumeRolePolicy,
            &[("RoleName", "r"), ("PolicyDocument", &cases[1].0)],
        )
        .await;
    assert_eq!(e.code, ErrorCode::MalformedPolicyDocument);
    // The role keeps its old trust policy.
    let got = iam.ok(GetRole, &[("RoleName", "r")]).await;
    assert_eq!(
        url_decode(&text(&got, "AssumeRolePolicyDocument").unwrap()),
        TRUST
    );
    let missing = iam
        .err(
            UpdateAssumeRolePolicy,
            &[("RoleName", "nope"), ("PolicyDocument", TRUST)],
        )
        .await;
    assert_error(
        &missing,
        ErrorCode::NoSuchEntity,
        "The role with name nope cannot be found.",
    );
}

#[tokio::test]
async fn a_role_with_policies_cannot_be_deleted() {
    let iam = Iam::new().await;
    iam.ok(
        CreateRole,
        &[("RoleName", "worker"), ("AssumeRolePolicyDocument", TRUST)],
    )
    .await;
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
    iam.ok(
        PutRolePolicy,
        &[
            ("RoleName", "worker"),
            ("PolicyName", "read"),
            ("PolicyDocument", policy),
        ],
    )
    .await;
    let got = iam
        .ok(
            GetRolePolicy,
            &[("RoleName", "worker"), ("PolicyName", "read")],
        )
        .await;
    assert_eq!(text(&got, "RoleName").unwrap(), "worker");
    assert_eq!(url_decode(&text(&got, "PolicyDocument").unwrap()), policy);
    assert_eq!(
        all(
            &iam.ok(ListRolePolicies, &[("RoleName", "worker")]).await,
            "member"
        ),
        vec!["read"]
    );
    let busy = iam.err(DeleteRole, &[("RoleName", "worker")]).await;
    assert_error(
        &busy,
        ErrorCode::DeleteConflict,
        "Cannot delete entity, must delete policies first.",
    );
    iam.ok(
        DeleteRolePolicy,
        &[("RoleName", "worker"), ("PolicyName", "read")],
    )
    .await;
    let gone = iam
        .err(
            GetRolePolicy,
            &[("RoleName", "worker"), ("PolicyName", "read")],
        )
        .await;
    assert_error(
        &gone,
        ErrorCode::NoSuchEntity,
        "The role policy with name read cannot be found.",
    );

    iam.ok(
        AttachRolePolicy,
        &[
            ("RoleName", "worker"),
            (
                "PolicyArn",
                "arn:aws:iam::aws:policy/SecretsManagerReadWrite",
            ),
        ],
    )
    .await;
    let busy = iam.err(DeleteRole, &[("RoleName", "worker")]).await;
    assert_error(
        &busy,
        ErrorCode::DeleteConflict,
        "Cannot delete entity, must detach all policies first.",
    );
    let attached = iam
        .ok(ListAttachedRolePolicies, &[("RoleName", "worker")])
        .await;
    assert_eq!(
        all(&attached, "PolicyName"),
        vec!["SecretsManagerReadWrite"]
    );
    iam.ok(
        DetachRolePolicy,
        &[
            ("RoleName", "worker"),
            (
                "PolicyArn",
                "arn:aws:iam::aws:policy/SecretsManagerReadWrite",
            ),
        ],
    )
    .await;
    iam.ok(DeleteRole, &[("RoleName", "worker")]).await;
}
