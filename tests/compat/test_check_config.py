"""`tresor server --check-config`: validates a configuration the way a
start would, prints the effective settings in the config file's own format
(so the printout is itself a valid config file), never prints a secret, and
names every problem a start would stumble on."""

import base64
import os
import sqlite3
import subprocess
import re
import tomllib
from pathlib import Path

import pytest

import smharness as h

pytestmark = pytest.mark.persistent


def check(binary, *args, env=None):
    return subprocess.run([binary, "server", *args, "--check-config"], capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})})


def test_the_effective_settings_are_a_valid_config_file(persistent_supported, tmp_path):
    cert, key = h.self_signed_certificate(tmp_path)
    seal_key = base64.b64encode(os.urandom(32)).decode()
    config = tmp_path / "tresor.toml"
    config.write_text(f"""
listen = "127.0.0.1:9443"
data_dir = "{tmp_path / 'data'}"
region = "eu-west-1"
regions = ["eu-west-1", "eu-central-1"]
account_id = "123456789012"
tls_cert = "{cert}"
tls_key = "{key}"
clock_skew_seconds = 120
purge_interval_seconds = 30
log_format = "json"
seal = "env"
seal_key_env = "MY_SEAL_KEY"

[audit]
timeout_ms = 2000
retention_days = 90
file = "{tmp_path / 'audit.jsonl'}"
file_keep = 3

[backup]
dir = "{tmp_path / 'backups'}"
interval_hours = 6
keep = 4

[store]
cache_secrets = 50000
""")
    # Not initialised yet with an `env` seal: that is the one problem.
    first = check(persistent_supported, "--config", str(config), env={"MY_SEAL_KEY": seal_key})
    assert first.returncode != 0
    assert "not initialised" in first.stderr and "operator init" in first.stderr
    init = subprocess.run([persistent_supported, "operator", "init", "--data-dir",
                           str(tmp_path / "data"), "--seal", "env", "--seal-key-env",
                           "MY_SEAL_KEY", "--account-id", "123456789012"],
                          capture_output=True, text=True, env={**os.environ,
                                                               "MY_SEAL_KEY": seal_key})
    assert init.returncode == 0, init.stderr
    out = check(persistent_supported, "--config", str(config), "--log-level", "debug",
                env={"MY_SEAL_KEY": seal_key})
    assert out.returncode == 0, out.stderr
    assert "The configuration is valid." in out.stderr
    assert seal_key not in out.stdout + out.stderr
    settings = tomllib.loads(out.stdout)
    assert settings["listen"] == "127.0.0.1:9443"
    assert settings["regions"] == ["eu-west-1", "eu-central-1"]
    assert settings["log_level"] == "debug", "a flag overrides the file"
    assert settings["log_format"] == "json"
    assert settings["seal"] == "env" and settings["seal_key_env"] == "MY_SEAL_KEY"
    assert settings["audit"] == {"timeout_ms": 2000, "durable_reads": False,
                                 "retention_days": 90, "file": str(tmp_path / "audit.jsonl"),
                                 "file_max_mb": 100, "file_keep": 3, "stdout": False}
    assert settings["backup"] == {"dir": str(tmp_path / "backups"), "interval_hours": 6.0,
                                  "keep": 4}
    assert settings["store"]["cache_secrets"] == 50000 and settings["store"]["readers"] >= 1
    # The printout is a config file that means the same.
    again = tmp_path / "effective.toml"
    again.write_text(out.stdout)
    second = check(persistent_supported, "--config", str(again), env={"MY_SEAL_KEY": seal_key})
    assert second.returncode == 0, second.stderr
    assert tomllib.loads(second.stdout) == settings


def test_defaults_and_the_development_secret_stay_out(persistent_supported):
    out = check(persistent_supported, "--dev", "--dev-access-key-id", "AKIACHECKCONFIG00001",
                "--dev-secret-access-key", "check-config-dev-secret-value-123")
    assert out.returncode == 0, out.stderr
    assert "check-config-dev-secret-value-123" not in out.stdout + out.stderr
    assert "AKIACHECKCONFIG00001" in out.stdout and "(redacted)" in out.stdout
    settings = tomllib.loads(out.stdout)
    assert settings["listen"] == "127.0.0.1:8737"
    assert settings["clock_skew_seconds"] == 300
    assert settings["seal"] == "file"
    assert settings["audit"]["timeout_ms"] == 5000


def test_every_problem_a_start_would_meet_is_named(persistent_supported, tmp_path):
    binary = persistent_supported
    # An initialised data directory of account A with a file seal.
    data = tmp_path / "data"
    server = h.persistent_server(binary, data, tmp_path, extra_args=["--account-id",
                                                                     "111111111111"]).start()
    h.read_admin_credentials(data)
    server.stop()
    cert, key = h.self_signed_certificate(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    _, other_key = h.self_signed_certificate(other)
    config = tmp_path / "bad.toml"
    config.write_text(f"""
data_dir = "{data}"
account_id = "222222222222"
tls_cert = "{cert}"
tls_key = "{other_key}"

[[oidc_providers]]
issuer = "http://not-https.example"
jwks_url = "https://not-https.example/jwks"

[backup]
dir = "{tmp_path / 'no' / 'such' / 'place'}"
""")
    out = check(binary, "--config", str(config))
    assert out.returncode != 0
    problems = [line for line in out.stderr.splitlines() if line.startswith("problem: ")]
    assert any(p.startswith("problem: TLS:") for p in problems), problems
    assert any(p.startswith("problem: OIDC providers:") for p in problems), problems
    assert any("belongs to account 111111111111" in p for p in problems), problems
    assert any("[backup] dir" in p for p in problems), problems
    assert "the configuration has 4 problems" in out.stderr
    # A seal other than the data directory's, and a database from a newer
    # Tresor.
    wrong_seal = check(binary, "--data-dir", str(data), "--seal", "shamir")
    assert wrong_seal.returncode != 0 and "sealed with `file`" in wrong_seal.stderr
    with sqlite3.connect(data / "tresor.db") as db:
        db.execute("INSERT INTO schema_migrations (version, name, applied_ms) "
                   "VALUES (999, 'from the future', 0)")
    newer = check(binary, "--data-dir", str(data))
    assert newer.returncode != 0 and "schema version 999" in newer.stderr
    # Unknown keys are errors, named.
    typo = tmp_path / "typo.toml"
    typo.write_text("[backup]\ndir = \"/tmp\"\nkeep_last = 3\n")
    out = check(binary, "--config", str(typo))
    assert out.returncode != 0 and "keep_last" in out.stderr


def known_keys(binary, tmp_path, table):
    """The keys a config table accepts, as the server's own error names them."""
    path = tmp_path / "unknown.toml"
    path.write_text((f"{table}\n" if table else "") + "no_such_key_at_all = 1\n")
    out = check(binary, "--config", str(path))
    assert out.returncode != 0
    expected = out.stderr.split("unknown field `no_such_key_at_all`, expected", 1)[1]
    return re.findall(r"`([a-z0-9_]+)`", expected.splitlines()[0])


def test_every_setting_is_documented(persistent_supported, tmp_path):
    doc = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text()
    tables = [""] + [t for t in ("[audit]", "[backup]", "[store]", "[pkcs11]",
                                 "[[oidc_providers]]", "[metrics]")]
    missing = []
    for table in tables:
        if table and table.strip("[]") not in known_keys(persistent_supported, tmp_path, ""):
            continue
        for key in known_keys(persistent_supported, tmp_path, table):
            forms = [f"`{key}`", f"{table.strip('[]')}] {key}`", f"`[{key}]`", f"`[[{key}]]`"]
            if not any(form in doc for form in forms):
                missing.append(f"{table} {key}".strip())
    assert not missing, f"settings missing from docs/configuration.md: {missing}"
