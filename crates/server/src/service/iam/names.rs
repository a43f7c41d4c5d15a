//! IAM's rules for names, paths and tags, and IAM's words when a request
//! breaks them.
//!
//! The wire model already checks lengths and patterns while decoding; these
//! functions hold the same rules for the service (entities Tresor builds
//! itself, defence in depth) and add what the model cannot say: tag keys
//! unique without regard to case, the reserved `aws:` prefix, the quota of
//! 50 tags once merged. `aws_wording` turns the model's generic pattern
//! violation for a name or path into the sentence IAM itself answers.
//!
//! Owns no storage and no authorization.

use tresor_wire::{AwsError, ErrorCode};

/// At most this many tags on a user, role or policy.
pub const MAX_TAGS: usize = 50;

pub const MAX_USER_NAME: usize = 64;
pub const MAX_ROLE_NAME: usize = 64;
pub const MAX_GROUP_NAME: usize = 128;
pub const MAX_POLICY_NAME: usize = 128;
const MAX_PATH: usize = 512;

/// `[\w+=,.@-]+` (Java's ASCII `\w`), 1 to `max` characters.
pub fn is_valid_name(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
}

/// Checks the name of a new user, group, role or policy (request member
/// `member`): the model checked it already; entities Tresor stores must
/// hold to it whatever called.
pub fn check_name(name: &str, max: usize, member: &str) -> Result<(), AwsError> {
    if is_valid_name(name, max) {
        return Ok(());
    }
    if name.len() > max {
        return Err(AwsError::new(
            ErrorCode::ValidationError,
            format!(
                "1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}"
            ),
        ));
    }
    Err(invalid_name(member))
}

/// `/`, or `/…/` with printable ASCII between; at most 512 characters.
pub fn is_valid_path(path: &str) -> bool {
    path.len() <= MAX_PATH
        && path.starts_with('/')
        && path.ends_with('/')
        && path.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// `\p{L}\p{Z}\p{N}` and `_.:/=+-@`, as tag keys and values allow.
fn is_tag_char(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric() || is_separator(c) || "_.:/=+-@".contains(c)
}

/// Unicode category Z (space, line and paragraph separators).
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    )
}

pub fn is_valid_tag_key(key: &str) -> bool {
    let n = key.chars().count();
    (1..=128).contains(&n) && key.chars().all(is_tag_char)
}

pub fn is_valid_tag_value(value: &str) -> bool {
    value.chars().count() <= 256 && value.chars().all(is_tag_char)
}

/// Checks tags sent with a request: each well formed, at most 50, keys
/// unique without regard to case (IAM: "you cannot have separate Department
/// and department tag keys"), none under the `aws:` prefix AWS reserves.
pub fn check_tags(tags: &[(String, String)]) -> Result<(), AwsError> {
    if tags.len() > MAX_TAGS {
        return Err(AwsError::new(
            ErrorCode::ValidationError,
            format!(
                "1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to {MAX_TAGS}"
            ),
        ));
    }
    for (i, (key, value)) in tags.iter().enumerate() {
        if !is_valid_tag_key(key) || !is_valid_tag_value(value) {
            return Err(AwsError::new(
                ErrorCode::ValidationError,
                format!(
                    "1 validation error detected: Value at 'tags.{}.member' failed to satisfy constraint: Member must be a valid tag",
                    i + 1
                ),
            ));
        }
        if key.len() >= 4 && key[..4].eq_ignore_ascii_case("aws:") {
            return Err(reserved_prefix());
        }
    }
    for (i, (key, _)) in tags.iter().enumerate() {
        if tags[..i]
            .iter()
            .any(|(k, _)| k.to_lowercase() == key.to_lowercase())
        {
            return Err(AwsError::new(
                ErrorCode::InvalidInput,
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
    }
    Ok(())
}

/// Tag keys named for removal: well formed; removing a reserved or absent
/// key is not an error (there is nothing to remove).
pub fn check_tag_keys(keys: &[String]) -> Result<(), AwsError> {
    if keys.iter().all(|k| is_valid_tag_key(k)) && keys.len() <= MAX_TAGS {
        Ok(())
    } else {
        Err(AwsError::new(
            ErrorCode::ValidationError,
            "1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+]",
        ))
    }
}

fn reserved_prefix() -> AwsError {
    // IAM's wording is not documented; this says what the rule is.
    AwsError::new(
        ErrorCode::InvalidInput,
        "Tag keys must not begin with aws:, which is reserved for AWS use.",
    )
}

/// `existing` with `new` applied: a key already there (in any case) takes
/// the new value and the new spelling; the result holds at most 50 tags.
pub fn merge_tags(
    existing: &[(String, String)],
    new: &[(String, String)],
) -> Result<Vec<(String, String)>, AwsError> {
    let mut tags = existing.to_vec();
    for (key, value) in new {
        let lower = key.to_lowercase();
        match tags.iter_mut().find(|(k, _)| k.to_lowercase() == lower) {
            Some(slot) => *slot = (key.clone(), value.clone()),
            None => tags.push((key.clone(), value.clone())),
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(AwsError::new(
            ErrorCode::LimitExceeded,
            "The number of tags has reached the maximum limit.",
        ));
    }
    Ok(tags)
}

/// `existing` without the keys named (compared without regard to case).
pub fn remove_tags(existing: &[(String, String)], keys: &[String]) -> Vec<(String, String)> {
    let lower: Vec<String> = keys.iter().map(|k| k.to_lowercase()).collect();
    existing
        .iter()
        .filter(|(k, _)| !lower.contains(&k.to_lowercase()))
        .cloned()
        .collect()
}

/// The path of a new entity: the request's, or `/`.
pub fn path_or_root(path: Option<&str>) -> Result<String, AwsError> {
    match path {
        None => Ok("/".to_string()),
        Some(p) if is_valid_path(p) => Ok(p.to_string()),
        Some(_) => Err(invalid_path("path")),
    }
}

fn invalid_path(member: &str) -> AwsError {
    AwsError::new(
        ErrorCode::ValidationError,
        format!(
            "The specified value for {member} is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."
        ),
    )
}

fn invalid_name(member: &str) -> AwsError {
    AwsError::new(
        ErrorCode::ValidationError,
        format!(
            "The specified value for {member} is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-"
        ),
    )
}

/// IAM answers a name or path that breaks its pattern with its own
/// sentence, not the generic model violation; other errors pass unchanged.
pub fn aws_wording(error: AwsError) -> AwsError {
    const PATTERN: &str =
        "failed to satisfy constraint: Member must satisfy regular expression pattern";
    if error.code != ErrorCode::ValidationError
        || !error.message.starts_with("1 validation error detected:")
        || !error.message.contains(PATTERN)
    {
        return error;
    }
    let member = error
        .message
        .split(" at '")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap_or_default();
    match member {
        "userName" | "newUserName" | "groupName" | "roleName" | "policyName" => {
            invalid_name(member)
        }
        "path" | "newPath" => invalid_path(member),
        "policyDocument" | "assumeRolePolicyDocument" => AwsError::new(
            ErrorCode::ValidationError,
            format!(
                "The specified value for {member} is invalid. It must contain only printable ASCII characters."
            ),
        ),
        _ => error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn names_follow_iam() {
        assert!(is_valid_name("alice+ops@example.com", MAX_USER_NAME));
        assert!(is_valid_name("a_b=c,d.e-f", MAX_USER_NAME));
        assert!(is_valid_name(&"a".repeat(64), MAX_USER_NAME));
        assert!(!is_valid_name(&"a".repeat(65), MAX_USER_NAME));
        assert!(is_valid_name(&"g".repeat(128), MAX_GROUP_NAME));
        assert!(!is_valid_name(&"g".repeat(129), MAX_GROUP_NAME));
        assert!(check_name("my-role", MAX_ROLE_NAME, "roleName").is_ok());
        assert_eq!(
            check_name("bad/name", MAX_ROLE_NAME, "roleName")
                .unwrap_err()
                .message,
            "The specified value for roleName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-"
        );
        assert!(check_name(&"a".repeat(65), MAX_USER_NAME, "userName").is_err());
        for bad in ["", "bad/name", "sp ace", "é", "a*b", "a:b"] {
            assert!(!is_valid_name(bad, MAX_POLICY_NAME), "{bad}");
        }
    }

    #[test]
    fn paths_begin_and_end_with_a_slash() {
        for good in ["/", "/a/", "/division_abc/subdivision_xyz/", "/a!~/"] {
            assert!(is_valid_path(good), "{good}");
        }
        let long = format!("/{}/", "a".repeat(511));
        for bad in ["", "a", "/a", "a/", "/a b/", "/é/", long.as_str()] {
            assert!(!is_valid_path(bad), "{bad}");
        }
        assert_eq!(path_or_root(None).unwrap(), "/");
        assert_eq!(
            path_or_root(Some("x")).unwrap_err().message,
            "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."
        );
    }

    #[test]
    fn tags_are_checked_as_iam_does() {
        check_tags(&tags(&[
            ("équipe:name", "Plateforme 42 / ops"),
            ("empty", ""),
        ]))
        .unwrap();
        let dup = check_tags(&tags(&[("env", "a"), ("ENV", "b")])).unwrap_err();
        assert_eq!(dup.code, ErrorCode::InvalidInput);
        assert_eq!(
            dup.message,
            "Duplicate tag keys found. Please note that Tag keys are case insensitive."
        );
        assert_eq!(
            check_tags(&tags(&[("aws:team", "x")])).unwrap_err().code,
            ErrorCode::InvalidInput
        );
        assert_eq!(
            check_tags(&tags(&[("AWS:team", "x")])).unwrap_err().code,
            ErrorCode::InvalidInput
        );
        for bad in [("", "v"), ("bad*key", "v"), ("k", "bad*value")] {
            assert_eq!(
                check_tags(&tags(&[bad])).unwrap_err().code,
                ErrorCode::ValidationError,
                "{bad:?}"
            );
        }
        assert!(!is_valid_tag_key(&"k".repeat(129)));
        assert!(!is_valid_tag_value(&"v".repeat(257)));
        let many: Vec<(String, String)> =
            (0..51).map(|i| (format!("k{i}"), String::new())).collect();
        assert_eq!(
            check_tags(&many).unwrap_err().code,
            ErrorCode::ValidationError
        );
        check_tags(&many[..50]).unwrap();
    }

    #[test]
    fn merging_replaces_keys_case_insensitively_up_to_the_quota() {
        let merged = merge_tags(
            &tags(&[("team", "a"), ("env", "x")]),
            &tags(&[("TEAM", "b")]),
        )
        .unwrap();
        assert_eq!(merged, tags(&[("TEAM", "b"), ("env", "x")]));
        let full: Vec<(String, String)> =
            (0..50).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(merge_tags(&full, &tags(&[("k1", "new")])).is_ok());
        let over = merge_tags(&full, &tags(&[("extra", "")])).unwrap_err();
        assert_eq!(over.code, ErrorCode::LimitExceeded);
        assert_eq!(
            over.message,
            "The number of tags has reached the maximum limit."
        );
        assert_eq!(
            remove_tags(&merged, &["team".into(), "absent".into()]),
            tags(&[("env", "x")])
        );
        check_tag_keys(&["EnV".into()]).unwrap();
        assert!(check_tag_keys(&["bad*key".into()]).is_err());
    }

    #[test]
    fn pattern_violations_get_iams_sentences() {
        let model = |member: &str| {
            AwsError::new(
                ErrorCode::ValidationError,
                format!(
                    "1 validation error detected: Value 'bad/name' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
                ),
            )
        };
        assert_eq!(
            aws_wording(model("roleName")).message,
            "The specified value for roleName is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-"
        );
        assert!(
            aws_wording(model("path")).message.starts_with(
                "The specified value for path is invalid. It must begin and end with /"
            )
        );
        let other = model("tags.1.member.key");
        assert_eq!(aws_wording(other.clone()), other);
        let length = AwsError::new(
            ErrorCode::ValidationError,
            "1 validation error detected: Value 'x' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64",
        );
        assert_eq!(aws_wording(length.clone()), length);
    }
}
