//! Users: lifecycle, names without regard to case, tags, paging, the
//! root's GetUser, IAM's validation sentences.

use tresor_wire::ErrorCode;
use tresor_wire::IamOperation::*;

use super::client::{ACCOUNT, Iam, all, assert_error, text};

#[tokio::test]
async fn a_user_lives_and_dies() {
    let iam = Iam::new().await;
    let xml = iam
        .ok(
            CreateUser,
            &[
                ("UserName", "alice"),
                ("Path", "/engineering/"),
                ("Tags.member.1.Key", "team"),
                ("Tags.member.1.Value", "platform"),
            ],
        )
        .await;
    assert!(xml.starts_with("<CreateUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><CreateUserResult><User>"), "{xml}");
    let arn = format!("arn:aws:iam::{ACCOUNT}:user/engineering/alice");
    assert_eq!(text(&xml, "Arn").unwrap(), arn);
    assert_eq!(text(&xml, "Path").unwrap(), "/engineering/");
    let id = text(&xml, "UserId").unwrap();
    assert!(id.starts_with("AIDA") && id.len() == 21, "{id}");
    assert!(text(&xml, "CreateDate").unwrap().ends_with('Z'));
    assert_eq!(text(&xml, "Key").unwrap(), "team");
    assert_eq!(text(&xml, "RequestId").unwrap(), "test");

    // Names are unique without regard to case; the stored spelling wins.
    let dup = iam.err(CreateUser, &[("UserName", "ALICE")]).await;
    assert_error(
        &dup,
        ErrorCode::EntityAlreadyExists,
        "User with name ALICE already exists.",
    );
    assert_eq!(dup.code.http_status(), 409);
    let got = iam.ok(GetUser, &[("UserName", "Alice")]).await;
    assert_eq!(text(&got, "UserName").unwrap(), "alice");
    assert_eq!(text(&got, "UserId").unwrap(), id);
    assert_eq!(text(&got, "Value").unwrap(), "platform");

    let listed = iam.ok(ListUsers, &[("PathPrefix", "/engineering/")]).await;
    assert_eq!(all(&listed, "UserName"), vec!["alice"]);
    // ListUsers leaves tags out, as IAM does.
    assert!(!listed.contains("<Tags>"), "{listed}");
    assert_eq!(text(&listed, "IsTruncated").unwrap(), "false");
    let other = iam.ok(ListUsers, &[("PathPrefix", "/ops/")]).await;
    assert!(all(&other, "UserName").is_empty());

    iam.ok(DeleteUser, &[("UserName", "ALICE")]).await;
    let gone = iam.err(GetUser, &[("UserName", "alice")]).await;
    assert_error(
        &gone,
        ErrorCode::NoSuchEntity,
        "The user with name alice cannot be found.",
    );
    assert_eq!(gone.code.http_status(), 404);
    let again = iam.err(DeleteUser, &[("UserName", "alice")]).await;
    assert_eq!(again.code, ErrorCode::NoSuchEntity);
}

#[tokio::test]
async fn the_root_gets_itself_as_iam_answers_it() {
    let iam = Iam::new().await;
    let xml = iam.ok(GetUser, &[]).await;
    assert_eq!(text(&xml, "UserId").unwrap(), ACCOUNT);
    assert_eq!(
        text(&xml, "Arn").unwrap(),
        format!("arn:aws:iam::{ACCOUNT}:root")
    );
    assert!(text(&xml, "CreateDate").is_some());
    assert!(text(&xml, "UserName").is_none(), "{xml}");
    assert!(text(&xml, "Path").is_none(), "{xml}");
}

#[tokio::test]
async fn user_tags_are_case_insensitive_and_limited() {
    let iam = Iam::new().await;
    iam.ok(CreateUser, &[("UserName", "bob")]).await;
    iam.ok(
        TagUser,
        &[
            ("UserName", "bob"),
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "a"),
            ("Tags.member.2.Key", "env"),
            ("Tags.member.2.Value", "prod"),
        ],
    )
    .await;
    iam.ok(
        TagUser,
        &[
            ("UserName", "bob"),
            ("Tags.member.1.Key", "TEAM"),
            ("Tags.member.1.Value", "b"),
        ],
    )
    .await;
    let xml = iam.ok(ListUserTags, &[("UserName", "bob")]).await;
    assert_eq!(all(&xml, "Key"), vec!["env", "TEAM"]);
    assert_eq!(all(&xml, "Value"), vec!["prod", "b"]);

    let dup = iam
        .err(
            TagUser,
            &[
                ("UserName", "bob"),
                ("Tags.member.1.Key", "x"),
                ("Tags.member.1.Value", "1"),
                ("Tags.member.2.Key", "X"),
                ("Tags.member.2.Value", "2"),
            ],
        )
        .await;
    assert_error(
        &dup,
        ErrorCode::InvalidInput,
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    );
    let reserved = iam
        .err(
            TagUser,
            &[
                ("UserName", "bob"),
                ("Tags.member.1.Key", "aws:owner"),
                ("Tags.member.1.Value", "x"),
            ],
        )
        .await;
    assert_eq!(reserved.code, ErrorCode::InvalidInput);

    // 48 more fit (50 in all); one past that does not, and changes nothing.
    let keys: Vec<String> = (0..49).map(|i| format!("k{i:02}")).collect();
    let names: Vec<String> = (1..=49).map(|i| format!("Tags.member.{i}.Key")).collect();
    let values: Vec<String> = (1..=49).map(|i| format!("Tags.member.{i}.Value")).collect();
    let mut params: Vec<(&str, &str)> = vec![("UserName", "bob")];
    for i in 0..49 {
        params.push((&names[i], &keys[i]));
        params.push((&values[i], ""));
    }
    let over = iam.err(TagUser, &params).await;
    assert_error(
        &over,
        ErrorCode::LimitExceeded,
        "The number of tags has reached the maximum limit.",
    );
    iam.ok(TagUser, &params[..97]).await;
    let xml = iam
        .ok(ListUserTags, &[("UserName", "bob"), ("MaxItems", "1000")])
        .await;
    assert_eq!(all(&xml, "Key").len(), 50);

    iam.ok(
        UntagUser,
        &[
            ("UserName", "bob"),
            ("TagKeys.member.1", "Team"),
            ("TagKeys.member.2", "never-there"),
        ],
    )
    .await;
    let xml = iam.ok(ListUserTags, &[("UserName", "bob")]).await;
    assert!(!all(&xml, "Key").contains(&"TEAM".to_string()));
    assert_eq!(all(&xml, "Key").len(), 49);
}

#[tokio::test]
async fn lists_page_with_opaque_markers() {
    let iam = Iam::new().await;
    for name in ["erin", "Carol", "dave", "alice", "bob"] {
        iam.ok(CreateUser, &[("UserName", name)]).await;
    }
    let mut seen = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut params = vec![("MaxItems", "2")];
        if let Some(m) = &marker {
            params.push(("Marker", m));
        }
        let xml = iam.ok(ListUsers, &params).await;
        pages += 1;
        seen.extend(all(&xml, "UserName"));
        if text(&xml, "IsTruncated").unwrap() == "false" {
            assert!(text(&xml, "Marker").is_none());
            break;
        }
        marker = text(&xml, "Marker");
        assert!(marker.is_some());
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, vec!["alice", "bob", "Carol", "dave", "erin"]);

    let bad = iam
        .err(ListUsers, &[("Marker", "not-a-marker-we-made")])
        .await;
    assert_eq!(bad.code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn bad_input_gets_iams_words_and_changes_nothing() {
    let iam = Iam::new().await;
    let bad = iam.err(CreateUser, &[("UserName", "bad/name")]).await;
    assert_error(
        &bad,
        ErrorCode::ValidationError,
        "The specified value for userName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-",
    );
    let path = iam
        .err(CreateUser, &[("UserName", "carol"), ("Path", "bad")])
        .await;
    assert_error(
        &path,
        ErrorCode::ValidationError,
        "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.",
    );
    let long = iam.err(CreateUser, &[("UserName", &"a".repeat(65))]).await;
    assert_eq!(long.code, ErrorCode::ValidationError);
    let boundary = iam
        .err(
            CreateUser,
            &[
                ("UserName", "carol"),
                (
                    "PermissionsBoundary",
                    "arn:aws:iam::aws:policy/AdministratorAccess",
                ),
            ],
        )
        .await;
    assert_eq!(boundary.code, ErrorCode::InvalidInput);
    let xml = iam.ok(ListUsers, &[]).await;
    assert!(all(&xml, "UserName").is_empty(), "{xml}");
    let unserved = iam.err(CreateLoginProfile, &[("UserName", "carol")]).await;
    assert_eq!(unserved.code, ErrorCode::UnsupportedOperation);
}
