//! AWS's own Secrets Manager, KMS and trust policy examples, evaluated: the
//! same documents must give the answers AWS documents for them.

use tresor_policy::{Combination, Decision, PolicySet, decide};

use crate::eval_support::*;

const MY_ROLE_ACCT: &str = "123456789012";

/// Secrets Manager: "Attach a resource-based policy that lets a role read
/// the secret".
#[test]
fn secret_policy_grants_a_role() {
    let text = r#"{
      "Version": "2012-10-17",
      "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:role/MyRole"},
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*"
      }]
    }"#;
    let secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app-AbCdEf";
    let req = |caller, action: &str| Req::new(action, secret).caller(caller);
    let rows = [
        (req(session(MY_ROLE_ACCT, "MyRole", "s"), GET), ALLOW),
        (
            req(session(MY_ROLE_ACCT, "MyRole", "other-session"), GET),
            ALLOW,
        ),
        (req(session(MY_ROLE_ACCT, "OtherRole", "s"), GET), NA),
        (req(user(MY_ROLE_ACCT, "MyRole"), GET), NA),
        (
            req(
                session(MY_ROLE_ACCT, "MyRole", "s"),
                "secretsmanager:PutSecretValue",
            ),
            NA,
        ),
        (
            req(
                session(MY_ROLE_ACCT, "MyRole", "s"),
                "secretsmanager:getsecretvalue",
            ),
            ALLOW,
        ),
    ];
    for (r, want) in rows {
        assert_eq!(
            resource(text, &r),
            want,
            "{:?} {}",
            r.0.principal,
            r.0.action
        );
    }
    // Same account: the resource policy alone is enough.
    let r = req(session(MY_ROLE_ACCT, "MyRole", "s"), GET);
    assert_eq!(
        decide(NA, resource(text, &r), Combination::SameAccount),
        Decision::Allow
    );
}

/// Secrets Manager: "Deny access unless the request comes through a VPC
/// endpoint".
#[test]
fn deny_unless_source_vpce() {
    let text = r#"{
      "Version": "2012-10-17",
      "Statement": [
        {
          "Sid": "AllowApp",
          "Effect": "Allow",
          "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},
          "Action": "secretsmanager:GetSecretValue",
          "Resource": "*"
        },
        {
          "Sid": "RestrictGetSecretValueoperation",
          "Effect": "Deny",
          "Principal": "*",
          "Action": "secretsmanager:GetSecretValue",
          "Resource": "*",
          "Condition": {"StringNotEquals": {"aws:sourceVpce": "vpce-1234a5678b9012c"}}
        }
      ]
    }"#;
    let app = || get().caller(session(ACCT, "app", "s"));
    let rows = [
        (app().key("aws:SourceVpce", "vpce-1234a5678b9012c"), ALLOW),
        (app().key("aws:SourceVpce", "vpce-0000a0000b0000c"), DENY),
        (app().key("aws:SourceVpce", "VPCE-1234A5678B9012C"), DENY),
        (app(), DENY),
        (
            get()
                .caller(user(ACCT, "admin"))
                .key("aws:SourceVpce", "vpce-1234a5678b9012c"),
            NA,
        ),
        (get().caller(user(ACCT, "admin")), DENY),
        (get(), DENY),
    ];
    for (r, want) in rows {
        assert_eq!(resource(text, &r), want, "{:?}", r.0.keys);
    }
}

/// Secrets Manager ABAC: "Allow access to secrets whose team tag matches the
/// principal's team tag".
#[test]
fn abac_team_tags() {
    let text = r#"{
      "Version": "2012-10-17",
      "Statement": [{
        "Effect": "Allow",
        "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        "Resource": "*",
        "Condition": {
          "StringEquals": {"secretsmanager:ResourceTag/team": "${aws:PrincipalTag/team}"}
        }
      }]
    }"#;
    let rows = [
        (
            get()
                .key("aws:PrincipalTag/team", "blue")
                .key("secretsmanager:ResourceTag/team", "blue"),
            ALLOW,
        ),
        (
            get()
                .key("aws:PrincipalTag/team", "blue")
                .key("secretsmanager:ResourceTag/team", "red"),
            NA,
        ),
        (
            get()
                .key("aws:PrincipalTag/team", "blue")
                .key("secretsmanager:ResourceTag/team", "Blue"),
            NA,
        ),
        (get().key("aws:PrincipalTag/team", "blue"), NA),
        (get().key("secretsmanager:ResourceTag/team", "blue"), NA),
        // Both untagged: "missing equals missing" is no match.
        (get(), NA),
        (
            get()
                .key("aws:PrincipalTag/team", "")
                .key("secretsmanager:ResourceTag/team", ""),
            ALLOW,
        ),
        (
            get()
                .key("aws:PrincipalTag/team", "*")
                .key("secretsmanager:ResourceTag/team", "blue"),
            NA,
        ),
        (
            get()
                .key("aws:principaltag/TEAM", "blue")
                .key("SecretsManager:ResourceTag/Team", "blue"),
            ALLOW,
        ),
        (
            Req::new("secretsmanager:DeleteSecret", SECRET)
                .key("aws:PrincipalTag/team", "blue")
                .key("secretsmanager:ResourceTag/team", "blue"),
            NA,
        ),
    ];
    for (r, want) in rows {
        assert_eq!(identity(text, &r), want, "{:?}", r.0.keys);
    }
}

/// KMS: the default key policy, "Enable IAM User Permissions", delegates to
/// IAM; a second statement lets a role use the key directly.
#[test]
fn kms_default_key_policy() {
    let key_policy = r#"{
      "Version": "2012-10-17",
      "Id": "key-default-1",
      "Statement": [
        {
          "Sid": "Enable IAM User Permissions",
          "Effect": "Allow",
          "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
          "Action": "kms:*",
          "Resource": "*"
        },
        {
          "Sid": "Allow use of the key",
          "Effect": "Allow",
          "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},
          "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
          "Resource": "*"
        }
      ]
    }"#;
    let at_key = |action: &str, caller| Req::new(action, KEY).caller(caller);
    let rows = [
        (at_key("kms:Decrypt", user(ACCT, "alice")), BY_ACCOUNT),
        (
            at_key("kms:ScheduleKeyDeletion", user(ACCT, "alice")),
            BY_ACCOUNT,
        ),
        (at_key("kms:Decrypt", session(ACCT, "app", "s")), ALLOW),
        (
            at_key("kms:ReEncryptFrom", session(ACCT, "app", "s")),
            ALLOW,
        ),
        (
            at_key(
                "kms:GenerateDataKeyWithoutPlaintext",
                session(ACCT, "app", "s"),
            ),
            ALLOW,
        ),
        (
            at_key("kms:ScheduleKeyDeletion", session(ACCT, "app", "s")),
            BY_ACCOUNT,
        ),
        (at_key("kms:Decrypt", root(ACCT)), BY_ACCOUNT),
        (at_key("kms:Decrypt", user(OTHER, "alice")), NA),
        (
            at_key("secretsmanager:GetSecretValue", user(ACCT, "alice")),
            NA,
        ),
    ];
    for (r, want) in rows {
        assert_eq!(
            resource(key_policy, &r),
            want,
            "{} {:?}",
            r.0.action,
            r.0.principal
        );
    }
    // What the server makes of it: IAM policies decide for alice.
    let alice_decrypt = doc(&policy(&[&stmt("Allow", "kms:Decrypt", KEY)]));
    let r = at_key("kms:Decrypt", user(ACCT, "alice"));
    let key = resource(key_policy, &r);
    assert_eq!(
        decide(
            alice_decrypt.evaluate_identity(&r.0),
            key,
            Combination::ResourceRequired
        ),
        Decision::Allow
    );
    assert_eq!(
        decide(NA, key, Combination::ResourceRequired),
        Decision::ImplicitDeny
    );
    // A key policy without the IAM statement: identity policies do nothing.
    let no_iam = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"kms:*","Resource":"*"}]}"#;
    assert_eq!(
        decide(
            alice_decrypt.evaluate_identity(&r.0),
            resource(no_iam, &r),
            Combination::ResourceRequired
        ),
        Decision::ImplicitDeny
    );
}

/// KMS: conditions AWS documents for Secrets Manager's use of a key —
/// `kms:ViaService`, `kms:CallerAccount`, encryption context.
#[test]
fn kms_via_service_and_encryption_context() {
    let key_policy = r#"{
      "Version": "2012-10-17",
      "Statement": [{
        "Sid": "Allow access through Secrets Manager for all principals in the account",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:CreateGrant", "kms:DescribeKey"],
        "Resource": "*",
        "Condition": {
          "StringEquals": {
            "kms:CallerAccount": "111122223333",
            "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"
          },
          "StringLike": {"kms:EncryptionContext:SecretARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:*"}
        }
      }]
    }"#;
    let via = |caller| {
        Req::new("kms:Decrypt", KEY)
            .caller(caller)
            .key("kms:CallerAccount", ACCT)
            .key("kms:ViaService", "secretsmanager.us-east-1.amazonaws.com")
            .key("kms:EncryptionContext:SecretARN", SECRET)
    };
    let rows = [
        (via(user(ACCT, "alice")), ALLOW),
        (
            via(user(ACCT, "alice")).key("kms:ViaService", "s3.us-east-1.amazonaws.com"),
            NA,
        ),
        (via(user(ACCT, "alice")).key("kms:CallerAccount", OTHER), NA),
        (
            via(user(ACCT, "alice")).key("kms:EncryptionContext:SecretARN", "arn:aws:s3:::bucket"),
            NA,
        ),
        (
            Req::new("kms:Decrypt", KEY)
                .caller(user(ACCT, "alice"))
                .key("kms:CallerAccount", ACCT),
            NA,
        ),
        (
            via(user(ACCT, "alice")).key("kms:encryptioncontext:secretarn", SECRET),
            ALLOW,
        ),
    ];
    for (r, want) in rows {
        assert_eq!(resource(key_policy, &r), want, "{:?}", r.0.keys);
    }
    // Encryption context keys as a set.
    let block = r#"{"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["SecretARN","SecretVersionId"]}}"#;
    let with_keys = |k: &[&str]| get().multi("kms:EncryptionContextKeys", k);
    assert!(condition_allows(block, &with_keys(&["SecretARN"])));
    assert!(condition_allows(
        block,
        &with_keys(&["SecretARN", "SecretVersionId"])
    ));
    assert!(!condition_allows(
        block,
        &with_keys(&["SecretARN", "Other"])
    ));
}

/// Secrets Manager: "Deny all but one role" and an organisation-wide grant.
#[test]
fn deny_all_but_admins_and_org_grant() {
    let text = r#"{
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Principal": "*",
          "Action": "secretsmanager:*",
          "Resource": "*",
          "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}
        },
        {
          "Effect": "Deny",
          "Principal": "*",
          "Action": ["secretsmanager:PutResourcePolicy", "secretsmanager:DeleteSecret"],
          "Resource": "*",
          "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/Admin*"}}
        }
      ]
    }"#;
    let r = |action: &str, role: &str, org: Option<&str>| {
        let mut req = Req::new(action, SECRET)
            .caller(session(ACCT, role, "s"))
            .key(
                "aws:PrincipalArn",
                &format!("arn:aws:iam::111122223333:role/{role}"),
            );
        if let Some(org) = org {
            req = req.key("aws:PrincipalOrgID", org);
        }
        req
    };
    let rows = [
        (r(GET, "app", Some("o-abc123")), ALLOW),
        (r(GET, "app", Some("o-other")), NA),
        (r(GET, "app", None), NA),
        (
            r("secretsmanager:DeleteSecret", "app", Some("o-abc123")),
            DENY,
        ),
        (
            r("secretsmanager:DeleteSecret", "AdminOps", Some("o-abc123")),
            ALLOW,
        ),
        (
            r(
                "secretsmanager:PutResourcePolicy",
                "admin",
                Some("o-abc123"),
            ),
            DENY,
        ),
    ];
    for (req, want) in rows {
        assert_eq!(
            resource(text, &req),
            want,
            "{} {:?}",
            req.0.action,
            req.0.keys
        );
    }
}

/// Role trust policies: `sts:AssumeRole` for a user and for the account,
/// `sts:AssumeRoleWithWebIdentity` for an OIDC provider. Trust policies have
/// no Resource element.
#[test]
fn trust_policies() {
    let oidc = "arn:aws:iam::111122223333:oidc-provider/oidc.example.com";
    let trust = format!(
        r#"{{
      "Version": "2012-10-17",
      "Statement": [
        {{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::111122223333:user/alice"}}, "Action": "sts:AssumeRole"}},
        {{"Effect": "Allow", "Principal": {{"AWS": "444455556666"}}, "Action": ["sts:AssumeRole", "sts:TagSession"],
          "Condition": {{"StringEquals": {{"sts:ExternalId": "xyz"}}}}}},
        {{"Effect": "Allow", "Principal": {{"Federated": "{oidc}"}}, "Action": "sts:AssumeRoleWithWebIdentity"}}
      ]
    }}"#
    );
    let role = "arn:aws:iam::111122223333:role/app";
    let r = |action: &str, caller| Req::new(action, role).caller(caller);
    let rows = [
        (r("sts:AssumeRole", user(ACCT, "alice")), ALLOW),
        (r("sts:AssumeRole", user(ACCT, "bob")), NA),
        (
            r("sts:AssumeRole", user(OTHER, "carol")).key("sts:ExternalId", "xyz"),
            BY_ACCOUNT,
        ),
        (r("sts:AssumeRole", user(OTHER, "carol")), NA),
        (
            r("sts:TagSession", user(OTHER, "carol")).key("sts:ExternalId", "xyz"),
            BY_ACCOUNT,
        ),
        (
            r("sts:AssumeRoleWithWebIdentity", web_identity(oidc)),
            ALLOW,
        ),
        (
            r(
                "sts:AssumeRoleWithWebIdentity",
                web_identity("arn:aws:iam::111122223333:oidc-provider/evil.example.com"),
            ),
            NA,
        ),
        (r("sts:AssumeRole", web_identity(oidc)), NA),
    ];
    for (req, want) in rows {
        assert_eq!(
            resource(&trust, &req),
            want,
            "{} {:?}",
            req.0.action,
            req.0.principal
        );
    }
    // Several identity policies: a Deny in any one wins; none → NotApplicable.
    let set: PolicySet = [
        doc(&policy(&[&stmt("Allow", "sts:AssumeRole", role)])),
        doc(&policy(&[&stmt(
            "Deny",
            "sts:AssumeRole",
            "arn:aws:iam::*:role/app",
        )])),
    ]
    .iter()
    .collect();
    assert_eq!(
        set.evaluate_identity(&r("sts:AssumeRole", user(ACCT, "alice")).0),
        DENY
    );
    assert_eq!(PolicySet::new().evaluate_identity(&get().0), NA);
}
