"""SigV4 verification (reference section 2, security.md section 6): requests are
signed with botocore's signer and then tampered with. Every rejected request
is a PutSecretValue with its own token, so "nothing changed" is checked by
looking for that version afterwards."""

import datetime as dt
import re

import pytest

import smharness as h

AUTH_ERROR_CODES = {"InvalidSignatureException", "IncompleteSignatureException",
                    "MissingAuthenticationTokenException", "UnrecognizedClientException",
                    "AccessDeniedException"}


@pytest.fixture
def write(secret):
    """A PutSecretValue body for the fixture secret with a fresh token."""
    tok = h.token()
    return tok, {"SecretId": secret["Name"], "ClientRequestToken": tok, "SecretString": "attacker"}


def assert_nothing_written(sm, secret, before, tok):
    h.expect_error(lambda: sm.get_secret_value(SecretId=secret["Name"], VersionId=tok),
                   "ResourceNotFoundException", h.msg_no_version(tok))
    assert h.state_of(sm, secret["Name"]) == before
    assert sm.get_secret_value(SecretId=secret["Name"])["SecretString"] == secret["Value"]


def assert_auth_error_body(resp):
    """[AWS] front-door (auth) errors carry a lowercase `message`, unlike the
    service's own errors (trap 18)."""
    body = resp.json
    assert "__type" in body, resp
    assert "message" in body, resp


@pytest.fixture
def before(sm, secret):
    return h.state_of(sm, secret["Name"])


def test_correctly_signed_raw_request_is_accepted(raw, sm, secret, write):
    """Control for everything below: the untampered request works."""
    tok, body = write
    resp = raw.call("PutSecretValue", body)
    assert resp.status == 200, resp
    assert sm.get_secret_value(SecretId=secret["Name"], VersionId=tok)["SecretString"] == "attacker"


def test_wrong_secret_key_is_invalid_signature(raw, sm, secret, before, write):
    tok, body = write
    resp = raw.call("PutSecretValue", body, secret_access_key="not-the-right-secret-key-0000000000000000")
    h.assert_raw_error(resp, "InvalidSignatureException", h.MSG_BAD_SIGNATURE)
    assert_auth_error_body(resp)
    assert_nothing_written(sm, secret, before, tok)


def test_unknown_access_key_is_unrecognized_client(raw, sm, secret, before, write):
    tok, body = write
    resp = raw.call("PutSecretValue", body, access_key_id="AKIAUNKNOWNKEY000000",
                    secret_access_key="whatever-secret")
    h.assert_raw_error(resp, "UnrecognizedClientException", h.MSG_UNKNOWN_ACCESS_KEY)
    assert_auth_error_body(resp)
    assert_nothing_written(sm, secret, before, tok)


def test_unknown_access_key_through_boto3(endpoint, name):
    bad = h.make_client(h.Endpoint(endpoint.url, "AKIAUNKNOWNKEY000001", "nope"))
    h.expect_error(lambda: bad.create_secret(Name=name, SecretString="x"),
                   "UnrecognizedClientException", h.MSG_UNKNOWN_ACCESS_KEY)


def test_wrong_secret_key_through_boto3(endpoint, sm, name):
    bad = h.make_client(h.Endpoint(endpoint.url, endpoint.access_key_id, "wrong" * 8))
    h.expect_error(lambda: bad.create_secret(Name=name, SecretString="x"),
                   "InvalidSignatureException", h.MSG_BAD_SIGNATURE)
    h.expect_error(lambda: sm.describe_secret(SecretId=name), "ResourceNotFoundException")


def test_invalid_session_token_is_unrecognized_client(raw, sm, secret, before, write):
    # A permanent key presented with a security token that Tresor never issued.
    tok, body = write
    resp = raw.call("PutSecretValue", body, session_token="FQoGZXIvYXdzEBogus//token==")
    h.assert_raw_error(resp, "UnrecognizedClientException", h.MSG_UNKNOWN_ACCESS_KEY)
    assert_nothing_written(sm, secret, before, tok)


def test_body_tampered_after_signing(raw, sm, secret, before, write):
    tok, body = write
    req = raw.build("PutSecretValue", body)
    raw.sign(req)
    req.data = req.data.replace(b'"attacker"', b'"tampered"')
    resp = raw.send(req)
    h.assert_raw_error(resp, "InvalidSignatureException", h.MSG_BAD_SIGNATURE)
    assert_auth_error_body(resp)
    assert_nothing_written(sm, secret, before, tok)


def test_target_tampered_after_signing(raw, sm, secret, before):
    # A signed GetSecretValue replayed as DeleteSecret with the same body.
    req = raw.build("GetSecretValue", {"SecretId": secret["Name"]})
    raw.sign(req)
    req.headers.replace_header("X-Amz-Target", "secretsmanager.DeleteSecret")
    resp = raw.send(req)
    h.assert_raw_error(resp, "InvalidSignatureException", h.MSG_BAD_SIGNATURE)
    assert h.state_of(sm, secret["Name"]) == before


def test_signature_over_other_host_is_rejected(raw, sm, secret, before, write):
    tok, body = write
    req = raw.build("PutSecretValue", body)
    req.url = req.url.replace("127.0.0.1", "secretsmanager.us-east-1.amazonaws.com")
    raw.sign(req)
    resp = raw.send(req)  # sent with the real Host header
    h.assert_raw_error(resp, "InvalidSignatureException", h.MSG_BAD_SIGNATURE)
    assert_nothing_written(sm, secret, before, tok)


def expired_pattern():
    ts = r"(\d{8}T\d{6}Z)"
    return re.compile(rf"^Signature expired: {ts} is now earlier than {ts} \({ts} - 5 min\.\)$")


def not_yet_pattern():
    ts = r"(\d{8}T\d{6}Z)"
    return re.compile(rf"^Signature not yet current: {ts} is still later than {ts} \({ts} \+ 5 min\.\)$")


def test_request_signed_six_minutes_ago_is_expired(raw, sm, secret, before, write):
    tok, body = write
    when = h.utcnow() - dt.timedelta(minutes=6)
    resp = raw.call("PutSecretValue", body, when=when)
    h.assert_raw_error(resp, "InvalidSignatureException", prefix="Signature expired: ")
    m = expired_pattern().match(resp.message)
    assert m, resp.message
    assert m.group(1) == when.strftime("%Y%m%dT%H%M%SZ")
    assert_nothing_written(sm, secret, before, tok)


def test_request_signed_six_minutes_ahead_is_not_yet_current(raw, sm, secret, before, write):
    tok, body = write
    when = h.utcnow() + dt.timedelta(minutes=6)
    resp = raw.call("PutSecretValue", body, when=when)
    h.assert_raw_error(resp, "InvalidSignatureException", prefix="Signature not yet current: ")
    m = not_yet_pattern().match(resp.message)
    assert m, resp.message
    assert m.group(1) == when.strftime("%Y%m%dT%H%M%SZ")
    assert_nothing_written(sm, secret, before, tok)


@pytest.mark.parametrize("minutes", [-4, 4])
def test_clock_skew_within_five_minutes_is_accepted(raw, sm, secret, write, minutes):
    tok, body = write
    resp = raw.call("PutSecretValue", body, when=h.utcnow() + dt.timedelta(minutes=minutes))
    assert resp.status == 200, resp
    assert sm.get_secret_value(SecretId=secret["Name"], VersionId=tok)["SecretString"] == "attacker"


def test_unsigned_target_header_is_rejected(raw, sm, secret, before, write):
    """x-amz-target present but left out of SignedHeaders (then re-signed):
    the operation would not be bound to the signature."""
    tok, body = write
    req = raw.build("PutSecretValue", body)
    raw.sign(req, unsigned=["x-amz-target"])
    assert "x-amz-target" not in req.headers["Authorization"]
    resp = raw.send(req)
    h.assert_raw_error(resp, None, codes=AUTH_ERROR_CODES)
    assert_nothing_written(sm, secret, before, tok)


def test_unsigned_host_header_is_rejected(raw, sm, secret, before, write):
    tok, body = write
    req = raw.build("PutSecretValue", body)
    raw.sign(req, unsigned=["host"])
    resp = raw.send(req)
    h.assert_raw_error(resp, None, codes=AUTH_ERROR_CODES)
    assert_nothing_written(sm, secret, before, tok)


def test_no_authorization_header_is_missing_authentication_token(raw, sm, secret, before, write):
    tok, body = write
    resp = raw.send(raw.build("PutSecretValue", body))
    h.assert_raw_error(resp, "MissingAuthenticationTokenException", h.MSG_MISSING_AUTH)
    assert_auth_error_body(resp)
    assert_nothing_written(sm, secret, before, tok)


def test_authorization_without_signature_is_incomplete(raw, sm, secret, before, write):
    tok, body = write
    req = raw.build("PutSecretValue", body)
    raw.sign(req)
    auth = req.headers["Authorization"]
    req.headers.replace_header("Authorization", auth[: auth.index(", Signature=")])
    resp = raw.send(req)
    h.assert_raw_error(resp, "IncompleteSignatureException",
                       prefix="Authorization header requires 'Signature' parameter.")
    assert_nothing_written(sm, secret, before, tok)


def test_credential_scoped_to_another_service(raw, sm, secret, before, write):
    tok, body = write
    resp = raw.call("PutSecretValue", body, service="kms")
    h.assert_raw_error(resp, "InvalidSignatureException",
                       prefix="Credential should be scoped to correct service: 'secretsmanager'.")
    assert_nothing_written(sm, secret, before, tok)


def test_scope_date_differing_from_x_amz_date(raw, sm, secret, before, write):
    tok, body = write
    req = raw.build("PutSecretValue", body)
    raw.sign(req)
    # Move X-Amz-Date to another day (same time): the scope date no longer matches.
    stamp = req.headers["X-Amz-Date"]
    other = (dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ") - dt.timedelta(days=1)).strftime("%Y%m%dT%H%M%SZ")
    req.headers.replace_header("X-Amz-Date", other)
    resp = raw.send(req)
    assert resp.status == 400, resp
    assert resp.code in {"InvalidSignatureException", "IncompleteSignatureException"}, resp
    assert_nothing_written(sm, secret, before, tok)


def test_unsupported_algorithm_is_rejected(raw, sm, secret, before, write):
    tok, body = write
    req = raw.build("PutSecretValue", body)
    raw.sign(req)
    auth = req.headers["Authorization"].replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512", 1)
    req.headers.replace_header("Authorization", auth)
    resp = raw.send(req)
    h.assert_raw_error(resp, None, codes=AUTH_ERROR_CODES)
    assert_nothing_written(sm, secret, before, tok)


def test_region_in_scope_selects_the_backend(raw, sm, client_for, name):
    """The credential scope's region is the region: the same key signs for
    any region and each region is its own namespace."""
    tok = h.token()
    resp = raw.call("CreateSecret", {"Name": name, "SecretString": "in eu-central-1",
                                     "ClientRequestToken": tok}, region="eu-central-1")
    assert resp.status == 200, resp
    assert ":eu-central-1:" in resp.json["ARN"]
    assert client_for("eu-central-1").get_secret_value(SecretId=name)["SecretString"] == "in eu-central-1"
    h.expect_error(lambda: sm.describe_secret(SecretId=name), "ResourceNotFoundException")


def test_replayed_write_has_no_second_effect(raw, sm, secret):
    """security.md S6: a captured PutSecretValue replayed inside the window is
    answered idempotently and creates no second version."""
    tok = h.token()
    req = raw.build("PutSecretValue", {"SecretId": secret["Name"], "ClientRequestToken": tok,
                                       "SecretString": "once"})
    raw.sign(req)
    first = raw.send(req)
    assert first.status == 200, first
    replay = raw.send(req)
    assert replay.status in {200, 400}, replay
    versions = h.list_versions(sm, secret["Name"], include_deprecated=True)
    assert sorted(v["VersionId"] for v in versions) == sorted([secret["VersionId"], tok])
    assert sm.get_secret_value(SecretId=secret["Name"])["SecretString"] == "once"


def test_health_needs_no_signature(endpoint):
    import urllib.request
    with urllib.request.urlopen(endpoint.url + "/health", timeout=5) as r:
        assert r.status == 200
