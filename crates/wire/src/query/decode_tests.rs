//! `decode_query` on hand-written bodies; every served operation as botocore
//! sends it is in the integration tests (`tests/it/query`).

use serde_json::json;

use super::*;
use crate::dto::{iam, sts};
use crate::operation::{IamOperation, StsOperation};

fn error<T: DeserializeOwned + std::fmt::Debug>(op: impl ApiOperation, body: &str) -> AwsError {
    decode_query::<T>(op, body.as_bytes()).unwrap_err()
}

#[test]
fn decodes_structures_and_lists_of_structures() {
    let r: iam::CreateUserRequest = decode_query(
        IamOperation::CreateUser,
        b"Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Fteam%2F\
          &Tags.member.1.Key=team&Tags.member.1.Value=a+b&Tags.member.2.Key=env&Tags.member.2.Value=",
    )
    .unwrap();
    assert_eq!(r.user_name, "alice");
    assert_eq!(r.path.as_deref(), Some("/team/"));
    let tags = r.tags.unwrap();
    assert_eq!(
        tags.iter()
            .map(|t| (t.key.as_str(), t.value.as_str()))
            .collect::<Vec<_>>(),
        [("team", "a b"), ("env", "")]
    );
    assert!(r.permissions_boundary.is_none());
}

#[test]
fn decodes_lists_of_strings_numbers_and_booleans() {
    let r: iam::UntagUserRequest = decode_query(
        IamOperation::UntagUser,
        b"Action=UntagUser&Version=2010-05-08&UserName=a&TagKeys.member.2=y&TagKeys.member.1=x",
    )
    .unwrap();
    assert_eq!(r.tag_keys, ["x", "y"]);
    let r: iam::ListPoliciesRequest = decode_query(
        IamOperation::ListPolicies,
        b"Action=ListPolicies&Version=2010-05-08&Scope=Local&OnlyAttached=true&MaxItems=100",
    )
    .unwrap();
    assert_eq!(r.only_attached, Some(true));
    assert_eq!(r.max_items, Some(100));
    let r: sts::AssumeRoleRequest = decode_query(
        StsOperation::AssumeRole,
        b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr\
          &RoleSessionName=s1&DurationSeconds=900&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FP",
    )
    .unwrap();
    assert_eq!(r.duration_seconds, Some(900));
    assert_eq!(
        r.policy_arns.unwrap()[0].arn.as_deref(),
        Some("arn:aws:iam::aws:policy/P")
    );
}

#[test]
fn an_empty_value_is_an_empty_list() {
    let r: iam::CreateUserRequest = decode_query(
        IamOperation::CreateUser,
        b"Action=CreateUser&Version=2010-05-08&UserName=a&Tags=",
    )
    .unwrap();
    assert_eq!(r.tags.map(|t| t.len()), Some(0));
    let e = error::<iam::CreateUserRequest>(
        IamOperation::CreateUser,
        "Action=CreateUser&Version=2010-05-08&UserName=a&Tags=&Tags.member.1.Key=k&Tags.member.1.Value=v",
    );
    assert_eq!(e.code, ErrorCode::InvalidQueryParameter);
    let e = error::<iam::CreateUserRequest>(
        IamOperation::CreateUser,
        "Action=CreateUser&Version=2010-05-08&UserName=a&Tags=x",
    );
    assert_eq!(e.code, ErrorCode::InvalidQueryParameter);
}

#[test]
fn list_entries_are_numbered_from_one_without_gaps() {
    for body in [
        "Action=UntagUser&Version=2010-05-08&UserName=a&TagKeys.member.1=x&TagKeys.member.3=z",
        "Action=UntagUser&Version=2010-05-08&UserName=a&TagKeys.member.2=x",
    ] {
        let e = error::<iam::UntagUserRequest>(IamOperation::UntagUser, body);
        assert_eq!(e.code, ErrorCode::InvalidQueryParameter, "{body}");
        assert_eq!(
            e.message,
            "The entries of 'TagKeys' must be numbered from 1 without gaps."
        );
    }
    // Other spellings of an index are unknown names, ignored as AWS does.
    let r: iam::UntagUserRequest = decode_query(
        IamOperation::UntagUser,
        b"Action=UntagUser&Version=2010-05-08&UserName=a&TagKeys.member.1=x&TagKeys.member.01=y\
          &TagKeys.member.x=z&TagKeys.member.=w&TagKeys.Member.2=v",
    )
    .unwrap();
    assert_eq!(r.tag_keys, ["x"]);
}

#[test]
fn unknown_names_are_ignored() {
    let r: iam::GetUserRequest = decode_query(
        IamOperation::GetUser,
        b"Action=GetUser&Version=2010-05-08&UserName=a&username=b&Foo=1&UserName.x=2",
    )
    .unwrap();
    assert_eq!(r.user_name.as_deref(), Some("a"));
    // No members at all: `{}`, and what is required is missing.
    let _: sts::GetCallerIdentityRequest = decode_query(
        StsOperation::GetCallerIdentity,
        b"Action=GetCallerIdentity&Version=2011-06-15&Extra=1",
    )
    .unwrap();
}

#[test]
fn action_and_version_must_name_the_operation() {
    let e = error::<iam::GetUserRequest>(IamOperation::GetUser, "Version=2010-05-08");
    assert_eq!(e.code, ErrorCode::MissingAction);
    let e =
        error::<iam::GetUserRequest>(IamOperation::GetUser, "Action=GetUser&Version=2010-05-09");
    assert_eq!(
        (e.code, e.message.as_str()),
        (
            ErrorCode::InvalidAction,
            "Could not find operation GetUser for version 2010-05-09"
        )
    );
    let e = error::<iam::GetUserRequest>(IamOperation::GetUser, "Action=GetUser");
    assert_eq!(e.code, ErrorCode::InvalidAction);
    // STS's version is not IAM's.
    let e =
        error::<iam::GetUserRequest>(IamOperation::GetUser, "Action=GetUser&Version=2011-06-15");
    assert_eq!(e.code, ErrorCode::InvalidAction);
    let e = error::<iam::GetUserRequest>(
        IamOperation::GetUser,
        "Action=DeleteUser&Version=2010-05-08",
    );
    assert_eq!(e.code, ErrorCode::InvalidAction);
    let e =
        error::<iam::GetUserRequest>(IamOperation::GetUser, "Action=Get%27User&Version=%3Cx%3E");
    assert_eq!(e.message, "Could not find the operation for that version");
}

#[test]
fn model_violations_are_validation_errors_with_coral_messages() {
    let e = error::<iam::CreateUserRequest>(
        IamOperation::CreateUser,
        "Action=CreateUser&Version=2010-05-08&UserName=bad+name",
    );
    assert_eq!(e.code, ErrorCode::ValidationError);
    assert_eq!(
        e.message,
        "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    );
    let e = error::<iam::CreateUserRequest>(
        IamOperation::CreateUser,
        "Action=CreateUser&Version=2010-05-08",
    );
    assert_eq!(
        e.message,
        "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"
    );
    let e = error::<iam::CreateUserRequest>(
        IamOperation::CreateUser,
        "Action=CreateUser&Version=2010-05-08&UserName=a&Tags.member.1.Key=k",
    );
    assert_eq!(
        e.message,
        "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"
    );
    let e = error::<iam::ListUsersRequest>(
        IamOperation::ListUsers,
        "Action=ListUsers&Version=2010-05-08&MaxItems=0",
    );
    assert_eq!(
        e.message,
        "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"
    );
}

#[test]
fn values_not_of_their_type_are_validation_errors() {
    for (body, message) in [
        (
            "Action=ListUsers&Version=2010-05-08&MaxItems=ten",
            "1 validation error detected: Value 'ten' at 'maxItems' failed to satisfy constraint: Member must be an integer",
        ),
        (
            "Action=ListUsers&Version=2010-05-08&MaxItems=99999999999",
            "1 validation error detected: Value '99999999999' at 'maxItems' failed to satisfy constraint: Member must be an integer",
        ),
        (
            "Action=ListUsers&Version=2010-05-08&MaxItems=%3Cscript%3E",
            "1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must be an integer",
        ),
    ] {
        let e = error::<iam::ListUsersRequest>(IamOperation::ListUsers, body);
        assert_eq!(
            (e.code, e.message.as_str()),
            (ErrorCode::ValidationError, message)
        );
    }
    for flag in ["True", "1", "yes", ""] {
        let e = error::<iam::ListPoliciesRequest>(
            IamOperation::ListPolicies,
            &format!("Action=ListPolicies&Version=2010-05-08&OnlyAttached={flag}"),
        );
        assert_eq!(e.code, ErrorCode::ValidationError, "{flag}");
    }
}

#[test]
fn sensitive_values_are_never_echoed() {
    let e = error::<sts::AssumeRoleWithWebIdentityRequest>(
        StsOperation::AssumeRoleWithWebIdentity,
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fxxxxx\
         &RoleSessionName=s1&WebIdentityToken=eyJ",
    );
    assert_eq!(e.code, ErrorCode::ValidationError);
    assert!(!e.message.contains("eyJ"), "{}", e.message);
    assert!(e.message.contains("'webIdentityToken'"), "{}", e.message);
    let r: sts::AssumeRoleWithWebIdentityRequest = decode_query(
        StsOperation::AssumeRoleWithWebIdentity,
        b"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fxxxxx\
          &RoleSessionName=s1&WebIdentityToken=eyJhbGciOi.eyJzdWIi.c2ln",
    )
    .unwrap();
    assert_eq!(r.web_identity_token.expose(), "eyJhbGciOi.eyJzdWIi.c2ln");
    assert!(!format!("{r:?}").contains("eyJhbGciOi"));
}

#[test]
fn form_errors_come_first() {
    let e = error::<iam::GetUserRequest>(
        IamOperation::GetUser,
        "Action=GetUser&Version=2010-05-08&UserName=a&UserName=b",
    );
    assert_eq!(e.code, ErrorCode::InvalidQueryParameter);
    let e = error::<iam::GetUserRequest>(
        IamOperation::GetUser,
        "Action=GetUser&Version=2010-05-08&UserName=%E2%82",
    );
    assert_eq!(e.code, ErrorCode::InvalidQueryParameter);
}

/// IAM and STS use none of the XML naming traits, so members and list
/// entries are named as this module assumes.
#[test]
fn the_query_models_use_no_naming_traits() {
    for text in [
        include_str!("../../model/iam-2010-05-08.json"),
        include_str!("../../model/sts-2011-06-15.json"),
    ] {
        for t in [
            "locationName",
            "flattened",
            "queryName",
            "xmlName",
            "timestampFormat",
        ] {
            assert!(!text.contains(&format!("\"{t}\"")), "{t}");
        }
    }
}

/// Maps and timestamps: no IAM or STS input has one, so a small model
/// stands in.
#[test]
fn maps_and_timestamps() {
    let model: &'static Model = Box::leak(Box::new(
        Model::parse(
            &json!({
                "metadata": {"apiVersion": "2020-01-01"},
                "operations": {},
                "shapes": {
                    "In": {"type": "structure", "members": {
                        "Labels": {"shape": "LabelMap"},
                        "At": {"shape": "Stamp"},
                        "Size": {"shape": "Long"}
                    }},
                    "LabelMap": {"type": "map", "key": {"shape": "S"}, "value": {"shape": "S"}},
                    "S": {"type": "string"},
                    "Stamp": {"type": "timestamp"},
                    "Long": {"type": "long"}
                }
            })
            .to_string(),
        )
        .unwrap(),
    ));
    let read = |body: &str| {
        let mut form = parse_form(body.as_bytes()).unwrap();
        Reader {
            model,
            form: &mut form,
        }
        .structure(model.shape("In"), "", "")
    };
    assert_eq!(
        read("Labels.entry.1.key=a&Labels.entry.1.value=1&Labels.entry.2.key=b&Labels.entry.2.value=2\
              &At=2018-04-11T20%3A05%3A45.713Z&Size=5000000000")
            .unwrap(),
        Some(json!({
            "Labels": {"a": "1", "b": "2"},
            "At": 1_523_477_145.713,
            "Size": 5_000_000_000i64
        }))
    );
    assert_eq!(read("Labels=").unwrap(), Some(json!({"Labels": {}})));
    for bad in [
        "Labels.entry.1.key=a&Labels.entry.1.value=1&Labels.entry.2.key=a&Labels.entry.2.value=2",
        "Labels.entry.1.value=1",
        "Labels.entry.1.key=a",
        "Labels.entry.2.key=a&Labels.entry.2.value=1",
    ] {
        assert_eq!(
            read(bad).unwrap_err().code,
            ErrorCode::InvalidQueryParameter,
            "{bad}"
        );
    }
    assert_eq!(
        read("At=1523477145").unwrap_err().code,
        ErrorCode::ValidationError
    );
    assert_eq!(
        read("At=2018-04-11T20%3A05%3A45Z").unwrap(),
        Some(json!({"At": 1_523_477_145}))
    );
}
