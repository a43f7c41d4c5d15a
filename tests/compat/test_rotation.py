"""RotateSecret and CancelRotateSecret, as far as they can be observed without
a rotation function that the server can invoke: the failure paths must leave
the secret exactly as it was (reference RotateSecret steps 1-6)."""

import os

import pytest

import smharness as h

FRESH_DESCRIBE = {"ARN", "Name", "CreatedDate", "LastChangedDate", "VersionIdsToStages"}


def missing_function(account_id, region="us-east-1"):
    return f"arn:aws:lambda:{region}:{account_id}:function:tresor-compat-{h.RUN_ID}-does-not-exist"


def test_rotate_without_lambda_arn_is_invalid_request(sm, secret):
    """[AWS] and nothing changes: no rotation config, no AWSPENDING version."""
    before = h.state_of(sm, secret["Name"])
    h.expect_error(lambda: sm.rotate_secret(SecretId=secret["Name"]),
                   "InvalidRequestException", h.MSG_NO_LAMBDA)
    after = h.state_of(sm, secret["Name"])
    assert after == before
    assert h.members(sm.describe_secret(SecretId=secret["Name"])) == FRESH_DESCRIBE


def test_rotate_with_rules_but_without_lambda_arn(sm, secret):
    before = h.state_of(sm, secret["Name"])
    h.expect_error(lambda: sm.rotate_secret(SecretId=secret["Name"],
                                            RotationRules={"AutomaticallyAfterDays": 30}),
                   "InvalidRequestException", h.MSG_NO_LAMBDA)
    assert h.state_of(sm, secret["Name"]) == before


def test_rotate_with_uninvokable_function_is_access_denied(sm, secret, account_id):
    """[AWS] test_rotate_secret_invalid_lambda_arn: AccessDeniedException with
    HTTP 400, and DescribeSecret afterwards shows no rotation settings."""
    before = h.state_of(sm, secret["Name"])
    tok = h.token()
    h.expect_error(lambda: sm.rotate_secret(SecretId=secret["Name"],
                                            RotationLambdaARN=missing_function(account_id),
                                            RotationRules={"AutomaticallyAfterDays": 1},
                                            ClientRequestToken=tok),
                   "AccessDeniedException", h.MSG_LAMBDA_NOT_INVOKABLE)
    assert h.state_of(sm, secret["Name"]) == before
    described = sm.describe_secret(SecretId=secret["Name"])
    assert h.members(described) == FRESH_DESCRIBE
    h.expect_error(lambda: sm.get_secret_value(SecretId=secret["Name"], VersionId=tok),
                   "ResourceNotFoundException")
    # And a later RotateSecret without an ARN still finds none stored.
    h.expect_error(lambda: sm.rotate_secret(SecretId=secret["Name"]),
                   "InvalidRequestException", h.MSG_NO_LAMBDA)


def test_rotate_later_with_uninvokable_function_is_access_denied(sm, secret, account_id):
    before = h.state_of(sm, secret["Name"])
    h.expect_error(lambda: sm.rotate_secret(SecretId=secret["Name"],
                                            RotationLambdaARN=missing_function(account_id),
                                            RotationRules={"AutomaticallyAfterDays": 7},
                                            RotateImmediately=False),
                   "AccessDeniedException", h.MSG_LAMBDA_NOT_INVOKABLE)
    assert h.state_of(sm, secret["Name"]) == before


def test_rotate_secret_without_value_and_function(sm, name):
    sm.create_secret(Name=name)
    h.expect_error(lambda: sm.rotate_secret(SecretId=name), "InvalidRequestException", h.MSG_NO_LAMBDA)


INVALID_RULES = {
    "both-days-and-schedule": {"AutomaticallyAfterDays": 7, "ScheduleExpression": "rate(10 days)"},
    "rate-under-4-hours": {"ScheduleExpression": "rate(1 hours)"},
    "rate-nonsense": {"ScheduleExpression": "rate(ten days)"},
    "cron-nonzero-minutes": {"ScheduleExpression": "cron(5 0 * * ? *)"},
    "duration-over-a-day": {"AutomaticallyAfterDays": 1, "Duration": "25h"},
}


@pytest.mark.parametrize("kind", sorted(INVALID_RULES))
def test_invalid_rotation_rules_are_invalid_parameters(sm, secret, account_id, kind):
    """[inferred] InvalidParameterException; parameter validation precedes the
    attempt to invoke the function, and nothing is stored."""
    before = h.state_of(sm, secret["Name"])
    h.expect_error(lambda: sm.rotate_secret(SecretId=secret["Name"],
                                            RotationLambdaARN=missing_function(account_id),
                                            RotationRules=INVALID_RULES[kind]),
                   "InvalidParameterException")
    assert h.state_of(sm, secret["Name"]) == before


def test_automatically_after_days_over_1000_is_a_validation_error(sm, secret, account_id):
    h.expect_error(lambda: sm.rotate_secret(SecretId=secret["Name"],
                                            RotationLambdaARN=missing_function(account_id),
                                            RotationRules={"AutomaticallyAfterDays": 1001}),
                   "ValidationException",
                   h.validation_message(h.violation("rotationRules.automaticallyAfterDays",
                                                    h.max_value(1000), 1001)))


def test_automatically_after_days_of_zero_is_a_validation_error(sm_raw_params, secret, account_id):
    h.expect_error(lambda: sm_raw_params.rotate_secret(SecretId=secret["Name"],
                                                       RotationLambdaARN=missing_function(account_id),
                                                       RotationRules={"AutomaticallyAfterDays": 0}),
                   "ValidationException",
                   h.validation_message(h.violation("rotationRules.automaticallyAfterDays",
                                                    h.min_value(1), 0)))


def test_duration_pattern_is_a_validation_error(sm, secret, account_id):
    resp = h.expect_error(lambda: sm.rotate_secret(SecretId=secret["Name"],
                                                   RotationLambdaARN=missing_function(account_id),
                                                   RotationRules={"AutomaticallyAfterDays": 1,
                                                                  "Duration": "5x"}),
                          "ValidationException")
    message = resp["Error"]["Message"]
    assert message.startswith("1 validation error detected: Value '5x' at "
                              "'rotationRules.duration' failed to satisfy constraint: "
                              "Member must satisfy regular expression pattern: "), message


def test_rotation_lambda_arn_over_2048_is_a_validation_error(sm, secret):
    arn = "arn:aws:lambda:us-east-1:123456789012:function:" + "f" * 2048
    h.expect_error(lambda: sm.rotate_secret(SecretId=secret["Name"], RotationLambdaARN=arn),
                   "ValidationException",
                   h.validation_message(h.violation("rotationLambdaARN", h.max_len(2048), arn)))


def test_rotation_token_is_sensitive_in_validation_errors(sm_raw_params, secret):
    """PutSecretValue.RotationToken (36-256, pattern) is a sensitive member:
    its value is not echoed."""
    before = h.state_of(sm_raw_params, secret["Name"])
    h.expect_error(lambda: sm_raw_params.put_secret_value(SecretId=secret["Name"], SecretString="x",
                                               RotationToken="short"),
                   "ValidationException",
                   h.validation_message(h.violation("rotationToken", h.min_len(36))))
    assert h.state_of(sm_raw_params, secret["Name"]) == before


# ------------------------------------------------------- CancelRotateSecret


def test_cancel_rotate_secret_unknown_secret(sm, name):
    h.expect_error(lambda: sm.cancel_rotate_secret(SecretId=name), "ResourceNotFoundException", h.MSG_NOT_FOUND)


def test_cancel_rotate_secret_without_rotation_configured(sm, secret):
    """AWS's answer for a secret that never had rotation is not recorded (moto
    says InvalidRequestException). Either way it must not invent rotation
    settings, create versions, or fail with anything but a 4xx."""
    before = h.state_of(sm, secret["Name"])
    try:
        resp = sm.cancel_rotate_secret(SecretId=secret["Name"])
    except h.ClientError as e:
        assert e.response["Error"]["Code"] == "InvalidRequestException", e.response
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert h.state_of(sm, secret["Name"]) == before
        return
    assert h.members(resp) <= {"ARN", "Name", "VersionId"}
    assert resp["ARN"] == secret["ARN"] and resp["Name"] == secret["Name"]
    after = h.state_of(sm, secret["Name"])
    assert after["versions"] == before["versions"]
    described = after["describe"]
    assert described.get("RotationEnabled", False) is False
    assert "RotationLambdaARN" not in described and "RotationRules" not in described


def test_cancel_rotate_secret_on_scheduled_secret(sm, secret):
    sm.delete_secret(SecretId=secret["Name"])
    h.expect_error(lambda: sm.cancel_rotate_secret(SecretId=secret["Name"]), "InvalidRequestException")


# ----------------------------------------- with a function the server can run
#
# Trap 17's last clause ("a rotation creates an *empty* AWSPENDING version
# first") and the 3.5 row "token equals an empty AWSPENDING version" need a
# rotation function that the server can invoke. The contract of the binary
# does not provide one yet; point TRESOR_COMPAT_NOOP_ROTATION_ARN at a
# function ARN the server maps to an executor that does nothing.

NOOP_FUNCTION = os.environ.get("TRESOR_COMPAT_NOOP_ROTATION_ARN")
needs_function = pytest.mark.skipif(
    not NOOP_FUNCTION,
    reason="set TRESOR_COMPAT_NOOP_ROTATION_ARN to a do-nothing rotation function the server can invoke")


@needs_function
def test_rotation_creates_an_empty_pending_version_first(sm, secret):
    sid, v1 = secret["Name"], secret["VersionId"]
    tok = h.token()
    resp = sm.rotate_secret(SecretId=sid, RotationLambdaARN=NOOP_FUNCTION,
                            RotationRules={"AutomaticallyAfterDays": 30}, ClientRequestToken=tok)
    assert h.members(resp) == {"ARN", "Name", "VersionId"}
    assert resp["VersionId"] == tok
    described = sm.describe_secret(SecretId=sid)
    assert described["RotationEnabled"] is True
    assert described["RotationLambdaARN"] == NOOP_FUNCTION
    assert described["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert "NextRotationDate" in described
    assert described["VersionIdsToStages"] == {v1: ["AWSCURRENT"], tok: ["AWSPENDING"]}
    # The placeholder holds no value (rotation functions rely on this).
    h.expect_error(lambda: sm.get_secret_value(SecretId=sid, VersionId=tok, VersionStage="AWSPENDING"),
                   "ResourceNotFoundException")
    assert sm.get_secret_value(SecretId=sid)["VersionId"] == v1
    # A second rotation while this one is incomplete is refused.
    h.expect_error(lambda: sm.rotate_secret(SecretId=sid, RotationLambdaARN=NOOP_FUNCTION),
                   "InvalidRequestException")

    # createSecret step: PutSecretValue with the rotation token fills the placeholder.
    put = sm.put_secret_value(SecretId=sid, ClientRequestToken=tok, SecretString="rotated",
                              VersionStages=["AWSPENDING"])
    assert put["VersionId"] == tok and put["VersionStages"] == ["AWSPENDING"]
    assert sm.get_secret_value(SecretId=sid, VersionStage="AWSPENDING")["SecretString"] == "rotated"
    # finishSecret step.
    sm.update_secret_version_stage(SecretId=sid, VersionStage="AWSCURRENT", MoveToVersionId=tok,
                                   RemoveFromVersionId=v1)
    h.assert_labels(sm, sid, {v1: ["AWSPREVIOUS"], tok: ["AWSCURRENT", "AWSPENDING"]})


@needs_function
def test_cancel_rotate_secret_keeps_the_configuration(sm, secret):
    sid = secret["Name"]
    sm.rotate_secret(SecretId=sid, RotationLambdaARN=NOOP_FUNCTION,
                     RotationRules={"AutomaticallyAfterDays": 7}, RotateImmediately=False)
    resp = sm.cancel_rotate_secret(SecretId=sid)
    assert {"ARN", "Name"} <= h.members(resp) <= {"ARN", "Name", "VersionId"}
    described = sm.describe_secret(SecretId=sid)
    assert described["RotationEnabled"] is False
    assert described["RotationLambdaARN"] == NOOP_FUNCTION
    assert described["RotationRules"]["AutomaticallyAfterDays"] == 7
