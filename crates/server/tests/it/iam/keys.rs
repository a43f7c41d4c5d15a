//! Access keys: two per user, the secret shown once, inactive keys stop
//! working, keys of the caller itself and of the root.

use tresor_wire::ErrorCode;
use tresor_wire::IamOperation::*;

use super::client::{Iam, all, assert_error, text};

#[tokio::test]
async fn keys_live_and_die_within_the_quota() {
    let iam = Iam::new().await;
    iam.ok(CreateUser, &[("UserName", "alice")]).await;
    let xml = iam.ok(CreateAccessKey, &[("UserName", "alice")]).await;
    let first = text(&xml, "AccessKeyId").unwrap();
    let secret = text(&xml, "SecretAccessKey").unwrap();
    assert!(first.starts_with("AKIA") && first.len() == 20, "{first}");
    assert_eq!(secret.len(), 40);
    assert_eq!(text(&xml, "UserName").unwrap(), "alice");
    assert_eq!(text(&xml, "Status").unwrap(), "Active");

    // The key works: the directory knows it as alice.
    let directory = iam.h.service.directory();
    let credentials = directory.credentials(&first).await.unwrap().unwrap();
    assert_eq!(
        credentials.principal.arn,
        "arn:aws:iam::111122223333:user/alice"
    );
    assert_eq!(credentials.secret.as_slice(), secret.as_bytes());

    let second = text(
        &iam.ok(CreateAccessKey, &[("UserName", "alice")]).await,
        "AccessKeyId",
    )
    .unwrap();
    let third = iam.err(CreateAccessKey, &[("UserName", "alice")]).await;
    assert_error(
        &third,
        ErrorCode::LimitExceeded,
        "Cannot exceed quota for AccessKeysPerUser: 2",
    );

    // Listed without their secrets.
    let listed = iam.ok(ListAccessKeys, &[("UserName", "alice")]).await;
    let mut ids = all(&listed, "AccessKeyId");
    ids.sort();
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    assert_eq!(ids, expected);
    assert!(!listed.contains(&secret) && !listed.contains("SecretAccessKey"));
    assert_eq!(all(&listed, "UserName"), vec!["alice", "alice"]);

    // An inactive key stops authenticating at once, and can come back.
    iam.ok(
        UpdateAccessKey,
        &[
            ("UserName", "alice"),
            ("AccessKeyId", &first),
            ("Status", "Inactive"),
        ],
    )
    .await;
    assert!(directory.credentials(&first).await.unwrap().is_none());
    let listed = iam.ok(ListAccessKeys, &[("UserName", "alice")]).await;
    assert!(all(&listed, "Status").contains(&"Inactive".to_string()));
    iam.ok(
        UpdateAccessKey,
        &[
            ("UserName", "alice"),
            ("AccessKeyId", &first),
            ("Status", "Active"),
        ],
    )
    .await;
    assert!(directory.credentials(&first).await.unwrap().is_some());

    // Keys are found only under their own user.
    iam.ok(CreateUser, &[("UserName", "bob")]).await;
    let foreign = iam
        .err(
            DeleteAccessKey,
            &[("UserName", "bob"), ("AccessKeyId", &first)],
        )
        .await;
    assert_error(
        &foreign,
        ErrorCode::NoSuchEntity,
        &format!("The Access Key with id {first} cannot be found"),
    );

    // DeleteUser waits for the keys to go.
    let conflict = iam.err(DeleteUser, &[("UserName", "alice")]).await;
    assert_error(
        &conflict,
        ErrorCode::DeleteConflict,
        "Cannot delete entity, must delete access keys first.",
    );
    for id in [&first, &second] {
        iam.ok(
            DeleteAccessKey,
            &[("UserName", "alice"), ("AccessKeyId", id)],
        )
        .await;
    }
    assert!(directory.credentials(&second).await.unwrap().is_none());
    iam.ok(DeleteUser, &[("UserName", "alice")]).await;
}

#[tokio::test]
async fn a_user_manages_its_own_keys_without_naming_itself() {
    let iam = Iam::new().await;
    let key = iam.user_with_key("carol").await;
    iam.allow(
        "carol",
        &[
            "iam:CreateAccessKey",
            "iam:ListAccessKeys",
            "iam:UpdateAccessKey",
            "iam:DeleteAccessKey",
        ],
        "arn:aws:iam::111122223333:user/${aws:username}",
    )
    .await;
    let xml = iam.call_as(&key, CreateAccessKey, &[]).await.unwrap();
    assert_eq!(text(&xml, "UserName").unwrap(), "carol");
    let new = text(&xml, "AccessKeyId").unwrap();
    let listed = iam.call_as(&key, ListAccessKeys, &[]).await.unwrap();
    assert_eq!(all(&listed, "AccessKeyId").len(), 2);
    iam.call_as(&key, DeleteAccessKey, &[("AccessKeyId", &new)])
        .await
        .unwrap();

    // Another user's keys are another resource.
    iam.ok(CreateUser, &[("UserName", "dan")]).await;
    let denied = iam
        .call_as(&key, ListAccessKeys, &[("UserName", "dan")])
        .await
        .unwrap_err();
    assert_eq!(denied.code, ErrorCode::AccessDenied);
}

#[tokio::test]
async fn the_root_has_keys_of_its_own() {
    let iam = Iam::new().await;
    // The data directory's administrator key is a root key.
    let listed = iam.ok(ListAccessKeys, &[]).await;
    let existing = all(&listed, "AccessKeyId");
    assert_eq!(existing.len(), 1, "{listed}");
    assert!(text(&listed, "UserName").is_none(), "{listed}");

    let xml = iam.ok(CreateAccessKey, &[]).await;
    assert!(text(&xml, "UserName").is_none(), "{xml}");
    let id = text(&xml, "AccessKeyId").unwrap();
    let credentials = iam
        .h
        .service
        .directory()
        .credentials(&id)
        .await
        .unwrap()
        .unwrap();
    assert!(credentials.principal.is_root());
    let third = iam.err(CreateAccessKey, &[]).await;
    assert_eq!(third.code, ErrorCode::LimitExceeded);
    iam.ok(DeleteAccessKey, &[("AccessKeyId", &id)]).await;
    assert_eq!(
        all(&iam.ok(ListAccessKeys, &[]).await, "AccessKeyId"),
        existing
    );
}
