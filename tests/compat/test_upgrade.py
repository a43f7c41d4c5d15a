"""Upgrades, driven as an operator does them: stop the old release, start
the new binary on the same data directory.

Each fixtures/datadir-schema-v<N>.tar.gz is a data directory written by the
release that had schema version N (fixtures/make_datadir_fixture.py, with
what it served recorded next to it). The current binary must migrate it,
serve every secret, version, label, tag, policy, key and identity exactly
as before, take new writes, record the migration, and keep a verifiable
audit trail. A data directory from a newer release is refused, untouched.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import sqlite3
import tarfile
import time
from pathlib import Path

import pytest

import datadir_snapshot as snap
import smharness as h

pytestmark = pytest.mark.persistent

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"


def fixture_version(path: Path) -> int:
    return int(path.name.removeprefix("datadir-schema-v").removesuffix(".tar.gz"))


FIXTURES = sorted(FIXTURES_DIR.glob("datadir-schema-v*.tar.gz"), key=fixture_version)


def unpack(fixture: Path, into: Path) -> Path:
    with tarfile.open(fixture) as tar:
        tar.extractall(into, filter="data")
    return into / "data"


def migrations(db: Path) -> dict:
    """schema_migrations: version -> (name, applied_ms)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT version, name, applied_ms FROM schema_migrations").fetchall()
    finally:
        conn.close()
    return {v: (name, applied) for v, name, applied in rows}


def now_ms() -> int:
    return int(time.time() * 1000)


def tresor(binary: str, ep: h.Endpoint, *args: str) -> str:
    out = h.run_tresor(binary, *args, env=h.credentials_env(ep, AWS_ENDPOINT_URL=ep.url),
                       timeout=120)
    assert out.returncode == 0, h.describe_run(out)
    return out.stdout


def check_identities(ep: h.Endpoint, facts: dict) -> None:
    """The IAM user's stored access key still signs, and its identity policy,
    group policy, the resource policy and the role's trust policy still
    decide as they did."""
    user = ep.with_credentials(facts["user"]["access_key_id"], facts["user"]["secret_access_key"])
    sm = h.make_client(user)
    assert h.make_client(user, service="sts").get_caller_identity()["Arn"] == facts["user"]["arn"]
    for arn in facts["user_may_read"]:
        assert sm.get_secret_value(SecretId=arn)["ARN"] == arn
    for arn in facts["user_may_not_read"]:
        h.expect_denied(lambda: sm.get_secret_value(SecretId=arn), facts["user"]["arn"],
                        "secretsmanager:GetSecretValue", arn)
    assert len(h.list_all_secrets(sm)) >= len(facts["user_may_read"])  # the group's policy
    session = h.make_client(user, service="sts").assume_role(
        RoleArn=facts["role_arn"], RoleSessionName="after-upgrade")["Credentials"]
    deployer = ep.with_credentials(session["AccessKeyId"], session["SecretAccessKey"],
                                   session["SessionToken"])
    h.make_client(deployer).describe_secret(SecretId=facts["user_may_read"][0])

    old = facts["session"]
    stored = h.make_client(ep.with_credentials(old["access_key_id"], old["secret_access_key"],
                                               old["session_token"]), service="sts")
    if h.utcnow() < dt.datetime.fromisoformat(old["expiration"]) - dt.timedelta(seconds=30):
        assert stored.get_caller_identity()["Arn"] == old["arn"]
    else:
        # Refused as expired, or as unknown once the maintenance loop has
        # forgotten the expired session.
        h.expect_error(stored.get_caller_identity, None, status=403,
                       codes=("ExpiredToken", "InvalidClientTokenId"))


def check_kms(ep: h.Endpoint, facts: dict) -> None:
    """A ciphertext a client kept from before the upgrade still decrypts;
    the alias still encrypts."""
    kms = h.make_client(ep, service="kms")
    out = kms.decrypt(CiphertextBlob=base64.b64decode(facts["kms"]["ciphertext_b64"]),
                      EncryptionContext=snap.KMS_CONTEXT)
    assert out["Plaintext"] == base64.b64decode(facts["kms"]["plaintext_b64"])
    assert out["KeyId"].endswith(facts["kms"]["key_id"])
    blob = kms.encrypt(KeyId=facts["kms"]["alias"], Plaintext=b"after the upgrade")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"after the upgrade"


def check_writes(ep: h.Endpoint) -> None:
    """New secrets, new versions of old ones, label moves and restoring the
    scheduled deletion all work on migrated rows."""
    sm = h.make_client(ep)
    name = h.unique_name("after-upgrade")
    sm.create_secret(Name=name, SecretString="written-after-the-upgrade", KmsKeyId="alias/fixture/app")
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "written-after-the-upgrade"
    old = sm.describe_secret(SecretId="app/db-password")
    previous_current = next(v for v, s in old["VersionIdsToStages"].items() if "AWSCURRENT" in s)
    put = sm.put_secret_value(SecretId="app/db-password", SecretString="v5-after-the-upgrade")
    versions = {v["VersionId"]: v.get("VersionStages", [])
                for v in h.list_versions(sm, "app/db-password", include_deprecated=True)}
    assert versions[put["VersionId"]] == ["AWSCURRENT"]
    assert versions[previous_current] == ["AWSPREVIOUS"]
    sm.update_secret_version_stage(SecretId="app/db-password", VersionStage="blue",
                                   MoveToVersionId=put["VersionId"],
                                   RemoveFromVersionId=next(
                                       v for v, s in versions.items() if "blue" in s))
    sm.restore_secret(SecretId="old/retired")
    assert sm.get_secret_value(SecretId="old/retired")["SecretString"] == \
        "retired-value-kept-for-recovery"
    sm.tag_resource(SecretId="app/tls-key.der", Tags=[{"Key": "after", "Value": "upgrade"}])
    assert {"Key": "after", "Value": "upgrade"} in sm.describe_secret(SecretId="app/tls-key.der")["Tags"]


def check_audit(binary: str, ep: h.Endpoint, workdir: Path, upgraded: bool,
                started_ms: int) -> None:
    """The exported trail verifies offline and the stored one online. A data
    directory from before the audit trail starts its trail at the upgrade;
    one that had a trail continues it across the binary change."""
    path = workdir / "audit.jsonl"
    tresor(binary, ep, "audit", "export", "--output", str(path))
    events = [json.loads(line)["event"] for line in path.read_text().splitlines()
              if line.startswith('{"seq"')]
    assert events, "no audit events after the upgrade"
    key = tresor(binary, ep, "audit", "public-key").strip()
    assert "sound" in tresor(binary, ep, "audit", "verify", str(path), "--public-key", key)
    assert "sound" in tresor(binary, ep, "audit", "verify", "--online")
    first_ms = dt.datetime.fromisoformat(events[0]["eventTime"]).timestamp() * 1000
    if upgraded:
        assert first_ms >= started_ms - 1000, f"the trail starts before the upgrade: {events[0]}"
    else:
        assert first_ms < started_ms, "the fixture's own audit events are gone"


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.name for p in FIXTURES])
def test_a_data_directory_from_an_earlier_schema_upgrades_and_serves(
        persistent_supported, tmp_path, fixture):
    expected = json.loads(fixture.with_name(fixture.name.removesuffix(".tar.gz") + ".json")
                          .read_text())
    data = unpack(fixture, tmp_path)
    db = data / "tresor.db"
    before = migrations(db)
    assert max(before) == expected["schema_version"] == fixture_version(fixture)
    had_audit_trail = expected["schema_version"] >= 3

    started_ms = now_ms()
    server = h.persistent_server(persistent_supported, data, tmp_path)
    server.start()
    try:
        ep = h.Endpoint(server.endpoint, *h.read_admin_credentials(data))
        snap.assert_preserved(expected["snapshot"], snap.snapshot(ep))
        check_identities(ep, expected["facts"])
        check_kms(ep, expected["facts"])
        check_writes(ep)
        check_audit(persistent_supported, ep, tmp_path, not had_audit_trail, started_ms)
    finally:
        code = server.stop()
    assert code == 0, server.log_tail()
    stopped_ms = now_ms()

    after = migrations(db)
    latest = max(after)
    assert sorted(after) == list(range(1, latest + 1)), after
    assert {v: after[v] for v in before} == before, "a recorded migration was rewritten"
    for version in set(after) - set(before):
        assert started_ms <= after[version][1] <= stopped_ms, (version, after[version])
    log = server.log_path.read_text()
    upgrade_line = f"upgraded the database schema from version {max(before)} to {latest}"
    if latest > max(before):
        assert upgrade_line in log, server.log_tail()
        for version in range(max(before) + 1, latest + 1):
            assert f"applied schema migration {version} ({after[version][0]})" in log, log
    else:
        assert "upgraded the database schema" not in log, server.log_tail()
        assert "applied schema migration" not in log, server.log_tail()
    if not had_audit_trail:
        assert latest >= 3


def file_hashes(directory: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in directory.iterdir()}


def test_a_data_directory_from_a_newer_release_is_refused_untouched(
        persistent_supported, tmp_path):
    # The newest fixture, brought to this build's schema first, so that
    # "the version this build knows" is what the database says.
    data = unpack(FIXTURES[-1], tmp_path)
    first = h.persistent_server(persistent_supported, data, tmp_path, log_name="first.log")
    first.start()
    assert first.stop() == 0, first.log_tail()
    known = max(migrations(data / "tresor.db"))
    conn = sqlite3.connect(data / "tresor.db")
    with conn:
        conn.execute("INSERT INTO schema_migrations (version, name, applied_ms) "
                     "VALUES (999, 'from the future', 0)")
    conn.close()
    before = file_hashes(data)

    newer = h.persistent_server(persistent_supported, data, tmp_path, log_name="refused.log")
    with pytest.raises(h.ServerStartError) as refused:
        newer.start()
    assert newer.proc.returncode not in (0, None), newer.log_tail()
    log = newer.log_path.read_text()
    assert f"schema version 999, newer than this build of Tresor knows ({known})" in log, log
    assert str(data / "tresor.db") in log, log
    assert "panicked" not in log, log
    assert file_hashes(data) == before, "the refused data directory was changed"
    assert "exited with" in str(refused.value)
