//! The global condition keys every request carries: who the caller is
//! (`aws:PrincipalArn`, `aws:userid`, `aws:PrincipalTag/…`, …), how it
//! came (`aws:SourceIp`, `aws:SecureTransport`), when (`aws:CurrentTime`,
//! `aws:EpochTime`) and where to (`aws:RequestedRegion`).

use std::net::IpAddr;

use tresor_policy::ContextKeys;

use crate::identity::{Principal, PrincipalKind};

/// Facts about the connection a request came over.
#[derive(Debug, Clone, Copy)]
pub struct Transport {
    pub source_ip: IpAddr,
    /// TLS (`aws:SecureTransport`).
    pub secure: bool,
}

pub fn global_keys(
    principal: &Principal,
    region: &str,
    now_ms: i64,
    transport: Transport,
) -> ContextKeys {
    let mut keys = ContextKeys::new();
    keys.set("aws:PrincipalArn", principal.principal_arn());
    keys.set("aws:PrincipalAccount", principal.account_id.as_str());
    keys.set("aws:PrincipalType", principal.principal_type());
    keys.set("aws:userid", principal.user_id());
    if let Some(name) = principal.username() {
        keys.set("aws:username", name);
    }
    for (k, v) in &principal.tags {
        keys.set(&format!("aws:PrincipalTag/{k}"), v.as_str());
    }
    keys.set("aws:PrincipalIsAWSService", "false");
    keys.set("aws:ViaAWSService", "false");
    if let Some(issued) = principal.session_issued_ms {
        keys.set("aws:TokenIssueTime", iso8601(issued));
        keys.set("aws:MultiFactorAuthPresent", "false");
    }
    if let PrincipalKind::AssumedRole(session) = &principal.kind
        && let Some(provider) = &session.federated_provider
    {
        keys.set("aws:FederatedProvider", provider.as_str());
    }
    keys.set("aws:SourceIp", transport.source_ip.to_string());
    keys.set("aws:SecureTransport", transport.secure.to_string());
    keys.set("aws:CurrentTime", iso8601(now_ms));
    keys.set("aws:EpochTime", (now_ms / 1000).to_string());
    keys.set("aws:RequestedRegion", region);
    keys
}

/// `2026-11-25T19:25:04Z`, as IAM's date keys are written.
pub fn iso8601(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tresor_policy::ContextValue;

    #[test]
    fn keys_describe_caller_connection_and_time() {
        let mut user = Principal::root("123456789012");
        user.arn = "arn:aws:iam::123456789012:user/alice".into();
        user.kind = PrincipalKind::User {
            user_id: "AIDAEXAMPLEEXAMPLE12".into(),
            name: "alice".into(),
        };
        user.tags = vec![("team".into(), "blue".into())];
        let keys = global_keys(
            &user,
            "eu-west-1",
            1_764_098_704_000,
            Transport {
                source_ip: "10.1.2.3".parse().unwrap(),
                secure: false,
            },
        );
        let get = |k: &str| match keys.get(k) {
            Some(ContextValue::Single(v)) => v.clone(),
            other => panic!("{k}: {other:?}"),
        };
        assert_eq!(get("aws:username"), "alice");
        assert_eq!(get("aws:userid"), "AIDAEXAMPLEEXAMPLE12");
        assert_eq!(get("aws:PrincipalTag/team"), "blue");
        assert_eq!(get("aws:SourceIp"), "10.1.2.3");
        assert_eq!(get("aws:SecureTransport"), "false");
        assert_eq!(get("aws:CurrentTime"), "2025-11-25T19:25:04Z");
        assert_eq!(get("aws:EpochTime"), "1764098704");
        assert_eq!(get("aws:RequestedRegion"), "eu-west-1");
        assert_eq!(get("aws:PrincipalType"), "User");
        assert!(keys.get("aws:TokenIssueTime").is_none());
    }
}
