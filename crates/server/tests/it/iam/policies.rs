//! Inline and managed policies, versions and attachments.

use tresor_wire::ErrorCode;
use tresor_wire::IamOperation::*;

use super::client::{Iam, all, assert_error, text, url_decode};

fn allow(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
    )
}

#[tokio::test]
async fn inline_user_policies() {
    let iam = Iam::new().await;
    iam.ok(CreateUser, &[("UserName", "alice")]).await;
    let put = |name: &'static str, doc: String| {
        let iam = &iam;
        async move {
            iam.call(
                PutUserPolicy,
                &[
                    ("UserName", "alice"),
                    ("PolicyName", name),
                    ("PolicyDocument", &doc),
                ],
            )
            .await
        }
    };
    put("read", allow("s3:GetObject")).await.unwrap();
    put("read", allow("s3:ListBucket")).await.unwrap();
    let got = iam
        .ok(
            GetUserPolicy,
            &[("UserName", "alice"), ("PolicyName", "read")],
        )
        .await;
    assert_eq!(
        url_decode(&text(&got, "PolicyDocument").unwrap()),
        allow("s3:ListBucket")
    );
    assert_eq!(text(&got, "UserName").unwrap(), "alice");

    let malformed = put("bad", "{not json".into()).await.unwrap_err();
    assert_eq!(malformed.code, ErrorCode::MalformedPolicyDocument);
    let principal = allow("s3:GetObject").replace(r#""Effect""#, r#""Principal":"*","Effect""#);
    assert_error(
        &put("bad", principal).await.unwrap_err(),
        ErrorCode::MalformedPolicyDocument,
        "Policy document should not specify a principal.",
    );
    // The user's inline policies together stay within 2,048 characters.
    let big = allow(&format!("s3:{}", "A".repeat(1_900)));
    assert_error(
        &put("big", big).await.unwrap_err(),
        ErrorCode::LimitExceeded,
        "Maximum policy size of 2048 bytes exceeded for user alice",
    );
    // A missing user wins over a malformed document.
    let missing = iam
        .err(
            PutUserPolicy,
            &[
                ("UserName", "zed"),
                ("PolicyName", "p"),
                ("PolicyDocument", "{"),
            ],
        )
        .await;
    assert_eq!(missing.code, ErrorCode::NoSuchEntity);

    let listed = iam.ok(ListUserPolicies, &[("UserName", "alice")]).await;
    assert_eq!(all(&listed, "member"), vec!["read"]);
    let busy = iam.err(DeleteUser, &[("UserName", "alice")]).await;
    assert_error(
        &busy,
        ErrorCode::DeleteConflict,
        "Cannot delete entity, must delete policies first.",
    );
    iam.ok(
        DeleteUserPolicy,
        &[("UserName", "alice"), ("PolicyName", "read")],
    )
    .await;
    let gone = iam
        .err(
            DeleteUserPolicy,
            &[("UserName", "alice"), ("PolicyName", "read")],
        )
        .await;
    assert_error(
        &gone,
        ErrorCode::NoSuchEntity,
        "The user policy with name read cannot be found.",
    );
    iam.ok(DeleteUser, &[("UserName", "alice")]).await;
}

#[tokio::test]
async fn managed_policies_and_their_versions() {
    let iam = Iam::new().await;
    let xml = iam
        .ok(
            CreatePolicy,
            &[
                ("PolicyName", "readers"),
                ("Path", "/team/"),
                ("PolicyDocument", &allow("secretsmanager:GetSecretValue")),
                ("Description", "read secrets"),
            ],
        )
        .await;
    let arn = "arn:aws:iam::111122223333:policy/team/readers";
    assert_eq!(text(&xml, "Arn").unwrap(), arn);
    assert!(text(&xml, "PolicyId").unwrap().starts_with("ANPA"));
    assert_eq!(text(&xml, "DefaultVersionId").unwrap(), "v1");
    assert_eq!(text(&xml, "AttachmentCount").unwrap(), "0");
    assert_eq!(text(&xml, "PermissionsBoundaryUsageCount").unwrap(), "0");
    assert_eq!(text(&xml, "IsAttachable").unwrap(), "true");
    let dup = iam
        .err(
            CreatePolicy,
            &[
                ("PolicyName", "READERS"),
                ("PolicyDocument", &allow("s3:GetObject")),
            ],
        )
        .await;
    assert_error(
        &dup,
        ErrorCode::EntityAlreadyExists,
        "A policy called READERS already exists. Duplicate names are not allowed.",
    );

    // Up to five versions.
    for n in 2..=5 {
        let xml = iam
            .ok(
                CreatePolicyVersion,
                &[
                    ("PolicyArn", arn),
                    ("PolicyDocument", &allow(&format!("s3:Get{n}"))),
                ],
            )
            .await;
        assert_eq!(text(&xml, "VersionId").unwrap(), format!("v{n}"));
        assert_eq!(text(&xml, "IsDefaultVersion").unwrap(), "false");
    }
    let sixth = iam
        .err(
            CreatePolicyVersion,
            &[("PolicyArn", arn), ("PolicyDocument", &allow("s3:X"))],
        )
        .await;
    assert_error(
        &sixth,
        ErrorCode::LimitExceeded,
        "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
    );
    let listed = iam.ok(ListPolicyVersions, &[("PolicyArn", arn)]).await;
    assert_eq!(
        all(&listed, "VersionId"),
        vec!["v5", "v4", "v3", "v2", "v1"]
    );
    assert!(!listed.contains("<Document>"));

    iam.ok(
        SetDefaultPolicyVersion,
        &[("PolicyArn", arn), ("VersionId", "v3")],
    )
    .await;
    let got = iam.ok(GetPolicy, &[("PolicyArn", arn)]).await;
    assert_eq!(text(&got, "DefaultVersionId").unwrap(), "v3");
    assert_eq!(text(&got, "Description").unwrap(), "read secrets");
    let default = iam
        .err(
            DeletePolicyVersion,
            &[("PolicyArn", arn), ("VersionId", "v3")],
        )
        .await;
    assert_error(
        &default,
        ErrorCode::DeleteConflict,
        "Cannot delete the default version of a policy.",
    );
    iam.ok(
        DeletePolicyVersion,
        &[("PolicyArn", arn), ("VersionId", "v1")],
    )
    .await;
    // Version ids are never reused.
    let xml = iam
        .ok(
            CreatePolicyVersion,
            &[
                ("PolicyArn", arn),
                ("PolicyDocument", &allow("s3:Get6")),
                ("SetAsDefault", "true"),
            ],
        )
        .await;
    assert_eq!(text(&xml, "VersionId").unwrap(), "v6");
    assert_eq!(text(&xml, "IsDefaultVersion").unwrap(), "true");
    let v6 = iam
        .ok(GetPolicyVersion, &[("PolicyArn", arn), ("VersionId", "v6")])
        .await;
    assert_eq!(
        url_decode(&text(&v6, "Document").unwrap()),
        allow("s3:Get6")
    );
    let missing = iam
        .err(GetPolicyVersion, &[("PolicyArn", arn), ("VersionId", "v1")])
        .await;
    assert_eq!(missing.code, ErrorCode::NoSuchEntity);

    // Attached or with other versions, a policy stays.
    iam.ok(CreateUser, &[("UserName", "alice")]).await;
    iam.ok(
        AttachUserPolicy,
        &[("UserName", "alice"), ("PolicyArn", arn)],
    )
    .await;
    let count = iam.ok(GetPolicy, &[("PolicyArn", arn)]).await;
    assert_eq!(text(&count, "AttachmentCount").unwrap(), "1");
    let attached = iam.err(DeletePolicy, &[("PolicyArn", arn)]).await;
    assert_error(
        &attached,
        ErrorCode::DeleteConflict,
        "Cannot delete a policy attached to entities.",
    );
    iam.ok(
        DetachUserPolicy,
        &[("UserName", "alice"), ("PolicyArn", arn)],
    )
    .await;
    let versions = iam.err(DeletePolicy, &[("PolicyArn", arn)]).await;
    assert_eq!(versions.code, ErrorCode::DeleteConflict);
    for v in ["v2", "v3", "v4", "v5"] {
        iam.ok(DeletePolicyVersion, &[("PolicyArn", arn), ("VersionId", v)])
            .await;
    }
    iam.ok(DeletePolicy, &[("PolicyArn", arn)]).await;
    let gone = iam.err(GetPolicy, &[("PolicyArn", arn)]).await;
    assert_error(
        &gone,
        ErrorCode::NoSuchEntity,
        &format!("Policy {arn} was not found."),
    );
    let invalid = iam
        .err(GetPolicy, &[("PolicyArn", "not-an-arn-at-all-really")])
        .await;
    assert_eq!(invalid.code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn attachments_give_and_take_permissions() {
    let iam = Iam::new().await;
    let key = iam.user_with_key("alice").await;
    let arn = "arn:aws:iam::111122223333:policy/lister";
    iam.ok(
        CreatePolicy,
        &[
            ("PolicyName", "lister"),
            ("PolicyDocument", &allow("iam:ListUsers")),
        ],
    )
    .await;
    assert_eq!(
        iam.call_as(&key, ListUsers, &[]).await.unwrap_err().code,
        ErrorCode::AccessDenied
    );
    iam.ok(
        AttachUserPolicy,
        &[("UserName", "alice"), ("PolicyArn", arn)],
    )
    .await;
    // Twice is no error.
    iam.ok(
        AttachUserPolicy,
        &[("UserName", "alice"), ("PolicyArn", arn)],
    )
    .await;
    iam.call_as(&key, ListUsers, &[]).await.unwrap();
    let listed = iam
        .ok(ListAttachedUserPolicies, &[("UserName", "alice")])
        .await;
    assert_eq!(all(&listed, "PolicyArn"), vec![arn]);
    let other_path = iam
        .ok(
            ListAttachedUserPolicies,
            &[("UserName", "alice"), ("PathPrefix", "/x/")],
        )
        .await;
    assert!(all(&other_path, "PolicyArn").is_empty());

    // The default version is what applies.
    iam.ok(
        CreatePolicyVersion,
        &[
            ("PolicyArn", arn),
            ("PolicyDocument", &allow("iam:GetUser")),
            ("SetAsDefault", "true"),
        ],
    )
    .await;
    assert_eq!(
        iam.call_as(&key, ListUsers, &[]).await.unwrap_err().code,
        ErrorCode::AccessDenied
    );
    iam.ok(
        SetDefaultPolicyVersion,
        &[("PolicyArn", arn), ("VersionId", "v1")],
    )
    .await;
    iam.call_as(&key, ListUsers, &[]).await.unwrap();

    let busy = iam.err(DeleteUser, &[("UserName", "alice")]).await;
    assert_eq!(busy.code, ErrorCode::DeleteConflict);
    iam.ok(
        DetachUserPolicy,
        &[("UserName", "alice"), ("PolicyArn", arn)],
    )
    .await;
    assert_eq!(
        iam.call_as(&key, ListUsers, &[]).await.unwrap_err().code,
        ErrorCode::AccessDenied
    );
    let not_attached = iam
        .err(
            DetachUserPolicy,
            &[("UserName", "alice"), ("PolicyArn", arn)],
        )
        .await;
    assert_error(
        &not_attached,
        ErrorCode::NoSuchEntity,
        &format!("Policy {arn} was not found."),
    );
    let missing = "arn:aws:iam::111122223333:policy/nothing";
    let none = iam
        .err(
            AttachUserPolicy,
            &[("UserName", "alice"), ("PolicyArn", missing)],
        )
        .await;
    assert_error(
        &none,
        ErrorCode::NoSuchEntity,
        &format!("Policy {missing} does not exist or is not attachable."),
    );
}
