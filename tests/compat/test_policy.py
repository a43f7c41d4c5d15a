"""Resource policies: PutResourcePolicy, GetResourcePolicy,
DeleteResourcePolicy, ValidateResourcePolicy."""

import json

import pytest

import smharness as h


def private_policy(account_id):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
            "Action": "secretsmanager:GetSecretValue",
            "Resource": "*",
        }],
    })


PUBLIC_POLICIES = {
    "principal-star": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": "*",
                       "Action": "secretsmanager:GetSecretValue", "Resource": "*"}],
    },
    "aws-star": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                       "Action": "secretsmanager:*", "Resource": "*"}],
    },
}

MALFORMED = {
    "not-json": "this is not a policy",
    "truncated-json": '{"Version": "2012-10-17", "Statement": [',
    "json-array": "[1, 2, 3]",
    "bad-effect": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Maybe", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
         "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}),
}


def test_get_resource_policy_without_policy_omits_member(sm, secret):
    resp = sm.get_resource_policy(SecretId=secret["Name"])
    assert h.members(resp) == {"ARN", "Name"}  # not an error, no ResourcePolicy
    assert resp["ARN"] == secret["ARN"] and resp["Name"] == secret["Name"]


def test_put_get_delete_round_trip(sm, secret, account_id):
    sid = secret["Name"]
    policy = private_policy(account_id)
    put = sm.put_resource_policy(SecretId=sid, ResourcePolicy=policy)
    assert h.members(put) == {"ARN", "Name"}
    assert put["ARN"] == secret["ARN"]
    got = sm.get_resource_policy(SecretId=secret["ARN"])
    assert h.members(got) == {"ARN", "Name", "ResourcePolicy"}
    assert isinstance(got["ResourcePolicy"], str)  # the JSON document as a string
    assert json.loads(got["ResourcePolicy"]) == json.loads(policy)
    deleted = sm.delete_resource_policy(SecretId=sid)
    assert h.members(deleted) == {"ARN", "Name"}
    assert h.members(sm.get_resource_policy(SecretId=sid)) == {"ARN", "Name"}


def test_put_replaces_previous_policy(sm, secret, account_id):
    sid = secret["Name"]
    sm.put_resource_policy(SecretId=sid, ResourcePolicy=private_policy(account_id))
    second = json.loads(private_policy(account_id))
    second["Statement"][0]["Action"] = "secretsmanager:DescribeSecret"
    sm.put_resource_policy(SecretId=sid, ResourcePolicy=json.dumps(second))
    assert json.loads(sm.get_resource_policy(SecretId=sid)["ResourcePolicy"]) == second


def test_delete_resource_policy_without_policy_succeeds(sm, secret):
    resp = sm.delete_resource_policy(SecretId=secret["Name"])
    assert h.members(resp) == {"ARN", "Name"}


def test_policy_does_not_touch_versions(sm, secret, account_id):
    before = sm.describe_secret(SecretId=secret["Name"])["VersionIdsToStages"]
    sm.put_resource_policy(SecretId=secret["Name"], ResourcePolicy=private_policy(account_id))
    assert sm.describe_secret(SecretId=secret["Name"])["VersionIdsToStages"] == before


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_malformed_policy_is_rejected_and_not_stored(sm, secret, kind):
    h.expect_error(lambda: sm.put_resource_policy(SecretId=secret["Name"], ResourcePolicy=MALFORMED[kind]),
                   "MalformedPolicyDocumentException")
    assert "ResourcePolicy" not in sm.get_resource_policy(SecretId=secret["Name"])


@pytest.mark.parametrize("kind", sorted(PUBLIC_POLICIES))
def test_block_public_policy_rejects_public_policy(sm, secret, kind):
    h.expect_error(lambda: sm.put_resource_policy(SecretId=secret["Name"],
                                                  ResourcePolicy=json.dumps(PUBLIC_POLICIES[kind]),
                                                  BlockPublicPolicy=True),
                   "PublicPolicyException")
    assert "ResourcePolicy" not in sm.get_resource_policy(SecretId=secret["Name"])


def test_block_public_policy_keeps_previous_policy(sm, secret, account_id):
    sid = secret["Name"]
    sm.put_resource_policy(SecretId=sid, ResourcePolicy=private_policy(account_id))
    h.expect_error(lambda: sm.put_resource_policy(SecretId=sid,
                                                  ResourcePolicy=json.dumps(PUBLIC_POLICIES["principal-star"]),
                                                  BlockPublicPolicy=True),
                   "PublicPolicyException")
    stored = sm.get_resource_policy(SecretId=sid)["ResourcePolicy"]
    assert json.loads(stored) == json.loads(private_policy(account_id))


def test_public_policy_is_accepted_without_block(sm, secret):
    """[doc] BlockPublicPolicy defaults to false."""
    policy = json.dumps(PUBLIC_POLICIES["principal-star"])
    sm.put_resource_policy(SecretId=secret["Name"], ResourcePolicy=policy)
    assert json.loads(sm.get_resource_policy(SecretId=secret["Name"])["ResourcePolicy"]) == json.loads(policy)


def test_block_public_policy_accepts_private_policy(sm, secret, account_id):
    sm.put_resource_policy(SecretId=secret["Name"], ResourcePolicy=private_policy(account_id),
                           BlockPublicPolicy=True)
    assert "ResourcePolicy" in sm.get_resource_policy(SecretId=secret["Name"])


def test_policy_over_20480_characters_is_a_validation_error(sm, secret):
    policy = " " * 20481
    resp = h.expect_error(lambda: sm.put_resource_policy(SecretId=secret["Name"], ResourcePolicy=policy),
                          "ValidationException")
    message = resp["Error"]["Message"]
    assert message.startswith("1 validation error detected: Value "), message
    assert message.endswith("at 'resourcePolicy' failed to satisfy constraint: "
                            "Member must have length less than or equal to 20480"), message


def test_put_resource_policy_requires_policy(sm_raw_params, secret):
    h.expect_error(lambda: sm_raw_params.put_resource_policy(SecretId=secret["Name"]),
                   "ValidationException",
                   h.validation_message(h.violation("resourcePolicy", h.NOT_NULL, None)))


# ---------------------------------------------------- ValidateResourcePolicy


def test_validate_valid_policy(sm, secret, account_id):
    resp = sm.validate_resource_policy(SecretId=secret["Name"], ResourcePolicy=private_policy(account_id))
    assert resp["PolicyValidationPassed"] is True
    assert resp.get("ValidationErrors", []) == []
    # Validation stores nothing.
    assert "ResourcePolicy" not in sm.get_resource_policy(SecretId=secret["Name"])


def test_validate_without_secret_id(sm, account_id):
    resp = sm.validate_resource_policy(ResourcePolicy=private_policy(account_id))
    assert resp["PolicyValidationPassed"] is True
    assert resp.get("ValidationErrors", []) == []


def test_validate_public_policy_fails_validation(sm, secret):
    # [inferred] PolicyValidationPassed false with {CheckName, ErrorMessage} entries.
    resp = sm.validate_resource_policy(SecretId=secret["Name"],
                                       ResourcePolicy=json.dumps(PUBLIC_POLICIES["principal-star"]))
    assert resp["PolicyValidationPassed"] is False
    assert resp["ValidationErrors"], resp
    for entry in resp["ValidationErrors"]:
        assert set(entry) <= {"CheckName", "ErrorMessage"}
        assert entry.get("CheckName")


@pytest.mark.parametrize("kind", ["not-json", "json-array"])
def test_validate_malformed_policy(sm, kind):
    h.expect_error(lambda: sm.validate_resource_policy(ResourcePolicy=MALFORMED[kind]),
                   "MalformedPolicyDocumentException")


def test_validate_with_unknown_secret(sm, account_id):
    missing = h.unique_name("missing")
    h.expect_error(lambda: sm.validate_resource_policy(SecretId=missing, ResourcePolicy=private_policy(account_id)),
                   "ResourceNotFoundException", h.MSG_NOT_FOUND)
