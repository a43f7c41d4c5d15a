//! Who a request comes from, as the policy engine sees them.

use std::sync::Arc;

/// The kinds of caller Tresor knows.
#[derive(Debug, Clone, PartialEq)]
pub enum PrincipalKind {
    /// The account root: the bootstrap administrator. Identity policies do
    /// not restrict it (as on AWS); resource and key policies still apply.
    Root,
    /// An IAM user, by unique id (`AIDA…`).
    User { user_id: String, name: String },
    /// A session of an IAM role obtained from STS.
    AssumedRole(Arc<RoleSession>),
}

/// What temporary credentials stand for, as stored with them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StoredSession {
    /// AssumeRole, AssumeRoleWithWebIdentity.
    Role(RoleSession),
    /// GetSessionToken: the user (or the root) itself, for a while.
    User(UserSession),
}

/// A user's own session (GetSessionToken).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UserSession {
    /// `None`: the account root.
    pub user_id: Option<String>,
    pub issued_ms: i64,
    pub expires_ms: i64,
}

/// A role session as STS issued it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RoleSession {
    /// The role's unique id (`AROA…`).
    pub role_id: String,
    pub role_arn: String,
    pub role_name: String,
    pub session_name: String,
    /// The session policies passed to AssumeRole (inline and managed
    /// documents, as text): if any, they limit what the role's own
    /// policies allow — an action needs an Allow in one of them too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub session_policies: Vec<String>,
    /// Session tags; they override the role's tags of the same key.
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    /// The OIDC provider's ARN for a web-identity session
    /// (`aws:FederatedProvider`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federated_provider: Option<String>,
    pub issued_ms: i64,
    pub expires_ms: i64,
}

/// A caller, with what global condition keys need.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// `arn:aws:iam::<acct>:root`, `…:user/<path><name>` or
    /// `arn:aws:sts::<acct>:assumed-role/<role>/<session>`.
    pub arn: String,
    pub account_id: String,
    pub kind: PrincipalKind,
    /// `aws:PrincipalTag/…`: the user's or role's tags (with session tags
    /// on top for a role session).
    pub tags: Vec<(String, String)>,
    /// When the temporary credentials in use were issued; `None` for a
    /// long-term access key (`aws:TokenIssueTime`).
    pub session_issued_ms: Option<i64>,
}

impl Principal {
    pub fn root(account_id: &str) -> Principal {
        Principal {
            arn: root_arn(account_id),
            account_id: account_id.to_string(),
            kind: PrincipalKind::Root,
            tags: Vec::new(),
            session_issued_ms: None,
        }
    }

    pub fn is_root(&self) -> bool {
        self.kind == PrincipalKind::Root
    }

    /// `aws:PrincipalArn`: a role session is known by its role's ARN.
    pub fn principal_arn(&self) -> &str {
        match &self.kind {
            PrincipalKind::AssumedRole(s) => &s.role_arn,
            _ => &self.arn,
        }
    }

    /// `aws:PrincipalType`.
    pub fn principal_type(&self) -> &'static str {
        match self.kind {
            PrincipalKind::Root => "Account",
            PrincipalKind::User { .. } => "User",
            PrincipalKind::AssumedRole(_) => "AssumedRole",
        }
    }

    /// `aws:userid`, and the `UserId` GetCallerIdentity reports.
    pub fn user_id(&self) -> String {
        match &self.kind {
            PrincipalKind::Root => self.account_id.clone(),
            PrincipalKind::User { user_id, .. } => user_id.clone(),
            PrincipalKind::AssumedRole(s) => format!("{}:{}", s.role_id, s.session_name),
        }
    }

    /// `aws:username`: only IAM users have one.
    pub fn username(&self) -> Option<&str> {
        match &self.kind {
            PrincipalKind::User { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The ARNs a policy's `Principal` element may name this caller by
    /// (besides its account): a session is also its role.
    pub fn arns(&self) -> Vec<String> {
        match &self.kind {
            PrincipalKind::AssumedRole(s) => vec![self.arn.clone(), s.role_arn.clone()],
            _ => vec![self.arn.clone()],
        }
    }

    /// The entity whose identity policies apply (user or role id).
    pub fn policy_owner(&self) -> Option<&str> {
        match &self.kind {
            PrincipalKind::Root => None,
            PrincipalKind::User { user_id, .. } => Some(user_id),
            PrincipalKind::AssumedRole(s) => Some(&s.role_id),
        }
    }
}

pub fn root_arn(account_id: &str) -> String {
    format!("arn:aws:iam::{account_id}:root")
}

pub fn session_arn(account_id: &str, role_name: &str, session_name: &str) -> String {
    format!("arn:aws:sts::{account_id}:assumed-role/{role_name}/{session_name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Principal {
        Principal {
            arn: session_arn("123456789012", "reader", "app"),
            account_id: "123456789012".into(),
            kind: PrincipalKind::AssumedRole(Arc::new(RoleSession {
                role_id: "AROAEXAMPLEEXAMPLE123".into(),
                role_arn: "arn:aws:iam::123456789012:role/apps/reader".into(),
                role_name: "reader".into(),
                session_name: "app".into(),
                session_policies: vec![],
                tags: vec![],
                federated_provider: None,
                issued_ms: 0,
                expires_ms: 1,
            })),
            tags: vec![],
            session_issued_ms: Some(0),
        }
    }

    #[test]
    fn global_keys_follow_aws() {
        let root = Principal::root("123456789012");
        assert_eq!(root.arn, "arn:aws:iam::123456789012:root");
        assert_eq!(root.user_id(), "123456789012");
        assert_eq!(root.principal_type(), "Account");
        assert_eq!(root.username(), None);

        let s = session();
        assert_eq!(
            s.principal_arn(),
            "arn:aws:iam::123456789012:role/apps/reader"
        );
        assert_eq!(s.user_id(), "AROAEXAMPLEEXAMPLE123:app");
        assert_eq!(s.principal_type(), "AssumedRole");
        assert_eq!(s.username(), None);
        assert_eq!(s.arns().len(), 2);
        assert_eq!(s.policy_owner(), Some("AROAEXAMPLEEXAMPLE123"));
    }
}
