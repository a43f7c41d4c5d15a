"""Secret values never leave the one response that asked for them: a server
at the most verbose log level is driven through every path that touches a
value — writes, reads, idempotent retries, label moves, replication, bad
requests that carry the value — and afterwards neither its log (stdout and
stderr) nor any file of its data directory contains a canary in any
encoding we send it in."""

import base64
import json
import uuid

import pytest

import smharness as h

pytestmark = pytest.mark.persistent


def encodings(value: bytes) -> list:
    return [value, base64.b64encode(value), json.dumps(value.decode("latin-1"))[1:-1].encode()]


def test_no_canary_in_logs_or_data_directory(persistent_supported, tmp_path):
    canary = f"CANARY-{uuid.uuid4().hex}"
    binary_canary = f"BINARY-CANARY-{uuid.uuid4().hex}".encode()
    data_dir = tmp_path / "data"
    server = h.persistent_server(persistent_supported, data_dir, tmp_path)
    server.args += ["--log-level", "trace"]
    server.start()
    try:
        akid, secret_key = h.read_admin_credentials(data_dir)
        ep = h.Endpoint(server.endpoint, akid, secret_key)
        sm = h.make_client(ep)
        raw = h.RawClient(ep)
        name = h.unique_name("canary")
        token = h.token()
        sm.create_secret(Name=name, SecretString=canary, ClientRequestToken=token)
        # An idempotent retry, and a conflicting one whose error names the token.
        sm.create_secret(Name=name, SecretString=canary, ClientRequestToken=token)
        h.expect_error(lambda: sm.put_secret_value(SecretId=name, SecretString=canary + "-x",
                                                   ClientRequestToken=token),
                       "ResourceExistsException")
        sm.put_secret_value(SecretId=name, SecretBinary=binary_canary, VersionStages=["AWSPENDING"])
        sm.update_secret(SecretId=name, SecretString=canary + "-2")
        assert sm.get_secret_value(SecretId=name)["SecretString"] == canary + "-2"
        sm.batch_get_secret_value(SecretIdList=[name, h.unique_name("missing")])
        sm.replicate_secret_to_regions(SecretId=name, AddReplicaRegions=[{"Region": "eu-west-1"}])
        h.make_client(ep, "eu-west-1").get_secret_value(SecretId=name)
        # Bad requests that carry the value: too long, wrong type, bad JSON,
        # duplicate members, unknown operation, wrong signature.
        raw.call("PutSecretValue", {"SecretId": name, "ClientRequestToken": h.token(),
                                    "SecretString": canary * 2000})
        raw.call("PutSecretValue", {"SecretId": name, "ClientRequestToken": h.token(),
                                    "SecretString": [canary]})
        raw.call("PutSecretValue", '{"SecretId": "%s", "SecretString": "%s"' % (name, canary))
        raw.call("PutSecretValue", '{"SecretString": "%s", "SecretString": "%s"}' % (canary, canary))
        raw.call("NoSuchOperation", {"SecretString": canary})
        raw.call("CreateSecret", {"Name": canary + "-name!", "SecretString": canary})
        raw.call("GetSecretValue", {"SecretId": name}, secret_access_key="wrong-" + canary)
    finally:
        server.stop()

    needles = encodings(canary.encode()) + encodings(binary_canary)
    log = server.log_path.read_bytes()
    assert b"TRACE" in log or b"DEBUG" in log or b"INFO" in log, "the server logged nothing"
    for needle in needles:
        assert needle not in log, f"the server log contains a secret value ({needle[:20]!r}…)"
    scanned = 0
    for path in data_dir.rglob("*"):
        if path.is_file():
            scanned += 1
            content = path.read_bytes()
            for needle in needles:
                assert needle not in content, f"{path.name} contains a secret value in clear"
    assert scanned >= 3
