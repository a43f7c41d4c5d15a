//! Pitfalls I14 (policy variables) and I15 / B5 (variable value injection:
//! CVE-2026-71543, CVE-2026-5006).

use tresor_policy::{PolicyResult, parse};

use crate::eval_support::*;

const HOME: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:home/";

fn home(rest: &str) -> String {
    format!("{HOME}{rest}")
}

/// A document of one Allow-everything statement on `resource`, in
/// `version` (`None`: no Version member).
fn on_resource(version: Option<&str>, resource: &str) -> String {
    let version = version.map_or(String::new(), |v| format!(r#""Version":"{v}","#));
    format!(r#"{{{version}"Statement":{{"Effect":"Allow","Action":"*","Resource":"{resource}"}}}}"#)
}

fn rows(rows: Vec<(String, Req, PolicyResult)>) {
    for (text, req, want) in rows {
        assert_eq!(
            identity(&text, &req),
            want,
            "{text}\n{} {:?}",
            req.0.resource,
            req.0.keys
        );
    }
}

fn at(resource: &str) -> Req {
    Req::new(GET, resource)
}

/// I14: substitution only under 2012-10-17; missing keys; defaults;
/// escapes; one pass; multi-valued keys; case-insensitive names.
#[test]
fn i14_policy_variables_in_resources() {
    let v12 = Some("2012-10-17");
    let per_user = home("${aws:username}/*");
    let with_default = home("${aws:username, 'nobody'}/*");
    rows(vec![
        (
            on_resource(v12, &per_user),
            at(&home("alice/db")).key("aws:username", "alice"),
            ALLOW,
        ),
        (
            on_resource(v12, &per_user),
            at(&home("bob/db")).key("aws:username", "alice"),
            NA,
        ),
        (
            on_resource(v12, &home("${AWS:UserName}/*")),
            at(&home("alice/db")).key("aws:username", "alice"),
            ALLOW,
        ),
        (on_resource(v12, &per_user), at(&home("alice/db")), NA),
        (
            on_resource(v12, &per_user),
            at(&home("${aws:username}/db")),
            NA,
        ),
        (
            on_resource(Some("2008-10-17"), &per_user),
            at(&home("${aws:username}/db")).key("aws:username", "alice"),
            ALLOW,
        ),
        (
            on_resource(Some("2008-10-17"), &per_user),
            at(&home("alice/db")).key("aws:username", "alice"),
            NA,
        ),
        (
            on_resource(None, &per_user),
            at(&home("${aws:username}/db")).key("aws:username", "alice"),
            ALLOW,
        ),
        (
            on_resource(None, &per_user),
            at(&home("alice/db")).key("aws:username", "alice"),
            NA,
        ),
        (
            on_resource(v12, &with_default),
            at(&home("nobody/db")),
            ALLOW,
        ),
        (
            on_resource(v12, &with_default),
            at(&home("alice/db")).key("aws:username", "alice"),
            ALLOW,
        ),
        (
            on_resource(v12, &with_default),
            at(&home("nobody/db")).key("aws:username", "alice"),
            NA,
        ),
        (on_resource(v12, &home("a${*}")), at(&home("a*")), ALLOW),
        (on_resource(v12, &home("a${*}")), at(&home("ab")), NA),
        (on_resource(v12, &home("a${?}")), at(&home("a?")), ALLOW),
        (on_resource(v12, &home("a${?}")), at(&home("ab")), NA),
        (on_resource(v12, &home("${$}{x}")), at(&home("${x}")), ALLOW),
        (
            on_resource(v12, &home("${aws:TagKeys}")),
            at(&home("a")).multi("aws:TagKeys", &["a"]),
            NA,
        ),
        (
            on_resource(v12, &home("${aws:TagKeys, 'd'}")),
            at(&home("d")).multi("aws:TagKeys", &["a"]),
            ALLOW,
        ),
        (
            on_resource(
                v12,
                "arn:aws:secretsmanager:us-east-1:${aws:PrincipalAccount}:secret:*",
            ),
            at(SECRET).key("aws:PrincipalAccount", ACCT),
            ALLOW,
        ),
        (
            on_resource(
                v12,
                "arn:aws:secretsmanager:us-east-1:${aws:PrincipalAccount}:secret:*",
            ),
            at(SECRET).key("aws:PrincipalAccount", OTHER),
            NA,
        ),
        (
            on_resource(v12, &home("${aws:username")),
            at(&home("${aws:username")),
            NA,
        ),
    ]);
}

/// I14: variables in condition values (String, Arn, Bool operators), and
/// what a missing variable does to positive and negated operators.
#[test]
fn i14_policy_variables_in_conditions() {
    let owner = r#"{"StringEquals":{"secretsmanager:ResourceTag/owner":"${aws:username}"}}"#;
    let not_owner = r#"{"StringNotEquals":{"secretsmanager:ResourceTag/owner":"${aws:username}"}}"#;
    let arn =
        r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:iam::${aws:PrincipalAccount}:role/rotator"}}"#;
    let tls = r#"{"Bool":{"aws:SecureTransport":"${aws:PrincipalTag/needs-tls}"}}"#;
    let team = r#"{"StringEquals":{"secretsmanager:ResourceTag/team":"${aws:PrincipalTag/team, 'none'}"}}"#;
    let tagged = |owner: &str| get().key("secretsmanager:ResourceTag/owner", owner);
    condition_table(
        "I14 conditions",
        vec![
            (owner, tagged("alice").key("aws:username", "alice"), true),
            (owner, tagged("bob").key("aws:username", "alice"), false),
            (owner, tagged("alice"), false),
            (owner, tagged("${aws:username}"), false),
            (not_owner, tagged("bob").key("aws:username", "alice"), true),
            (
                not_owner,
                tagged("alice").key("aws:username", "alice"),
                false,
            ),
            (not_owner, tagged("alice"), true),
            (
                arn,
                get()
                    .key("aws:SourceArn", "arn:aws:iam::111122223333:role/rotator")
                    .key("aws:PrincipalAccount", ACCT),
                true,
            ),
            (
                arn,
                get()
                    .key("aws:SourceArn", "arn:aws:iam::111122223333:role/rotator")
                    .key("aws:PrincipalAccount", OTHER),
                false,
            ),
            (
                tls,
                get()
                    .key("aws:SecureTransport", "true")
                    .key("aws:PrincipalTag/needs-tls", "true"),
                true,
            ),
            (
                tls,
                get()
                    .key("aws:SecureTransport", "false")
                    .key("aws:PrincipalTag/needs-tls", "true"),
                false,
            ),
            (tls, get().key("aws:SecureTransport", "true"), false),
            (
                team,
                get().key("secretsmanager:ResourceTag/team", "none"),
                true,
            ),
            (
                team,
                get()
                    .key("secretsmanager:ResourceTag/team", "none")
                    .key("aws:PrincipalTag/team", "blue"),
                false,
            ),
        ],
    );
    // Under 2008-10-17 the value is literal.
    assert!(condition_allows_in(
        "2008-10-17",
        owner,
        &tagged("${aws:username}").key("aws:username", "alice")
    ));
    assert!(!condition_allows_in(
        "2008-10-17",
        owner,
        &tagged("alice").key("aws:username", "alice")
    ));
    // Variables are not allowed in actions: refused at write time.
    assert!(
        parse(&policy(&[&stmt(
            "Allow",
            "secretsmanager:${aws:username}",
            "*"
        )]))
        .is_err()
    );
}

/// I15 / B5: a substituted value is matched literally — `*`, `?`, `/`, `:`,
/// `$`, `${` and `..` inside a user name or tag never act as syntax.
#[test]
fn i15_injection_is_literal() {
    let v12 = Some("2012-10-17");
    let per_user = on_resource(v12, &home("${aws:username}/*"));
    let exact_user = on_resource(v12, &home("${aws:username}"));
    let by_tag_account = on_resource(
        v12,
        "arn:aws:secretsmanager:us-east-1:${aws:PrincipalTag/acct}:secret:x",
    );
    let with_star_default = on_resource(v12, &home("${aws:username, '*'}/*"));
    let u = |name: &str, resource: &str| at(resource).key("aws:username", name);
    rows(vec![
        // CVE-2026-71543: a `*` in the value is not a glob.
        (per_user.clone(), u("*", &home("alice/db")), NA),
        (per_user.clone(), u("*", &home("*/db")), ALLOW),
        (exact_user.clone(), u("*", &home("anything")), NA),
        (exact_user.clone(), u("a*", &home("abc")), NA),
        (exact_user.clone(), u("a*", &home("a*")), ALLOW),
        (exact_user.clone(), u("?", &home("a")), NA),
        (exact_user.clone(), u("?", &home("?")), ALLOW),
        // CVE-2026-5006: a `/` in the value does not move across a path.
        (exact_user.clone(), u("alice/x", &home("alice")), NA),
        (exact_user.clone(), u("alice/x", &home("alice/x")), ALLOW),
        (per_user.clone(), u("alice/../bob", &home("bob/db")), NA),
        (
            per_user.clone(),
            u("alice/../bob", &home("alice/../bob/db")),
            ALLOW,
        ),
        // A `:` cannot cut a new ARN segment.
        (
            by_tag_account.clone(),
            at(SECRET).key("aws:PrincipalTag/acct", "111122223333:secret"),
            NA,
        ),
        (
            by_tag_account.clone(),
            at("arn:aws:secretsmanager:us-east-1:111122223333:secret:x")
                .key("aws:PrincipalTag/acct", ACCT),
            ALLOW,
        ),
        // `${` in a value is text: one pass only.
        (
            exact_user.clone(),
            u("${aws:userid}", &home("AIDAEXAMPLE")).key("aws:userid", "AIDAEXAMPLE"),
            NA,
        ),
        (
            exact_user.clone(),
            u("${aws:userid}", &home("${aws:userid}")).key("aws:userid", "AIDAEXAMPLE"),
            ALLOW,
        ),
        (exact_user.clone(), u("${*}", &home("*")), NA),
        (exact_user.clone(), u("${*}", &home("${*}")), ALLOW),
        (exact_user.clone(), u("$", &home("$")), ALLOW),
        (per_user.clone(), u("", &home("/db")), ALLOW),
        (per_user.clone(), u("", &home("x/db")), NA),
        // Defaults are literal too.
        (with_star_default.clone(), at(&home("alice/db")), NA),
        (with_star_default, at(&home("*/db")), ALLOW),
    ]);
    // The same in condition values.
    let like_owner = r#"{"StringLike":{"secretsmanager:ResourceTag/owner":"${aws:username}"}}"#;
    let like_prefix = r#"{"StringLike":{"secretsmanager:ResourceTag/owner":"${aws:username}-*"}}"#;
    let role = r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/${aws:PrincipalTag/role}"}}"#;
    let t = |user: &str, owner: &str| {
        get()
            .key("aws:username", user)
            .key("secretsmanager:ResourceTag/owner", owner)
    };
    condition_table(
        "I15 conditions",
        vec![
            (like_owner, t("*", "anyone"), false),
            (like_owner, t("*", "*"), true),
            (like_owner, t("?", "x"), false),
            (like_prefix, t("a*", "abc-1"), false),
            (like_prefix, t("a*", "a*-1"), true),
            (like_prefix, t("alice", "alice-anything"), true),
            (
                role,
                get()
                    .key("aws:PrincipalTag/role", "*")
                    .key("aws:PrincipalArn", "arn:aws:iam::111122223333:role/admin"),
                false,
            ),
            (
                role,
                get()
                    .key("aws:PrincipalTag/role", "app")
                    .key("aws:PrincipalArn", "arn:aws:iam::111122223333:role/app"),
                true,
            ),
            (
                role,
                get()
                    .key("aws:PrincipalTag/role", "app:x")
                    .key("aws:PrincipalArn", "arn:aws:iam::111122223333:role/app"),
                false,
            ),
        ],
    );
    // Deterministic: the same request gives the same answer every time.
    let req = u("a*", &home("a*"));
    let first = identity(&exact_user, &req);
    assert!((0..10).all(|_| identity(&exact_user, &req) == first));
}
