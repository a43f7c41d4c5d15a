//! Policy documents as IAM accepts them: identity policies (inline and
//! managed), trust policies (a role's `AssumeRolePolicyDocument`), and
//! IAM's size quotas for each.
//!
//! The grammar is `tresor_policy::parse`; this module adds what depends on
//! where a document goes, with IAM's messages: identity policies name no
//! `Principal` and every statement names resources; trust policies name a
//! principal, no resources and only the STS actions that assume a role.
//! Sizes are counted as IAM counts them, in characters without whitespace
//! (IAM quotas: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>).

use tresor_policy::{Effect, PolicyDocument};
use tresor_wire::AwsError;

use super::errors::{self, Kind};

/// A managed policy version, in characters without whitespace.
pub const MANAGED_POLICY_CHARS: usize = 6_144;
/// A role's trust policy (IAM's default quota).
pub const TRUST_POLICY_CHARS: usize = 2_048;

/// All inline policies of one entity together.
pub fn inline_quota(kind: Kind) -> usize {
    match kind {
        Kind::User => 2_048,
        Kind::Group => 5_120,
        Kind::Role => 10_240,
    }
}

/// What IAM counts of a policy: its characters, whitespace not included.
pub fn policy_size(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// The actions a trust policy may name (the ways to assume a role, and
/// what may accompany them).
const TRUST_ACTIONS: &[&str] = &[
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
];

fn parse(text: &str) -> Result<PolicyDocument, AwsError> {
    tresor_policy::parse(text).map_err(|e| errors::malformed(e.message))
}

/// Checks an identity policy (inline or a managed policy version).
pub fn check_identity_policy(text: &str) -> Result<PolicyDocument, AwsError> {
    let document = parse(text)?;
    // IAM's own words first; the policy crate's rule set (unique,
    // alphanumeric Sids) after.
    for statement in &document.statements {
        if statement.principal.is_some() {
            return Err(errors::malformed(
                "Policy document should not specify a principal.",
            ));
        }
        if statement.resource.is_none() {
            return Err(errors::malformed(
                "Policy statement must contain resources.",
            ));
        }
    }
    document
        .check_identity_policy()
        .map_err(|e| errors::malformed(e.message))?;
    Ok(document)
}

/// Checks a managed policy version: size, then grammar.
pub fn check_managed_policy(text: &str) -> Result<(), AwsError> {
    if policy_size(text) > MANAGED_POLICY_CHARS {
        return Err(errors::quota("PolicySize", MANAGED_POLICY_CHARS));
    }
    check_identity_policy(text).map(drop)
}

/// Checks an inline policy for an entity whose other inline policies
/// already use `others` characters: the sum must stay within the quota.
pub fn check_inline_policy(
    kind: Kind,
    owner_name: &str,
    others: usize,
    text: &str,
) -> Result<(), AwsError> {
    let quota = inline_quota(kind);
    if others + policy_size(text) > quota {
        return Err(errors::limit_exceeded(format!(
            "Maximum policy size of {quota} bytes exceeded for {} {owner_name}",
            kind.as_str()
        )));
    }
    check_identity_policy(text).map(drop)
}

/// Checks a role's trust policy.
pub fn check_trust_policy(text: &str) -> Result<(), AwsError> {
    if policy_size(text) > TRUST_POLICY_CHARS {
        return Err(errors::quota("ACLSizePerRole", TRUST_POLICY_CHARS));
    }
    let document = parse(text)?;
    document
        .check_unique_sids()
        .map_err(|e| errors::malformed(e.message))?;
    for statement in &document.statements {
        let Some(principal) = &statement.principal else {
            return Err(errors::malformed("Missing required field Principal"));
        };
        if principal.negated && statement.effect == Effect::Allow {
            return Err(errors::malformed("Allow with NotPrincipal is not allowed."));
        }
        match &statement.resource {
            Some(r) if r.negated => {
                return Err(errors::malformed(
                    "AssumeRole policy must not contain resources.",
                ));
            }
            Some(_) => return Err(errors::malformed("Has prohibited field Resource")),
            None => {}
        }
        let only_sts = !statement.action.negated
            && statement.action.patterns.iter().all(|p| {
                TRUST_ACTIONS
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(p.as_str()))
            });
        if !only_sts {
            return Err(errors::malformed(
                "AssumeRole policy may only specify STS AssumeRole actions.",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tresor_wire::ErrorCode;

    const ALLOW: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}"#;

    fn message(r: Result<(), AwsError>) -> (ErrorCode, String) {
        let e = r.unwrap_err();
        (e.code, e.message)
    }

    #[test]
    fn identity_policies_have_no_principal_and_name_resources() {
        check_identity_policy(ALLOW).unwrap();
        let with_principal = ALLOW.replace(r#""Effect""#, r#""Principal":"*","Effect""#);
        assert_eq!(
            message(check_identity_policy(&with_principal).map(drop)),
            (
                ErrorCode::MalformedPolicyDocument,
                "Policy document should not specify a principal.".into()
            )
        );
        let no_resource = ALLOW.replace(r#","Resource":"*""#, "");
        assert_eq!(
            message(check_identity_policy(&no_resource).map(drop)).1,
            "Policy statement must contain resources."
        );
        assert_eq!(
            message(check_identity_policy("{not json").map(drop)).0,
            ErrorCode::MalformedPolicyDocument
        );
    }

    #[test]
    fn sizes_are_counted_without_whitespace() {
        assert_eq!(policy_size(" a\n\tb "), 2);
        let padded = format!("{}{ALLOW}", " ".repeat(10_000));
        check_managed_policy(&padded).unwrap();
        let big = ALLOW.replace("s3:GetObject", &format!("s3:{}", "A".repeat(6_200)));
        assert_eq!(
            message(check_managed_policy(&big)),
            (
                ErrorCode::LimitExceeded,
                "Cannot exceed quota for PolicySize: 6144".into()
            )
        );
        check_inline_policy(Kind::User, "alice", 2_048 - policy_size(ALLOW), ALLOW).unwrap();
        assert_eq!(
            message(check_inline_policy(
                Kind::User,
                "alice",
                2_049 - policy_size(ALLOW),
                ALLOW
            )),
            (
                ErrorCode::LimitExceeded,
                "Maximum policy size of 2048 bytes exceeded for user alice".into()
            )
        );
        assert_eq!(inline_quota(Kind::Group), 5_120);
        assert_eq!(inline_quota(Kind::Role), 10_240);
    }

    #[test]
    fn trust_policies_follow_iam() {
        check_trust_policy(TRUST).unwrap();
        let cases = [
            (
                TRUST.replace(
                    r#""Principal":{"AWS":"arn:aws:iam::111122223333:root"},"#,
                    "",
                ),
                "Missing required field Principal",
            ),
            (
                TRUST.replace(r#""Action""#, r#""Resource":"*","Action""#),
                "Has prohibited field Resource",
            ),
            (
                TRUST.replace(r#""Action""#, r#""NotResource":"*","Action""#),
                "AssumeRole policy must not contain resources.",
            ),
            (
                TRUST.replace("sts:TagSession", "s3:GetObject"),
                "AssumeRole policy may only specify STS AssumeRole actions.",
            ),
            (
                TRUST.replace(r#"["sts:AssumeRole","sts:TagSession"]"#, r#""*""#),
                "AssumeRole policy may only specify STS AssumeRole actions.",
            ),
            (
                TRUST.replace(r#""Principal""#, r#""NotPrincipal""#),
                "Allow with NotPrincipal is not allowed.",
            ),
        ];
        for (doc, expected) in cases {
            assert_eq!(
                message(check_trust_policy(&doc)),
                (ErrorCode::MalformedPolicyDocument, expected.to_string()),
                "{doc}"
            );
        }
        let big = TRUST.replace("sts:TagSession", &format!("sts:{}", "A".repeat(2_100)));
        assert_eq!(
            message(check_trust_policy(&big)),
            (
                ErrorCode::LimitExceeded,
                "Cannot exceed quota for ACLSizePerRole: 2048".into()
            )
        );
        let web = r#"{"Statement":{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity"}}"#;
        check_trust_policy(web).unwrap();
    }
}
