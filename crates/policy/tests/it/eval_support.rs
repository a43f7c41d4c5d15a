//! Builders for the evaluation tables: requests, callers, one-statement
//! documents, and short names for the results, so each row shows only what
//! it tests.

use tresor_policy::{CallerPrincipal, PolicyDocument, PolicyResult, RequestContext, parse};

pub const ACCT: &str = "111122223333";
pub const OTHER: &str = "444455556666";
pub const GET: &str = "secretsmanager:GetSecretValue";
/// A secret's canonical ARN, with its 6-character suffix.
pub const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf";
pub const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

pub const DENY: PolicyResult = PolicyResult::ExplicitDeny;
pub const ALLOW: PolicyResult = PolicyResult::Allow;
pub const BY_ACCOUNT: PolicyResult = PolicyResult::AllowByAccount;
pub const NA: PolicyResult = PolicyResult::NotApplicable;

/// A request under construction.
#[derive(Debug, Clone)]
pub struct Req(pub RequestContext);

impl Req {
    pub fn new(action: &str, resource: &str) -> Req {
        Req(RequestContext::new(action, resource))
    }

    pub fn key(mut self, key: &str, value: &str) -> Req {
        self.0.keys.set(key, value);
        self
    }

    pub fn multi(mut self, key: &str, values: &[&str]) -> Req {
        self.0
            .keys
            .set_multi(key, values.iter().map(|v| v.to_string()).collect());
        self
    }

    pub fn caller(mut self, caller: CallerPrincipal) -> Req {
        self.0.principal = Some(caller);
        self
    }
}

/// `GetSecretValue` on `SECRET`, no keys, no caller.
pub fn get() -> Req {
    Req::new(GET, SECRET)
}

pub fn user(account: &str, name: &str) -> CallerPrincipal {
    CallerPrincipal {
        arns: vec![format!("arn:aws:iam::{account}:user/{name}")],
        account: account.into(),
        ..Default::default()
    }
}

pub fn session(account: &str, role: &str, name: &str) -> CallerPrincipal {
    CallerPrincipal {
        arns: vec![
            format!("arn:aws:sts::{account}:assumed-role/{role}/{name}"),
            format!("arn:aws:iam::{account}:role/{role}"),
        ],
        account: account.into(),
        ..Default::default()
    }
}

pub fn root(account: &str) -> CallerPrincipal {
    CallerPrincipal {
        arns: vec![format!("arn:aws:iam::{account}:root")],
        account: account.into(),
        ..Default::default()
    }
}

pub fn service(name: &str) -> CallerPrincipal {
    CallerPrincipal {
        service: Some(name.into()),
        ..Default::default()
    }
}

pub fn web_identity(provider: &str) -> CallerPrincipal {
    CallerPrincipal {
        federated: Some(provider.into()),
        ..Default::default()
    }
}

pub fn doc(text: &str) -> PolicyDocument {
    parse(text).unwrap_or_else(|e| panic!("rejected: {e}\n{text}"))
}

/// A 2012-10-17 document of these statement bodies (without braces).
pub fn policy<S: AsRef<str>>(statements: &[S]) -> String {
    let body: Vec<String> = statements
        .iter()
        .map(|s| format!("{{{}}}", s.as_ref()))
        .collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        body.join(",")
    )
}

pub fn identity(text: &str, req: &Req) -> PolicyResult {
    doc(text).evaluate_identity(&req.0)
}

pub fn resource(text: &str, req: &Req) -> PolicyResult {
    doc(text).evaluate_resource(&req.0)
}

/// An identity statement body: `Effect`, `Action`, `Resource`.
pub fn stmt(effect: &str, action: &str, resource: &str) -> String {
    format!(r#""Effect":"{effect}","Action":"{action}","Resource":"{resource}""#)
}

/// Is an identity policy that allows `GetSecretValue` on everything under
/// `block` (a `Condition` value) allowing `req`? `version` is the document
/// version.
pub fn condition_allows_in(version: &str, block: &str, req: &Req) -> bool {
    let text = format!(
        r#"{{"Version":"{version}","Statement":{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{block}}}}}"#
    );
    match identity(&text, req) {
        PolicyResult::Allow => true,
        PolicyResult::NotApplicable => false,
        other => panic!("{other:?} from {text}"),
    }
}

pub fn condition_allows(block: &str, req: &Req) -> bool {
    condition_allows_in("2012-10-17", block, req)
}

/// Runs a table of `(condition block, request, expected)` rows.
pub fn condition_table(name: &str, rows: Vec<(&str, Req, bool)>) {
    for (i, (block, req, want)) in rows.into_iter().enumerate() {
        assert_eq!(
            condition_allows(block, &req),
            want,
            "{name} row {i}: {block}\n{:?}",
            req.0.keys
        );
    }
}
