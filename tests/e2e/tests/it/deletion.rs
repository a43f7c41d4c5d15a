//! DeleteSecret and RestoreSecret: the deletion lifecycle (§3.6, §4
//! DeleteSecret, trap 10 and 11).

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::Tag;

use crate::harness::*;

const DAY: i64 = 86_400;
const WINDOW_MESSAGE: &str =
    "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).";

async fn schedule(c: &Client, secret: &str) {
    ok(c.delete_secret().secret_id(secret).send().await);
}

#[tokio::test]
async fn default_delete_schedules_30_days_out() {
    let h = Harness::start().await;
    let c = h.client();
    let arn = create(&c, "del", "v").await;
    let before = now_secs();
    let out = ok(c.delete_secret().secret_id("del").send().await);
    let after = now_secs();
    assert_eq!(out.arn(), Some(arn.as_str()));
    assert_eq!(out.name(), Some("del"));
    let when = secs(out.deletion_date.as_ref().unwrap());
    assert!(
        (before + 30 * DAY - 1..=after + 30 * DAY + 1).contains(&when),
        "{when}"
    );
    // Still described, with DeletedDate.
    let d = ok(c.describe_secret().secret_id("del").send().await);
    let deleted = secs(d.deleted_date.as_ref().unwrap());
    assert!((before - 1..=after + 1).contains(&deleted), "{deleted}");
    assert_eq!(d.arn(), Some(arn.as_str()));
}

#[tokio::test]
async fn recovery_windows_of_7_and_30_days_are_accepted() {
    let h = Harness::start().await;
    let c = h.client();
    for (name, days) in [("seven", 7), ("thirty", 30)] {
        create(&c, name, "v").await;
        let before = now_secs();
        let out = ok(c
            .delete_secret()
            .secret_id(name)
            .recovery_window_in_days(days)
            .send()
            .await);
        let when = secs(out.deletion_date.as_ref().unwrap());
        assert!(
            (before + days * DAY - 1..=now_secs() + days * DAY + 1).contains(&when),
            "{name}: {when}"
        );
    }
}

#[tokio::test]
async fn recovery_window_outside_7_to_30_is_invalid_even_when_forcing() {
    // §4 DeleteSecret [AWS], trap 11.
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "win", "v").await;
    for days in [0, 6, 31, -1] {
        fail(
            c.delete_secret()
                .secret_id("win")
                .recovery_window_in_days(days)
                .send()
                .await,
        )
        .assert("InvalidParameterException", WINDOW_MESSAGE);
        fail(
            c.delete_secret()
                .secret_id("win")
                .recovery_window_in_days(days)
                .force_delete_without_recovery(true)
                .send()
                .await,
        )
        .assert("InvalidParameterException", WINDOW_MESSAGE);
    }
    let d = ok(c.describe_secret().secret_id("win").send().await);
    assert_eq!(d.deleted_date, None);
}

#[tokio::test]
async fn a_valid_window_together_with_force_is_invalid() {
    // §4 DeleteSecret [inferred message]: only the code is checked.
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "both", "v").await;
    fail(
        c.delete_secret()
            .secret_id("both")
            .recovery_window_in_days(7)
            .force_delete_without_recovery(true)
            .send()
            .await,
    )
    .assert_code("InvalidParameterException");
    assert_eq!(current(&c, "both").await, "v");
}

#[tokio::test]
async fn scheduled_secret_refuses_value_and_metadata_operations() {
    // §3.6 [AWS for GetSecretValue, TagResource, UntagResource; inferred
    // for the others].
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "sched", "v").await;
    put(&c, "sched", &tok(2), "w").await;
    schedule(&c, "sched").await;
    let tag = Tag::builder().key("k").value("v").build();
    fail(c.get_secret_value().secret_id("sched").send().await)
        .assert("InvalidRequestException", MARKED_FOR_DELETION);
    fail(c.tag_resource().secret_id("sched").tags(tag).send().await)
        .assert("InvalidRequestException", MARKED_FOR_DELETION);
    fail(
        c.untag_resource()
            .secret_id("sched")
            .tag_keys("k")
            .send()
            .await,
    )
    .assert("InvalidRequestException", MARKED_FOR_DELETION);
    fail(
        c.put_secret_value()
            .secret_id("sched")
            .secret_string("x")
            .send()
            .await,
    )
    .assert("InvalidRequestException", MARKED_FOR_DELETION);
    fail(
        c.update_secret()
            .secret_id("sched")
            .description("x")
            .send()
            .await,
    )
    .assert("InvalidRequestException", MARKED_FOR_DELETION);
    fail(
        c.update_secret_version_stage()
            .secret_id("sched")
            .version_stage("AWSCURRENT")
            .move_to_version_id(tok(1))
            .remove_from_version_id(tok(2))
            .send()
            .await,
    )
    .assert("InvalidRequestException", MARKED_FOR_DELETION);
    fail(
        c.rotate_secret()
            .secret_id("sched")
            .rotation_lambda_arn(crate::rotation::LAMBDA)
            .send()
            .await,
    )
    .assert("InvalidRequestException", MARKED_FOR_DELETION);
    fail(
        c.put_resource_policy()
            .secret_id("sched")
            .resource_policy(crate::policy::PRIVATE_POLICY)
            .send()
            .await,
    )
    .assert("InvalidRequestException", MARKED_FOR_DELETION);
    // A second (unforced) delete.
    fail(c.delete_secret().secret_id("sched").send().await)
        .assert("InvalidRequestException", MARKED_FOR_DELETION);
    // Describe and ListSecretVersionIds still work.
    ok(c.describe_secret().secret_id("sched").send().await);
    assert_eq!(all_versions(&c, "sched").await.len(), 2);
}

#[tokio::test]
async fn creating_the_name_of_a_scheduled_secret_is_refused() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "reuse", "v").await;
    schedule(&c, "reuse").await;
    fail(
        c.create_secret()
            .name("reuse")
            .secret_string("new")
            .send()
            .await,
    )
    .assert(
        "InvalidRequestException",
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
    );
}

#[tokio::test]
async fn list_secrets_hides_scheduled_secrets_unless_asked() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "live", "v").await;
    create(&c, "doomed", "v").await;
    schedule(&c, "doomed").await;
    let names: Vec<String> = ok(c.list_secrets().send().await)
        .secret_list()
        .iter()
        .filter_map(|e| e.name.clone())
        .collect();
    assert_eq!(names, ["live"]);
    let all = ok(c.list_secrets().include_planned_deletion(true).send().await);
    assert_eq!(all.secret_list().len(), 2);
    for e in all.secret_list() {
        assert_eq!(
            e.deleted_date.is_some(),
            e.name() == Some("doomed"),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn restore_brings_everything_back() {
    // §3.6 [AWS snapshot]: versions, labels, tags, policy intact.
    let h = Harness::start().await;
    let c = h.client();
    let arn = create(&c, "back", "one").await;
    put(&c, "back", &tok(2), "two").await;
    ok(c.tag_resource()
        .secret_id("back")
        .tags(Tag::builder().key("team").value("core").build())
        .send()
        .await);
    ok(c.put_resource_policy()
        .secret_id("back")
        .resource_policy(crate::policy::PRIVATE_POLICY)
        .send()
        .await);
    let before = stage_map(&c, "back").await;
    schedule(&c, "back").await;
    let out = ok(c.restore_secret().secret_id("back").send().await);
    assert_eq!(out.arn(), Some(arn.as_str()));
    assert_eq!(out.name(), Some("back"));
    let d = ok(c.describe_secret().secret_id("back").send().await);
    assert_eq!(d.deleted_date, None);
    assert_eq!(d.tags().len(), 1);
    assert_eq!(stage_map(&c, "back").await, before);
    assert_eq!(current(&c, "back").await, "two");
    let p = ok(c.get_resource_policy().secret_id("back").send().await);
    assert_eq!(p.resource_policy(), Some(crate::policy::PRIVATE_POLICY));
}

#[tokio::test]
async fn restore_of_an_unknown_secret_is_not_found() {
    let h = Harness::start().await;
    let c = h.client();
    fail(c.restore_secret().secret_id("ghost").send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
}

#[tokio::test]
async fn delete_of_an_unknown_secret_is_not_found_unless_forced() {
    // §3.6 [doc, AWS]: forcing succeeds for a secret that does not exist.
    let h = Harness::start().await;
    let c = h.client();
    fail(c.delete_secret().secret_id("ghost").send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
    let out = ok(c
        .delete_secret()
        .secret_id("ghost")
        .force_delete_without_recovery(true)
        .send()
        .await);
    assert!(out.deletion_date.is_some());
    assert_eq!(out.name(), Some("ghost"));
}

#[tokio::test]
async fn force_delete_removes_at_once_and_the_name_comes_back_with_a_new_arn() {
    // §3.1 [AWS snapshot test_can_recreate_delete_secret].
    let h = Harness::start().await;
    let c = h.client();
    let old_arn = create(&c, "gone", "old").await;
    let before = now_secs();
    let out = ok(c
        .delete_secret()
        .secret_id("gone")
        .force_delete_without_recovery(true)
        .send()
        .await);
    assert_eq!(out.arn(), Some(old_arn.as_str()));
    let when = secs(out.deletion_date.as_ref().unwrap());
    assert!((before - 1..=now_secs() + 1).contains(&when), "{when}");
    fail(c.describe_secret().secret_id("gone").send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);

    let new_arn = create(&c, "gone", "new").await;
    assert_ne!(new_arn, old_arn);
    assert_secret_arn(&new_arn, REGION, "gone");
    assert_eq!(current(&c, "gone").await, "new");
    // The old incarnation's full ARN finds nothing; the partial ARN finds
    // the new one.
    fail(c.get_secret_value().secret_id(&old_arn).send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
    assert_eq!(current(&c, &old_arn[..old_arn.len() - 7]).await, "new");
}

#[tokio::test]
async fn force_delete_works_on_a_scheduled_secret() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "twice", "v").await;
    schedule(&c, "twice").await;
    let out = ok(c
        .delete_secret()
        .secret_id("twice")
        .force_delete_without_recovery(true)
        .send()
        .await);
    assert!(out.deletion_date.is_some());
    fail(c.describe_secret().secret_id("twice").send().await)
        .assert("ResourceNotFoundException", NOT_FOUND);
    create(&c, "twice", "again").await;
    assert_eq!(current(&c, "twice").await, "again");
}

#[tokio::test]
async fn delete_and_restore_change_last_changed_date() {
    let h = Harness::start().await;
    let c = h.client();
    create(&c, "lcd", "v").await;
    let d0 = ok(c.describe_secret().secret_id("lcd").send().await);
    schedule(&c, "lcd").await;
    let d1 = ok(c.describe_secret().secret_id("lcd").send().await);
    ok(c.restore_secret().secret_id("lcd").send().await);
    let d2 = ok(c.describe_secret().secret_id("lcd").send().await);
    assert!(d1.last_changed_date.unwrap() >= d0.last_changed_date.unwrap());
    assert!(d2.last_changed_date.unwrap() >= d1.last_changed_date.unwrap());
    assert!(d1.deleted_date.is_some() && d2.deleted_date.is_none());
}
