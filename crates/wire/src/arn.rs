//! ARNs: parse, format, and the Secrets Manager secret suffix.
//!
//! `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 chars>`.
//! The six random characters make every incarnation of a name distinct: a
//! secret deleted and created again has a new ARN and inherits no grants.

use std::fmt;

/// A parsed ARN. Only the structure is checked, not the service's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arn {
    pub partition: String,
    pub service: String,
    pub region: String,
    pub account: String,
    pub resource: String,
}

impl Arn {
    pub fn parse(s: &str) -> Option<Arn> {
        let mut parts = s.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let partition = parts.next()?.to_string();
        let service = parts.next()?.to_string();
        let region = parts.next()?.to_string();
        let account = parts.next()?.to_string();
        let resource = parts.next()?.to_string();
        if partition.is_empty() || service.is_empty() {
            return None;
        }
        Some(Arn {
            partition,
            service,
            region,
            account,
            resource,
        })
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:{}:{}:{}:{}",
            self.partition, self.service, self.region, self.account, self.resource
        )
    }
}

/// The partition Tresor reports in ARNs.
pub const PARTITION: &str = "aws";

/// How a `SecretId` refers to a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// A plain name.
    Name(String),
    /// An ARN ending in `-XXXXXX`: exactly that incarnation.
    FullArn {
        region: String,
        account: String,
        name: String,
        suffix: String,
    },
    /// An ARN without the suffix: the secret of that name.
    PartialArn {
        region: String,
        account: String,
        name: String,
    },
    /// Starts with `arn:` but is not a Secrets Manager secret ARN.
    NotASecretArn,
}

impl SecretRef {
    /// Classifies a `SecretId` as AWS does: an ARN whose tail looks like
    /// `-XXXXXX` is always a full ARN (no fallback to the name), anything
    /// else after `secret:` is a partial ARN.
    pub fn parse(secret_id: &str) -> SecretRef {
        if !secret_id.starts_with("arn:") {
            return SecretRef::Name(secret_id.to_string());
        }
        let Some(arn) = Arn::parse(secret_id) else {
            return SecretRef::NotASecretArn;
        };
        let Some(rest) = arn.resource.strip_prefix("secret:") else {
            return SecretRef::NotASecretArn;
        };
        if arn.service != "secretsmanager" || rest.is_empty() {
            return SecretRef::NotASecretArn;
        }
        match split_suffix(rest) {
            Some((name, suffix)) => SecretRef::FullArn {
                region: arn.region,
                account: arn.account,
                name: name.to_string(),
                suffix: suffix.to_string(),
            },
            None => SecretRef::PartialArn {
                region: arn.region,
                account: arn.account,
                name: rest.to_string(),
            },
        }
    }
}

/// Splits `name-XXXXXX` into the name and the six-character suffix.
pub fn split_suffix(s: &str) -> Option<(&str, &str)> {
    let (name, suffix) = s.rsplit_once('-')?;
    if !name.is_empty() && suffix.len() == 6 && suffix.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Some((name, suffix))
    } else {
        None
    }
}

/// The ARN of a secret.
pub fn secret_arn(region: &str, account: &str, name: &str, suffix: &str) -> String {
    format!("arn:{PARTITION}:secretsmanager:{region}:{account}:secret:{name}-{suffix}")
}

/// The same secret's ARN in another region (what a replica is called).
pub fn with_region(arn: &str, region: &str) -> Option<String> {
    let mut parsed = Arn::parse(arn)?;
    parsed.region = region.to_string();
    Some(parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_secret_ids() {
        assert_eq!(
            SecretRef::parse("prod/db"),
            SecretRef::Name("prod/db".into())
        );
        assert_eq!(
            SecretRef::parse("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-Ab3dE9"),
            SecretRef::FullArn {
                region: "us-east-1".into(),
                account: "123456789012".into(),
                name: "prod/db".into(),
                suffix: "Ab3dE9".into()
            }
        );
        assert_eq!(
            SecretRef::parse("arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db"),
            SecretRef::PartialArn {
                region: "us-east-1".into(),
                account: "123456789012".into(),
                name: "prod/db".into()
            }
        );
        assert_eq!(
            SecretRef::parse("arn:aws:kms:us-east-1:123456789012:key/abc"),
            SecretRef::NotASecretArn
        );
        assert_eq!(SecretRef::parse("arn:nonsense"), SecretRef::NotASecretArn);
    }

    #[test]
    fn a_name_ending_like_a_suffix_is_a_full_arn() {
        // AWS: the partial ARN of `Name-a1b2c3` is not found by name.
        let r = SecretRef::parse("arn:aws:secretsmanager:us-east-1:1:secret:Name-a1b2c3");
        assert!(matches!(r, SecretRef::FullArn { ref name, .. } if name == "Name"));
    }

    #[test]
    fn formats_and_re_regions() {
        let arn = secret_arn("us-east-1", "123456789012", "a/b", "XyZ123");
        assert_eq!(
            arn,
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:a/b-XyZ123"
        );
        assert_eq!(
            with_region(&arn, "eu-west-1").unwrap(),
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:a/b-XyZ123"
        );
    }
}
