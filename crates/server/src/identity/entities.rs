//! The IAM entities Tresor keeps — users, groups, roles and managed
//! policies — as stored in `iam_entities.body`, and the relations between
//! them (`iam_links`).

use serde::{Deserialize, Serialize};

use crate::store::{IamEntityRow, StoreError};

/// Entity kinds, as stored.
pub const USER: &str = "user";
pub const GROUP: &str = "group";
pub const ROLE: &str = "role";
pub const POLICY: &str = "policy";

/// Link kinds: `member` (group → user), `attached` (user, group or role →
/// managed policy).
pub const MEMBER: &str = "member";
pub const ATTACHED: &str = "attached";

/// What users, groups, roles and policies all have.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Common {
    pub name: String,
    pub path: String,
    pub created_ms: i64,
    #[serde(default)]
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserBody {
    #[serde(flatten)]
    pub common: Common,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupBody {
    #[serde(flatten)]
    pub common: Common,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleBody {
    #[serde(flatten)]
    pub common: Common,
    /// The trust policy: who may assume the role.
    pub trust_policy: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub max_session_secs: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyBody {
    #[serde(flatten)]
    pub common: Common,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The version that applies (`v1`, `v2`, …).
    pub default_version: String,
    /// The number the next version gets.
    pub next_version: u32,
    pub updated_ms: i64,
}

/// A decoded entity row.
#[derive(Debug, Clone)]
pub struct Entity<B> {
    /// The IAM unique id (`AIDA…`, `AGPA…`, `AROA…`, `ANPA…`).
    pub id: String,
    pub arn: String,
    pub body: B,
}

impl<B: for<'de> Deserialize<'de>> Entity<B> {
    pub fn decode(row: IamEntityRow) -> Result<Entity<B>, StoreError> {
        let body = serde_json::from_str(&row.body)
            .map_err(|e| StoreError(format!("IAM {} {}: {e}", row.kind, row.id)))?;
        Ok(Entity {
            id: row.id,
            arn: row.arn,
            body,
        })
    }
}

impl<B: Serialize> Entity<B> {
    pub fn encode(&self, kind: &str, name: &str) -> Result<IamEntityRow, StoreError> {
        Ok(IamEntityRow {
            id: self.id.clone(),
            kind: kind.to_string(),
            name_key: name_key(name),
            arn: self.arn.clone(),
            body: serde_json::to_string(&self.body)
                .map_err(|e| StoreError(format!("IAM {kind} {}: {e}", self.id)))?,
        })
    }
}

/// IAM names are unique without regard to case.
pub fn name_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// `arn:aws:iam::<acct>:<kind>/<path><name>`; `path` starts and ends with `/`.
pub fn iam_arn(account_id: &str, kind: &str, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{account_id}:{kind}{path}{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_round_trip_through_rows() {
        let role = Entity {
            id: "AROAEXAMPLEEXAMPLE123".to_string(),
            arn: iam_arn("123456789012", "role", "/apps/", "Reader"),
            body: RoleBody {
                common: Common {
                    name: "Reader".into(),
                    path: "/apps/".into(),
                    created_ms: 5,
                    tags: vec![("team".into(), "a".into())],
                },
                trust_policy: "{}".into(),
                description: None,
                max_session_secs: 3600,
            },
        };
        let row = role.encode(ROLE, "Reader").unwrap();
        assert_eq!(row.name_key, "reader");
        assert_eq!(row.arn, "arn:aws:iam::123456789012:role/apps/Reader");
        let back: Entity<RoleBody> = Entity::decode(row).unwrap();
        assert_eq!(back.body, role.body);
    }
}
