//! The `Resource` and `NotResource` elements: which resources a statement
//! covers.
//!
//! Owns resource pattern syntax: `*`, or an ARN
//! `arn:partition:service:region:account:resource` in which `*` and `?` may
//! appear in any segment except the service (I8). Matching (ARNs are
//! case-sensitive, I9) belongs to the evaluator. Also owns ARN segment
//! splitting, shared with principal ARNs.

use crate::error::{PolicyError, quote};
use crate::json::{Json, string_list};

/// A statement's `Resource` (or, with `negated`, `NotResource`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceSpec {
    /// `NotResource`: the statement covers every resource *except* these.
    pub negated: bool,
    /// Never empty; in document order.
    pub patterns: Vec<ResourcePattern>,
}

/// A validated resource pattern, kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourcePattern(String);

impl ResourcePattern {
    /// Checks `text` is `*` or an ARN pattern.
    pub fn parse(text: &str) -> Result<ResourcePattern, PolicyError> {
        check(text)?;
        Ok(ResourcePattern(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Is this the pattern `*`, every resource?
    pub fn is_any(&self) -> bool {
        self.0 == "*"
    }
}

/// Parses the value of a `Resource` (`negated == false`) or `NotResource`
/// element.
pub(crate) fn parse(value: &Json, negated: bool) -> Result<ResourceSpec, PolicyError> {
    let element = if negated { "NotResource" } else { "Resource" };
    let patterns = string_list(value, element)?
        .into_iter()
        .map(|text| ResourcePattern::parse(text).map_err(|e| e.at(element)))
        .collect::<Result<_, _>>()?;
    Ok(ResourceSpec { negated, patterns })
}

fn check(text: &str) -> Result<(), PolicyError> {
    if text == "*" {
        return Ok(());
    }
    let not_arn = || {
        PolicyError::new(format!(
            "{} is not \"*\" or an ARN (arn:partition:service:region:account:resource)",
            quote(text)
        ))
    };
    let [arn, partition, service, region, account, resource] =
        split_arn(text).ok_or_else(not_arn)?;
    if service.contains(['*', '?']) {
        return Err(PolicyError::new(format!(
            "{}: the service segment of an ARN must not contain a wildcard",
            quote(text)
        )));
    }
    let printable = |s: &str| !s.chars().any(|c| c.is_control() || c.is_whitespace());
    let well_formed = arn == "arn"
        && !partition.is_empty()
        && partition.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'*' | b'?')
        })
        && !service.is_empty()
        && service
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && printable(region)
        && printable(account)
        && !resource.is_empty()
        && !resource.chars().any(char::is_control);
    if well_formed { Ok(()) } else { Err(not_arn()) }
}

/// Splits an ARN into its six segments. The last takes the rest of the text,
/// colons included (`secret:name`). Colons inside a policy variable such as
/// `${aws:username}` do not split. `None` if there are fewer than six.
pub(crate) fn split_arn(text: &str) -> Option<[&str; 6]> {
    let mut parts = [""; 6];
    let mut start = 0;
    let mut found = 0;
    let mut in_variable = false;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'{' if i > 0 && bytes[i - 1] == b'$' => in_variable = true,
            b'}' => in_variable = false,
            b':' if !in_variable => {
                parts[found] = &text[start..i];
                found += 1;
                start = i + 1;
                if found == 5 {
                    break;
                }
            }
            _ => {}
        }
    }
    if found < 5 {
        return None;
    }
    parts[5] = &text[start..];
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_colons_in_resource_and_variables() {
        assert_eq!(
            split_arn("arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"),
            Some([
                "arn",
                "aws",
                "secretsmanager",
                "us-east-1",
                "123456789012",
                "secret:db-AbCdEf"
            ])
        );
        assert_eq!(
            split_arn("arn:aws:iam::${aws:PrincipalAccount}:role/x"),
            Some(["arn", "aws", "iam", "", "${aws:PrincipalAccount}", "role/x"])
        );
        assert_eq!(
            split_arn("arn:aws:s3:::"),
            Some(["arn", "aws", "s3", "", "", ""])
        );
        assert_eq!(split_arn("arn:aws:s3::"), None);
    }
}
