//! The XML written for hand-picked responses and errors; every served
//! response read back by botocore is in the integration tests
//! (`tests/it/query`).

use super::*;
use crate::dto::{SecretString, iam, sts};
use crate::error::ErrorCode;
use crate::operation::{IamOperation, StsOperation};

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

fn user() -> iam::User {
    iam::User {
        path: "/".into(),
        user_name: "alice".into(),
        user_id: "AIDAEXAMPLE0000000001".into(),
        arn: "arn:aws:iam::123456789012:user/alice".into(),
        create_date: Timestamp::from_millis(1_700_000_000_000),
        password_last_used: None,
        permissions_boundary: None,
        tags: Some(vec![iam::Tag {
            key: "team".into(),
            value: "a&b <c>".into(),
        }]),
    }
}

#[test]
fn a_response_is_wrapped_in_its_result_and_metadata() {
    let xml = text(encode_query_response(
        IamOperation::GetUser,
        &iam::GetUserResponse { user: user() },
        "req-1",
    ));
    assert_eq!(
        xml,
        "<GetUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetUserResult>\
         <User><Arn>arn:aws:iam::123456789012:user/alice</Arn><CreateDate>2023-11-14T22:13:20Z</CreateDate>\
         <Path>/</Path><Tags><member><Key>team</Key><Value>a&amp;b &lt;c&gt;</Value></member></Tags>\
         <UserId>AIDAEXAMPLE0000000001</UserId><UserName>alice</UserName></User></GetUserResult>\
         <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetUserResponse>"
    );
}

#[test]
fn lists_booleans_and_empty_lists() {
    let xml = text(encode_query_response(
        IamOperation::ListUsers,
        &iam::ListUsersResponse {
            users: vec![],
            is_truncated: Some(false),
            marker: None,
        },
        "r",
    ));
    assert!(
        xml.contains(
            "<ListUsersResult><IsTruncated>false</IsTruncated><Users></Users></ListUsersResult>"
        ),
        "{xml}"
    );
    let xml = text(encode_query_response(
        IamOperation::ListUserPolicies,
        &iam::ListUserPoliciesResponse {
            policy_names: vec!["a".into(), "b".into()],
            is_truncated: Some(true),
            marker: Some("m".into()),
        },
        "r",
    ));
    assert!(
        xml.contains("<PolicyNames><member>a</member><member>b</member></PolicyNames>"),
        "{xml}"
    );
}

#[test]
fn an_operation_without_output_answers_only_metadata() {
    let xml = text(encode_query_response(IamOperation::DeleteUser, &(), "r-2"));
    assert_eq!(
        xml,
        "<DeleteUserResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
         <ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></DeleteUserResponse>"
    );
    // An output whose members are all unset still has its Result element,
    // which botocore looks for.
    let xml = text(encode_query_response(
        StsOperation::GetCallerIdentity,
        &sts::GetCallerIdentityResponse::default(),
        "r",
    ));
    assert!(
        xml.starts_with(
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
             <GetCallerIdentityResult></GetCallerIdentityResult>"
        ),
        "{xml}"
    );
}

#[test]
fn iam_policy_documents_are_url_encoded() {
    let document = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\
                    \"Action\":\"s3:*\",\"Resource\":\"*\",\"Sid\":\"caf\u{e9} 1+1\"}]}";
    let xml = text(encode_query_response(
        IamOperation::GetUserPolicy,
        &iam::GetUserPolicyResponse {
            user_name: "alice".into(),
            policy_name: "p".into(),
            policy_document: document.into(),
        },
        "r",
    ));
    assert!(
        xml.contains(
            "<PolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect\
             %22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%2C%22Sid\
             %22%3A%22caf%C3%A9%201%2B1%22%7D%5D%7D</PolicyDocument>"
        ),
        "{xml}"
    );
}

#[test]
fn secrets_are_written_and_timestamps_keep_milliseconds() {
    let xml = text(encode_query_response(
        StsOperation::GetSessionToken,
        &sts::GetSessionTokenResponse {
            credentials: Some(sts::Credentials {
                access_key_id: "ASIAEXAMPLE000000001".into(),
                secret_access_key: SecretString::new("s3cr3t/key+".into()),
                session_token: SecretString::new("tok==".into()),
                expiration: Timestamp::from_millis(1_523_477_145_713),
            }),
        },
        "r",
    ));
    assert!(
        xml.contains(
            "<Credentials><AccessKeyId>ASIAEXAMPLE000000001</AccessKeyId>\
             <Expiration>2018-04-11T20:05:45.713Z</Expiration>\
             <SecretAccessKey>s3cr3t/key+</SecretAccessKey><SessionToken>tok==</SessionToken></Credentials>"
        ),
        "{xml}"
    );
}

#[test]
fn text_xml_cannot_carry_is_replaced_and_cr_survives() {
    let mut out = String::new();
    escape("a\rb\tc\nd\u{1}e\u{FFFF}f\"g'", &mut out);
    assert_eq!(out, "a&#13;b\tc\nd\u{FFFD}e\u{FFFD}f\"g'");
}

#[test]
fn errors_say_who_is_at_fault() {
    let xml = text(encode_query_error(
        Service::Iam,
        &AwsError::new(
            ErrorCode::NoSuchEntity,
            "The user with name <bob> cannot be found.",
        ),
        "req-9",
    ));
    assert_eq!(
        xml,
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>\
         <Code>NoSuchEntity</Code><Message>The user with name &lt;bob&gt; cannot be found.</Message>\
         </Error><RequestId>req-9</RequestId></ErrorResponse>"
    );
    let xml = text(encode_query_error(
        Service::Sts,
        &AwsError::new(ErrorCode::InternalFailure, "x"),
        "r",
    ));
    assert!(xml.starts_with("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Receiver</Type>"));
}
