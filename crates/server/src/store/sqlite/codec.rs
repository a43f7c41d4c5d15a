//! Conversions shared by the SQL modules: errors and JSON columns.

use crate::store::{StoreError, StoreResult};

pub fn err(e: rusqlite::Error) -> StoreError {
    StoreError(e.to_string())
}

fn json_err(e: serde_json::Error) -> StoreError {
    StoreError(format!("corrupt JSON column: {e}"))
}

pub fn to_json<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(json_err)
}

pub fn opt_json<T: serde::Serialize>(v: &Option<T>) -> StoreResult<Option<String>> {
    v.as_ref().map(to_json).transpose()
}

pub fn from_json<T: serde::de::DeserializeOwned>(s: Option<String>) -> StoreResult<Option<T>> {
    s.map(|s| serde_json::from_str(&s).map_err(json_err))
        .transpose()
}

pub fn from_json_str<T: serde::de::DeserializeOwned>(s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(json_err)
}
