//! AWS managed policies Tresor provides: `arn:aws:iam::aws:policy/…`
//! entities that users attach by ARN as they do on AWS, listed by
//! ListPolicies (Scope `AWS` or `All`), readable, attachable, and never
//! changed or deleted through the API (`managed::refuse_aws_managed`).
//!
//! Each is stored as an ordinary `policy` entity with its default version
//! as a document, so the identity directory resolves an attachment to one
//! exactly as to a customer policy. Ids, dates, version ids and documents
//! are AWS's own where known (the SecretsManagerReadWrite id is Tresor's:
//! AWS does not publish it). Their stored `name_key` is prefixed with
//! `aws:` so a customer policy may share a name with one, as on AWS.
//!
//! `ensure` seeds them idempotently; the IAM API calls it before every
//! operation (one cheap meta read once seeded). It also records the
//! account's creation date for GetUser of the root.

use tresor_wire::AwsError;
use tresor_wire::dto::Timestamp;

use crate::identity::entities::{self, Common, PolicyBody, name_key};
use crate::service::Service;
use crate::store::{IamDocumentRow, IamEntityRow, ReadTxn, StoreError, WriteTxn};

/// Bumped whenever the set below changes, so stores seeded by an older
/// build are brought up to date.
const SEED_VERSION: &str = "1";
const META_SEED: &str = "iam_builtin_policies";
const META_ACCOUNT_CREATED: &str = "iam_account_created_ms";

pub struct Builtin {
    pub name: &'static str,
    pub id: &'static str,
    pub description: &'static str,
    pub created: &'static str,
    pub updated: &'static str,
    pub version: &'static str,
    pub document: &'static str,
}

pub const BUILTINS: &[Builtin] = &[
    Builtin {
        name: "AdministratorAccess",
        id: "ANPAIWMBCKSKIEE64ZLYK",
        description: "Provides full access to AWS services and resources.",
        created: "2015-02-06T18:39:46Z",
        updated: "2015-02-06T18:39:46Z",
        version: "v1",
        document: r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*"
        }
    ]
}"#,
    },
    Builtin {
        name: "IAMFullAccess",
        id: "ANPAI7XKCFMBPM3QQRRVQ",
        description: "Provides full access to IAM via the AWS Management Console.",
        created: "2015-02-06T18:40:38Z",
        updated: "2019-06-21T19:40:00Z",
        version: "v2",
        document: r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "iam:*",
                "organizations:DescribeAccount",
                "organizations:DescribeOrganization",
                "organizations:DescribeOrganizationalUnit",
                "organizations:DescribePolicy",
                "organizations:ListChildren",
                "organizations:ListParents",
                "organizations:ListPoliciesForTarget",
                "organizations:ListRoots",
                "organizations:ListPolicies",
                "organizations:ListTargetsForPolicy"
            ],
            "Resource": "*"
        }
    ]
}"#,
    },
    Builtin {
        name: "IAMReadOnlyAccess",
        id: "ANPAJKSO7NDY4T57MWDSQ",
        description: "Provides read only access to IAM via the AWS Management Console.",
        created: "2015-02-06T18:40:39Z",
        updated: "2018-01-25T19:11:27Z",
        version: "v4",
        document: r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": [
                "iam:GenerateCredentialReport",
                "iam:GenerateServiceLastAccessedDetails",
                "iam:Get*",
                "iam:List*",
                "iam:SimulateCustomPolicy",
                "iam:SimulatePrincipalPolicy"
            ],
            "Resource": "*"
        }
    ]
}"#,
    },
    Builtin {
        name: "SecretsManagerReadWrite",
        id: "ANPATRESORSMREADWRITE",
        description: "Provides read/write access to AWS Secrets Manager via the AWS Management Console. Note: this exludes IAM actions, so combine with IAMFullAccess if rotation configuration is required.",
        created: "2018-04-04T18:05:29Z",
        updated: "2026-08-25T23:37:10Z",
        version: "v6",
        document: r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "BasePermissions",
            "Effect": "Allow",
            "Action": [
                "secretsmanager:*",
                "cloudformation:CreateChangeSet",
                "cloudformation:DescribeChangeSet",
                "cloudformation:DescribeStackResource",
                "cloudformation:DescribeStacks",
                "cloudformation:ExecuteChangeSet",
                "docdb-elastic:GetCluster",
                "docdb-elastic:ListClusters",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcs",
                "kms:DescribeKey",
                "kms:ListAliases",
                "kms:ListKeys",
                "lambda:ListFunctions",
                "rds:DescribeDBClusters",
                "rds:DescribeDBInstances",
                "redshift:DescribeClusters",
                "redshift-serverless:ListWorkgroups",
                "redshift-serverless:GetNamespace",
                "tag:GetResources"
            ],
            "Resource": "*"
        },
        {
            "Sid": "LambdaPermissions",
            "Effect": "Allow",
            "Action": [
                "lambda:AddPermission",
                "lambda:CreateFunction",
                "lambda:GetFunction",
                "lambda:InvokeFunction",
                "lambda:UpdateFunctionConfiguration"
            ],
            "Resource": "arn:aws:lambda:*:*:function:SecretsManager*"
        },
        {
            "Sid": "SARPermissions",
            "Effect": "Allow",
            "Action": [
                "serverlessrepo:CreateCloudFormationChangeSet",
                "serverlessrepo:GetApplication"
            ],
            "Resource": "arn:aws:serverlessrepo:*:*:applications/SecretsManager*"
        },
        {
            "Sid": "S3Permissions",
            "Effect": "Allow",
            "Action": [
                "s3:GetObject"
            ],
            "Resource": [
                "arn:aws:s3:::awsserverlessrepo-changesets*",
                "arn:aws:s3:::secrets-manager-rotation-apps-*/*"
            ]
        },
        {
            "Sid": "CloudFormationTagOnCreate",
            "Effect": "Allow",
            "Action": [
                "cloudformation:TagResource",
                "cloudformation:UntagResource"
            ],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "cloudformation:CreateAction": [
                        "CreateChangeSet",
                        "ExecuteChangeSet"
                    ]
                }
            }
        }
    ]
}"#,
    },
];

pub fn arn(name: &str) -> String {
    format!("arn:aws:iam::aws:policy/{name}")
}

fn millis(iso: &str) -> i64 {
    Timestamp::parse_iso8601(iso).map_or(0, Timestamp::millis)
}

/// Seeds (or refreshes) the built-in policies, once per store.
pub async fn ensure(svc: &Service) -> Result<(), AwsError> {
    let seeded = svc
        .read(|_, txn: &dyn ReadTxn| {
            Ok(txn.meta(META_SEED)?.as_deref() == Some(SEED_VERSION)
                && txn.meta(META_ACCOUNT_CREATED)?.is_some())
        })
        .await?;
    if seeded {
        return Ok(());
    }
    let now = svc.now();
    svc.write_own(move |_, txn| Ok(seed(txn, now)?)).await?;
    svc.directory().changed();
    Ok(())
}

fn seed(txn: &mut dyn WriteTxn, now: i64) -> Result<(), StoreError> {
    for builtin in BUILTINS {
        let updated = millis(builtin.updated);
        let next_version = builtin
            .version
            .trim_start_matches('v')
            .parse::<u32>()
            .unwrap_or(1)
            + 1;
        let body = PolicyBody {
            common: Common {
                name: builtin.name.to_string(),
                path: "/".to_string(),
                created_ms: millis(builtin.created),
                tags: Vec::new(),
            },
            description: Some(builtin.description.to_string()),
            default_version: builtin.version.to_string(),
            next_version,
            updated_ms: updated,
        };
        txn.put_iam_entity(&IamEntityRow {
            id: builtin.id.to_string(),
            kind: entities::POLICY.to_string(),
            name_key: format!("aws:{}", name_key(builtin.name)),
            arn: arn(builtin.name),
            body: serde_json::to_string(&body)
                .map_err(|e| StoreError(format!("built-in policy {}: {e}", builtin.name)))?,
        })?;
        // Versions an older build seeded go; attachments stay.
        for old in txn.iam_documents(builtin.id)? {
            if old.name != builtin.version {
                txn.delete_iam_document(builtin.id, &old.name)?;
            }
        }
        txn.put_iam_document(&IamDocumentRow {
            owner: builtin.id.to_string(),
            name: builtin.version.to_string(),
            document: builtin.document.to_string(),
            created: updated,
        })?;
    }
    if txn.meta(META_ACCOUNT_CREATED)?.is_none() {
        let created = first_root_key(txn)?.map_or(now, |t| t.min(now));
        txn.set_meta(META_ACCOUNT_CREATED, &created.to_string())?;
    }
    txn.set_meta(META_SEED, SEED_VERSION)
}

fn first_root_key(txn: &dyn ReadTxn) -> Result<Option<i64>, StoreError> {
    Ok(txn
        .access_keys()?
        .iter()
        .filter(|k| k.user_id.is_none())
        .map(|k| k.created)
        .min())
}

/// When the account (the data directory) came to be, as GetUser reports
/// for the root: recorded by `ensure`, from the first root access key.
pub fn account_created(txn: &dyn ReadTxn) -> Result<i64, AwsError> {
    let recorded = txn
        .meta(META_ACCOUNT_CREATED)?
        .and_then(|v| v.parse::<i64>().ok());
    Ok(match recorded {
        Some(t) => t,
        None => first_root_key(txn)?.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::iam::documents;

    #[test]
    fn builtins_are_valid_identity_policies_with_aws_ids() {
        for b in BUILTINS {
            documents::check_managed_policy(b.document)
                .unwrap_or_else(|e| panic!("{}: {e}", b.name));
            assert!(b.id.starts_with("ANPA") && b.id.len() == 21, "{}", b.name);
            assert!(millis(b.created) > 0 && millis(b.updated) >= millis(b.created));
            assert!(b.version.starts_with('v'));
        }
        assert_eq!(
            arn("AdministratorAccess"),
            "arn:aws:iam::aws:policy/AdministratorAccess"
        );
    }
}
