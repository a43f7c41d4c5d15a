//! Who may do what: the root may do anything, a user only what its
//! policies allow, decided on the entity's ARN before anything about the
//! entity is revealed; role sessions must name the user they mean.

use std::sync::Arc;

use tresor_server::identity::{Principal, PrincipalKind, RoleSession};
use tresor_wire::IamOperation::*;
use tresor_wire::{ErrorCode, Target};

use super::client::{Iam, all, assert_error, form, text};

#[tokio::test]
async fn a_user_without_policies_may_do_nothing() {
    let iam = Iam::new().await;
    let key = iam.user_with_key("mallory").await;
    let calls: [(_, &[(&str, &str)]); 6] = [
        (ListUsers, &[]),
        (CreateUser, &[("UserName", "eve")]),
        (GetUser, &[]),
        (ListPolicies, &[]),
        (CreateAccessKey, &[]),
        (
            GetPolicy,
            &[("PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess")],
        ),
    ];
    for (op, params) in calls {
        let e = iam.call_as(&key, op, params).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::AccessDenied, "{op:?}: {e}");
        assert_eq!(e.code.http_status(), 403);
    }
    let e = iam.call_as(&key, ListRoles, &[]).await.unwrap_err();
    assert_error(
        &e,
        ErrorCode::AccessDenied,
        "User: arn:aws:iam::111122223333:user/mallory is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::111122223333:role/ because no identity-based policy allows the iam:ListRoles action",
    );
    // Nothing was created on the way.
    assert_eq!(
        all(&iam.ok(ListUsers, &[]).await, "UserName"),
        vec!["mallory"]
    );
}

#[tokio::test]
async fn denials_do_not_reveal_what_exists() {
    let iam = Iam::new().await;
    let key = iam.user_with_key("mallory").await;
    iam.ok(CreateUser, &[("UserName", "victim"), ("Path", "/vip/")])
        .await;
    // Allowed on users outside /vip/ only.
    iam.allow(
        "mallory",
        &["iam:GetUser"],
        "arn:aws:iam::111122223333:user/staff/*",
    )
    .await;
    let existing = iam
        .call_as(&key, GetUser, &[("UserName", "victim")])
        .await
        .unwrap_err();
    let missing = iam
        .call_as(&key, GetUser, &[("UserName", "ghost")])
        .await
        .unwrap_err();
    assert_eq!(existing.code, ErrorCode::AccessDenied);
    assert_eq!(missing.code, ErrorCode::AccessDenied);
    // Checked on the stored ARN (its real path), whatever the spelling.
    assert!(
        existing
            .message
            .contains("on resource: arn:aws:iam::111122223333:user/vip/victim"),
        "{existing}"
    );
    let spelled = iam
        .call_as(&key, GetUser, &[("UserName", "VICTIM")])
        .await
        .unwrap_err();
    assert_eq!(spelled.message, existing.message);

    iam.ok(CreateUser, &[("UserName", "sam"), ("Path", "/staff/")])
        .await;
    let xml = iam
        .call_as(&key, GetUser, &[("UserName", "sam")])
        .await
        .unwrap();
    assert_eq!(text(&xml, "UserName").unwrap(), "sam");
}

#[tokio::test]
async fn explicit_denies_win_and_tags_condition_decisions() {
    let iam = Iam::new().await;
    let key = iam.user_with_key("ops").await;
    iam.ok(
        CreateUser,
        &[
            ("UserName", "a"),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "blue"),
        ],
    )
    .await;
    iam.ok(
        CreateUser,
        &[
            ("UserName", "b"),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "red"),
        ],
    )
    .await;
    let document = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"iam:*","Resource":"*"},
        {"Effect":"Deny","Action":"iam:DeleteUser","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"red"}}}]}"#;
    iam.ok(
        PutUserPolicy,
        &[
            ("UserName", "ops"),
            ("PolicyName", "p"),
            ("PolicyDocument", document),
        ],
    )
    .await;
    let denied = iam
        .call_as(&key, DeleteUser, &[("UserName", "b")])
        .await
        .unwrap_err();
    assert_eq!(denied.code, ErrorCode::AccessDenied);
    assert!(denied.message.contains("explicit deny"), "{denied}");
    iam.call_as(&key, DeleteUser, &[("UserName", "a")])
        .await
        .unwrap();
}

#[tokio::test]
async fn request_tags_and_attached_policy_arns_condition_decisions() {
    let iam = Iam::new().await;
    let key = iam.user_with_key("lead").await;
    let document = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["iam:CreateUser","iam:TagUser"],"Resource":"*",
         "Condition":{"StringEquals":{"aws:RequestTag/team":"blue"},"ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}},
        {"Effect":"Allow","Action":"iam:AttachUserPolicy","Resource":"*",
         "Condition":{"ArnEquals":{"iam:PolicyARN":"arn:aws:iam::aws:policy/IAMReadOnlyAccess"}}}]}"#;
    iam.ok(
        PutUserPolicy,
        &[
            ("UserName", "lead"),
            ("PolicyName", "p"),
            ("PolicyDocument", document),
        ],
    )
    .await;
    let red = [
        ("UserName", "r"),
        ("Tags.member.1.Key", "team"),
        ("Tags.member.1.Value", "red"),
    ];
    let e = iam.call_as(&key, CreateUser, &red).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::AccessDenied);
    let untagged = iam
        .call_as(&key, CreateUser, &[("UserName", "u")])
        .await
        .unwrap_err();
    assert_eq!(untagged.code, ErrorCode::AccessDenied);
    let blue = [
        ("UserName", "b"),
        ("Tags.member.1.Key", "team"),
        ("Tags.member.1.Value", "blue"),
    ];
    iam.call_as(&key, CreateUser, &blue).await.unwrap();
    let extra = [
        ("UserName", "b"),
        ("Tags.member.1.Key", "team"),
        ("Tags.member.1.Value", "blue"),
        ("Tags.member.2.Key", "cost"),
        ("Tags.member.2.Value", "x"),
    ];
    let e = iam.call_as(&key, TagUser, &extra).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::AccessDenied);

    let read_only = [
        ("UserName", "b"),
        ("PolicyArn", "arn:aws:iam::aws:policy/IAMReadOnlyAccess"),
    ];
    iam.call_as(&key, AttachUserPolicy, &read_only)
        .await
        .unwrap();
    let admin = [
        ("UserName", "b"),
        ("PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess"),
    ];
    let e = iam
        .call_as(&key, AttachUserPolicy, &admin)
        .await
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::AccessDenied);
}

#[tokio::test]
async fn role_sessions_must_name_the_user() {
    let iam = Iam::new().await;
    let principal = Arc::new(Principal {
        arn: "arn:aws:sts::111122223333:assumed-role/reader/app".into(),
        account_id: "111122223333".into(),
        kind: PrincipalKind::AssumedRole(Arc::new(RoleSession {
            role_id: "AROAEXAMPLEEXAMPLE123".into(),
            role_arn: "arn:aws:iam::111122223333:role/reader".into(),
            role_name: "reader".into(),
            session_name: "app".into(),
            session_policies: vec![],
            tags: vec![],
            federated_provider: None,
            issued_ms: 0,
            expires_ms: i64::MAX,
        })),
        tags: vec![],
        session_issued_ms: Some(0),
    });
    for op in [GetUser, CreateAccessKey, ListAccessKeys] {
        let target = Target::Iam(op);
        let ctx = iam.h.ctx_for(Arc::clone(&principal), target).await;
        let e = iam
            .h
            .service
            .handle(&ctx, target, &form(op, &[]))
            .await
            .unwrap_err();
        assert_error(
            &e,
            ErrorCode::ValidationError,
            "Must specify userName when calling with non-User credentials",
        );
    }
}

#[tokio::test]
async fn the_root_is_allowed_and_every_answer_stood_on_a_decision() {
    let iam = Iam::new().await;
    let target = Target::Iam(ListUsers);
    let ctx = iam.h.ctx(target);
    assert!(!ctx.access.was_checked());
    iam.h
        .service
        .handle(&ctx, target, &form(ListUsers, &[]))
        .await
        .unwrap();
    assert!(ctx.access.was_checked());
}
