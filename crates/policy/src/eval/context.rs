//! What a request brings to an evaluation: the action, the resource, who
//! asks, and the condition keys.
//!
//! Owns the shape of that input and one rule about it: condition key names
//! are case-insensitive (I9), so `ContextKeys` stores them lower-cased and
//! every lookup lower-cases too. It holds no policy logic and makes no
//! decision; the server fills it, the evaluator only reads it.

use std::collections::HashMap;

/// Everything a request brings to an evaluation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// `service:Action`, e.g. `secretsmanager:GetSecretValue`; compared
    /// case-insensitively.
    pub action: String,
    /// The canonical ARN of the resource actually resolved (I18: the full
    /// secret ARN with its 6-character suffix, never the name the caller
    /// typed), or `*` for actions that have no resource.
    pub resource: String,
    /// Who asks; `None` for an anonymous caller. Needed for `Principal` and
    /// `NotPrincipal` in resource policies, key policies and trust policies.
    pub principal: Option<CallerPrincipal>,
    /// The condition keys, also the source of policy variables.
    pub keys: ContextKeys,
}

impl RequestContext {
    /// A context with no principal and no keys.
    pub fn new(action: impl Into<String>, resource: impl Into<String>) -> Self {
        RequestContext {
            action: action.into(),
            resource: resource.into(),
            principal: None,
            keys: ContextKeys::new(),
        }
    }
}

/// Who makes the request, in every form a `Principal` element may name it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallerPrincipal {
    /// Every ARN (or IAM unique ID) the caller answers to in a `Principal`
    /// element, compared exactly: for an assumed-role session both
    /// `arn:aws:sts::111122223333:assumed-role/app/s1` and
    /// `arn:aws:iam::111122223333:role/app`; for a user
    /// `arn:aws:iam::111122223333:user/alice`; for the account root
    /// `arn:aws:iam::111122223333:root`.
    pub arns: Vec<String>,
    /// The caller's 12-digit account ID.
    pub account: String,
    /// The OIDC or SAML provider (ARN or host name) for a web-identity
    /// caller, matched by `"Federated"` principals.
    pub federated: Option<String>,
    /// A service principal such as `secretsmanager.amazonaws.com`, matched
    /// by `"Service"` principals.
    pub service: Option<String>,
}

/// The value of one condition key in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    /// A single-valued key such as `aws:SourceIp`.
    Single(String),
    /// A multi-valued key such as `aws:TagKeys`. An empty list counts as
    /// an absent key everywhere (`Null`, `…IfExists`, set operators).
    Multi(Vec<String>),
}

impl ContextValue {
    /// The values as a slice: one for `Single`, all for `Multi`.
    pub fn values(&self) -> &[String] {
        match self {
            ContextValue::Single(v) => std::slice::from_ref(v),
            ContextValue::Multi(vs) => vs,
        }
    }
}

/// Condition keys with case-insensitive names. A key that was never set is
/// missing (I11).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextKeys {
    /// Lower-cased name → value.
    map: HashMap<String, ContextValue>,
}

impl ContextKeys {
    pub fn new() -> Self {
        ContextKeys::default()
    }

    /// Sets a single-valued key, replacing any earlier value under any case
    /// of the same name.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.map
            .insert(normalize_key(key), ContextValue::Single(value.into()));
    }

    /// Sets a multi-valued key (`aws:TagKeys`); an empty list is the same as
    /// leaving the key out.
    pub fn set_multi(&mut self, key: &str, values: Vec<String>) {
        self.map
            .insert(normalize_key(key), ContextValue::Multi(values));
    }

    /// Removes a key; returns its value if it was set.
    pub fn remove(&mut self, key: &str) -> Option<ContextValue> {
        self.map.remove(&normalize_key(key))
    }

    /// The value of `key`, whatever the case it was set or asked with.
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.map.get(&normalize_key(key))
    }

    /// Looks up a key whose name is already lower-cased (the evaluator
    /// normalises policy keys once, at compile time).
    pub(crate) fn get_normalized(&self, key: &str) -> Option<&ContextValue> {
        self.map.get(key)
    }

    /// The present, non-empty values of an already lower-cased key.
    pub(crate) fn values_of(&self, key: &str) -> Option<&[String]> {
        self.get_normalized(key)
            .map(ContextValue::values)
            .filter(|v| !v.is_empty())
    }

    /// Every key, lower-cased, with its value; in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// The one normal form of a key name: Unicode lower case, so tag keys with
/// non-ASCII letters compare case-insensitively too.
pub(crate) fn normalize_key(key: &str) -> String {
    key.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_are_case_insensitive() {
        let mut keys = ContextKeys::new();
        keys.set("aws:PrincipalTag/Team", "blue");
        assert_eq!(
            keys.get("AWS:principaltag/team"),
            Some(&ContextValue::Single("blue".into()))
        );
        keys.set("aws:principaltag/TEAM", "red");
        assert_eq!(keys.iter().count(), 1);
        assert_eq!(keys.get("aws:PrincipalTag/Team").unwrap().values(), ["red"]);
        keys.set("aws:PrincipalTag/Équipe", "x");
        assert!(keys.get("aws:principaltag/équipe").is_some());
    }

    #[test]
    fn empty_multi_counts_as_absent_for_values() {
        let mut keys = ContextKeys::new();
        keys.set_multi("aws:TagKeys", vec![]);
        assert!(keys.get("aws:TagKeys").is_some());
        assert_eq!(keys.values_of("aws:tagkeys"), None);
        keys.set_multi("aws:TagKeys", vec!["a".into(), "b".into()]);
        assert_eq!(keys.values_of("aws:tagkeys").unwrap().len(), 2);
        assert!(keys.remove("AWS:TAGKEYS").is_some());
        assert!(keys.get("aws:TagKeys").is_none());
    }
}
