//! Groups and membership, and what a group's policies give its members.

use tresor_wire::ErrorCode;
use tresor_wire::IamOperation::*;

use super::client::{Iam, all, assert_error, text, url_decode};

#[tokio::test]
async fn groups_hold_users_until_they_are_removed() {
    let iam = Iam::new().await;
    let xml = iam
        .ok(CreateGroup, &[("GroupName", "admins"), ("Path", "/ops/")])
        .await;
    assert_eq!(
        text(&xml, "Arn").unwrap(),
        "arn:aws:iam::111122223333:group/ops/admins"
    );
    assert!(text(&xml, "GroupId").unwrap().starts_with("AGPA"));
    let dup = iam.err(CreateGroup, &[("GroupName", "Admins")]).await;
    assert_error(
        &dup,
        ErrorCode::EntityAlreadyExists,
        "Group with name Admins already exists.",
    );

    iam.ok(CreateUser, &[("UserName", "alice")]).await;
    iam.ok(CreateUser, &[("UserName", "bob")]).await;
    for user in ["alice", "bob", "alice"] {
        // Adding twice is no error.
        iam.ok(
            AddUserToGroup,
            &[("GroupName", "admins"), ("UserName", user)],
        )
        .await;
    }
    let missing = iam
        .err(
            AddUserToGroup,
            &[("GroupName", "admins"), ("UserName", "zed")],
        )
        .await;
    assert_error(
        &missing,
        ErrorCode::NoSuchEntity,
        "The user with name zed cannot be found.",
    );
    let no_group = iam
        .err(
            AddUserToGroup,
            &[("GroupName", "nobody"), ("UserName", "alice")],
        )
        .await;
    assert_error(
        &no_group,
        ErrorCode::NoSuchEntity,
        "The group with name nobody cannot be found.",
    );

    let got = iam.ok(GetGroup, &[("GroupName", "admins")]).await;
    assert_eq!(text(&got, "GroupName").unwrap(), "admins");
    assert_eq!(all(&got, "UserName"), vec!["alice", "bob"]);
    let page = iam
        .ok(GetGroup, &[("GroupName", "admins"), ("MaxItems", "1")])
        .await;
    assert_eq!(all(&page, "UserName"), vec!["alice"]);
    assert_eq!(text(&page, "IsTruncated").unwrap(), "true");
    let for_user = iam.ok(ListGroupsForUser, &[("UserName", "bob")]).await;
    assert_eq!(all(&for_user, "GroupName"), vec!["admins"]);
    let listed = iam.ok(ListGroups, &[("PathPrefix", "/ops/")]).await;
    assert_eq!(all(&listed, "GroupName"), vec!["admins"]);

    let busy = iam.err(DeleteGroup, &[("GroupName", "admins")]).await;
    assert_error(
        &busy,
        ErrorCode::DeleteConflict,
        "Cannot delete entity, must remove users from group first.",
    );
    let member = iam.err(DeleteUser, &[("UserName", "bob")]).await;
    assert_error(
        &member,
        ErrorCode::DeleteConflict,
        "Cannot delete entity, must remove from all groups first.",
    );

    for user in ["alice", "bob"] {
        iam.ok(
            RemoveUserFromGroup,
            &[("GroupName", "admins"), ("UserName", user)],
        )
        .await;
    }
    let not_member = iam
        .err(
            RemoveUserFromGroup,
            &[("GroupName", "admins"), ("UserName", "bob")],
        )
        .await;
    assert_eq!(not_member.code, ErrorCode::NoSuchEntity);
    iam.ok(DeleteUser, &[("UserName", "bob")]).await;
    iam.ok(DeleteGroup, &[("GroupName", "ADMINS")]).await;
    assert!(all(&iam.ok(ListGroups, &[]).await, "GroupName").is_empty());
}

#[tokio::test]
async fn a_groups_policies_apply_to_its_members() {
    let iam = Iam::new().await;
    let key = iam.user_with_key("alice").await;
    let denied = iam.call_as(&key, ListUsers, &[]).await.unwrap_err();
    assert_eq!(denied.code, ErrorCode::AccessDenied);

    iam.ok(CreateGroup, &[("GroupName", "readers")]).await;
    iam.ok(
        PutGroupPolicy,
        &[
            ("GroupName", "readers"),
            ("PolicyName", "list"),
            (
                "PolicyDocument",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}"#,
            ),
        ],
    )
    .await;
    iam.ok(
        AddUserToGroup,
        &[("GroupName", "readers"), ("UserName", "alice")],
    )
    .await;
    iam.call_as(&key, ListUsers, &[]).await.unwrap();

    let busy = iam.err(DeleteGroup, &[("GroupName", "readers")]).await;
    assert_eq!(busy.code, ErrorCode::DeleteConflict);
    iam.ok(
        RemoveUserFromGroup,
        &[("GroupName", "readers"), ("UserName", "alice")],
    )
    .await;
    let denied = iam.call_as(&key, ListUsers, &[]).await.unwrap_err();
    assert_eq!(denied.code, ErrorCode::AccessDenied);
    let busy = iam.err(DeleteGroup, &[("GroupName", "readers")]).await;
    assert_error(
        &busy,
        ErrorCode::DeleteConflict,
        "Cannot delete entity, must delete policies first.",
    );
    let got = iam
        .ok(
            GetGroupPolicy,
            &[("GroupName", "readers"), ("PolicyName", "list")],
        )
        .await;
    assert_eq!(text(&got, "GroupName").unwrap(), "readers");
    assert!(url_decode(&text(&got, "PolicyDocument").unwrap()).contains("iam:List*"));
    let names = iam.ok(ListGroupPolicies, &[("GroupName", "readers")]).await;
    assert_eq!(all(&names, "member"), vec!["list"]);
    iam.ok(
        DeleteGroupPolicy,
        &[("GroupName", "readers"), ("PolicyName", "list")],
    )
    .await;
    let gone = iam
        .err(
            GetGroupPolicy,
            &[("GroupName", "readers"), ("PolicyName", "list")],
        )
        .await;
    assert_error(
        &gone,
        ErrorCode::NoSuchEntity,
        "The group policy with name list cannot be found.",
    );

    // Managed policies attached to the group apply to its members too.
    let read_only = "arn:aws:iam::aws:policy/IAMReadOnlyAccess";
    iam.ok(
        AddUserToGroup,
        &[("GroupName", "readers"), ("UserName", "alice")],
    )
    .await;
    iam.ok(
        AttachGroupPolicy,
        &[("GroupName", "readers"), ("PolicyArn", read_only)],
    )
    .await;
    iam.call_as(&key, ListUsers, &[]).await.unwrap();
    let attached = iam
        .ok(ListAttachedGroupPolicies, &[("GroupName", "readers")])
        .await;
    assert_eq!(all(&attached, "PolicyArn"), vec![read_only]);
    iam.ok(
        RemoveUserFromGroup,
        &[("GroupName", "readers"), ("UserName", "alice")],
    )
    .await;
    let busy = iam.err(DeleteGroup, &[("GroupName", "readers")]).await;
    assert_error(
        &busy,
        ErrorCode::DeleteConflict,
        "Cannot delete entity, must detach all policies first.",
    );
    iam.ok(
        DetachGroupPolicy,
        &[("GroupName", "readers"), ("PolicyArn", read_only)],
    )
    .await;
    iam.ok(DeleteGroup, &[("GroupName", "readers")]).await;
}
