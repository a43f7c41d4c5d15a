//! The AWS managed policies Tresor provides: listed, readable, attachable,
//! never changed.

use tresor_wire::ErrorCode;
use tresor_wire::IamOperation::*;

use super::client::{Iam, all, text, url_decode};

const ADMIN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

fn allow(action: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
    )
}

#[tokio::test]
async fn aws_managed_policies_are_there_attachable_and_read_only() {
    let iam = Iam::new().await;
    let aws = iam.ok(ListPolicies, &[("Scope", "AWS")]).await;
    let names = all(&aws, "PolicyName");
    for name in [
        "AdministratorAccess",
        "IAMFullAccess",
        "IAMReadOnlyAccess",
        "SecretsManagerReadWrite",
    ] {
        assert!(names.contains(&name.to_string()), "{name} in {names:?}");
    }
    assert!(aws.contains("<PolicyId>ANPAIWMBCKSKIEE64ZLYK</PolicyId>"));
    let local = iam.ok(ListPolicies, &[("Scope", "Local")]).await;
    assert!(all(&local, "PolicyName").is_empty(), "{local}");

    let got = iam.ok(GetPolicy, &[("PolicyArn", ADMIN)]).await;
    assert_eq!(text(&got, "PolicyName").unwrap(), "AdministratorAccess");
    assert_eq!(text(&got, "CreateDate").unwrap(), "2015-02-06T18:39:46Z");
    let version = iam
        .ok(
            GetPolicyVersion,
            &[("PolicyArn", ADMIN), ("VersionId", "v1")],
        )
        .await;
    assert!(url_decode(&text(&version, "Document").unwrap()).contains(r#""Action": "*""#));

    // Attached, it gives a user everything.
    let key = iam.user_with_key("admin").await;
    assert_eq!(
        iam.call_as(&key, CreateUser, &[("UserName", "x")])
            .await
            .unwrap_err()
            .code,
        ErrorCode::AccessDenied
    );
    iam.ok(
        AttachUserPolicy,
        &[("UserName", "admin"), ("PolicyArn", ADMIN)],
    )
    .await;
    iam.call_as(&key, CreateUser, &[("UserName", "x")])
        .await
        .unwrap();
    let attached = iam.ok(ListPolicies, &[("OnlyAttached", "true")]).await;
    assert_eq!(all(&attached, "PolicyName"), vec!["AdministratorAccess"]);

    // Never changed or deleted, even by the root.
    let changes: [(tresor_wire::IamOperation, Vec<(&str, &str)>); 4] = [
        (DeletePolicy, vec![("PolicyArn", ADMIN)]),
        (
            CreatePolicyVersion,
            vec![
                ("PolicyArn", ADMIN),
                (
                    "PolicyDocument",
                    r#"{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#,
                ),
            ],
        ),
        (
            DeletePolicyVersion,
            vec![("PolicyArn", ADMIN), ("VersionId", "v1")],
        ),
        (
            SetDefaultPolicyVersion,
            vec![("PolicyArn", ADMIN), ("VersionId", "v1")],
        ),
    ];
    for (op, params) in &changes {
        let e = iam.err(*op, params).await;
        assert_eq!(e.code, ErrorCode::AccessDenied, "{op:?}: {e}");
        assert_eq!(e.code.http_status(), 403);
    }
    iam.call_as(&key, CreateUser, &[("UserName", "y")])
        .await
        .unwrap();

    // A customer policy may share an AWS managed policy's name.
    iam.ok(
        CreatePolicy,
        &[
            ("PolicyName", "AdministratorAccess"),
            ("PolicyDocument", &allow("s3:GetObject")),
        ],
    )
    .await;
    let all_scopes = iam.ok(ListPolicies, &[("PathPrefix", "/")]).await;
    let admins = all(&all_scopes, "PolicyName")
        .into_iter()
        .filter(|n| n == "AdministratorAccess")
        .count();
    assert_eq!(admins, 2);
}
