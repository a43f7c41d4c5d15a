"""`tresor export` / `tresor import`: bulk moves between servers — .env
files and JSON documents, encrypted with age (passphrase), values,
descriptions and tags kept — and an import of 1,000 secrets that resumes
after being killed, creating nothing twice."""

from __future__ import annotations

import json
import os
import secrets as _secrets
import signal
import stat
import subprocess
import time

import pytest

import smharness as h
from test_exec import env_for


def tresor(ep, *args, env_extra=None, input=None, timeout=120):
    return subprocess.run([os.environ["TRESOR_BIN"], *args], env=env_for(ep, **(env_extra or {})),
                          capture_output=True, timeout=timeout, input=input)


def listed(sm, prefix: str) -> list:
    found = []
    for page in sm.get_paginator("list_secrets").paginate(
            Filters=[{"Key": "name", "Values": [prefix]}]):
        found += [s for s in page["SecretList"] if s["Name"].startswith(prefix)]
    return found


@pytest.fixture
def second_server(tmp_path):
    """An empty server to import into."""
    akid, secret = "AKIAIMPORTTARGET0001", _secrets.token_urlsafe(30)[:40]
    server = h.dev_server(os.environ["TRESOR_BIN"], tmp_path, akid, secret,
                          log_name="import-target.log").start()
    yield h.Endpoint(server.endpoint, akid, secret)
    server.stop()


def test_an_encrypted_export_moves_secrets_to_another_server(endpoint, second_server, tmp_path):
    sm = h.make_client(endpoint)
    prefix = h.unique_name("bulk/") + "/"
    canary = "bulk-canary-" + _secrets.token_hex(8)
    sm.create_secret(Name=prefix + "db", SecretString=json.dumps({"password": canary}),
                     Description="the database", Tags=[{"Key": "team", "Value": "core"}])
    sm.create_secret(Name=prefix + "cert", SecretBinary=b"\x00\x01binary\xff")
    sm.create_secret(Name=prefix + "api", SecretString="line1\nline2 $HOME 'q' \"dq\"")
    sm.create_secret(Name=h.unique_name("bulk-outside"), SecretString="not exported")
    out = tmp_path / "export.age"
    run = tresor(endpoint, "export", "--prefix", prefix, "--output", str(out),
                 "--passphrase-env", "EXPORT_PASS", env_extra={"EXPORT_PASS": "correct horse"})
    assert run.returncode == 0, run.stderr
    assert b"exported 3 secrets" in run.stderr
    sealed = out.read_bytes()
    assert sealed.startswith(b"age-encryption.org/v1") and canary.encode() not in sealed
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600

    # The wrong passphrase opens nothing and creates nothing.
    wrong = tresor(second_server, "import", str(out), "--passphrase-env", "P",
                   env_extra={"P": "wrong"})
    assert wrong.returncode != 0 and b"decrypt" in wrong.stderr, wrong.stderr
    target = h.make_client(second_server)
    assert listed(target, prefix) == []

    run = tresor(second_server, "import", str(out), "--passphrase-env", "P",
                 env_extra={"P": "correct horse"})
    assert run.returncode == 0, run.stderr
    for name in ("db", "cert", "api"):
        original = sm.get_secret_value(SecretId=prefix + name)
        copy = target.get_secret_value(SecretId=prefix + name)
        for field in ("SecretString", "SecretBinary"):
            assert original.get(field) == copy.get(field), (name, field)
    described = target.describe_secret(SecretId=prefix + "db")
    assert described["Description"] == "the database"
    assert described["Tags"] == [{"Key": "team", "Value": "core"}]
    assert canary not in run.stderr.decode() + run.stdout.decode()

    # Unprotected exports must be asked for.
    refused = tresor(endpoint, "export", "--prefix", prefix, "--output", str(tmp_path / "x"))
    assert refused.returncode != 0 and b"--plaintext" in refused.stderr


def test_env_files_in_and_out(endpoint, tmp_path):
    sm = h.make_client(endpoint)
    prefix = h.unique_name("dotenv/") + "/"
    source = tmp_path / "app.env"
    source.write_text("# app settings\nexport DB_PASSWORD='s3cr$t'\nAPI_KEY=abc123\n"
                      'GREETING="hello\\nworld"\n')
    run = tresor(endpoint, "import", str(source), "--prefix", prefix)
    assert run.returncode == 0, run.stderr
    assert sm.get_secret_value(SecretId=prefix + "DB_PASSWORD")["SecretString"] == "s3cr$t"
    assert sm.get_secret_value(SecretId=prefix + "GREETING")["SecretString"] == "hello\nworld"

    # One JSON secret from the whole file, as `tresor exec --secret` reads it.
    bundle = prefix + "bundle"
    run = tresor(endpoint, "import", str(source), "--into", bundle)
    assert run.returncode == 0, run.stderr
    assert json.loads(sm.get_secret_value(SecretId=bundle)["SecretString"]) == {
        "DB_PASSWORD": "s3cr$t", "API_KEY": "abc123", "GREETING": "hello\nworld"}

    # Out again as .env (names lose the prefix), and back in elsewhere.
    exported = tmp_path / "out.env"
    run = tresor(endpoint, "export", "--prefix", prefix, "--format", "env", "--plaintext",
                 "--output", str(exported))
    assert run.returncode == 0, run.stderr
    assert sorted(line.split("=", 1)[0] for line in exported.read_text().splitlines()) == \
        ["API_KEY", "BUNDLE", "DB_PASSWORD", "GREETING"]
    copy = h.unique_name("dotenv-copy/") + "/"
    run = tresor(endpoint, "import", str(exported), "--prefix", copy)
    assert run.returncode == 0, run.stderr
    for name in ("API_KEY", "DB_PASSWORD", "GREETING"):
        assert sm.get_secret_value(SecretId=copy + name)["SecretString"] == \
            sm.get_secret_value(SecretId=prefix + name)["SecretString"]
    assert sm.get_secret_value(SecretId=copy + "BUNDLE")["SecretString"] == \
        sm.get_secret_value(SecretId=bundle)["SecretString"]


def test_a_changed_secret_is_kept_unless_overwrite(endpoint, tmp_path):
    sm = h.make_client(endpoint)
    name = h.unique_name("keep/one")
    sm.create_secret(Name=name, SecretString="original")
    source = tmp_path / "one.json"
    source.write_text(json.dumps({name: "imported"}))
    run = tresor(endpoint, "import", str(source))
    assert run.returncode == 0 and b"kept 1 existing" in run.stderr, run.stderr
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "original"
    for _ in range(2):  # the second --overwrite adds nothing
        run = tresor(endpoint, "import", str(source), "--overwrite")
        assert run.returncode == 0, run.stderr
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "imported"
    assert len(sm.list_secret_version_ids(SecretId=name)["Versions"]) == 2


def test_an_interrupted_import_of_1000_secrets_resumes(endpoint, tmp_path):
    sm = h.make_client(endpoint)
    source = tmp_path / "big.env"
    for attempt in range(5):
        prefix = h.unique_name("resume/") + "/"
        source.write_text("".join(f"VAR_{i}=value-{i}-{attempt}\n" for i in range(1000)))
        proc = subprocess.Popen([os.environ["TRESOR_BIN"], "import", str(source), "--prefix",
                                 prefix], env=env_for(endpoint), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        # Kill it (-9: no clean-up) once it has written some secrets.
        while proc.poll() is None:
            page = sm.list_secrets(Filters=[{"Key": "name", "Values": [prefix]}], MaxResults=100)
            if len(page["SecretList"]) >= 20:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.01)
        proc.wait()
        interrupted = len(listed(sm, prefix))
        if interrupted < 1000:
            break
    assert 0 < interrupted < 1000, "the import was never caught mid-way"

    run = tresor(endpoint, "import", str(source), "--prefix", prefix, timeout=600)
    assert run.returncode == 0, run.stderr
    assert b"imported 1000 secrets" in run.stderr
    secrets = listed(sm, prefix)
    assert len(secrets) == 1000
    # Nothing was written twice: one version per secret, the right value.
    assert all(len(s["SecretVersionsToStages"]) == 1 for s in secrets)
    assert sm.get_secret_value(SecretId=prefix + "VAR_999")["SecretString"] == \
        f"value-999-{attempt}"
    # A third run changes nothing.
    run = tresor(endpoint, "import", str(source), "--prefix", prefix, timeout=600)
    assert run.returncode == 0 and b"kept 0 existing" in run.stderr, run.stderr
    assert all(len(s["SecretVersionsToStages"]) == 1 for s in listed(sm, prefix))
