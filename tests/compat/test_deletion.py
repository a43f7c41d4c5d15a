"""Deletion lifecycle (reference 3.6): scheduled deletion, what still works and
what fails while scheduled, RestoreSecret, forced deletion, name reuse."""

import datetime as dt

import pytest

import smharness as h

DAY = dt.timedelta(days=1)
SLACK = dt.timedelta(hours=1)


def assert_close(when, expected, slack=SLACK):
    assert abs(when - expected) <= slack, f"{when} is not within {slack} of {expected}"


def schedule(sm, sid, **kwargs):
    resp = sm.delete_secret(SecretId=sid, **kwargs)
    assert h.members(resp) == {"ARN", "Name", "DeletionDate"}
    return resp


# ----------------------------------------------------------- scheduling


def test_delete_schedules_30_days_by_default(sm, secret):
    now = h.utcnow()
    resp = schedule(sm, secret["Name"])
    assert resp["ARN"] == secret["ARN"] and resp["Name"] == secret["Name"]
    assert_close(resp["DeletionDate"], now + 30 * DAY)
    described = sm.describe_secret(SecretId=secret["Name"])  # [AWS] still works
    assert "DeletedDate" in described
    assert_close(described["DeletedDate"], now)
    assert described["VersionIdsToStages"] == {secret["VersionId"]: ["AWSCURRENT"]}


@pytest.mark.parametrize("days", [7, 30])
def test_delete_with_recovery_window(sm, secret, days):
    now = h.utcnow()
    resp = schedule(sm, secret["ARN"], RecoveryWindowInDays=days)
    assert_close(resp["DeletionDate"], now + days * DAY)


@pytest.mark.parametrize("days", [0, 1, 6, 31, 100])
def test_recovery_window_outside_7_to_30_is_invalid(sm, secret, days):
    before = h.state_of(sm, secret["Name"])
    h.expect_error(lambda: sm.delete_secret(SecretId=secret["Name"], RecoveryWindowInDays=days),
                   "InvalidParameterException", h.MSG_RECOVERY_WINDOW)
    assert h.state_of(sm, secret["Name"]) == before


@pytest.mark.parametrize("days", [0, 6, 31])
def test_recovery_window_is_checked_even_when_forcing(sm, secret, days):
    """[AWS] trap 11."""
    h.expect_error(lambda: sm.delete_secret(SecretId=secret["Name"], RecoveryWindowInDays=days,
                                            ForceDeleteWithoutRecovery=True),
                   "InvalidParameterException", h.MSG_RECOVERY_WINDOW)
    assert "DeletedDate" not in sm.describe_secret(SecretId=secret["Name"])


def test_valid_window_together_with_force_is_invalid(sm, secret):
    # [inferred] InvalidParameterException.
    h.expect_error(lambda: sm.delete_secret(SecretId=secret["Name"], RecoveryWindowInDays=7,
                                            ForceDeleteWithoutRecovery=True),
                   "InvalidParameterException")
    assert "DeletedDate" not in sm.describe_secret(SecretId=secret["Name"])


def test_scheduled_secret_is_hidden_from_plain_list_secrets(sm, secret):
    only_this = [{"Key": "name", "Values": [secret["Name"]]}]
    assert [s["Name"] for s in h.list_all_secrets(sm, Filters=only_this)] == [secret["Name"]]
    schedule(sm, secret["Name"])
    assert h.list_all_secrets(sm, Filters=only_this) == []
    assert h.list_all_secrets(sm, Filters=only_this, IncludePlannedDeletion=False) == []
    listed = h.list_all_secrets(sm, Filters=only_this, IncludePlannedDeletion=True)
    assert [s["Name"] for s in listed] == [secret["Name"]]
    assert "DeletedDate" in listed[0]


def test_get_secret_value_of_scheduled_secret(sm, secret):
    schedule(sm, secret["Name"])
    h.expect_error(lambda: sm.get_secret_value(SecretId=secret["Name"]),
                   "InvalidRequestException", h.MSG_MARKED_FOR_DELETION)


def test_tag_and_untag_of_scheduled_secret(sm, secret):
    sm.tag_resource(SecretId=secret["Name"], Tags=[{"Key": "keep", "Value": "me"}])
    schedule(sm, secret["Name"])
    h.expect_error(lambda: sm.tag_resource(SecretId=secret["Name"], Tags=[{"Key": "k", "Value": "v"}]),
                   "InvalidRequestException", h.MSG_MARKED_FOR_DELETION)
    h.expect_error(lambda: sm.untag_resource(SecretId=secret["Name"], TagKeys=["keep"]),
                   "InvalidRequestException", h.MSG_MARKED_FOR_DELETION)
    assert sm.describe_secret(SecretId=secret["Name"])["Tags"] == [{"Key": "keep", "Value": "me"}]


POLICY = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
          '{"AWS":"arn:aws:iam::%s:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}')

# [inferred] the same class of error for every other value/metadata write.
SCHEDULED_WRITES = {
    "PutSecretValue": lambda sm, s: sm.put_secret_value(SecretId=s["Name"], SecretString="x"),
    "UpdateSecret(value)": lambda sm, s: sm.update_secret(SecretId=s["Name"], SecretString="x"),
    "UpdateSecret(description)": lambda sm, s: sm.update_secret(SecretId=s["Name"], Description="x"),
    "UpdateSecretVersionStage": lambda sm, s: sm.update_secret_version_stage(
        SecretId=s["Name"], VersionStage="X", MoveToVersionId=s["VersionId"]),
    "RotateSecret": lambda sm, s: sm.rotate_secret(
        SecretId=s["Name"], RotationLambdaARN="arn:aws:lambda:us-east-1:123456789012:function:nope"),
    "CancelRotateSecret": lambda sm, s: sm.cancel_rotate_secret(SecretId=s["Name"]),
    "PutResourcePolicy": lambda sm, s: sm.put_resource_policy(
        SecretId=s["Name"], ResourcePolicy=POLICY % h.account_of(s["ARN"])),
    "DeleteSecret(no force)": lambda sm, s: sm.delete_secret(SecretId=s["Name"]),
}


@pytest.mark.parametrize("op", sorted(SCHEDULED_WRITES))
def test_writes_to_scheduled_secret_are_invalid_requests(sm, secret, op):
    schedule(sm, secret["Name"])
    before = sm.describe_secret(SecretId=secret["Name"])
    before.pop("ResponseMetadata")
    h.expect_error(lambda: SCHEDULED_WRITES[op](sm, secret), "InvalidRequestException")
    after = sm.describe_secret(SecretId=secret["Name"])
    after.pop("ResponseMetadata")
    assert after == before


def test_create_with_name_of_scheduled_secret(sm, secret):
    schedule(sm, secret["Name"])
    h.expect_error(lambda: sm.create_secret(Name=secret["Name"], SecretString="new"),
                   "InvalidRequestException", h.MSG_NAME_SCHEDULED)


def test_list_secret_version_ids_of_scheduled_secret_still_works(sm, secret):
    schedule(sm, secret["Name"])
    versions = sm.list_secret_version_ids(SecretId=secret["Name"])["Versions"]
    assert [v["VersionId"] for v in versions] == [secret["VersionId"]]


# -------------------------------------------------------------- restore


def test_restore_brings_everything_back(sm, secret, account_id):
    sid = secret["Name"]
    sm.update_secret(SecretId=sid, Description="keep")
    sm.tag_resource(SecretId=sid, Tags=[{"Key": "team", "Value": "a"}])
    v2 = h.token()
    sm.put_secret_value(SecretId=sid, SecretString="v2", ClientRequestToken=v2)
    sm.put_resource_policy(SecretId=sid, ResourcePolicy=POLICY % account_id)
    before = h.state_of(sm, sid)
    schedule(sm, sid)
    resp = sm.restore_secret(SecretId=sid)
    assert h.members(resp) == {"ARN", "Name"}
    assert resp["ARN"] == secret["ARN"] and resp["Name"] == sid
    after = h.state_of(sm, sid)
    assert "DeletedDate" not in after["describe"]
    # Restoring is a change, so LastChangedDate may move; everything else is intact.
    before["describe"].pop("LastChangedDate")
    after["describe"].pop("LastChangedDate")
    assert after == before
    assert sm.get_secret_value(SecretId=sid)["SecretString"] == "v2"
    assert sm.get_secret_value(SecretId=sid, VersionStage="AWSPREVIOUS")["SecretString"] == secret["Value"]


def test_restore_by_arn(sm, secret):
    schedule(sm, secret["ARN"])
    assert sm.restore_secret(SecretId=secret["ARN"])["ARN"] == secret["ARN"]
    sm.put_secret_value(SecretId=secret["ARN"], SecretString="writable again")
    assert sm.get_secret_value(SecretId=secret["ARN"])["SecretString"] == "writable again"


def test_restore_unknown_secret(sm, name):
    h.expect_error(lambda: sm.restore_secret(SecretId=name), "ResourceNotFoundException", h.MSG_NOT_FOUND)


# --------------------------------------------------------- forced deletion


def test_force_delete_removes_immediately(sm, secret):
    now = h.utcnow()
    resp = schedule(sm, secret["Name"], ForceDeleteWithoutRecovery=True)
    assert resp["ARN"] == secret["ARN"]
    assert_close(resp["DeletionDate"], now, slack=dt.timedelta(minutes=5))
    for sid in (secret["Name"], secret["ARN"]):
        h.expect_error(lambda: sm.describe_secret(SecretId=sid), "ResourceNotFoundException", h.MSG_NOT_FOUND)
        h.expect_error(lambda: sm.get_secret_value(SecretId=sid), "ResourceNotFoundException", h.MSG_NOT_FOUND)
    h.expect_error(lambda: sm.restore_secret(SecretId=secret["Name"]), "ResourceNotFoundException")
    only_this = [{"Key": "name", "Values": [secret["Name"]]}]
    assert h.list_all_secrets(sm, Filters=only_this, IncludePlannedDeletion=True) == []


def test_force_delete_of_scheduled_secret(sm, secret):
    """[AWS] a scheduled secret can still be force-deleted."""
    schedule(sm, secret["Name"], RecoveryWindowInDays=7)
    resp = sm.delete_secret(SecretId=secret["Name"], ForceDeleteWithoutRecovery=True)
    assert "DeletionDate" in resp
    h.expect_error(lambda: sm.describe_secret(SecretId=secret["Name"]), "ResourceNotFoundException")


def test_force_delete_of_missing_secret_succeeds(sm, name):
    """[doc, AWS] no ResourceNotFoundException when forcing."""
    resp = sm.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    h.assert_request_id(resp)


def test_delete_missing_secret_without_force(sm, name):
    h.expect_error(lambda: sm.delete_secret(SecretId=name), "ResourceNotFoundException", h.MSG_NOT_FOUND)


def test_name_is_reusable_after_force_delete_with_a_new_arn(sm, secret):
    """[AWS] test_can_recreate_delete_secret: a new incarnation gets a new suffix."""
    sm.delete_secret(SecretId=secret["Name"], ForceDeleteWithoutRecovery=True)
    tok = h.token()
    again = sm.create_secret(Name=secret["Name"], SecretString="reborn", ClientRequestToken=tok)
    assert again["Name"] == secret["Name"]
    assert again["VersionId"] == tok
    assert h.arn_pattern(secret["Name"]).match(again["ARN"])
    assert again["ARN"] != secret["ARN"]
    assert sm.get_secret_value(SecretId=secret["Name"])["SecretString"] == "reborn"
    # The old incarnation's full ARN does not reach the new secret.
    h.expect_error(lambda: sm.describe_secret(SecretId=secret["ARN"]), "ResourceNotFoundException")
    h.assert_labels(sm, secret["Name"], {tok: ["AWSCURRENT"]})
    assert "Tags" not in sm.describe_secret(SecretId=secret["Name"])


def test_force_delete_by_partial_arn(sm, secret):
    sm.delete_secret(SecretId=secret["ARN"][:-7], ForceDeleteWithoutRecovery=True)
    h.expect_error(lambda: sm.describe_secret(SecretId=secret["Name"]), "ResourceNotFoundException")


def test_delete_updates_last_changed_date(sm, secret):
    before = sm.describe_secret(SecretId=secret["Name"])["LastChangedDate"]
    schedule(sm, secret["Name"])
    assert sm.describe_secret(SecretId=secret["Name"])["LastChangedDate"] >= before
