//! Secret references as ECS writes them in `valueFrom`:
//! `<secret id or ARN>[:json-key[:version-stage[:version-id]]]`.
//!
//! A name cannot contain `:`, so after a name every `:` separates a field;
//! an ARN has six colons of its own (`arn:aws:secretsmanager:<region>:
//! <account>:secret:<name>`), so the fields start after the seventh part.
//! Empty fields mean "not given" (`prod/db::AWSPREVIOUS` reads the whole
//! previous value).

/// One reference, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretRef {
    pub secret_id: String,
    pub json_key: Option<String>,
    pub version_stage: Option<String>,
    pub version_id: Option<String>,
}

impl SecretRef {
    pub fn parse(text: &str) -> Result<SecretRef, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let (id, fields) = if text.starts_with("arn:") {
            if parts.len() < 7 {
                return Err(format!(
                    "{text:?} is not a secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)"
                ));
            }
            (parts[..7].join(":"), &parts[7..])
        } else {
            (parts[0].to_string(), &parts[1..])
        };
        if id.is_empty() || id.ends_with(':') {
            return Err(format!("{text:?} names no secret"));
        }
        if fields.len() > 3 {
            return Err(format!(
                "{text:?} has too many fields: <secret>[:json-key[:version-stage[:version-id]]]"
            ));
        }
        let field = |i: usize| {
            fields
                .get(i)
                .filter(|f| !f.is_empty())
                .map(|f| f.to_string())
        };
        Ok(SecretRef {
            secret_id: id,
            json_key: field(0),
            version_stage: field(1),
            version_id: field(2),
        })
    }

    /// A reference to a whole secret (no JSON key), at the same version.
    pub fn whole(&self) -> SecretRef {
        SecretRef {
            json_key: None,
            ..self.clone()
        }
    }
}

/// The environment variable a JSON key becomes under `prefix`: upper case,
/// anything but letters, digits and `_` replaced by `_`.
pub fn env_name(prefix: &str, key: &str) -> String {
    let mut name = String::with_capacity(prefix.len() + key.len());
    name.push_str(prefix);
    name.extend(key.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        }
    }));
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(id: &str, key: Option<&str>, stage: Option<&str>, version: Option<&str>) -> SecretRef {
        SecretRef {
            secret_id: id.into(),
            json_key: key.map(Into::into),
            version_stage: stage.map(Into::into),
            version_id: version.map(Into::into),
        }
    }

    #[test]
    fn names_and_arns_with_their_fields() {
        assert_eq!(
            SecretRef::parse("prod/db").unwrap(),
            r("prod/db", None, None, None)
        );
        assert_eq!(
            SecretRef::parse("prod/db:password").unwrap(),
            r("prod/db", Some("password"), None, None)
        );
        assert_eq!(
            SecretRef::parse("prod/db::AWSPREVIOUS").unwrap(),
            r("prod/db", None, Some("AWSPREVIOUS"), None)
        );
        let arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-AbCdEf";
        assert_eq!(SecretRef::parse(arn).unwrap(), r(arn, None, None, None));
        assert_eq!(
            SecretRef::parse(&format!("{arn}:password:AWSCURRENT:v-1")).unwrap(),
            r(arn, Some("password"), Some("AWSCURRENT"), Some("v-1"))
        );
    }

    #[test]
    fn malformed_references_are_refused() {
        assert!(SecretRef::parse("").is_err());
        assert!(SecretRef::parse(":password").is_err());
        assert!(SecretRef::parse("arn:aws:secretsmanager:eu-west-1").is_err());
        assert!(SecretRef::parse("a:b:c:d:e").is_err());
    }

    #[test]
    fn json_keys_become_variable_names() {
        assert_eq!(env_name("DB_", "password"), "DB_PASSWORD");
        assert_eq!(env_name("", "api-key.v2"), "API_KEY_V2");
    }
}
