"""`tresor exec`: a program gets secrets in its environment, found and
signed the way the AWS tools would (environment or profile); with
`--watch` it is restarted with the new value after a PutSecretValue."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

import smharness as h

APP = """
import os, sys, time
out = sys.argv[1]
with open(out, "a") as f:
    f.write(os.environ.get("DB_PASSWORD", "<unset>") + "\\n")
if len(sys.argv) > 2:
    sys.exit(int(sys.argv[2]))
import signal
signal.signal(signal.SIGTERM, lambda *a: sys.exit(42))
while True:
    time.sleep(0.1)
"""


@pytest.fixture
def app(tmp_path):
    path = tmp_path / "app.py"
    path.write_text(APP)
    return path


def env_for(ep: h.Endpoint, **extra) -> dict:
    env = dict(os.environ)
    env.update({"AWS_ENDPOINT_URL": ep.url, "AWS_ACCESS_KEY_ID": ep.access_key_id,
                "AWS_SECRET_ACCESS_KEY": ep.secret_access_key,
                "AWS_DEFAULT_REGION": h.DEFAULT_REGION})
    env.update(extra)
    return env


def lines(path) -> list:
    return path.read_text().splitlines() if path.exists() else []


def test_a_python_app_reads_its_password_from_the_environment(endpoint, app, tmp_path):
    binary = os.environ["TRESOR_BIN"]
    sm = h.make_client(endpoint)
    name = h.unique_name("exec/db")
    sm.create_secret(Name=name, SecretString=json.dumps({"password": "pw-1", "user": "app"}))
    out = tmp_path / "out.txt"
    run = subprocess.run([binary, "exec", "--env", f"DB_PASSWORD={name}:password", "--",
                          sys.executable, str(app), str(out), "7"],
                         env=env_for(endpoint), capture_output=True, text=True, timeout=60)
    assert run.returncode == 7, run.stderr  # the program's exit code is ours
    assert lines(out) == ["pw-1"]
    # --secret expands every key under a prefix; a whole string works too.
    shown = subprocess.run([binary, "exec", "--secret", name, "--prefix", "DB_", "--",
                            "sh", "-c", 'echo "$DB_PASSWORD/$DB_USER"'],
                           env=env_for(endpoint), capture_output=True, text=True, timeout=60)
    assert shown.stdout.strip() == "pw-1/app", shown.stderr


def test_a_missing_secret_or_key_starts_nothing(endpoint, app, tmp_path):
    binary = os.environ["TRESOR_BIN"]
    sm = h.make_client(endpoint)
    name = h.unique_name("exec/missing")
    sm.create_secret(Name=name, SecretString=json.dumps({"password": "x"}))
    out = tmp_path / "out.txt"
    for ref, needle in [(h.unique_name("nope"), "ResourceNotFoundException"),
                        (f"{name}:nokey", 'no key "nokey"'),
                        (f"{name}::NOSUCHSTAGE", "ResourceNotFoundException")]:
        run = subprocess.run([binary, "exec", "--env", f"DB_PASSWORD={ref}", "--",
                              sys.executable, str(app), str(out), "0"],
                             env=env_for(endpoint), capture_output=True, text=True, timeout=60)
        assert run.returncode != 0 and needle in run.stderr, (ref, run.stderr)
    assert not out.exists(), "the program was started"


def test_credentials_from_an_aws_profile(endpoint, tmp_path):
    binary = os.environ["TRESOR_BIN"]
    sm = h.make_client(endpoint)
    name = h.unique_name("exec/profile")
    sm.create_secret(Name=name, SecretString="from-a-profile")
    (tmp_path / "credentials").write_text(
        f"[ci]\naws_access_key_id = {endpoint.access_key_id}\n"
        f"aws_secret_access_key = {endpoint.secret_access_key}\n")
    (tmp_path / "config").write_text(
        f"[profile ci]\nregion = {h.DEFAULT_REGION}\nendpoint_url = {endpoint.url}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
                "AWS_CONFIG_FILE": str(tmp_path / "config")})
    run = subprocess.run([binary, "exec", "--profile", "ci", "--env", f"V={name}", "--",
                          "sh", "-c", 'echo "$V"'], env=env, capture_output=True, text=True,
                         timeout=60)
    assert run.stdout.strip() == "from-a-profile", run.stderr
    env["AWS_PROFILE"] = "ci"
    run = subprocess.run([binary, "exec", "--env", f"V={name}", "--", "sh", "-c", 'echo "$V"'],
                         env=env, capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "from-a-profile", run.stderr


def test_watch_restarts_the_app_with_the_new_value(endpoint, app, tmp_path):
    binary = os.environ["TRESOR_BIN"]
    sm = h.make_client(endpoint)
    name = h.unique_name("exec/watch")
    sm.create_secret(Name=name, SecretString=json.dumps({"password": "old-pw"}))
    out = tmp_path / "out.txt"
    # A long interval: only the server's change feed can bring the change.
    proc = subprocess.Popen([binary, "exec", "--watch", "--interval", "600", "--grace", "5",
                             "--env", f"DB_PASSWORD={name}:password", "--",
                             sys.executable, str(app), str(out)],
                            env=env_for(endpoint), stderr=subprocess.PIPE, text=True)
    try:
        h.poll(lambda: lines(out), lambda l: l == ["old-pw"], timeout=20)
        sm.put_secret_value(SecretId=name, SecretString=json.dumps({"password": "new-pw"}))
        h.poll(lambda: lines(out), lambda l: l == ["old-pw", "new-pw"], timeout=20)
        # A change that leaves the value as it was restarts nothing.
        sm.update_secret(SecretId=name, Description="only the description")
        time.sleep(2)
        assert lines(out) == ["old-pw", "new-pw"]
        # Signals reach the program, and its exit code is tresor's.
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 42
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
