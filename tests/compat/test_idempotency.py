"""ClientRequestToken idempotency (reference 3.5) for CreateSecret,
PutSecretValue, UpdateSecret and RotateSecret, including raw requests that
carry no token at all (SDKs always send one)."""

import pytest

import smharness as h


def version_ids(sm, sid):
    return {v["VersionId"] for v in h.list_versions(sm, sid, include_deprecated=True)}


# ------------------------------------------------------------- CreateSecret


def test_create_same_token_same_value_returns_identical_response(sm, name):
    """[AWS] test_create_duplicate_secret_with_same_token."""
    tok = h.token()
    first = sm.create_secret(Name=name, SecretString="Hello", ClientRequestToken=tok)
    second = sm.create_secret(Name=name, SecretString="Hello", ClientRequestToken=tok)
    first.pop("ResponseMetadata")
    second.pop("ResponseMetadata")
    assert first == second
    assert first["VersionId"] == tok
    assert version_ids(sm, name) == {tok}


def test_create_same_token_different_value_is_resource_exists(sm, name):
    """[AWS] test_create_different_secret_with_same_token."""
    tok = h.token()
    arn = sm.create_secret(Name=name, SecretString="Hello", ClientRequestToken=tok)["ARN"]
    h.expect_error(lambda: sm.create_secret(Name=name, SecretString="Hi", ClientRequestToken=tok),
                   "ResourceExistsException", h.msg_token_in_use(tok, arn))
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "Hello"


def test_create_same_token_binary_instead_of_string_is_resource_exists(sm, name):
    tok = h.token()
    arn = sm.create_secret(Name=name, SecretString="Hello", ClientRequestToken=tok)["ARN"]
    h.expect_error(lambda: sm.create_secret(Name=name, SecretBinary=b"Hello", ClientRequestToken=tok),
                   "ResourceExistsException", h.msg_token_in_use(tok, arn))


def test_create_existing_name_with_fresh_token_is_already_exists(sm, name):
    """[AWS] test_create_duplicate_secret_without_specifying_token: what every
    SDK retry without an explicit token looks like."""
    sm.create_secret(Name=name, SecretString="Hello")
    h.expect_error(lambda: sm.create_secret(Name=name, SecretString="Hello"),
                   "ResourceExistsException", h.msg_exists(name))
    assert len(version_ids(sm, name)) == 1


# ----------------------------------------------------------- PutSecretValue


def test_put_with_create_token_and_same_value_is_a_no_op(sm, name):
    """[AWS] test_put_same_secret_value_with_same_token."""
    tok = h.token()
    created = sm.create_secret(Name=name, SecretString="Hello", ClientRequestToken=tok)
    created.pop("ResponseMetadata")
    put = sm.put_secret_value(SecretId=created["ARN"], SecretString="Hello", ClientRequestToken=tok)
    put.pop("ResponseMetadata")
    assert put.pop("VersionStages") == ["AWSCURRENT"]
    assert put == created
    assert version_ids(sm, name) == {tok}


def test_put_same_token_different_value_is_resource_exists(sm, name):
    """[AWS] test_put_different_secret_value_with_same_token."""
    tok = h.token()
    arn = sm.create_secret(Name=name, SecretString="Hello", ClientRequestToken=tok)["ARN"]
    before = h.state_of(sm, name)
    h.expect_error(lambda: sm.put_secret_value(SecretId=arn, SecretString="Hi", ClientRequestToken=tok),
                   "ResourceExistsException", h.msg_token_in_use(tok, arn))
    assert h.state_of(sm, name) == before


def test_put_retry_is_a_no_op_that_reports_current_stages(sm, secret):
    """A retried PutSecretValue does not move labels back; it answers the
    version's labels as they are now."""
    sid, v1 = secret["Name"], secret["VersionId"]
    t2 = h.token()
    first = sm.put_secret_value(SecretId=sid, SecretString="two", ClientRequestToken=t2)
    assert first["VersionStages"] == ["AWSCURRENT"]
    t3 = h.token()
    sm.put_secret_value(SecretId=sid, SecretString="three", ClientRequestToken=t3)
    retry = sm.put_secret_value(SecretId=sid, SecretString="two", ClientRequestToken=t2)
    assert retry["VersionId"] == t2
    assert retry["VersionStages"] == ["AWSPREVIOUS"]
    h.assert_labels(sm, sid, {v1: [], t2: ["AWSPREVIOUS"], t3: ["AWSCURRENT"]})


def test_put_retry_with_binary_value(sm, secret):
    sid = secret["Name"]
    tok = h.token()
    data = b"\x00\x01\x02"
    sm.put_secret_value(SecretId=sid, SecretBinary=data, ClientRequestToken=tok)
    again = sm.put_secret_value(SecretId=sid, SecretBinary=data, ClientRequestToken=tok)
    assert again["VersionId"] == tok
    h.expect_error(lambda: sm.put_secret_value(SecretId=sid, SecretBinary=b"\x00\x01\x03",
                                               ClientRequestToken=tok),
                   "ResourceExistsException", h.msg_token_in_use(tok, secret["ARN"]))
    h.expect_error(lambda: sm.put_secret_value(SecretId=sid, SecretString="\x00\x01\x02",
                                               ClientRequestToken=tok),
                   "ResourceExistsException", h.msg_token_in_use(tok, secret["ARN"]))
    assert sm.get_secret_value(SecretId=sid)["SecretBinary"] == data


def test_tokens_are_scoped_to_one_secret(sm, secret, name):
    other = name + "/other"
    sm.create_secret(Name=other, SecretString="x")
    resp = sm.put_secret_value(SecretId=other, SecretString="y", ClientRequestToken=secret["VersionId"])
    assert resp["VersionId"] == secret["VersionId"]
    assert sm.get_secret_value(SecretId=other)["SecretString"] == "y"
    assert sm.get_secret_value(SecretId=secret["Name"])["SecretString"] == secret["Value"]


def test_any_32_to_64_character_token_becomes_the_version_id(sm, secret):
    for tok in ("t" * 32, "token-" + "0123456789" * 5 + "abcdefgh"):
        assert 32 <= len(tok) <= 64
        resp = sm.put_secret_value(SecretId=secret["Name"], SecretString=tok, ClientRequestToken=tok)
        assert resp["VersionId"] == tok
        assert sm.get_secret_value(SecretId=secret["Name"], VersionId=tok)["SecretString"] == tok


def test_token_shorter_than_32_is_a_validation_error(sm_raw_params, secret):
    short = "too-short-token"
    before = h.state_of(sm_raw_params, secret["Name"])
    h.expect_error(lambda: sm_raw_params.put_secret_value(SecretId=secret["Name"], SecretString="x",
                                                          ClientRequestToken=short),
                   "ValidationException",
                   h.validation_message(h.violation("clientRequestToken", h.min_len(32), short)))
    assert h.state_of(sm_raw_params, secret["Name"]) == before


def test_token_longer_than_64_is_a_validation_error(sm, secret):
    long = "L" * 65
    h.expect_error(lambda: sm.put_secret_value(SecretId=secret["Name"], SecretString="x",
                                               ClientRequestToken=long),
                   "ValidationException",
                   h.validation_message(h.violation("clientRequestToken", h.max_len(64), long)))


# ------------------------------------------------------------- UpdateSecret


def test_update_same_token_same_value_returns_the_token(sm, name):
    """[AWS] test_update_same_secret_value_with_same_token."""
    tok = h.token()
    sm.create_secret(Name=name, SecretString="Hello", ClientRequestToken=tok)
    resp = sm.update_secret(SecretId=name, SecretString="Hello", ClientRequestToken=tok)
    assert resp["VersionId"] == tok
    assert version_ids(sm, name) == {tok}
    h.assert_labels(sm, name, {tok: ["AWSCURRENT"]})


def test_update_same_token_different_value_is_resource_exists(sm, name):
    """[AWS] test_update_different_secret_value_with_same_token."""
    tok = h.token()
    arn = sm.create_secret(Name=name, SecretString="Hello", ClientRequestToken=tok)["ARN"]
    h.expect_error(lambda: sm.update_secret(SecretId=arn, SecretString="Hi", ClientRequestToken=tok),
                   "ResourceExistsException", h.msg_token_in_use(tok, arn))
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "Hello"


# ------------------------------------------------ raw requests without token


NO_TOKEN_BODY = {"SecretString": "thisisthesecret", "Description": "My secret string"}


def assert_no_token_error(resp, code="InvalidRequestException"):
    h.assert_raw_error(resp, code, h.MSG_NO_TOKEN)


def test_raw_create_secret_without_token(raw, sm, name):
    """[AWS] test_no_client_request_token[CreateSecret]."""
    resp = raw.call("CreateSecret", dict(NO_TOKEN_BODY, Name=name))
    assert_no_token_error(resp)
    h.expect_error(lambda: sm.describe_secret(SecretId=name), "ResourceNotFoundException")


@pytest.mark.parametrize("op", ["PutSecretValue", "UpdateSecret"])
def test_raw_write_without_token_on_missing_secret(raw, name, op):
    """[AWS] the token check runs before the existence check."""
    assert_no_token_error(raw.call(op, dict(NO_TOKEN_BODY, SecretId=name)))


@pytest.mark.parametrize("op", ["PutSecretValue", "UpdateSecret"])
def test_raw_write_without_token_on_existing_secret(raw, sm, secret, op):
    before = h.state_of(sm, secret["Name"])
    assert_no_token_error(raw.call(op, dict(NO_TOKEN_BODY, SecretId=secret["Name"])))
    assert h.state_of(sm, secret["Name"]) == before
    assert sm.get_secret_value(SecretId=secret["Name"])["SecretString"] == secret["Value"]


def test_raw_rotate_secret_without_token(raw, name):
    """[AWS] test_no_client_request_token[RotateSecret]: same message, but AWS
    answers InvalidParameterException for RotateSecret (recorded 2023-05)."""
    assert_no_token_error(raw.call("RotateSecret", dict(NO_TOKEN_BODY, SecretId=name)),
                          code="InvalidParameterException")


def test_raw_rotate_secret_without_token_on_existing_secret(raw, sm, secret):
    before = h.state_of(sm, secret["Name"])
    resp = raw.call("RotateSecret", {"SecretId": secret["Name"],
                                     "RotationLambdaARN": "arn:aws:lambda:us-east-1:123456789012:function:x"})
    assert_no_token_error(resp, code="InvalidParameterException")
    assert h.state_of(sm, secret["Name"]) == before


def test_raw_write_with_token_succeeds(raw, sm, secret):
    """Control: the same raw request with a token is accepted."""
    tok = h.token()
    resp = raw.call("PutSecretValue", {"SecretId": secret["Name"], "SecretString": "raw",
                                       "ClientRequestToken": tok})
    assert resp.status == 200, resp
    assert resp.json["VersionId"] == tok
    assert resp.headers.get("content-type", "").startswith(h.JSON_CT)
    assert sm.get_secret_value(SecretId=secret["Name"])["SecretString"] == "raw"
