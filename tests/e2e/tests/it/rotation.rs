//! RotateSecret and CancelRotateSecret (§4, trap 17).
//!
//! Tresor cannot invoke AWS Lambda, so every rotation function is
//! "uninvokable": AWS answers AccessDeniedException and stores nothing.
//! What can be checked is everything before the invocation.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::RotationRulesType;

use crate::harness::*;

pub const LAMBDA: &str = "arn:aws:lambda:us-east-1:123456789012:function:rotate-db";

const CANNOT_INVOKE: &str = "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.";

/// Asserts that no rotation configuration and no new version exist.
async fn assert_untouched(c: &Client, secret: &str) {
    let d = ok(c.describe_secret().secret_id(secret).send().await);
    assert_eq!(d.rotation_enabled, None, "{d:?}");
    assert_eq!(d.rotation_lambda_arn, None, "{d:?}");
    assert_eq!(d.rotation_rules, None, "{d:?}");
    assert_eq!(d.next_rotation_date, None, "{d:?}");
    assert_eq!(d.last_rotated_date, None, "{d:?}");
    let versions = all_versions(c, secret).await;
    assert_eq!(versions.len(), 1, "{versions:?}");
    assert_eq!(versions[&tok(1)], labels(&["AWSCURRENT"]));
}

fn days(n: i64) -> RotationRulesType {
    RotationRulesType::builder()
        .automatically_after_days(n)
        .build()
}

fn schedule(expr: &str, duration: Option<&str>) -> RotationRulesType {
    RotationRulesType::builder()
        .schedule_expression(expr)
        .set_duration(duration.map(String::from))
        .build()
}

#[tokio::test]
async fn without_a_function_is_invalid_request_and_changes_nothing() {
    // §4 RotateSecret step 3 [AWS].
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "nofn", "v").await;
    fail(c.rotate_secret().secret_id("nofn").send().await).assert(
        "InvalidRequestException",
        "No Lambda rotation function ARN is associated with this secret.",
    );
    fail(
        c.rotate_secret()
            .secret_id("nofn")
            .rotation_rules(days(30))
            .send()
            .await,
    )
    .assert(
        "InvalidRequestException",
        "No Lambda rotation function ARN is associated with this secret.",
    );
    assert_untouched(&c, "nofn").await;
}

#[tokio::test]
async fn an_uninvokable_function_is_access_denied_and_nothing_is_stored() {
    // §4 RotateSecret step 4 [AWS], trap 17.
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "deny", "v").await;
    let e = fail(
        c.rotate_secret()
            .secret_id("deny")
            .rotation_lambda_arn(LAMBDA)
            .rotation_rules(days(30))
            .send()
            .await,
    );
    e.assert("AccessDeniedException", CANNOT_INVOKE);
    fail(
        c.rotate_secret()
            .secret_id("deny")
            .rotation_lambda_arn(LAMBDA)
            .rotation_rules(schedule("rate(10 days)", Some("2h")))
            .rotate_immediately(false)
            .send()
            .await,
    )
    .assert("AccessDeniedException", CANNOT_INVOKE);
    assert_untouched(&c, "deny").await;
    // Still no stored function: the next call without one says so.
    fail(c.rotate_secret().secret_id("deny").send().await).assert_code("InvalidRequestException");
}

#[tokio::test]
async fn invalid_rotation_rules_are_invalid_parameters() {
    // §4 RotateSecret step 6 [doc semantics; inferred code].
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "rules", "v").await;
    let bad = [
        RotationRulesType::builder()
            .automatically_after_days(30)
            .schedule_expression("rate(10 days)")
            .build(),
        schedule("rate(1 hours)", None),
        schedule("rate(ten days)", None),
        schedule("cron(15 16 1 * ? *)", None),
        schedule("cron(0 16 1 * * *)", None),
        schedule("cron(0 16 1 * ? 2030)", None),
        schedule("at(2030-01-01)", None),
        RotationRulesType::builder()
            .automatically_after_days(30)
            .duration("25h")
            .build(),
    ];
    for rules in bad {
        let e = fail(
            c.rotate_secret()
                .secret_id("rules")
                .rotation_lambda_arn(LAMBDA)
                .rotation_rules(rules.clone())
                .send()
                .await,
        );
        assert_eq!(e.code, "InvalidParameterException", "{rules:?}: {e:?}");
    }
    assert_untouched(&c, "rules").await;
}

#[tokio::test]
async fn rules_outside_the_model_are_validation_errors() {
    // AutomaticallyAfterDays 1–1000 and Duration `[0-9]+h` (2–3 chars) are
    // model constraints (§5 RotationRulesType), so ValidationException.
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "model", "v").await;
    for rules in [
        days(0),
        days(1001),
        RotationRulesType::builder()
            .automatically_after_days(1)
            .duration("2 hours")
            .build(),
    ] {
        let e = fail(
            c.rotate_secret()
                .secret_id("model")
                .rotation_lambda_arn(LAMBDA)
                .rotation_rules(rules.clone())
                .send()
                .await,
        );
        assert_eq!(e.code, "ValidationException", "{rules:?}: {e:?}");
    }
    assert_untouched(&c, "model").await;
}

#[tokio::test]
async fn rotate_errors_for_unknown_secrets() {
    let h = Harness::start().await;
    let c = h.client();
    fail(
        c.rotate_secret()
            .secret_id("nope")
            .rotation_lambda_arn(LAMBDA)
            .send()
            .await,
    )
    .assert("ResourceNotFoundException", NOT_FOUND);
}

#[tokio::test]
async fn cancel_rotate_secret_errors() {
    let h = Harness::start().await;
    let c = h.client();
    fail(c.cancel_rotate_secret().secret_id("nope").send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
    create(&c, "doomed", "v").await;
    ok(c.delete_secret().secret_id("doomed").send().await);
    fail(c.cancel_rotate_secret().secret_id("doomed").send().await)
        .assert("InvalidRequestException", MARKED_FOR_DELETION);
}

#[tokio::test]
async fn cancel_on_a_secret_never_rotated_turns_nothing_on() {
    // §4 CancelRotateSecret: AWS's answer here is unverified (moto says
    // InvalidRequestException). Either a success naming the secret or that
    // error is accepted; rotation must not appear configured afterwards.
    let h = Harness::start().await;
    let c = h.client();
    let arn = create(&c, "never", "v").await;
    match c.cancel_rotate_secret().secret_id("never").send().await {
        Ok(out) => {
            assert_eq!(out.arn(), Some(arn.as_str()));
            assert_eq!(out.name(), Some("never"));
            // No AWSPENDING version, so no VersionId.
            assert_eq!(out.version_id, None);
        }
        Err(e) => {
            fail::<(), _>(Err(e)).assert_code("InvalidRequestException");
        }
    }
    let d = ok(c.describe_secret().secret_id("never").send().await);
    assert_ne!(d.rotation_enabled, Some(true));
    assert_eq!(d.rotation_lambda_arn, None);
}

#[tokio::test]
async fn cancel_names_a_pending_version_left_in_place() {
    // §4 CancelRotateSecret [doc]: the AWSPENDING version stays; its id is
    // the response's VersionId.
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "pend", "v").await;
    ok(c.put_secret_value()
        .secret_id("pend")
        .secret_string("candidate")
        .client_request_token(tok(2))
        .version_stages("AWSPENDING")
        .send()
        .await);
    match c.cancel_rotate_secret().secret_id("pend").send().await {
        Ok(out) => assert_eq!(out.version_id(), Some(tok(2).as_str())),
        Err(e) => {
            fail::<(), _>(Err(e)).assert_code("InvalidRequestException");
        }
    }
    assert_eq!(
        stage_map(&c, "pend").await[&tok(2)],
        labels(&["AWSPENDING"])
    );
}
