//! Builders for test policies, so each table row shows only what it tests.

/// A statement body that is valid in a resource policy, to extend or edit.
pub const BASE: &str =
    r#""Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*""#;

/// A 2012-10-17 policy with one statement made of `members`.
pub fn statement(members: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{{{members}}}]}}"#)
}

/// A 2012-10-17 policy whose one statement is `BASE` plus this `Condition`.
pub fn condition(block: &str) -> String {
    statement(&format!(r#"{BASE},"Condition":{block}"#))
}

/// `BASE` with the `Principal` replaced.
pub fn principal(value: &str) -> String {
    statement(&format!(
        r#""Effect":"Allow","Principal":{value},"Action":"secretsmanager:GetSecretValue","Resource":"*""#
    ))
}
