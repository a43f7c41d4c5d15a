//! Pitfalls I1–I5: decision order, identity + resource combination,
//! `NotAction`, `NotResource`, `Principal` / `NotPrincipal`.

use tresor_policy::{Combination, Decision, PolicyResult, decide};

use crate::eval_support::*;

/// Every permutation of `items` (the tables use at most four).
fn permutations<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, first.clone());
            out.push(tail);
        }
    }
    out
}

/// I1: explicit Deny › Allow › implicit deny, whatever the statement order.
#[test]
fn i1_decision_order() {
    let allow_get = stmt("Allow", GET, "*");
    let deny_get = stmt("Deny", GET, "*");
    let allow_all = stmt("Allow", "*", "*");
    let deny_sm = stmt("Deny", "secretsmanager:*", "*");
    let deny_put = stmt("Deny", "secretsmanager:PutSecretValue", "*");
    let allow_other = stmt("Allow", GET, "arn:aws:secretsmanager:*:*:secret:other-*");
    let deny_if_true =
        format!(r#"{deny_get},"Condition":{{"StringEquals":{{"aws:PrincipalTag/team":"red"}}}}"#);
    let deny_not_get =
        r#""Effect":"Deny","NotAction":"secretsmanager:GetSecretValue","Resource":"*""#;
    let rows: Vec<(Vec<&str>, PolicyResult)> = vec![
        (vec![&allow_get], ALLOW),
        (vec![&deny_get], DENY),
        (vec![&allow_get, &deny_get], DENY),
        (vec![&allow_all, &deny_sm], DENY),
        (vec![&allow_get, &deny_put], ALLOW),
        (vec![&allow_other], NA),
        (vec![&allow_other, &deny_put], NA),
        (vec![&allow_get, &allow_all], ALLOW),
        (vec![&allow_get, &deny_if_true], ALLOW),
        (vec![&allow_get, &deny_if_true, &allow_other], ALLOW),
        (vec![&allow_get, deny_not_get], ALLOW),
        (
            vec![&allow_all, deny_not_get, &deny_put, &allow_other],
            ALLOW,
        ),
        (vec![&deny_put], NA),
    ];
    for (statements, want) in rows {
        for order in permutations(&statements) {
            let text = policy(&order);
            assert_eq!(identity(&text, &get()), want, "{text}");
        }
    }
    // The conditional Deny fires once its condition holds, in any order.
    for order in permutations(&[&allow_get, &deny_if_true]) {
        let text = policy(&order);
        assert_eq!(
            identity(&text, &get().key("aws:PrincipalTag/team", "red")),
            DENY
        );
    }
}

/// (name, identity policy, resource policy, caller, rule, expected).
type QuadrantRow<'a> = (
    &'a str,
    &'a str,
    Option<String>,
    tresor_policy::CallerPrincipal,
    Combination,
    Decision,
);

/// I2: identity and resource results combined for our account model, every
/// quadrant, with real documents.
#[test]
fn i2_identity_and_resource_combination() {
    let alice = user(ACCT, "alice");
    let bob_other = user(OTHER, "bob");
    let allow_id = policy(&[&stmt("Allow", GET, "*")]);
    let deny_id = policy(&[&stmt("Deny", GET, "*")]);
    let empty_id = policy(&[&stmt("Allow", "kms:Decrypt", "*")]);
    let grant = |who: &str| {
        policy(&[&format!(
            r#""Effect":"Allow","Principal":{{"AWS":"{who}"}},"Action":"{GET}","Resource":"*""#
        )])
    };
    let deny_all = policy(&[&format!(
        r#""Effect":"Deny","Principal":"*","Action":"{GET}","Resource":"*""#
    )]);
    let alice_arn = format!("arn:aws:iam::{ACCT}:user/alice");
    let bob_arn = format!("arn:aws:iam::{OTHER}:user/bob");
    let acct_root = format!("arn:aws:iam::{ACCT}:root");
    let other_root = format!("arn:aws:iam::{OTHER}:root");
    use Combination::*;
    use Decision::{Allow as A, ExplicitDeny as D, ImplicitDeny as I};
    let rows: Vec<QuadrantRow> = vec![
        (
            "same: identity only",
            &allow_id,
            None,
            alice.clone(),
            SameAccount,
            A,
        ),
        (
            "same: resource names user",
            &empty_id,
            Some(grant(&alice_arn)),
            alice.clone(),
            SameAccount,
            A,
        ),
        (
            "same: resource names account only",
            &empty_id,
            Some(grant(&acct_root)),
            alice.clone(),
            SameAccount,
            I,
        ),
        (
            "same: account grant + identity",
            &allow_id,
            Some(grant(&acct_root)),
            alice.clone(),
            SameAccount,
            A,
        ),
        (
            "same: account id grant + identity",
            &allow_id,
            Some(grant(ACCT)),
            alice.clone(),
            SameAccount,
            A,
        ),
        (
            "same: neither",
            &empty_id,
            None,
            alice.clone(),
            SameAccount,
            I,
        ),
        (
            "same: resource deny",
            &allow_id,
            Some(deny_all.clone()),
            alice.clone(),
            SameAccount,
            D,
        ),
        (
            "same: identity deny",
            &deny_id,
            Some(grant(&alice_arn)),
            alice.clone(),
            SameAccount,
            D,
        ),
        (
            "cross: both",
            &allow_id,
            Some(grant(&other_root)),
            bob_other.clone(),
            CrossAccount,
            A,
        ),
        (
            "cross: resource names user + identity",
            &allow_id,
            Some(grant(&bob_arn)),
            bob_other.clone(),
            CrossAccount,
            A,
        ),
        (
            "cross: identity only",
            &allow_id,
            None,
            bob_other.clone(),
            CrossAccount,
            I,
        ),
        (
            "cross: resource only",
            &empty_id,
            Some(grant(&bob_arn)),
            bob_other.clone(),
            CrossAccount,
            I,
        ),
        (
            "cross: wrong account",
            &allow_id,
            Some(grant(&acct_root)),
            bob_other.clone(),
            CrossAccount,
            I,
        ),
        (
            "kms: key policy silent",
            &allow_id,
            Some(grant(&other_root)),
            alice.clone(),
            ResourceRequired,
            I,
        ),
        (
            "kms: IAM enabled",
            &allow_id,
            Some(grant(&acct_root)),
            alice.clone(),
            ResourceRequired,
            A,
        ),
        (
            "kms: IAM enabled, no identity",
            &empty_id,
            Some(grant(&acct_root)),
            alice.clone(),
            ResourceRequired,
            I,
        ),
        (
            "kms: key names user",
            &empty_id,
            Some(grant(&alice_arn)),
            alice.clone(),
            ResourceRequired,
            A,
        ),
        (
            "kms: key denies",
            &allow_id,
            Some(deny_all.clone()),
            alice.clone(),
            ResourceRequired,
            D,
        ),
    ];
    for (name, id_text, res_text, caller, how, want) in rows {
        let req = get().caller(caller.clone());
        let id = identity(id_text, &req);
        let res = res_text.map_or(NA, |t| resource(&t, &req));
        assert_eq!(decide(id, res, how), want, "{name}: {id:?} {res:?}");
    }
}

/// I3: `NotAction` + Allow grants everything else, other services included,
/// within the Resource scope; `NotAction` + Deny denies everything else.
#[test]
fn i3_not_action() {
    let allow_not_iam = policy(&[r#""Effect":"Allow","NotAction":"iam:*","Resource":"*""#]);
    let allow_not_delete = policy(&[&format!(
        r#""Effect":"Allow","NotAction":["secretsmanager:Delete*","secretsmanager:PutResourcePolicy"],"Resource":"{SECRET}""#
    )]);
    let deny_not_get = policy(&[
        &stmt("Allow", "*", "*"),
        r#""Effect":"Deny","NotAction":"secretsmanager:GetSecretValue","Resource":"*""#,
    ]);
    let other = "arn:aws:secretsmanager:us-east-1:111122223333:secret:other-XyZ123";
    let rows: Vec<(&str, &str, &str, PolicyResult)> = vec![
        (&allow_not_iam, GET, SECRET, ALLOW),
        (&allow_not_iam, "kms:Decrypt", KEY, ALLOW),
        (&allow_not_iam, "sts:AssumeRole", "*", ALLOW),
        (&allow_not_iam, "iam:CreateUser", "*", NA),
        (&allow_not_iam, "IAM:createuser", "*", NA),
        (&allow_not_iam, "iamx:CreateUser", "*", ALLOW),
        (&allow_not_delete, GET, SECRET, ALLOW),
        (&allow_not_delete, "secretsmanager:DeleteSecret", SECRET, NA),
        (
            &allow_not_delete,
            "secretsmanager:deleteresourcepolicy",
            SECRET,
            NA,
        ),
        (
            &allow_not_delete,
            "secretsmanager:PutResourcePolicy",
            SECRET,
            NA,
        ),
        (
            &allow_not_delete,
            "secretsmanager:PutSecretValue",
            SECRET,
            ALLOW,
        ),
        (&allow_not_delete, GET, other, NA),
        (&allow_not_delete, "kms:Decrypt", SECRET, ALLOW),
        (&deny_not_get, GET, SECRET, ALLOW),
        (&deny_not_get, "secretsmanager:PutSecretValue", SECRET, DENY),
        (&deny_not_get, "kms:Decrypt", KEY, DENY),
        (
            &deny_not_get,
            "secretsmanager:getsecretvalue",
            SECRET,
            ALLOW,
        ),
    ];
    for (text, action, res, want) in rows {
        assert_eq!(
            identity(text, &Req::new(action, res)),
            want,
            "{action} {res}\n{text}"
        );
    }
}

/// I4: `NotResource`, with Allow and with Deny.
#[test]
fn i4_not_resource() {
    let dev = "arn:aws:secretsmanager:us-east-1:111122223333:secret:dev/app-AbCdEf";
    let other_dev = "arn:aws:secretsmanager:us-east-1:444455556666:secret:dev/app-AbCdEf";
    let allow_but_prod = policy(&[&format!(
        r#""Effect":"Allow","Action":"secretsmanager:*","NotResource":"{SECRET}""#
    )]);
    let deny_outside_dev = policy(&[
        &stmt("Allow", "*", "*"),
        r#""Effect":"Deny","Action":"*","NotResource":"arn:aws:secretsmanager:*:111122223333:secret:dev/*""#,
    ]);
    let allow_not_two = policy(&[&format!(
        r#""Effect":"Allow","Action":"*","NotResource":["{SECRET}","{dev}"]"#
    )]);
    let both_inverted = policy(&[&format!(
        r#""Effect":"Allow","NotAction":"iam:*","NotResource":"{SECRET}""#
    )]);
    let rows: Vec<(&str, &str, &str, PolicyResult)> = vec![
        (&allow_but_prod, GET, SECRET, NA),
        (&allow_but_prod, GET, dev, ALLOW),
        (&allow_but_prod, GET, "*", ALLOW),
        (&allow_but_prod, "kms:Decrypt", dev, NA),
        (&deny_outside_dev, GET, dev, ALLOW),
        (&deny_outside_dev, GET, SECRET, DENY),
        (&deny_outside_dev, GET, other_dev, DENY),
        (&deny_outside_dev, "secretsmanager:ListSecrets", "*", DENY),
        (&deny_outside_dev, "kms:Decrypt", KEY, DENY),
        (&allow_not_two, GET, SECRET, NA),
        (&allow_not_two, GET, dev, NA),
        (&allow_not_two, GET, other_dev, ALLOW),
        (&both_inverted, "kms:Decrypt", KEY, ALLOW),
        (&both_inverted, GET, SECRET, NA),
        (&both_inverted, "iam:GetUser", KEY, NA),
    ];
    for (text, action, res, want) in rows {
        assert_eq!(
            identity(text, &Req::new(action, res)),
            want,
            "{action} {res}\n{text}"
        );
    }
}

fn grant_to(principal_element: &str) -> String {
    policy(&[&format!(
        r#""Effect":"Allow",{principal_element},"Action":"{GET}","Resource":"*""#
    )])
}

/// I5: `Principal` in resource policies — every principal form against
/// every kind of caller.
#[test]
fn i5_principal() {
    let alice = Some(user(ACCT, "alice"));
    let bob = Some(user(ACCT, "bob"));
    let outsider = Some(user(OTHER, "alice"));
    let s1 = Some(session(ACCT, "app", "s1"));
    let s2 = Some(session(ACCT, "app", "s2"));
    let the_root = Some(root(ACCT));
    let svc = Some(service("secretsmanager.amazonaws.com"));
    let oidc = "arn:aws:iam::111122223333:oidc-provider/oidc.example.com";
    let web = Some(web_identity(oidc));
    let alice_arn = r#""Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"}"#;
    let role = r#""Principal":{"AWS":"arn:aws:iam::111122223333:role/app"}"#;
    let s1_arn = r#""Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/app/s1"}"#;
    let account = r#""Principal":{"AWS":"111122223333"}"#;
    let root_arn = r#""Principal":{"AWS":"arn:aws:iam::111122223333:root"}"#;
    let mixed = r#""Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:user/alice"]}"#;
    let service_p = r#""Principal":{"Service":"secretsmanager.amazonaws.com"}"#;
    let federated = format!(r#""Principal":{{"Federated":"{oidc}"}}"#);
    let canonical = r#""Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}"#;
    let rows: Vec<(&str, Option<tresor_policy::CallerPrincipal>, PolicyResult)> = vec![
        (r#""Principal":"*""#, None, ALLOW),
        (r#""Principal":"*""#, alice.clone(), ALLOW),
        (r#""Principal":"*""#, svc.clone(), ALLOW),
        (r#""Principal":{"AWS":"*"}"#, None, ALLOW),
        (r#""Principal":{"AWS":"*"}"#, outsider.clone(), ALLOW),
        (alice_arn, alice.clone(), ALLOW),
        (alice_arn, bob.clone(), NA),
        (alice_arn, outsider.clone(), NA),
        (alice_arn, None, NA),
        (role, s1.clone(), ALLOW),
        (role, alice.clone(), NA),
        (s1_arn, s1.clone(), ALLOW),
        (s1_arn, s2.clone(), NA),
        (account, alice.clone(), BY_ACCOUNT),
        (account, s1.clone(), BY_ACCOUNT),
        (account, outsider.clone(), NA),
        (account, None, NA),
        (root_arn, alice.clone(), BY_ACCOUNT),
        (root_arn, the_root.clone(), BY_ACCOUNT),
        (root_arn, outsider.clone(), NA),
        (mixed, alice.clone(), ALLOW),
        (mixed, bob.clone(), BY_ACCOUNT),
        (service_p, svc.clone(), ALLOW),
        (service_p, Some(service("lambda.amazonaws.com")), NA),
        (service_p, alice.clone(), NA),
        (&federated, web.clone(), ALLOW),
        (&federated, Some(web_identity("accounts.google.com")), NA),
        (&federated, alice.clone(), NA),
        (canonical, alice.clone(), NA),
        (canonical, None, NA),
    ];
    for (element, caller, want) in rows {
        let mut req = get();
        req.0.principal = caller.clone();
        assert_eq!(
            resource(&grant_to(element), &req),
            want,
            "{element} / {caller:?}"
        );
    }
    // Where a principal is required and where it is ignored.
    let no_principal = policy(&[&stmt("Allow", GET, "*")]);
    let req = get().caller(user(ACCT, "alice"));
    assert_eq!(resource(&no_principal, &req), NA);
    assert_eq!(identity(&grant_to(r#""Principal":"*""#), &req), NA);
    assert_eq!(identity(&no_principal, &req), ALLOW);
}

fn deny_except(not_principal: &str) -> String {
    policy(&[
        r#""Effect":"Allow","Principal":"*","Action":"*","Resource":"*""#.to_owned(),
        format!(r#""Effect":"Deny","NotPrincipal":{not_principal},"Action":"*","Resource":"*""#),
    ])
}

/// I5: `NotPrincipal` with Deny — the whole chain (account, then role or
/// user or session) must be listed for a caller to escape the Deny.
#[test]
fn i5_not_principal_with_deny() {
    let alice = Some(user(ACCT, "alice"));
    let bob = Some(user(ACCT, "bob"));
    let s1 = Some(session(ACCT, "app", "s1"));
    let s2 = Some(session(ACCT, "app", "s2"));
    let the_root = Some(root(ACCT));
    let outsider_alice = Some(user(OTHER, "alice"));
    let svc = Some(service("secretsmanager.amazonaws.com"));
    let alice_and_account =
        r#"{"AWS":["arn:aws:iam::111122223333:user/alice","arn:aws:iam::111122223333:root"]}"#;
    let alice_only = r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#;
    let role_and_account = r#"{"AWS":["arn:aws:iam::111122223333:role/app","111122223333"]}"#;
    let session_and_account =
        r#"{"AWS":["arn:aws:sts::111122223333:assumed-role/app/s1","111122223333"]}"#;
    let account_only = r#"{"AWS":"111122223333"}"#;
    let service_np = r#"{"Service":"secretsmanager.amazonaws.com"}"#;
    let rows: Vec<(&str, Option<tresor_policy::CallerPrincipal>, PolicyResult)> = vec![
        (alice_and_account, alice.clone(), ALLOW),
        (alice_and_account, bob.clone(), DENY),
        (alice_and_account, outsider_alice.clone(), DENY),
        (alice_and_account, None, DENY),
        (alice_only, alice.clone(), DENY),
        (alice_only, bob.clone(), DENY),
        (role_and_account, s1.clone(), ALLOW),
        (role_and_account, s2.clone(), ALLOW),
        (role_and_account, alice.clone(), DENY),
        (session_and_account, s1.clone(), ALLOW),
        (session_and_account, s2.clone(), DENY),
        (account_only, the_root.clone(), ALLOW),
        (account_only, alice.clone(), DENY),
        (service_np, svc.clone(), ALLOW),
        (service_np, Some(service("lambda.amazonaws.com")), DENY),
        (service_np, alice.clone(), DENY),
        (r#""*""#, alice.clone(), ALLOW),
        (r#""*""#, None, ALLOW),
        (r#"{"AWS":"*"}"#, outsider_alice.clone(), ALLOW),
    ];
    for (np, caller, want) in rows {
        let mut req = get();
        req.0.principal = caller.clone();
        assert_eq!(
            resource(&deny_except(np), &req),
            want,
            "NotPrincipal {np} / {caller:?}"
        );
    }
}

/// I5: `NotPrincipal` with Allow (AWS no longer supports it; we evaluate it
/// towards denial) — any listed identity of the caller excludes it.
#[test]
fn i5_not_principal_with_allow() {
    let text = |np: &str| {
        policy(&[&format!(
            r#""Effect":"Allow","NotPrincipal":{np},"Action":"{GET}","Resource":"*""#
        )])
    };
    let alice_only = text(r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#);
    let account_only = text(r#"{"AWS":"111122223333"}"#);
    let role_only = text(r#"{"AWS":"arn:aws:iam::111122223333:role/app"}"#);
    let everyone = text(r#""*""#);
    let rows: Vec<(&str, Option<tresor_policy::CallerPrincipal>, PolicyResult)> = vec![
        (&alice_only, Some(user(ACCT, "alice")), NA),
        (&alice_only, Some(user(ACCT, "bob")), ALLOW),
        (&alice_only, None, ALLOW),
        (&account_only, Some(user(ACCT, "alice")), NA),
        (&account_only, Some(session(ACCT, "app", "s1")), NA),
        (&account_only, Some(user(OTHER, "alice")), ALLOW),
        (&role_only, Some(session(ACCT, "app", "s1")), NA),
        (&role_only, Some(session(ACCT, "ops", "s1")), ALLOW),
        (&everyone, Some(user(ACCT, "alice")), NA),
        (&everyone, None, NA),
    ];
    for (text, caller, want) in rows {
        let mut req = get();
        req.0.principal = caller.clone();
        assert_eq!(resource(text, &req), want, "{caller:?}\n{text}");
    }
}
