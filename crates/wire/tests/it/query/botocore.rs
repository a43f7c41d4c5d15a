//! The fixtures and the botocore round trip.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use tresor_wire::query::{
    encode_query_error, encode_query_response, query_action, query_front_door_error,
};
use tresor_wire::sigv4::{check_clock, inspect, signing_key, verify};
use tresor_wire::{AwsError, ErrorCode, Service, operation::query_target};

use super::table::row;

const SERVICES: [&str; 2] = ["iam", "sts"];
const REQUEST_ID: &str = "c6a9a9b5-7a3a-4e1e-9a35-6b6d2a4a3d21";

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/query")
}

fn fixture(service: &str) -> Value {
    let path = data_dir().join(format!("{service}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn items<'a>(fixture: &'a Value, key: &str) -> &'a [Value] {
    fixture[key].as_array().unwrap()
}

fn label(service: &str, case: &Value) -> String {
    format!("{service} {} ({})", case["operation"], case["case"])
}

#[test]
fn botocore_requests_decode_to_their_parameters() {
    let mut decoded = 0;
    for service in SERVICES {
        let fixture = fixture(service);
        for case in items(&fixture, "requests") {
            let label = label(service, case);
            let operation = case["operation"].as_str().unwrap();
            let body = case["body"].as_str().unwrap().as_bytes();
            let row = row(service, operation);
            assert_eq!(query_action(body).as_deref(), Some(operation), "{label}");
            let scope = Service::from_signing_name(service).unwrap();
            assert_eq!(query_target(scope, operation), Ok(row.target), "{label}");
            let value = (row.decode)(body).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(value, case["params"], "{label}");
            decoded += 1;
        }
    }
    // Every served operation, with all its members and with only the
    // required ones.
    assert_eq!(decoded, 2 * (56 + 4));
}

/// `(Parts, body)` of a captured request, with the `Host` header the HTTP
/// client adds from the URL.
fn http_request(case: &Value) -> (http::request::Parts, Vec<u8>) {
    let url: http::Uri = case["url"].as_str().unwrap().parse().unwrap();
    let mut builder = http::Request::builder()
        .method(case["method"].as_str().unwrap())
        .uri(url.path())
        .header("host", url.authority().unwrap().as_str());
    for header in case["headers"].as_array().unwrap() {
        builder = builder.header(header[0].as_str().unwrap(), header[1].as_str().unwrap());
    }
    let body = case["body"].as_str().unwrap().as_bytes().to_vec();
    let (parts, ()) = builder.body(()).unwrap().into_parts();
    (parts, body)
}

fn authenticate(
    parts: &http::request::Parts,
    body: &[u8],
    secret: &str,
) -> Result<tresor_wire::sigv4::Presented, AwsError> {
    let presented = inspect(parts, body)?;
    check_clock(&presented.amz_date, presented.amz_date.epoch_seconds(), 300)?;
    let credential = &presented.credential;
    let key = signing_key(
        secret.as_bytes(),
        &credential.date,
        &credential.region,
        &credential.service,
    );
    verify(&presented, parts, body, &key)?;
    Ok(presented)
}

/// botocore signs awsQuery requests without X-Amz-Target; they verify, and
/// the form body (which names the Action) is bound by the signature. It
/// does not sign AssumeRoleWithWebIdentity at all.
#[test]
fn botocore_signed_query_requests_verify() {
    for service in SERVICES {
        let fixture = fixture(service);
        let credentials = &fixture["credentials"];
        let secret = credentials["secret_access_key"].as_str().unwrap();
        for case in items(&fixture, "requests") {
            let label = label(service, case);
            let (parts, body) = http_request(case);
            assert!(!parts.headers.contains_key("x-amz-target"));
            let operation = case["operation"].as_str().unwrap();
            if operation == "AssumeRoleWithWebIdentity" {
                // Unsigned by design (`noAuth`): the web identity token is
                // the credential. The server reads the Action first.
                assert!(!parts.headers.contains_key("authorization"), "{label}");
                assert!(
                    !parts.headers.contains_key("x-amz-security-token"),
                    "{label}"
                );
                assert_eq!(query_action(&body).as_deref(), Some(operation));
                let e = authenticate(&parts, &body, secret).unwrap_err();
                assert_eq!(e.code, ErrorCode::MissingAuthenticationTokenException);
                continue;
            }
            let presented =
                authenticate(&parts, &body, secret).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(presented.credential.service, service);
            assert_eq!(presented.credential.region, credentials["region"]);
            assert_eq!(
                presented.security_token.as_deref(),
                credentials["session_token"].as_str()
            );
            // Another Action in the same signed request.
            let other = String::from_utf8(body.clone()).unwrap().replacen(
                &format!("Action={operation}"),
                &format!("Action={operation}X"),
                1,
            );
            let e = authenticate(&parts, other.as_bytes(), secret).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidSignatureException, "{label}");
            let e = query_front_door_error(Service::from_signing_name(service).unwrap(), e);
            assert_eq!(
                (e.code.as_str(), e.code.http_status()),
                ("SignatureDoesNotMatch", 403)
            );
        }
    }
}

fn run_check(input: &Value) -> String {
    let script = data_dir().join("check.py");
    let mut child = Command::new("python3")
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("python3 (with botocore) is needed for this test: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "botocore disagrees (python3 -m pip install botocore if it is missing):\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Every served response, as we write it, read by botocore's query parser
/// (and IAM's policy-document handler) to exactly what the DTO held; and
/// errors to their code, message and fault.
#[test]
fn every_served_response_reads_back_in_botocore() {
    let mut responses = Vec::new();
    for service in SERVICES {
        let fixture = fixture(service);
        let mut with_output = std::collections::BTreeSet::new();
        for case in items(&fixture, "responses") {
            let operation = case["operation"].as_str().unwrap();
            let encode = row(service, operation).encode.expect("an output shape");
            let xml = String::from_utf8(encode(&case["value"], REQUEST_ID)).unwrap();
            with_output.insert(operation.to_string());
            responses.push(json!({
                "service": service, "operation": operation, "case": case["case"],
                "xml": xml, "expected": case["value"], "request_id": REQUEST_ID,
            }));
        }
        // Operations without output answer only the metadata.
        for case in items(&fixture, "requests") {
            let operation = case["operation"].as_str().unwrap();
            let row = row(service, operation);
            if row.encode.is_none() && case["case"] == "minimal" {
                let xml = encode_query_response(row.target, &(), REQUEST_ID);
                responses.push(json!({
                    "service": service, "operation": operation, "case": "no output",
                    "xml": String::from_utf8(xml).unwrap(), "expected": {},
                    "request_id": REQUEST_ID,
                }));
            } else {
                assert!(
                    row.encode.is_none() || with_output.contains(operation),
                    "{operation}"
                );
            }
        }
    }
    assert_eq!(responses.len(), 2 * 29 + 27 + 2 * 4);

    let mut errors = Vec::new();
    for (service, code, message) in [
        (
            "iam",
            ErrorCode::NoSuchEntity,
            "The user with name alice cannot be found.",
        ),
        (
            "iam",
            ErrorCode::EntityAlreadyExists,
            "User with name alice already exists.",
        ),
        (
            "iam",
            ErrorCode::ServiceFailure,
            "An error occurred on the server side.",
        ),
        (
            "iam",
            ErrorCode::ValidationError,
            "1 validation error detected: Value 'a<b>&\"c\"' at 'userName' failed",
        ),
        (
            "iam",
            ErrorCode::AccessDenied,
            "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: iam:CreateUser",
        ),
        (
            "sts",
            ErrorCode::InvalidClientTokenId,
            "The security token included in the request is invalid.",
        ),
        (
            "sts",
            ErrorCode::SignatureDoesNotMatch,
            "Signature expired: 20251106T132608Z is now earlier than 20251106T133108Z (20251106T133608Z - 5 min.)",
        ),
        (
            "sts",
            ErrorCode::ExpiredTokenException,
            "Token expired: current date/time 1700000000 must be before the expiration date/time 1699999999",
        ),
        (
            "sts",
            ErrorCode::MalformedPolicyDocument,
            "Syntax errors in policy.\r\nLine 2",
        ),
    ] {
        let scope = Service::from_signing_name(service).unwrap();
        let xml = encode_query_error(scope, &AwsError::new(code, message), REQUEST_ID);
        errors.push(json!({
            "service": service, "xml": String::from_utf8(xml).unwrap(),
            "status": code.http_status(), "code": code.as_str(), "message": message,
            "type": if code.http_status() >= 500 { "Receiver" } else { "Sender" },
            "request_id": REQUEST_ID,
        }));
    }
    let out = run_check(&json!({"responses": responses, "errors": errors}));
    assert!(out.contains(" passed, 0 failed"), "{out}");
}
