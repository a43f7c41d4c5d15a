//! `tresor admin`: first-setup shortcuts over the IAM and STS APIs.
//!
//! Each command is a few IAM calls a user could make with `aws iam`,
//! signed with the caller's AWS credentials (the root's key at first):
//! `whoami`, `create-user` (with policies and an access key, printed once
//! as `export` lines), and `create-role` (trusting users or a Kubernetes
//! service account through an OIDC issuer).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use crate::client::{Endpoint, RemoteArgs, xml_values};

const IAM_VERSION: &str = "2010-05-08";
const STS_VERSION: &str = "2011-06-15";

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Show who the current credentials belong to.
    Whoami(RemoteArgs),
    /// Create an IAM user with policies and an access key.
    CreateUser(CreateUserArgs),
    /// Create an IAM role that users or a Kubernetes service account assume.
    CreateRole(CreateRoleArgs),
}

/// What a new user or role may do.
#[derive(Args, Debug)]
pub struct Grants {
    /// Let it read secrets whose names match (`prod/web/*`; a name without
    /// a wildcard is that secret only). Repeatable.
    #[arg(long = "read-secrets", value_name = "PATTERN")]
    read_secrets: Vec<String>,
    /// Attach a managed policy: an ARN, or the name of an AWS managed
    /// policy (`AdministratorAccess`, `SecretsManagerReadWrite`, …).
    /// Repeatable.
    #[arg(long, value_name = "POLICY")]
    attach: Vec<String>,
    /// Add this policy document (JSON file) as an inline policy.
    #[arg(long, value_name = "FILE")]
    policy_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct CreateUserArgs {
    /// The user's name.
    name: String,
    #[command(flatten)]
    grants: Grants,
    /// Do not create an access key.
    #[arg(long)]
    no_key: bool,
    #[command(flatten)]
    remote: RemoteArgs,
}

#[derive(Args, Debug)]
pub struct CreateRoleArgs {
    /// The role's name.
    name: String,
    /// Let this user (name or ARN) assume the role. Repeatable.
    #[arg(long = "trust-user", value_name = "USER")]
    trust_users: Vec<String>,
    /// Let tokens of this OIDC issuer (as configured in `[[oidc_providers]]`)
    /// assume the role; needs --subject.
    #[arg(long, value_name = "ISSUER_URL", requires = "subject")]
    trust_oidc: Option<String>,
    /// The token subject allowed, e.g. `system:serviceaccount:shop:web`.
    #[arg(long, requires = "trust_oidc")]
    subject: Option<String>,
    /// The token audience required.
    #[arg(long, default_value = "sts.amazonaws.com", requires = "trust_oidc")]
    audience: String,
    /// Longest session, in seconds (3600–43200).
    #[arg(long, default_value_t = 3600)]
    max_session_secs: u32,
    #[command(flatten)]
    grants: Grants,
    #[command(flatten)]
    remote: RemoteArgs,
}

pub fn run(command: AdminCommand) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(async {
            match command {
                AdminCommand::Whoami(remote) => whoami(&remote.endpoint()?).await,
                AdminCommand::CreateUser(args) => create_user(args).await,
                AdminCommand::CreateRole(args) => create_role(args).await,
            }
        })
}

async fn iam(endpoint: &Endpoint, action: &str, params: &[(&str, &str)]) -> anyhow::Result<String> {
    endpoint
        .query_call("iam", IAM_VERSION, action, params)
        .await
        .with_context(|| format!("iam {action}"))
}

/// `(account, arn)` of the current credentials.
async fn caller(endpoint: &Endpoint) -> anyhow::Result<(String, String)> {
    let xml = endpoint
        .query_call("sts", STS_VERSION, "GetCallerIdentity", &[])
        .await
        .context("sts GetCallerIdentity")?;
    let first = |tag| xml_values(&xml, tag).into_iter().next().unwrap_or_default();
    Ok((first("Account"), first("Arn")))
}

async fn whoami(endpoint: &Endpoint) -> anyhow::Result<()> {
    let (account, arn) = caller(endpoint).await?;
    println!("{arn} (account {account})");
    Ok(())
}

async fn create_user(args: CreateUserArgs) -> anyhow::Result<()> {
    let endpoint = args.remote.endpoint()?;
    let (account, _) = caller(&endpoint).await?;
    let inline = inline_policy(&args.grants, &account)?;
    iam(&endpoint, "CreateUser", &[("UserName", &args.name)]).await?;
    println!("created user {}", args.name);
    for (name, document) in &inline {
        iam(
            &endpoint,
            "PutUserPolicy",
            &[
                ("UserName", &args.name),
                ("PolicyName", name),
                ("PolicyDocument", document),
            ],
        )
        .await?;
        println!("  inline policy {name}");
    }
    for arn in args.grants.attach.iter().map(|p| policy_arn(p)) {
        iam(
            &endpoint,
            "AttachUserPolicy",
            &[("UserName", &args.name), ("PolicyArn", &arn)],
        )
        .await?;
        println!("  attached {arn}");
    }
    if args.no_key {
        return Ok(());
    }
    let xml = iam(&endpoint, "CreateAccessKey", &[("UserName", &args.name)]).await?;
    let id = xml_values(&xml, "AccessKeyId").pop().unwrap_or_default();
    let secret = zeroize::Zeroizing::new(
        xml_values(&xml, "SecretAccessKey")
            .pop()
            .unwrap_or_default(),
    );
    println!("\nIts access key (shown once):\n");
    println!("  export AWS_ACCESS_KEY_ID={id}");
    println!("  export AWS_SECRET_ACCESS_KEY={}", secret.as_str());
    Ok(())
}

async fn create_role(args: CreateRoleArgs) -> anyhow::Result<()> {
    if args.trust_users.is_empty() && args.trust_oidc.is_none() {
        bail!("say who may assume the role: --trust-user and/or --trust-oidc with --subject");
    }
    let endpoint = args.remote.endpoint()?;
    let (account, _) = caller(&endpoint).await?;
    let trust = trust_policy(&args, &account);
    let inline = inline_policy(&args.grants, &account)?;
    let max = args.max_session_secs.to_string();
    let xml = iam(
        &endpoint,
        "CreateRole",
        &[
            ("RoleName", &args.name),
            ("AssumeRolePolicyDocument", &trust),
            ("MaxSessionDuration", &max),
        ],
    )
    .await?;
    let arn = xml_values(&xml, "Arn").pop().unwrap_or_default();
    println!("created role {arn}");
    for (name, document) in &inline {
        iam(
            &endpoint,
            "PutRolePolicy",
            &[
                ("RoleName", &args.name),
                ("PolicyName", name),
                ("PolicyDocument", document),
            ],
        )
        .await?;
        println!("  inline policy {name}");
    }
    for policy in args.grants.attach.iter().map(|p| policy_arn(p)) {
        iam(
            &endpoint,
            "AttachRolePolicy",
            &[("RoleName", &args.name), ("PolicyArn", &policy)],
        )
        .await?;
        println!("  attached {policy}");
    }
    Ok(())
}

/// An ARN as given, or the AWS managed policy of that name.
fn policy_arn(policy: &str) -> String {
    if policy.starts_with("arn:") {
        policy.to_string()
    } else {
        format!("arn:aws:iam::aws:policy/{policy}")
    }
}

/// The inline policies `grants` asks for: `(name, document)`.
fn inline_policy(grants: &Grants, account: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut policies = Vec::new();
    if !grants.read_secrets.is_empty() {
        let resources: Vec<String> = grants
            .read_secrets
            .iter()
            .map(|pattern| secret_resource(account, pattern))
            .collect();
        let document = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "ReadSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": resources,
            }],
        });
        policies.push(("read-secrets".to_string(), document.to_string()));
    }
    if let Some(path) = &grants.policy_file {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("policy")
            .to_string();
        policies.push((name, text));
    }
    Ok(policies)
}

/// The secret ARNs a name pattern covers. A name without a wildcard is
/// that secret only: the six characters every secret ARN ends with, and
/// nothing longer.
fn secret_resource(account: &str, pattern: &str) -> String {
    let suffix = if pattern.contains(['*', '?']) {
        ""
    } else {
        "-??????"
    };
    format!("arn:aws:secretsmanager:*:{account}:secret:{pattern}{suffix}")
}

fn trust_policy(args: &CreateRoleArgs, account: &str) -> String {
    let mut statements = Vec::new();
    if !args.trust_users.is_empty() {
        let users: Vec<String> = args
            .trust_users
            .iter()
            .map(|u| {
                if u.starts_with("arn:") {
                    u.clone()
                } else {
                    format!("arn:aws:iam::{account}:user/{u}")
                }
            })
            .collect();
        statements.push(serde_json::json!({
            "Effect": "Allow",
            "Principal": {"AWS": users},
            "Action": "sts:AssumeRole",
        }));
    }
    if let (Some(issuer), Some(subject)) = (&args.trust_oidc, &args.subject) {
        let host = issuer
            .trim_start_matches("https://")
            .trim_end_matches('/')
            .to_string();
        statements.push(serde_json::json!({
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:aws:iam::{account}:oidc-provider/{host}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                format!("{host}:sub"): subject,
                format!("{host}:aud"): args.audience,
            }},
        }));
    }
    serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_patterns_become_arns() {
        assert_eq!(
            secret_resource("111122223333", "prod/web/*"),
            "arn:aws:secretsmanager:*:111122223333:secret:prod/web/*"
        );
        assert_eq!(
            secret_resource("111122223333", "prod/db"),
            "arn:aws:secretsmanager:*:111122223333:secret:prod/db-??????"
        );
    }

    #[test]
    fn policies_by_name_are_aws_managed() {
        assert_eq!(
            policy_arn("AdministratorAccess"),
            "arn:aws:iam::aws:policy/AdministratorAccess"
        );
        assert_eq!(
            policy_arn("arn:aws:iam::111122223333:policy/mine"),
            "arn:aws:iam::111122223333:policy/mine"
        );
    }

    #[test]
    fn oidc_trust_names_the_provider_and_conditions() {
        let args = CreateRoleArgs {
            name: "web".into(),
            trust_users: vec!["alice".into()],
            trust_oidc: Some("https://kubernetes.default.svc/".into()),
            subject: Some("system:serviceaccount:shop:web".into()),
            audience: "sts.amazonaws.com".into(),
            max_session_secs: 3600,
            grants: Grants {
                read_secrets: vec![],
                attach: vec![],
                policy_file: None,
            },
            remote: RemoteArgs::default(),
        };
        let trust: serde_json::Value =
            serde_json::from_str(&trust_policy(&args, "111122223333")).unwrap();
        assert_eq!(
            trust["Statement"][0]["Principal"]["AWS"][0],
            "arn:aws:iam::111122223333:user/alice"
        );
        assert_eq!(
            trust["Statement"][1]["Principal"]["Federated"],
            "arn:aws:iam::111122223333:oidc-provider/kubernetes.default.svc"
        );
        assert_eq!(
            trust["Statement"][1]["Condition"]["StringEquals"]["kubernetes.default.svc:sub"],
            "system:serviceaccount:shop:web"
        );
    }
}
