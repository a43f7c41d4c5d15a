//! A secret value in clear, as the service handles it between the wire and
//! the keyring. Zeroised on drop; never printed.

use tresor_wire::dto::{SecretBytes, SecretString};

use crate::store::ValueKind;

#[derive(Debug, Clone)]
pub enum SecretValue {
    String(SecretString),
    Binary(SecretBytes),
}

impl SecretValue {
    pub fn kind(&self) -> ValueKind {
        match self {
            SecretValue::String(_) => ValueKind::String,
            SecretValue::Binary(_) => ValueKind::Binary,
        }
    }

    pub fn bytes(&self) -> &[u8] {
        match self {
            SecretValue::String(s) => s.expose().as_bytes(),
            SecretValue::Binary(b) => b.expose(),
        }
    }

    /// Same kind and same bytes, compared in constant time. (A string and
    /// a binary with the same bytes are different values, as on AWS.)
    pub fn same_as(&self, other: &SecretValue) -> bool {
        match (self, other) {
            (SecretValue::String(a), SecretValue::String(b)) => a.ct_eq(b),
            (SecretValue::Binary(a), SecretValue::Binary(b)) => a.ct_eq(b),
            _ => false,
        }
    }

    /// From the two optional request members; `None` if neither is set.
    pub fn from_request(
        string: Option<SecretString>,
        binary: Option<SecretBytes>,
    ) -> Option<SecretValue> {
        match (string, binary) {
            (Some(s), _) => Some(SecretValue::String(s)),
            (None, Some(b)) => Some(SecretValue::Binary(b)),
            (None, None) => None,
        }
    }
}
