//! The awsQuery protocol, as IAM and STS speak it.
//!
//! A request is `POST /` with an `application/x-www-form-urlencoded` body
//! naming the operation and API version (`Action=CreateUser&Version=
//! 2010-05-08&UserName=alice&Tags.member.1.Key=team&…`); the service is the
//! one in the SigV4 credential scope (`operation::query_target`). Answers
//! are XML: `<CreateUserResponse xmlns="…"><CreateUserResult>…
//! </CreateUserResult><ResponseMetadata><RequestId>…</RequestId>
//! </ResponseMetadata></CreateUserResponse>`, and errors
//! `<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code>…`.
//!
//! This module owns reading the form (`form.rs`, `decode.rs`), writing the
//! XML (`xml.rs`), and the front-door error codes query services answer
//! instead of awsJson's (`errors.rs`). It shares the model validator and the
//! DTOs with awsJson. Pure: no I/O.
//!
//! Server flow: `query_action(body)` (before authentication: STS's
//! AssumeRoleWithWebIdentity is unsigned) → authenticate → `query_target(
//! service, action)` → `decode_query::<Request>(op, body)` → the operation →
//! `encode_query_response(op, &response, request_id)` with status 200 and
//! `Content-Type: text/xml`; any error → `encode_query_error(service,
//! &error, request_id)` with `error.code.http_status()`, after
//! `query_front_door_error` for errors raised before the operation ran.

mod decode;
mod errors;
mod form;
mod xml;

pub use decode::{decode_query, query_request_value};
pub use errors::query_front_door_error;
pub use form::query_action;
pub use xml::{encode_query_error, encode_query_response};

/// The content type of every awsQuery answer, as IAM and STS send it.
pub const XML_CONTENT_TYPE: &str = "text/xml";

/// Whether a `Content-Type` is a form (`application/x-www-form-urlencoded`,
/// any parameters, any case): the mark of an awsQuery request.
pub fn is_form_urlencoded(content_type: &str) -> bool {
    content_type.split(';').next().is_some_and(|media| {
        media
            .trim()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_form_bodies() {
        assert!(is_form_urlencoded(
            "application/x-www-form-urlencoded; charset=utf-8"
        ));
        assert!(is_form_urlencoded("Application/X-WWW-Form-Urlencoded"));
        assert!(!is_form_urlencoded("application/x-amz-json-1.1"));
        assert!(!is_form_urlencoded("application/x-www-form-urlencodedx"));
    }
}
